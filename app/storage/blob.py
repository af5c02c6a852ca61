"""The stored form of a sealed column's bytes in `session_columns`: zlib at level 1 (migration
0027).

The columns are fixed-width arrays (visitor ids, offsets and counts that fit in far fewer bytes
than their dtype) and dictionary codes: level 1 stores them in 15.1 instead of 37.6 MiB per
million events on the queries benchmark and decompresses at ~240 MiB/s, so a cold 30-day report
pays ~1-9 ms per column it reads (~30 ms for `scrolls`, the largest) once: the decoded columns
stay in the column cache (app/queries/column_cache.py). Level 6 or 9 saved 6-7 % more for 2-5
times the sealer's CPU. The hour's `page_tallies` row beside the columns is read on every
time-on-page report, uncached, and stays as it is (compressed, it would save 0.4 MiB per million).
The sealer packs (`columns.encode`) and the one reader unpacks (`columns.decode`).
"""

from __future__ import annotations

import zlib

LEVEL = 1


def pack(raw: bytes) -> bytes:
    return zlib.compress(raw, LEVEL)


def unpack(stored: bytes) -> bytes:
    return zlib.decompress(stored)
