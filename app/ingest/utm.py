"""Campaign tags (UTM) from the landing page's query string.

`ref` and `source` are read as fallbacks for `utm_source`, as Plausible does, because many sites
(Product Hunt, newsletters, link-in-bio tools) tag links with `?ref=...` rather than UTM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The events table stores each tag in a VARCHAR(255) column.
MAX_LENGTH = 255
_SOURCE_KEYS = ("utm_source", "source", "ref")
_KEYS = frozenset((*_SOURCE_KEYS, "utm_medium", "utm_campaign", "utm_term", "utm_content"))


@dataclass(frozen=True, slots=True)
class Utm:
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    term: str | None = None
    content: str | None = None

    @property
    def tagged(self) -> bool:
        """True when a tag that can decide source or channel is present."""
        return bool(self.source or self.medium)


NO_UTM = Utm()


def extract_utm(query: Mapping[str, str]) -> Utm:
    """The five tags from an already-parsed query (first value per key); empty values are None."""
    # Most landing URLs carry no tags at all: one set walk instead of seven lookups and a build.
    if not query or _KEYS.isdisjoint(query):
        return NO_UTM
    source = None
    for key in _SOURCE_KEYS:
        source = _clean(query.get(key))
        if source is not None:
            break
    return Utm(
        source=source,
        medium=_clean(query.get("utm_medium")),
        campaign=_clean(query.get("utm_campaign")),
        term=_clean(query.get("utm_term")),
        content=_clean(query.get("utm_content")),
    )


def _clean(value: object) -> str | None:
    # Mapping[str, str] is the contract, but the query comes from the outside world: anything
    # that is not a string (a list from a multi-dict, None) is treated as absent.
    if not isinstance(value, str):
        return None
    cleaned = value.strip()[:MAX_LENGTH].rstrip()
    return cleaned or None
