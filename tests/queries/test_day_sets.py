"""day_sets: a day's result is reused only for equal kept rows; unions count exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.queries import day_sets
from app.storage.columns import Ragged


def test_a_day_result_is_reused_only_for_the_same_kept_rows() -> None:
    run = Ragged([], np.zeros(4, np.int64), np.zeros(0, np.int64))  # 3 sessions, no items
    calls: list[int] = []

    def build(n: int) -> int:
        calls.append(n)
        return n

    kept = np.array([0, 2])
    assert day_sets.per_day(run, ("k",), kept, lambda: build(1)) == 1
    assert day_sets.per_day(run, ("k",), kept.copy(), lambda: build(2)) == 1
    assert day_sets.per_day(run, ("k",), np.array([0, 1]), lambda: build(3)) == 3
    assert calls == [1, 3]
    for n in range(day_sets.DAY_KEYS + 2):  # other keys push the oldest out, within a bound
        day_sets.per_day(run, ("other", n), kept, lambda: 0)
    assert sum(1 for k in run.memo if k[0] == day_sets.DAY_SETS) == day_sets.DAY_KEYS


ids = st.lists(st.integers(-(2**62), 2**62), max_size=30)


@given(st.lists(ids, max_size=6), ids)
def test_distinct_counts_the_union(days: list[list[int]], extra: list[int]) -> None:
    runs = [day_sets.unique_sorted(np.array(day, dtype=np.int64)) for day in days]
    wanted = len({v for day in days for v in day} | set(extra))
    assert day_sets.distinct(runs, np.array(extra, dtype=np.int64)) == wanted
    assert day_sets.distinct(runs, np.array(extra, dtype=np.int64)) == wanted  # remembered
