"""Flow rollups: the Sankey's links, counted per session and kept exact by deltas.

A session's flow is its chain [source, page 1, page 2, ...] (its first `MAX_PAGES` page views,
the `pages` column of `sessions`); it adds 1 to each link (step, from, to) of the chain, and to
(k, page k, "(exit)") when it ended after k pages. A flows report of depth d sums the links of
steps < d as they are and turns each link leaving step d into "(continues)" (a page follows) or
"(exit)" — so one stored set of links answers every depth up to MAX_DEPTH.

Links are additive, so they are stored per (site, UTC hour) and per (site, UTC day) of the
session's start: a 30-day report sums ~30 days of rows, with hours only at the edges. A session
that grows across batches has its old links taken out and its new ones put in.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from app.clock import HOUR_MS
from app.storage.dialect import execute_rows, upsert
from app.storage.session_row import Row
from app.storage.tables import flow_links

EXIT = "(exit)"
MAX_DEPTH = 10
MAX_PAGES = MAX_DEPTH + 1  # one past the deepest report tells "continues" from "exit"
HOUR, DAY = 1, 24  # the `grain` column: hours per bucket
KEY_BYTES = 1_000
SEP = "\n"  # URL parsing drops newlines, so no path holds one


Link = tuple[int, int, int, int, str, str]  # site, grain, bucket, step, from, to


def add_page(pages: str | None, path: str) -> str | None:
    """The session's `pages` with one more page view (kept to the first MAX_PAGES)."""
    if not pages:
        return path
    if pages.count(SEP) + 1 >= MAX_PAGES:
        return pages
    return pages + SEP + path


def join_pages(first: str | None, then: str | None) -> str | None:
    if not first or not then:
        return first or then
    if first.count(SEP) + then.count(SEP) + 2 <= MAX_PAGES:
        return first + SEP + then  # all of both fit
    return SEP.join((first.split(SEP) + then.split(SEP))[:MAX_PAGES])


def _key_text(text: str) -> str:
    """At most KEY_BYTES of UTF-8: two values fit one PostgreSQL index entry (2,704 bytes)."""
    if len(text) * 4 <= KEY_BYTES:
        return text
    return text.encode()[:KEY_BYTES].decode(errors="ignore")


def links(row: Sequence[Any], first_step: int = 0) -> list[Link]:
    """The session's links from step `first_step` on (the earlier ones are all its chain's
    head decides)."""
    pages = row[Row.pages]
    if not pages:
        return []
    return _links(row, pages.split(SEP), first_step)


def _links(row: Sequence[Any], pages: list[str], first_step: int) -> list[Link]:
    """`links` for the session's pages (never empty) split already."""
    last = len(pages)  # the chain is [source, *pages]: its last step
    site, hour = row[Row.site_id], row[Row.start_ts] // HOUR_MS
    day = hour // DAY
    out: list[Link] = []
    if first_step < min(last, MAX_DEPTH + 1):
        chain = [row[Row.source], *pages]
        for step in range(first_step, min(last, MAX_DEPTH + 1)):
            src, dst = _key_text(chain[step]), _key_text(chain[step + 1])
            out.append((site, HOUR, hour, step, src, dst))
            out.append((site, DAY, day, step, src, dst))
    if row[Row.pageviews] == last and first_step <= last <= MAX_DEPTH:
        src = _key_text(pages[-1])
        out.append((site, HOUR, hour, last, src, EXIT))
        out.append((site, DAY, day, last, src, EXIT))
    return out


def _shared(old: list[str], new: list[str]) -> int:
    """How many leading pages two versions of a session's chain have in common."""
    if new[: len(old)] == old:
        return len(old)  # the session grew (nearly always)
    shared = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        shared += 1
    return shared


# What a session's links depend on: the chain's head (site, start, source) and the rest.
_head = itemgetter(Row.site_id, Row.start_ts, Row.source)
_shape = itemgetter(Row.pages, Row.pageviews, Row.start_ts, Row.source)


def _exit_moved(pages: str | None, old_views: int, new_views: int) -> bool:
    """Whether a chain's exit link comes or goes as its page views go from old to new."""
    if not pages:
        return False
    last = pages.count(SEP) + 1
    return last <= MAX_DEPTH and (old_views == last) != (new_views == last)


class Deltas:
    def __init__(self) -> None:
        self.rows: dict[Link, int] = {}

    def session(self, old: Sequence[Any] | None, new: Sequence[Any]) -> None:
        """The session's old links out, its new ones in — only from the first step that changed
        (profiled: re-adding every link of every grown session was ~14 % of the writer's time
        at saturation). Step j links chain[j] to chain[j + 1]: it is shared while the head and
        the first j + 1 pages agree."""
        rows = self.rows
        if old is None:
            for link in links(new):
                rows[link] = rows.get(link, 0) + 1
            return
        if _shape(old) == _shape(new):
            return
        same_chain = old[Row.pages] == new[Row.pages] and _head(old) == _head(new)
        if same_chain and not _exit_moved(new[Row.pages], old[Row.pageviews], new[Row.pageviews]):
            return  # more page views past the kept pages: the same links
        old_pages = old[Row.pages].split(SEP) if old[Row.pages] else []
        new_pages = new[Row.pages].split(SEP) if new[Row.pages] else []
        first = _shared(old_pages, new_pages) if _head(old) == _head(new) else 0
        if old_pages:
            for link in _links(old, old_pages, first):
                rows[link] = rows.get(link, 0) - 1
        if new_pages:
            for link in _links(new, new_pages, first):
                rows[link] = rows.get(link, 0) + 1


_KEY_COLS = ("site_id", "grain", "bucket", "step", "src", "dst")


@cache
def _upsert(dialect: str) -> Insert:
    return upsert(
        dialect, flow_links, _KEY_COLS, lambda ex: {"sessions": flow_links.c.sessions + ex.sessions}
    )


async def write(conn: AsyncConnection, deltas: Deltas) -> None:
    rows = sorted((*key, n) for key, n in deltas.rows.items() if n)
    await execute_rows(conn, _upsert(conn.dialect.name), (*_KEY_COLS, "sessions"), rows)
