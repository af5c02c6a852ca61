"""Query parameters declared once: the same declarations validate requests (a bad one -> 400
naming it) and generate the OpenAPI document (app/api/openapi.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.queries.period import COMPARES, INTERVALS, RANGES

# The days a report may name: far enough out for any real site, near enough that a period's
# comparison (a year or a whole period earlier) and its epoch milliseconds stay valid dates.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2199, 12, 31)


class ParamError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    kind: str = "string"  # string | integer | date
    choices: tuple[str, ...] | None = None
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: str | None) -> Any:
        if raw is None or raw == "":
            return self.default
        if self.choices is not None and raw not in self.choices:
            raise ParamError(f"{self.name} must be one of {', '.join(self.choices)}", self.name)
        if self.kind == "integer":
            return self._integer(raw)
        if self.kind == "date":
            return self._date(raw)
        return raw

    def _date(self, raw: str) -> date:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ParamError(f"{self.name} must be a date, YYYY-MM-DD", self.name) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ParamError(f"{self.name} must be between {FIRST_DAY} and {LAST_DAY}", self.name)
        return day

    def _integer(self, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ParamError(f"{self.name} must be an integer", self.name) from None
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.name} must be at least {self.minimum}", self.name)
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{self.name} must be at most {self.maximum}", self.name)
        return value

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self.kind == "integer" else "string"}
        if self.kind == "date":
            schema["format"] = "date"
        for key, value in (("enum", self.choices), ("default", self.default)):
            if value is not None:
                schema[key] = list(value) if isinstance(value, tuple) else value
        for key, value in (("minimum", self.minimum), ("maximum", self.maximum)):
            if value is not None:
                schema[key] = value
        return schema


def parse_all(params: Sequence[Param], args: Mapping[str, str]) -> dict[str, Any]:
    return {p.name: p.parse(args.get(p.name)) for p in params}


RANGE = Param(
    "range",
    "the period in the site's zone: today, yesterday, 24h (this hour and the 23 before), 7d / "
    "28d / 30d (today and the days before), month (this month), last_month, 12mo (this month "
    "and the 11 before), all (from the first session's day), custom (from..to). A period "
    "holding now ends with now's bucket and answers `period.partial: true`",
    choices=RANGES,
    default="7d",
)
FROM = Param("from", "first local day of a custom range", kind="date")
TO = Param("to", "last local day of a custom range (included)", kind="date")
INTERVAL = Param(
    "interval",
    "bucket size: weeks start on local Mondays, months on the local 1st (default: hour up to "
    "48 h, day up to 92 days, else month)",
    choices=INTERVALS,
)
FILTER = Param(
    "filter",
    "e.g. source==Google;device==mobile;page=~/blog/ (==, !=, =~, !~); in a value \\; is a "
    "semicolon and \\\\ a backslash; DIM== with no value: sessions without one",
)
COMPARE_TEXT = (
    "previous: the period before; year: the same period a year before; a partial period is "
    "compared with the same elapsed span (its `until` moved back by the same step); custom: "
    "compare_from..compare_to, whole local days"
)
COMPARE = Param("compare", COMPARE_TEXT, choices=COMPARES, default="previous")
SERIES_COMPARE = Param(
    "compare",
    f"{COMPARE_TEXT}; added as `previous` (same interval, bucket by bucket)",
    choices=COMPARES,
    default="none",
)
COMPARE_FROM = Param("compare_from", "compare=custom: its first local day", kind="date")
COMPARE_TO = Param("compare_to", "compare=custom: its last local day (included)", kind="date")
PERIOD = (RANGE, FROM, TO, INTERVAL, FILTER)

# Parameters of the routes outside the report handlers (read by app/api/openapi.py; the
# handlers themselves are owned elsewhere and validate these on their own).
LIVE_SITE = Param("site", "the site's domain (required)")
LIVE_FORMAT = Param("format", "frame encoding", choices=("json", "msgpack"), default="json")
DELIVERY_LIMIT = Param(
    "limit", "attempts to list, newest first", kind="integer", default=100, minimum=1, maximum=500
)
NOTES_FROM = Param("from", "first local date (annotations overlapping it or later)", kind="date")
NOTES_TO = Param("to", "last local date, inclusive", kind="date")
ROUTE_PARAMS: dict[str, tuple[Param, ...]] = {
    "/ws/live": (LIVE_SITE, LIVE_FORMAT),
    "/api/v1/sites/{site}/alerts/{alert_id}/deliveries": (DELIVERY_LIMIT,),
    "/api/v1/sites/{site}/annotations": (NOTES_FROM, NOTES_TO),
}
