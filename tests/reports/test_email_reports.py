"""Scheduled email reports on a fake clock against a real SMTP server (aiosmtpd): the weekly
report goes out at its local hour once — not again on the next run nor after a restart (a new
runtime on the same database), and after downtime at the send hour it goes out at the next
run; its figures are the dashboard API's; KPI cards, the table chart, top lists, goals, text and
HTML, unsubscribe link and List-Unsubscribe headers; 08:00 Europe/Berlin across the DST change;
the API's 400s; the unsubscribe link (GET asks, POST unsubscribes, one-click POST)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from quart import Quart

from app.clock import FakeClock
from app.reports.schedule import MONTHLY, WEEKLY, latest_due, next_send
from app.settings import Settings
from tests.conftest import FIREFOX, SITE, add_sites, make_token
from tests.support.smtp import Inbox

BASE = f"/api/v1/sites/{SITE}/email-reports"
BERLIN = "berlin.example"


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def mail_app(make_app: Callable[..., Quart], smtp_server: Inbox) -> Callable[[], Quart]:
    def factory() -> Quart:
        return make_app(smtp_url=smtp_server.url, public_url="https://pulse.example")

    return factory


@pytest.fixture
async def app(mail_app: Callable[[], Quart]) -> AsyncIterator[Quart]:
    quart_app = mail_app()
    async with quart_app.test_app():
        yield quart_app


async def visit(client: Any, visitor: str, path: str = "/", site: str = SITE) -> None:
    body = {"url": f"https://{site}{path}", "visitor_id": visitor, "event_type": "pageview"}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202


async def run_job(app: Quart) -> bool:
    ran: bool = await app.extensions["pulse"].scheduler.run_now("email-reports")
    return ran


def test_schedule_weekly_and_monthly() -> None:
    # Monday 2026-01-12 (UTC): before 08:00 the newest due week is Dec 29 - Jan 5.
    assert latest_due(WEEKLY, 8, "UTC", ms("2026-01-12T07:59")) == (
        ms("2025-12-29T00:00"), ms("2026-01-05T00:00"))  # fmt: skip
    assert latest_due(WEEKLY, 8, "UTC", ms("2026-01-12T08:00")) == (
        ms("2026-01-05T00:00"), ms("2026-01-12T00:00"))  # fmt: skip
    assert latest_due(MONTHLY, 6, "UTC", ms("2026-03-01T06:00")) == (
        ms("2026-02-01T00:00"), ms("2026-03-01T00:00"))  # fmt: skip
    assert latest_due(MONTHLY, 6, "UTC", ms("2026-03-01T05:00")) == (
        ms("2026-01-01T00:00"), ms("2026-02-01T00:00"))  # fmt: skip
    assert next_send(MONTHLY, 6, "UTC", ms("2026-12-15T00:00")) == ms("2027-01-01T06:00")
    assert next_send(WEEKLY, 8, "UTC", ms("2026-01-12T08:00")) == ms("2026-01-19T08:00")


async def test_weekly_report_once_at_its_hour_across_restarts(
    mail_app: Callable[[], Quart], smtp_server: Inbox, clock: FakeClock,
    admin_headers: dict[str, str],
) -> None:  # fmt: skip
    app = mail_app()
    async with app.test_app():
        client: Any = app.test_client()
        clock.set(ms("2026-01-01T10:00"))  # the week before: one visitor
        await visit(client, "x")
        clock.set(ms("2026-01-05T10:00"))  # Monday: subscribe; first report next Monday
        created = await client.post(
            BASE, json={"email": "Boss@Example.com", "interval": "weekly", "hour": 8},
            headers=admin_headers,
        )  # fmt: skip
        assert created.status_code == 201, await created.get_json()
        sub = await created.get_json()
        assert sub["email"] == "boss@example.com"
        assert sub["next_send_ms"] == ms("2026-01-12T08:00")
        clock.set(ms("2026-01-06T09:00"))
        for v, path in (("a", "/"), ("b", "/pricing"), ("c", "/pricing")):
            await visit(client, v, path)
        await visit(client, "a", "/docs")
        clock.set(ms("2026-01-07T15:00"))
        await visit(client, "d", "/pricing")
        await run_job(app)
        assert smtp_server.messages == []  # nothing due: last week was due at subscribing
        clock.set(ms("2026-01-12T07:59"))
        await run_job(app)
        assert smtp_server.messages == []
        clock.set(ms("2026-01-12T08:00"))
        await run_job(app)
        await run_job(app)
        (mail,) = await smtp_server.wait_for(1)
        summary = await client.get(
            f"/api/v1/sites/{SITE}/summary?range=custom&from=2026-01-05&to=2026-01-11",
            headers=admin_headers,
        )
        expected = (await summary.get_json())["metrics"]
    # The restart at the send hour: a new runtime on the same database sends nothing more.
    clock.advance(minutes=5)
    again = mail_app()
    async with again.test_app():
        await run_job(again)
    assert len(smtp_server.messages) == 1
    assert mail.recipients == ["boss@example.com"]
    assert mail.message["Subject"] == "Weekly report for example.com: 5 Jan – 11 Jan 2026"
    unsubscribe = mail.message["List-Unsubscribe"].strip().strip("<>")
    assert re.fullmatch(r"https://pulse\.example/unsubscribe/\d+\.[\w-]+", unsubscribe)
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = mail.text, mail.html
    # The dashboard API's figures: 4 visitors (1 the week before: +300%), 5 pageviews.
    assert expected["visitors"]["value"] == 4 and expected["visitors"]["change"] == 300.0
    assert re.search(r"Visitors\s+4\s+\+300% vs before", text)
    assert re.search(rf"Pageviews\s+{expected['pageviews']['value']}\s", text)
    assert f"{expected['bounce_rate']['value']:g}%" in text
    assert re.search(r"/pricing\s+3", text) and "Direct" in text
    assert "Tue 06 Jan" in text and unsubscribe in text
    assert "https://pulse.example/?site=example.com" in text
    assert "<img" not in html and "<script" not in html
    assert 'width="100%" style="background:#4f6bed' in html  # Tue: the tallest bar
    assert f'href="{unsubscribe}"' in html
    # Down all of the next Monday, up on Tuesday: last week's report goes out then, once.
    clock.set(ms("2026-01-20T11:00"))
    later = mail_app()
    async with later.test_app():
        await run_job(later)
        await run_job(later)
        listed = await (await later.test_client().get(BASE, headers=admin_headers)).get_json()
    await smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[1].message["Subject"].endswith("12 Jan – 18 Jan 2026")
    assert listed["email_reports"][0]["last_sent_at"] == ms("2026-01-20T11:00")


async def test_weekly_report_keeps_its_local_hour_across_dst(
    app: Quart, client: Any, smtp_server: Inbox, clock: FakeClock, migrated: Settings,
    admin_headers: dict[str, str],
) -> None:  # fmt: skip
    await add_sites(migrated, BERLIN, timezone="Europe/Berlin")
    clock.set(ms("2026-03-16T12:00"))
    body = {"email": "team@example.com", "interval": "weekly", "hour": 8}
    created = await client.post(
        f"/api/v1/sites/{BERLIN}/email-reports", json=body, headers=admin_headers
    )
    assert created.status_code == 201, await created.get_json()
    clock.set(ms("2026-03-23T06:59"))  # 07:59 CET
    await run_job(app)
    assert smtp_server.messages == []
    clock.set(ms("2026-03-23T07:00"))  # 08:00 CET
    await run_job(app)
    await smtp_server.wait_for(1)
    # Clocks went forward on Sunday 29 March: 08:00 is now 06:00 UTC.
    clock.set(ms("2026-03-30T05:59"))  # 07:59 CEST
    await run_job(app)
    assert len(smtp_server.messages) == 1
    clock.set(ms("2026-03-30T06:00"))  # 08:00 CEST
    await run_job(app)
    (first, second) = await smtp_server.wait_for(2)
    assert first.message["Subject"].endswith("16 Mar – 22 Mar 2026")
    assert second.message["Subject"].endswith("23 Mar – 29 Mar 2026")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval": "weekly", "hour": 8}, "email"),
        ({"email": "nope", "hour": 8}, "email"),
        ({"email": "a@example.com", "interval": "daily"}, "interval"),
        ({"email": "a@example.com", "hour": 24}, "hour"),
        ({"email": "a@example.com", "hour": "8"}, "hour"),
        ({"email": "a@example.com", "hour": True}, "hour"),
        ({"email": "a@example.com", "colour": "red"}, "colour"),
        ([], "body"),
    ],
)
async def test_bad_subscriptions_are_400s_naming_the_field(
    client: Any, admin_headers: dict[str, str], body: Any, field: str
) -> None:
    response = await client.post(BASE, json=body, headers=admin_headers)
    assert response.status_code == 400
    assert (await response.get_json())["field"] == field


async def test_duplicates_readers_and_no_smtp(
    client: Any, admin_headers: dict[str, str], migrated: Settings,
    make_app: Callable[..., Quart],
) -> None:  # fmt: skip
    body = {"email": "a@example.com", "interval": "monthly", "hour": 7}
    assert (await client.post(BASE, json=body, headers=admin_headers)).status_code == 201
    assert (await (await client.get(BASE, headers=admin_headers)).get_json())["smtp_configured"]
    twice = await client.post(BASE, json=body, headers=admin_headers)
    assert twice.status_code == 400 and (await twice.get_json())["field"] == "email"
    reader = {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}
    assert (await client.get(BASE, headers=reader)).status_code == 403
    assert (await client.post(BASE, json=body, headers=reader)).status_code == 403
    plain = make_app()
    async with plain.test_app():
        refused = await plain.test_client().post(BASE, json=body, headers=admin_headers)
        assert refused.status_code == 400
        listed = await plain.test_client().get(BASE, headers=admin_headers)
        assert (await listed.get_json())["smtp_configured"] is False


async def test_unsubscribe_link(
    app: Quart, client: Any, admin_headers: dict[str, str], smtp_server: Inbox
) -> None:
    made = []
    for email in ("one@example.com", "two@example.com"):
        body = {"email": email, "interval": "weekly", "hour": 8}
        made.append(await (await client.post(BASE, json=body, headers=admin_headers)).get_json())
    sender = app.extensions["pulse"].reports
    first = sender.unsubscribe_url(made[0]["id"], "one@example.com").split("/unsubscribe/")[1]
    second = sender.unsubscribe_url(made[1]["id"], "two@example.com").split("/unsubscribe/")[1]
    # GET (a mail client's prefetch) only asks.
    page = await client.get(f"/unsubscribe/{first}")
    assert page.status_code == 200 and "one@example.com" in await page.get_data(as_text=True)
    assert len((await (await client.get(BASE, headers=admin_headers)).get_json())[
        "email_reports"]) == 2  # fmt: skip
    # A forged token (another subscription's id with this signature) is refused.
    forged = f"{made[1]['id']}.{first.split('.')[1]}"
    assert (await client.post(f"/unsubscribe/{forged}")).status_code == 404
    done = await client.post(f"/unsubscribe/{first}")  # the page's button: no sign-in
    assert done.status_code == 200
    assert "one@example.com will no longer get" in await done.get_data(as_text=True)
    assert (await client.post(f"/unsubscribe/{first}")).status_code == 404
    # RFC 8058 one-click, as a mail provider posts it.
    one_click = await client.post(f"/unsubscribe/{second}", form={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert (await (await client.get(BASE, headers=admin_headers)).get_json()) == {
        "email_reports": [], "smtp_configured": True}  # fmt: skip
    assert (await client.get("/unsubscribe/junk")).status_code == 404
