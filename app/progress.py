"""A one-line progress bar on stderr for long CLI commands (tqdm is not a dependency)."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """`update(n, note)` after each piece of work; `close()` ends the line."""

    def __init__(self, total: int, out: Any = None, width: int = 30) -> None:
        self.total, self.width, self.done = max(total, 1), width, 0
        self.out = out if out is not None else sys.stderr

    def update(self, n: int, note: str) -> None:
        self.done += n
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        pct = 100 * self.done // self.total
        self.out.write(f"\r[{bar}] {pct:3d}% {note}")
        self.out.flush()

    def close(self) -> None:
        self.out.write("\n")
