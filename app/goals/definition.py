"""What a goal is, how a definition is read (400 naming the field), and what it matches.

A page goal's pattern is a path where `*` stands for any run of characters but `/` and `**` for
any run including `/` (Plausible's wildcards): `/blog/*` is one level under /blog/, `/blog/**`
everything under it. Paths are case-sensitive. A scroll goal is a page pattern and a depth: an
engagement event on a matching page that reports a scroll depth of at least that percentage.
An event goal is a custom event's name, optionally narrowed by one property's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.dimensions import MAX_PROP_KEY, prop_value
from app.events import ENGAGEMENT, PAGEVIEW

PAGE, EVENT, SCROLL = "page", "event", "scroll"
KINDS = (PAGE, EVENT, SCROLL)
MAX_NAME = 120
MAX_PATTERN = 2000  # events.pathname's length
MAX_EVENT = 64  # events.name's length
MAX_VALUE = 2000
FIELDS = ("name", "page", "event", "property", "scroll")


class GoalError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Goal:
    name: str
    kind: str
    page: str | None = None  # page and scroll goals
    event: str | None = None  # event goals
    prop_key: str | None = None  # an event goal narrowed by a property
    prop_value: str | None = None
    scroll: int | None = None  # scroll goals: the least depth, percent
    id: int | None = field(default=None, compare=False)

    @property
    def regex(self) -> str | None:
        """The page pattern as an anchored regular expression both Python's `re` and
        PostgreSQL's `~` read alike; None for a pattern without wildcards (plain equality)."""
        if self.page is None or "*" not in self.page:
            return None
        return pattern_regex(self.page)

    def matches_path(self, path: str) -> bool:
        if self.page is None:
            return False
        regex = self.regex
        return path == self.page if regex is None else re.search(regex, path) is not None

    def matches(self, name: str, path: str, props: dict[str, Any], scroll: int | None) -> bool:
        """One stored event completes the goal (the SQL in app/queries/goal_sql.py says the
        same)."""
        if self.kind == PAGE:
            return name == PAGEVIEW and self.matches_path(path)
        if self.kind == SCROLL:
            deep = scroll is not None and self.scroll is not None and scroll >= self.scroll
            return name == ENGAGEMENT and deep and self.matches_path(path)
        if name != self.event:
            return False
        if self.prop_key is None:
            return True
        return self.prop_key in props and prop_value(props[self.prop_key]) == self.prop_value

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.page is not None:
            out["page"] = self.page
        if self.event is not None:
            out["event"] = self.event
        if self.prop_key is not None:
            out["property"] = {"key": self.prop_key, "value": self.prop_value}
        if self.scroll is not None:
            out["scroll"] = self.scroll
        return out

    def describe(self) -> str:
        if self.kind == EVENT:
            narrowed = f" where {self.prop_key} == {self.prop_value}" if self.prop_key else ""
            return f"event {self.event}{narrowed}"
        if self.kind == SCROLL:
            return f"{self.page} scrolled >= {self.scroll} %"
        return f"page {self.page}"


def pattern_regex(pattern: str) -> str:
    """`**` -> any run, `*` -> any run without `/`, everything else literal."""
    out = ["^"]
    for i, part in enumerate(pattern.split("**")):
        if i:
            out.append(".*")
        out.append("[^/]*".join(_literal(piece) for piece in part.split("*")))
    out.append("$")
    return "".join(out)


def _literal(text: str) -> str:
    # Letters, digits and `/` stand for themselves; anything else inside brackets, which POSIX
    # and Python regular expressions read alike (a `\` escape does not: `\w` differs).
    return "".join(c if c.isalnum() or c == "/" else _bracket(c) for c in text)


def _bracket(c: str) -> str:
    return "[\\" + c + "]" if c in "^[]\\" else f"[{c}]"


def parse(body: Any) -> Goal:
    """A goal from an API body or CLI options: {"name", "page" | "event", "property"?,
    "scroll"?}; GoalError names the field at fault."""
    if not isinstance(body, dict):
        raise GoalError("body", "a goal is a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise GoalError(unknown[0], f"unknown field {unknown[0]!r}; fields: {', '.join(FIELDS)}")
    name = _text(body, "name", MAX_NAME, required=True)
    page, event = _text(body, "page", MAX_PATTERN), _text(body, "event", MAX_EVENT)
    if (page is None) == (event is None):
        raise GoalError("page" if page else "event", "give either page or event (not both)")
    scroll = body.get("scroll")
    if event is not None:
        if event in (PAGEVIEW, ENGAGEMENT):
            raise GoalError("event", f"{event!r} is not a custom event: use a page goal")
        if scroll is not None:
            raise GoalError("scroll", "a scroll goal takes a page, not an event")
        key, value = _property(body.get("property"))
        return Goal(name or "", EVENT, event=event, prop_key=key, prop_value=value)
    assert page is not None
    if not page.startswith("/"):
        raise GoalError("page", "a page pattern starts with /")
    if "***" in page:
        raise GoalError("page", "use * (one path segment) or ** (any depth), not ***")
    if body.get("property") is not None:
        raise GoalError("property", "a property narrows an event goal, not a page goal")
    if scroll is None:
        return Goal(name or "", PAGE, page=page)
    if isinstance(scroll, bool) or not isinstance(scroll, int) or not 1 <= scroll <= 100:
        raise GoalError("scroll", "scroll is a whole percentage from 1 to 100")
    return Goal(name or "", SCROLL, page=page, scroll=scroll)


def _text(body: dict[str, Any], key: str, limit: int, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise GoalError(key, f"{key} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise GoalError(key, f"{key} must be a non-empty string")
    if len(value) > limit:
        raise GoalError(key, f"{key} is longer than {limit} characters")
    return value.strip()


def _property(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) != {"key", "value"}:
        raise GoalError("property", 'property is {"key": ..., "value": ...}')
    key, wanted = value["key"], value["value"]
    if not isinstance(key, str) or not 0 < len(key) <= MAX_PROP_KEY:
        raise GoalError("property", f"property key must be 1..{MAX_PROP_KEY} characters")
    if isinstance(wanted, (dict, list)):
        raise GoalError("property", "property value is a string, number or boolean")
    text = prop_value(wanted)
    if len(text) > MAX_VALUE:
        raise GoalError("property", f"property value is longer than {MAX_VALUE} characters")
    return key, text
