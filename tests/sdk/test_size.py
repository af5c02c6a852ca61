"""The tracker's size budget (1,500 bytes gzipped, issue 3) and the freshness of sdk/dist/.

Deterministic: gzip -9 with a fixed header (mtime 0), on the output of a pinned minifier.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.sdk.conftest import DIST, SDK, build_tracker

BUDGET = 1_500  # bytes gzipped: under Umami's and GoatCounter's 2.2 KB


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def test_gzipped_size_within_budget(built_tracker: Path) -> None:
    data = built_tracker.read_bytes()
    size = gzipped_size(data)
    print(f"\nsdk/dist/pulse.min.js: {len(data)} bytes, {size} bytes gzip -9 (budget {BUDGET})")
    assert size <= BUDGET, f"tracker is {size} bytes gzipped, {size - BUDGET} over {BUDGET}"


def test_dist_matches_a_fresh_build(built_tracker: Path, tmp_path: Path) -> None:
    """A rebuild in a temp dir is byte-identical: what the server serves is the source."""
    rebuilt = tmp_path / "pulse.min.js"
    build_tracker(rebuilt)
    assert rebuilt.read_bytes() == DIST.read_bytes(), "sdk/dist is stale: run make build"


def test_source_is_one_dependency_free_file() -> None:
    source = (SDK / "pulse.js").read_text()
    for forbidden in ("import ", "require(", "document.cookie", "userAgent"):
        assert forbidden not in source, forbidden
