"""Distinct visitors from unions of HyperLogLog sketches (app/storage/sketches.py): exact while
small, within 1 % when large (lg_k 16: relative standard error 0.41 % for a union).

Fixed seeds, so the figures are the same on every run; they are the documented error."""

from __future__ import annotations

import random
import statistics

from app.storage import sketches


def _hourly_sketches(rng: random.Random, hours: int, new_per_hour: int) -> tuple[list[bytes], int]:
    """A month-like stream: each hour new visitors plus ~40 % returning ones from earlier."""
    seen: list[int] = []
    blobs = []
    for _ in range(hours):
        fresh = [rng.getrandbits(63) for _ in range(new_per_hour)]
        back = (
            [seen[rng.randrange(len(seen))] for _ in range(new_per_hour * 2 // 5)] if seen else []
        )
        seen.extend(fresh)
        blobs.append(sketches.add(None, fresh + back))
    return blobs, len(set(seen))


def test_small_counts_are_exact() -> None:
    rng = random.Random(3)
    for n in (0, 1, 2, 17, 300, 2_000):
        ids = [rng.getrandbits(63) for _ in range(n)]
        halves = [sketches.add(None, ids[: n // 2]), sketches.add(None, ids[n // 4 :])]
        assert sketches.count(halves) == n
        assert sketches.count([sketches.add(None, ids + ids)]) == n


def test_large_unions_are_within_one_percent() -> None:
    errors = []
    for seed in range(8):
        blobs, truth = _hourly_sketches(random.Random(seed), hours=120, new_per_hour=1_500)
        errors.append(abs(sketches.count(blobs) - truth) / truth)
    print(f"union of 120 sketches, ~180k visitors: mean error {statistics.mean(errors):.3%}, "
          f"max {max(errors):.3%}")  # fmt: skip
    assert max(errors) <= 0.01
    assert statistics.mean(errors) <= 0.006


def test_adding_to_a_stored_sketch_equals_one_pass() -> None:
    rng = random.Random(9)
    ids = [rng.getrandbits(63) for _ in range(50_000)]
    stepwise = None
    for i in range(0, len(ids), 5_000):
        stepwise = sketches.add(stepwise, ids[i : i + 5_000])
    assert sketches.count([stepwise]) == sketches.count([sketches.add(None, ids)])
