"""A session's flow-link delta, taken only from its first changed step, equals taking every old
link out and every new one in (what the flows report sums), for growing and rewritten sessions,
the exit hop, the depth cap and very long page names."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.storage import flow_links
from app.storage.session_row import Row

WIDTH = max(v for k, v in vars(Row).items() if not k.startswith("_") and isinstance(v, int)) + 1
PAGES = st.sampled_from(["/", "/a", "/b", "/pricing", "/é" * 300])


def session(source: str, start_hour: int, pages: list[str], pageviews: int) -> list[Any]:
    row: list[Any] = [None] * WIDTH
    row[Row.site_id], row[Row.source] = 1, source
    row[Row.start_ts] = start_hour * 3_600_000 + 5
    row[Row.pages] = flow_links.SEP.join(pages[: flow_links.MAX_PAGES]) or None
    row[Row.pageviews] = pageviews
    return row


def naive(old: list[Any] | None, new: list[Any]) -> Counter[flow_links.Link]:
    delta: Counter[flow_links.Link] = Counter()
    delta.update(flow_links.links(new))
    if old is not None:
        delta.subtract(flow_links.links(old))
    return Counter({k: n for k, n in delta.items() if n})


versions = st.builds(
    lambda source, hour, pages, extra: (source, hour, pages, len(pages) + extra),
    st.sampled_from(["google", "(direct)"]),
    st.sampled_from([100, 101]),
    st.lists(PAGES, max_size=14),
    st.sampled_from([0, 0, 1]),  # sometimes a later event: not an exit yet
)


@settings(max_examples=400, deadline=None)
@given(old=st.none() | versions, new=versions, grow=st.booleans())
def test_delta_equals_all_out_all_in(old: Any, new: Any, grow: bool) -> None:
    if old is not None and grow:  # the common case: the same session with more page views
        source, hour, pages, _ = old
        more = new[2]
        new = (source, hour, pages + more, len(pages) + len(more) + new[3] - len(new[2]))
    old_row = session(*old) if old is not None else None
    new_row = session(*new)
    deltas = flow_links.Deltas()
    deltas.session(old_row, new_row)
    got = {k: n for k, n in deltas.rows.items() if n}
    assert got == dict(naive(old_row, new_row))
