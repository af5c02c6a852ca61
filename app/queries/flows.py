"""Flows: where do sessions go? Sankey nodes and links from the session's source through its
first `depth` page views to an exit.

Nodes are tagged by step ("0:Google", "1:/", "2:/pricing", "3:/"), so a session that loops back
to a page adds a node one step further on and the graph never has a cycle. A session that ends
within the depth flows into "k:(exit)" after its last page (the drop-off at step k-1); a longer
one into "(continues)". Each step keeps its `limit` busiest values; the rest merge into
"(other)". With `start_page`, a session's flow begins at its first view of that page (sessions
that never view it are left out). Sessions count in the period in which they start, as
everywhere. Unfiltered flows from the first page sum `flow_links`; others read the page views
in `sessions.journey`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import PAGEVIEW
from app.queries import columnar, journey_arrays, rollup_reads, session_events
from app.queries.planner import ROLLUPS, Plan, Question, plan
from app.queries.scope import Scope, s, where
from app.queries.sealed_days import results_beside
from app.queries.summary import period_json
from app.storage import journey
from app.storage.dialect import contains_exact, strpos
from app.storage.tables import events

EXIT = journey_arrays.EXIT
CONTINUES = journey_arrays.CONTINUES
OTHER = "(other)"
MAX_DEPTH = 10


Path = journey_arrays.Path  # source, pages, more pages followed, sessions
Link = journey_arrays.Link


async def session_links(
    conn: AsyncConnection, chosen: Plan, depth: int, start_page: str | None
) -> Counter[Link]:
    """Sessions per (step, from, to) link of their chains [source, first `depth` pages from
    the start page, (exit) / (continues)]: from sealed hours' coded journeys
    (app/queries/journey_arrays.py), else from `sessions.journey` in SQL. Only a session whose
    journey was truncated before its flow ends (a very long session) reads its page views from
    `events`, all such sessions in a few chunked queries."""
    scope = chosen.scope
    frame = await chosen.frame(conn, dims=["source"], fields=_FLOW_COLUMNS)
    if frame is None:
        paths, long = await _paths_in_sql(conn, await chosen.sql_scope(conn), depth, start_page)
        links = _links_of(paths)
    else:
        links, long = await columnar.off_loop(_links_in_columns, frame, depth, start_page)
    if long:
        walked: list[Path] = []
        spans = {sid: (lo, hi) for sid, (_, lo, hi) in long.items()}
        for sid, pages in (await _all_pages(conn, scope.site_id, spans)).items():
            _add_path(walked, str(long[sid][0]), pages, depth, start_page, 1)
        links.update(_links_of(walked))
    return links


def _links_in_columns(
    frame: columnar.Frame, depth: int, start_page: str | None
) -> tuple[Counter[Link], dict[int, tuple[str | None, int, int]]]:
    """The links from coded journeys, and the sessions to walk: id -> (source, start, end)."""
    source, truncated = frame.labels("source"), frame.numbers("truncated")
    run = frame.ragged("journey")
    links, walk = journey_arrays.flow_links(source, run, truncated, depth, start_page)
    labels = [source.labels[code] for code in source.codes[walk].tolist()]
    spans = frame.spans(walk)
    long = {
        sid: (label, lo, hi) for (sid, (lo, hi)), label in zip(spans.items(), labels, strict=True)
    }
    return links, long


_FLOW_COLUMNS = ("duration", "session", "truncated", "journey")


async def _paths_in_sql(
    conn: AsyncConnection, scope: Scope, depth: int, start_page: str | None
) -> tuple[list[Path], dict[int, tuple[str | None, int, int]]]:
    period = scope.period
    stored: ColumnElement[Any] = s.journey
    if start_page is not None:
        # From the start page's first view on (the whole journey where it is not found).
        item = journey.page(start_page)
        stored = func.substr(s.journey, strpos(s.journey, item))
    truncated = s.journey.endswith(journey.TRUNCATED)
    alone = case((truncated, s.session_id))  # a truncated journey is its own group
    tail = stored.label("tail")
    query = (
        select(s.source, tail, alone, func.count(), func.min(s.start_ts), func.max(s.end_ts))
        .where(where(scope, period.start, period.end))
        .group_by(s.source, tail, alone)
    )
    if start_page is not None:  # only sessions that viewed it (or whose journey was cut short)
        query = query.where(or_(contains_exact(s.journey, item), truncated))
    out: list[Path] = []
    long: dict[int, tuple[str | None, int, int]] = {}
    for source, text, sid, n, start_ts, end_ts in await conn.execute(query):
        pages = journey.pages(text) if text else []
        if sid is not None:  # more page views than stored: is the flow inside them?
            begin = 0 if start_page is None else _index(pages, start_page)
            if begin is None or begin + depth + 1 > len(pages):
                long[sid] = (source, start_ts, end_ts)
                continue
        _add_path(out, source, pages, depth, start_page, n)
    return out, long


def _add_path(
    out: list[Path],
    source: str,
    pages: list[str],
    depth: int,
    start_page: str | None,
    sessions: int,
) -> None:
    begin = 0 if start_page is None else _index(pages, start_page)
    if begin is None or not pages:
        return
    flow = pages[begin : begin + depth + 1]  # one past the depth says "continues"
    out.append((source, flow[:depth], len(flow) > depth, sessions))


def _index(pages: list[str], page: str) -> int | None:
    return pages.index(page) if page in pages else None


async def _all_pages(
    conn: AsyncConnection, site_id: int, spans: dict[int, tuple[int, int]]
) -> dict[int, list[str]]:
    """Every page view of the given sessions (id -> (start_ts, end_ts)), from their events."""
    views = await session_events.by_session(
        conn, site_id, spans, ("pathname",), events.c.name == PAGEVIEW
    )
    return {sid: [path for (path,) in rows] for sid, rows in views.items()}


def _top(counts: Counter[str], limit: int) -> set[str]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {name for name, _ in ranked[:limit]}


async def flows(
    conn: AsyncConnection,
    scope: Scope,
    depth: int = 4,
    start_page: str | None = None,
    limit: int = 10,
) -> dict[str, Any]:
    chosen = plan(Question("flows", start_page=start_page), scope)
    if chosen.path == ROLLUPS:
        results = results_beside(scope.columns)
        links = await rollup_reads.flow_links(conn, scope.site_id, scope.period, depth, results)
    else:
        links = await session_links(conn, chosen, depth, start_page)
    per_step: list[Counter[str]] = [Counter() for _ in range(depth + 1)]
    for (step, src, dst), n in links.items():
        if step == 0:
            per_step[0][src] += n
        if dst != EXIT and step < depth:
            per_step[step + 1][dst] += n
    # Step 0 is the source, steps 1..depth the pages; keep each step's `limit` busiest values.
    kept = [_top(counter, limit) for counter in per_step]
    nodes: Counter[tuple[int, str]] = Counter()
    edges: Counter[tuple[tuple[int, str], tuple[int, str]]] = Counter()
    for (step, src, dst), n in links.items():
        a = (step, src if src in kept[step] else OTHER)
        if dst == EXIT:
            b = (step + 1, EXIT)
        elif step == depth:
            b = (step + 1, CONTINUES)
        else:
            b = (step + 1, dst if dst in kept[step + 1] else OTHER)
        if step == 0:
            nodes[a] += n
        nodes[b] += n
        edges[(a, b)] += n
    exits: Counter[int] = Counter()
    for (step, _, dst), n in links.items():
        if dst == EXIT:
            exits[step] += n  # every page of a step has its exit link: they add up
    return {
        "period": period_json(scope.period),
        "depth": depth,
        "start_page": start_page,
        "sessions": sum(per_step[0].values()),
        "nodes": [_node(key, n) for key, n in sorted(nodes.items(), key=_node_order)],
        "links": [
            {"source": _id(a), "target": _id(b), "sessions": n}
            for (a, b), n in sorted(edges.items(), key=lambda kv: (kv[0][0][0], -kv[1], kv[0]))
        ],
        "steps": _drop_off(per_step, exits),
    }


def _links_of(paths: list[Path]) -> Counter[Link]:
    """The (step, from, to) links of each session's chain, as flow_links stores them: the link
    leaving the last page goes to EXIT when the session ended there, else to the next page."""
    links: Counter[Link] = Counter()
    for source, pages, more, n in paths:
        chain = [source, *pages]
        for step in range(len(chain) - 1):
            links[(step, chain[step], chain[step + 1])] += n
        links[(len(pages), chain[-1], CONTINUES if more else EXIT)] += n
    return links


def _id(key: tuple[int, str]) -> str:
    return f"{key[0]}:{key[1]}"


def _node(key: tuple[int, str], sessions: int) -> dict[str, Any]:
    return {"id": _id(key), "step": key[0], "name": key[1], "sessions": sessions}


def _node_order(item: tuple[tuple[int, str], int]) -> tuple[int, int, str]:
    (step, name), n = item
    return step, -n, name


def _drop_off(per_step: list[Counter[str]], exits: Counter[int]) -> list[dict[str, Any]]:
    """Per page step: sessions that reached it, and how many ended there (exits)."""
    out = []
    for step in range(1, len(per_step)):
        reached = sum(per_step[step].values())
        rate = round(100 * exits[step] / reached, 1) if reached else 0
        out.append({"step": step, "sessions": reached, "exits": exits[step], "exit_rate": rate})
    return out
