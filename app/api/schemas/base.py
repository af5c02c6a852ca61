"""What every response type shares: no undeclared field gets through (the schema says
additionalProperties: false), and numbers are integers or decimals as computed."""

from __future__ import annotations

import msgspec

Num = int | float  # a count stays an integer, a rate keeps its decimals


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of all response types."""
