"""Brute-force flows, retention and funnels straight from the stored `events` rows (via
traffic.stored_sessions), written the plain way: the reference the queries must equal."""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any

from app.queries.filters import Filter
from tests.queries import traffic


def pages(session: dict[str, Any]) -> list[str]:
    return [e["pathname"] for e in session["events"] if e["name"] == "pageview"]


def flows(
    stored: dict[int, Any],
    start: int,
    end: int,
    filters: list[Filter],
    depth: int,
    page: str | None,
) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    nodes: Counter[str] = Counter()
    links: Counter[tuple[str, str]] = Counter()
    for s in traffic.in_period(stored, start, end, filters):
        views = pages(s)
        if page is not None:
            views = views[views.index(page) :] if page in views else []
        if not views:
            continue
        chain = [f"0:{s['dims']['source']}"]
        chain += [f"{i + 1}:{p}" for i, p in enumerate(views[:depth])]
        ending = "(continues)" if len(views) > depth else "(exit)"
        chain.append(f"{min(len(views), depth) + 1}:{ending}")
        nodes.update(chain)
        links.update(zip(chain, chain[1:], strict=False))
    return nodes, links


def retention(
    stored: dict[int, Any], bounds: tuple[int, ...], filters: list[Filter]
) -> dict[tuple[int, int], int]:
    start, end = bounds[0], bounds[-1]
    first: dict[int, int] = {}
    for s in traffic.in_period(stored, start, end, filters):
        if s["new"]:
            first[s["visitor"]] = min(first.get(s["visitor"], s["start"]), s["start"])
    active: dict[tuple[int, int], set[int]] = {}
    for s in stored.values():
        visitor = s["visitor"]
        if visitor in first and first[visitor] <= s["start"] < end:
            cohort = bisect.bisect_right(bounds, first[visitor]) - 1
            k = bisect.bisect_right(bounds, s["start"]) - 1
            active.setdefault((cohort, k), set()).add(visitor)
    return {key: len(v) for key, v in active.items()}


def _hit(step: str, e: Any) -> bool:
    if step.startswith("event:"):
        return bool(e["name"] == step[6:])
    return bool(e["name"] == "pageview" and e["pathname"] == step)


def funnel(
    stored: dict[int, Any], start: int, end: int, filters: list[Filter], steps: list[str]
) -> list[int]:
    best: dict[int, int] = {}
    for s in traffic.in_period(stored, start, end, filters):
        reached = 0
        for e in s["events"]:
            if reached < len(steps) and _hit(steps[reached], e):
                reached += 1
        best[s["visitor"]] = max(best.get(s["visitor"], 0), reached)
    return [sum(1 for r in best.values() if r > i) for i in range(len(steps))]
