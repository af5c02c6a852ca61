"""The report email: subject, plain text and HTML. The HTML is tables with inline styles and no
images or scripts (mail clients block both): KPI cards in one row, the visitors-per-day chart
as a table whose bars are cells of proportional width, then the top lists. The text part says
the same with `#` bars."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from app.reports.schedule import WEEKLY

LABELS = {
    "visitors": "Visitors",
    "pageviews": "Pageviews",
    "bounce_rate": "Bounce rate",
    "avg_engagement_ms": "Visit duration",
}
LISTS = (("pages", "Top pages"), ("sources", "Sources"), ("countries", "Countries"))
BAR = "#4f6bed"
BAR_CHARS = 30


def figure(name: str, value: float) -> str:
    if name == "bounce_rate":
        return f"{value:g}%"
    if name == "avg_engagement_ms":
        seconds = round(value / 1000)
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{int(value):,}"


def change(entry: dict[str, Any]) -> str:
    value = entry.get("change")
    if value is None:
        return "new" if entry.get("value") else "no change"
    return f"{value:+g}% vs before" if value else "no change"


def span(report: dict[str, Any]) -> str:
    labels = report["period"]["labels"]
    first = date.fromisoformat(labels[0][:10])
    last = date.fromisoformat(labels[-1][:10])
    if first == last:
        return f"{first.day} {first:%b %Y}"
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


def subject(domain: str, interval: str, report: dict[str, Any]) -> str:
    word = "Weekly" if interval == WEEKLY else "Monthly"
    return f"{word} report for {domain}: {span(report)}"


def text(domain: str, interval: str, report: dict[str, Any], unsubscribe: str, link: str) -> str:
    lines = [subject(domain, interval, report), ""]
    for name, entry in report["kpis"].items():
        lines.append(f"{LABELS[name]:<15} {figure(name, entry['value']):>10}   {change(entry)}")
    top = max([n for _, n in report["days"]] + [1])
    lines += ["", "Visitors per day"]
    for day, n in report["days"]:
        label = date.fromisoformat(day).strftime("%a %d %b")
        lines.append(f"{label:<11} {'#' * round(BAR_CHARS * n / top):<{BAR_CHARS}} {n:,}")
    for key, title in (*LISTS, ("goals", "Goals")):
        lines += ["", title]
        rows = report[key]
        if not rows:
            lines.append("  (none)")
        for row in rows:
            name = row.get("value", row.get("goal")) or "(none)"
            extra = f" ({row['conversion_rate']:g}%)" if key == "goals" else ""
            lines.append(f"  {str(name)[:60]:<60} {row['visitors']:>8,}{extra}")
    if link:
        lines += ["", f"Dashboard: {link}"]
    lines += ["", f"Unsubscribe: {unsubscribe}"]
    return "\n".join(lines) + "\n"


def _e(value: object) -> str:
    return html.escape(str(value))


def _cards(report: dict[str, Any]) -> str:
    cells = []
    for name, entry in report["kpis"].items():
        cells.append(
            '<td valign="top" style="padding:10px;border:1px solid #e3e6ee;border-radius:6px;'
            'width:25%">'
            f'<div style="font-size:12px;color:#5b6270">{_e(LABELS[name])}</div>'
            '<div style="font-size:20px;font-weight:600;white-space:nowrap">'
            f"{_e(figure(name, entry['value']))}</div>"
            f'<div style="font-size:12px;color:#5b6270">{_e(change(entry))}</div></td>'
        )
    return ('<table role="presentation" width="100%" cellspacing="6" cellpadding="0">'
            f"<tr>{''.join(cells)}</tr></table>")  # fmt: skip


def _chart(report: dict[str, Any]) -> str:
    top = max([n for _, n in report["days"]] + [1])
    rows = []
    for day, n in report["days"]:
        label = date.fromisoformat(day).strftime("%a %d")
        width = max(1, round(100 * n / top)) if n else 0
        bar = (
            f'<td width="{width}%" style="background:{BAR};height:12px;font-size:1px">&nbsp;</td>'
            if width
            else ""
        )
        rows.append(
            f'<tr><td style="font-size:12px;color:#5b6270;white-space:nowrap;padding-right:8px">'
            f'{_e(label)}</td><td width="100%"><table role="presentation" width="100%" '
            f'cellspacing="0" cellpadding="0"><tr>{bar}<td></td></tr></table></td>'
            f'<td style="font-size:12px;text-align:right;padding-left:8px">{n:,}</td></tr>'
        )
    return (
        '<h2 style="font-size:15px;margin:20px 0 6px">Visitors per day</h2>'
        f'<table role="presentation" width="100%" cellspacing="0" cellpadding="2">{"".join(rows)}'
        "</table>"
    )


def _list(title: str, rows: list[dict[str, Any]], goals: bool = False) -> str:
    body = (
        "".join(
            f'<tr><td style="padding:3px 0;border-bottom:1px solid #eef0f4;word-break:break-all">'
            f"{_e(row.get('value', row.get('goal')) or '(none)')}</td>"
            f'<td style="text-align:right;border-bottom:1px solid #eef0f4">{row["visitors"]:,}'
            + (f" ({row['conversion_rate']:g}%)" if goals else "")
            + "</td></tr>"
            for row in rows
        )
        or '<tr><td style="color:#5b6270">(none)</td></tr>'
    )
    return (
        f'<h2 style="font-size:15px;margin:20px 0 6px">{_e(title)}</h2>'
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" '
        f'style="font-size:13px">{body}</table>'
    )


def page(domain: str, interval: str, report: dict[str, Any], unsubscribe: str, link: str) -> str:
    lists = "".join(_list(title, report[key]) for key, title in LISTS)
    dashboard = (
        f'<a href="{_e(link)}" style="color:{BAR}">Open the dashboard</a> · ' if link else ""
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width, initial-scale=1"></head>'
        '<body style="margin:0;background:#f5f6fa">'
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0"><tr><td '
        'align="center" style="padding:16px"><table role="presentation" width="600" '
        'style="max-width:600px;width:100%;background:#ffffff;color:#1d2130;'
        'font-family:system-ui,-apple-system,Segoe UI,sans-serif;padding:20px;border-radius:8px">'
        '<tr><td><h1 style="font-size:18px;margin:0 0 12px">'
        f"{_e(subject(domain, interval, report))}</h1>{_cards(report)}{_chart(report)}{lists}"
        f"{_list('Goals', report['goals'], goals=True)}"
        f'<p style="font-size:12px;color:#5b6270;margin-top:24px">{dashboard}'
        f'<a href="{_e(unsubscribe)}" style="color:#5b6270">Unsubscribe</a></p>'
        "</td></tr></table></td></tr></table></body></html>"
    )
