"""Distinct-visitor sketches: Apache DataSketches HyperLogLog, one per rollup row.

Visitors over a range are not additive (the same visitor on Monday and Tuesday is one visitor),
so each `rollup_hours` row carries a mergeable HLL sketch of the visitor ids counted there, and a
report unions the sketches of the hours (and values) it covers. Below a few thousand visitors a
sketch is a list of 26-bit coupons and counts exactly (to rounding); above, lg_k = 16 registers
give a relative standard error of 1.04 / sqrt(2^16) = 0.41 % for a union (measured in
tests/queries/test_sketch_accuracy.py and tests/benchmarks/queries.py).

Sketches only grow: a visitor added under a key stays there. The writer therefore adds a visitor
when a session first appears (its start hour and acquisition are then fixed) and for each page
view or custom event; the exit page, which moves as a session goes on, has no sketch and its
breakdown counts visitors from the sessions table instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from datasketches import hll_sketch, hll_union, tgt_hll_type

LG_K = 16
# HLL_4 (4 bits a register) once dense: 32 KiB at lg_k 16; small sketches stay coupon lists.
STORED_TYPE = tgt_hll_type.HLL_4


def new_sketch() -> hll_sketch:
    return hll_sketch(LG_K, STORED_TYPE)


def add(blob: bytes | None, visitors: Iterable[int]) -> bytes:
    """The stored sketch (or none) with `visitors` added, serialized."""
    sketch = hll_sketch.deserialize(blob) if blob else new_sketch()
    for visitor in visitors:
        sketch.update(visitor)
    return bytes(sketch.serialize_compact())


def decoded(blob: bytes | None) -> hll_sketch | None:
    """A stored sketch deserialized once, for `Union.add` to merge many times (None: none)."""
    return hll_sketch.deserialize(blob) if blob else None


class Union:
    """Distinct visitors across many stored sketches."""

    def __init__(self) -> None:
        self._union = hll_union(LG_K)
        self._empty = True
        self._result: hll_sketch | None = None

    def add(self, blob: bytes | hll_sketch | None) -> None:
        """A stored sketch, serialized or already `decoded`."""
        if isinstance(blob, hll_sketch):
            self._union.update(blob)
            self._empty = False
            self._result = None
        elif blob:
            self._union.update(hll_sketch.deserialize(blob))
            self._empty = False
            self._result = None

    def add_ids(self, visitors: Iterable[int]) -> None:
        """Visitor ids not yet in any stored sketch (hashed as `add` hashes them)."""
        sketch: hll_sketch | None = None
        for visitor in visitors:
            if sketch is None:
                sketch = hll_sketch(LG_K, tgt_hll_type.HLL_8)
            sketch.update(visitor)
        if sketch is not None:
            self._union.update(sketch)
            self._empty = False
            self._result = None

    def add_union(self, other: Union) -> None:
        """Everyone `other` counted: one merge, however many sketches went into it."""
        if not other._empty:
            self._union.update(other._settled())
            self._empty = False
            self._result = None

    def _settled(self) -> hll_sketch:
        """The union as a sketch, built once until the next addition: after updates the
        union rebuilds its registers (~0.4 ms at lg_k 16) for a result or an estimate alike,
        so both come from this one build. HLL_8 is the union's own layout (HLL_4 repacks)."""
        if self._result is None:
            self._result = self._union.get_result(tgt_hll_type.HLL_8)
        return self._result

    def serialize(self) -> bytes:
        """The union as one stored sketch (the type `add` stores)."""
        return bytes(self._union.get_result(STORED_TYPE).serialize_compact())

    def estimate(self) -> int:
        if self._empty:
            return 0
        return round(self._settled().get_estimate())


def count(blobs: Iterable[bytes | None]) -> int:
    union = Union()
    for blob in blobs:
        union.add(blob)
    return union.estimate()
