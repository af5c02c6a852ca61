"""Orders remembered with cached day blocks (app/queries/column_frame.py): a frame's visitor
order and its visitors per label, merged from each block's remembered sorted runs, are what a
fresh sort of the kept sessions gives, for wholly and partly kept blocks alike, and a second
frame over the same arrays reuses them."""

from __future__ import annotations

import numpy as np
import pytest

from app.queries import column_frame
from app.queries.column_counts import by_label
from app.queries.column_frame import Frame
from app.storage.columns import Labels


def _blocks(rng: np.random.Generator) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    blocks: list[dict[str, object]] = []
    kept = []
    for _ in range(int(rng.integers(1, 5))):
        n = int(rng.integers(0, 40))
        labels = list(
            dict.fromkeys(f"v{i}" for i in rng.integers(0, 8, size=int(rng.integers(1, 6))))
        )
        blocks.append(
            {
                "visitor": rng.integers(-3, 25, size=n).astype(np.int64),
                "new": (rng.random(n) < 0.6).astype(np.uint8),
                "pageviews": rng.integers(1, 4, size=n).astype(np.int32),
                "bounce": (rng.random(n) < 0.4).astype(np.uint8),
                "engagement": rng.integers(0, 1000, size=n),
                "dim": Labels(labels, rng.integers(0, len(labels), size=n).astype(np.uint16)),
            }
        )
        whole = rng.random() < 0.5
        kept.append(np.arange(n) if whole else np.flatnonzero(rng.random(n) < 0.5))
    return blocks, kept


@pytest.mark.parametrize("seed", range(40))
def test_merged_orders_equal_a_fresh_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    blocks, kept = _blocks(rng)
    for _ in range(2):  # the second frame finds the blocks' orders remembered
        frame = Frame(blocks, kept)  # type: ignore[arg-type]
        visitor = frame.numbers("visitor")
        order, ordered = frame.order("visitor")
        assert order.tolist() == np.argsort(visitor, kind="stable").tolist()
        assert ordered.tolist() == visitor[order].tolist()
        rows, total = by_label(frame, "dim", with_totals=True)
        labels = frame.labels("dim")
        expected = {}
        for code, label in enumerate(labels.labels):
            mine = labels.codes == code
            if mine.any():
                expected[label] = (int(mine.sum()), len(set(visitor[mine].tolist())))
        assert {value: (c.sessions, c.visitors) for value, c in rows} == expected
        assert total is not None and total.visitors == len(set(visitor.tolist()))


def test_remembered_orders_stay_within_their_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(column_frame, "ORDER_BYTES", 2_000)
    rng = np.random.default_rng(1)
    columns = [rng.integers(0, 100, size=100) for _ in range(5)]  # 1,200 bytes an order
    for column in columns:
        column_frame._block_order(column)
    assert column_frame._ORDERS_USED[0] <= 2_000
    assert len(column_frame._ORDERS) == 1  # the newest kept
