r"""Plausible filters as Pulse filters (app/queries/filters.py), which are ANDed.

v1: `visit:country==DE;event:page==/blog**` (`==`, `!=`; `;` is AND; `a|b` is IN; `\|` a
literal bar). v2: `[op, dimension, clauses, modifiers?]` with is / is_not / contains /
contains_not / matches / matches_not, nested in `and` (and `not` of one filter).

Pulse's filters take one value each and combine with AND, so IN lists (several clauses), `or`
and `has_done` are refused (400) rather than answered wrongly. `contains` is case-insensitive
in Pulse (`=~`), so a v2 `contains` needs `{"case_sensitive": false}` — except on `event:page`,
where a case-sensitive match is a page pattern. Page patterns (v1 wildcards `*` / `**`, v2
case-sensitive `contains` and `matches`) become the same thing a page goal is: a goal filter
carrying an unnamed page goal, so the planner, the SQL and the goal matcher are Pulse's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.goals.definition import PAGE, Goal
from app.queries.filters import GOAL, Filter
from app.statsapi.vocabulary import GOAL_PROPERTY, StatsApiError, property_of

_V1_FILTER = re.compile(r"^([a-z_]+:[a-z_]+(?::[^=!]{1,64})?)(==|!=)(.*)$", re.S)
_V2_OPS = ("is", "is_not", "contains", "contains_not", "matches", "matches_not")
MAX_PATTERN = 2000


@dataclass(frozen=True)
class PatternGoal(Goal):
    """A page goal whose regular expression is given (v2 `matches`), not built from `*`."""

    given_regex: str = ""

    @property
    def regex(self) -> str | None:
        return self.given_regex


@dataclass
class Translated:
    """Filters for `reports.scope_for` + `with_goals` (named goals), and page patterns added
    after (they carry their goal already)."""

    filters: list[Filter] = field(default_factory=list)
    patterns: list[Filter] = field(default_factory=list)

    def all(self) -> tuple[Filter, ...]:
        return (*self.filters, *self.patterns)


def _one(dimension: str, negated: bool, value: str, field_name: str) -> Filter:
    if dimension == "event" and value == "pageview":
        raise StatsApiError(
            "event:name filters match custom events in Pulse; filter pages with event:page",
            field_name,
        )
    return Filter(dimension, "!=" if negated else "==", value)


def _page_pattern(label: str, negated: bool, goal: Goal) -> Filter:
    return Filter(GOAL, "!=" if negated else "==", label, goal=goal)


def _wildcard(pattern: str, negated: bool, field_name: str) -> Filter:
    if not pattern.startswith("/") and not pattern.startswith("*"):
        raise StatsApiError("a page pattern starts with / or *", field_name)
    if "***" in pattern or len(pattern) > MAX_PATTERN:
        raise StatsApiError("use * (one path segment) or ** (any depth), not ***", field_name)
    return _page_pattern(f"page {pattern}", negated, Goal(pattern, PAGE, page=pattern))


def _regex(expression: str, negated: bool, field_name: str) -> Filter:
    try:
        re.compile(expression)
    except re.error as exc:
        raise StatsApiError(f"not a regular expression: {exc}", field_name) from None
    goal = PatternGoal(expression, PAGE, page=expression, given_regex=expression)
    return _page_pattern(f"page ~ {expression}", negated, goal)


def _split_values(text: str) -> list[str]:
    values, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == "|":
            values.append("".join(current))
            current = []
        else:
            current.append(char)
    values.append("".join(current))
    return values


def v1_filters(text: str | None) -> Translated:
    out = Translated()
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        match = _V1_FILTER.match(part.strip())
        if match is None:
            raise StatsApiError(f"cannot read filter {part!r}: use property==value", "filters")
        name, op, raw = match.groups()
        values = _split_values(raw)
        if len(values) > 1:
            raise StatsApiError("IN filters (a|b) are not supported by Pulse", "filters")
        value, negated = values[0], op == "!="
        if name == GOAL_PROPERTY:
            out.filters.append(Filter(GOAL, op, value))
            continue
        prop = property_of(name, "filters")
        if "*" in value:
            if prop.dimension != "page":
                raise StatsApiError("wildcards (*) are supported on event:page only", "filters")
            out.patterns.append(_wildcard(value, negated, "filters"))
            continue
        out.filters.append(_one(prop.dimension, negated, value, "filters"))
    return out


def v2_filters(raw: object) -> Translated:
    if raw is None:
        return Translated()
    if not isinstance(raw, list):
        raise StatsApiError("filters must be a list", "filters")
    out = Translated()
    for item in raw:
        _v2_filter(item, False, out)
    return out


def _v2_filter(item: Any, negated: bool, out: Translated) -> None:
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise StatsApiError(f"cannot read filter {item!r}", "filters")
    op = item[0]
    if op == "and" and not negated and len(item) == 2 and isinstance(item[1], list):
        for inner in item[1]:
            _v2_filter(inner, False, out)
        return
    if op == "or" and len(item) == 2 and isinstance(item[1], list) and len(item[1]) == 1:
        _v2_filter(item[1][0], negated, out)
        return
    if op == "not" and len(item) == 2:
        _v2_filter(item[1], not negated, out)
        return
    if op in ("and", "or", "not", "has_done", "has_not_done"):
        raise StatsApiError(
            f"filters: {op!r} of these filters is not supported by Pulse", "filters"
        )
    if op not in _V2_OPS:
        raise StatsApiError(f"unknown filter operator {op!r}", "filters")
    out_filter = _v2_simple(item, negated)
    (out.patterns if out_filter.goal is not None else out.filters).append(out_filter)


def _v2_simple(item: list[Any], negated: bool) -> Filter:
    if len(item) not in (3, 4) or not isinstance(item[1], str) or not isinstance(item[2], list):
        raise StatsApiError(f"cannot read filter {item!r}: [op, dimension, [values]]", "filters")
    op, name, clauses = item[0], item[1], item[2]
    modifiers = item[3] if len(item) == 4 else {}
    if not isinstance(modifiers, dict) or set(modifiers) - {"case_sensitive"}:
        raise StatsApiError("filter modifiers: only case_sensitive is known", "filters")
    if len(clauses) != 1 or not isinstance(clauses[0], str):
        raise StatsApiError("several values in one filter (OR) are not supported", "filters")
    value = clauses[0]
    negated = negated != op.endswith("_not")
    base = op.removesuffix("_not")
    if name == GOAL_PROPERTY:
        if base != "is":
            raise StatsApiError("event:goal filters take is / is_not", "filters")
        return Filter(GOAL, "!=" if negated else "==", value)
    prop = property_of(name, "filters")
    if base == "is":
        if modifiers.get("case_sensitive") is False:
            raise StatsApiError("case-insensitive is filters are not supported", "filters")
        return _one(prop.dimension, negated, value, "filters")
    if base == "matches":
        if prop.dimension != "page":
            raise StatsApiError("matches is supported on event:page only", "filters")
        return _regex(value, negated, "filters")
    # contains
    if modifiers.get("case_sensitive") is False:
        if prop.dimension.startswith("prop:"):
            raise StatsApiError("property filters take is / is_not", "filters")
        return Filter(prop.dimension, "!~" if negated else "=~", value)
    if prop.dimension == "page" and "*" not in value:
        return _wildcard(f"**{value}**", negated, "filters")  # any run, value, any run
    raise StatsApiError(
        f"case-sensitive contains on {name} is not supported; add {{'case_sensitive': false}}",
        "filters",
    )


def page_pattern_passes(patterns: list[Filter], path: str | None) -> bool:
    """A page breakdown's row kept under the page patterns (Pulse applies its own page filters
    to the rows it counts; patterns, being goal filters, only select sessions)."""
    for f in patterns:
        assert f.goal is not None
        if (path is not None and f.goal.matches_path(path)) == f.negated:
            return False
    return True
