"""Plausible's property and metric names, and what each is in Pulse.

Values are Pulse's own (a source is `Direct`, not Plausible's `Direct / None`; countries are ISO
codes in both). Properties Pulse does not record (versions, regions, cities, hostnames) and
metrics it has no definition for are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.dimensions import lookup

VISIT, EVENT_PREFIX, PROPS = "visit:", "event:", "event:props:"
GOAL_PROPERTY = "event:goal"

# Plausible property -> Pulse dimension (event:props:KEY -> prop:KEY, below).
PROPERTIES: dict[str, str] = {
    "event:page": "page",
    "event:name": "event",
    "visit:entry_page": "entry_page",
    "visit:exit_page": "exit_page",
    "visit:source": "source",
    "visit:referrer": "referrer",
    "visit:channel": "channel",
    "visit:utm_source": "utm_source",
    "visit:utm_medium": "utm_medium",
    "visit:utm_campaign": "utm_campaign",
    "visit:utm_content": "utm_content",
    "visit:utm_term": "utm_term",
    "visit:device": "device",
    "visit:browser": "browser",
    "visit:os": "os",
    "visit:country": "country",
}
UNSUPPORTED_PROPERTIES = (
    "event:hostname",
    "visit:browser_version",
    "visit:os_version",
    "visit:region",
    "visit:city",
    "visit:country_name",
    "visit:region_name",
    "visit:city_name",
)

# Plausible metric -> the Pulse summary / timeseries / session-breakdown metric.
SESSION_METRICS: dict[str, str] = {
    "visitors": "visitors",
    "visits": "sessions",
    "pageviews": "pageviews",
    "views_per_visit": "views_per_session",
    "bounce_rate": "bounce_rate",
}
VISIT_DURATION = "visit_duration"  # aggregate only: Pulse's average session duration
CONVERSION_RATE = "conversion_rate"  # with an event:goal filter
KNOWN_METRICS = (
    *SESSION_METRICS,
    VISIT_DURATION,
    "events",
    CONVERSION_RATE,
    "group_conversion_rate",
    "percentage",
    "scroll_depth",
    "time_on_page",
    "average_revenue",
    "total_revenue",
)


class StatsApiError(ValueError):
    """A request Pulse cannot answer as asked: 400 (or `status`) with Plausible's
    `{"error": ...}` plus the field at fault."""

    def __init__(self, message: str, field: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Property:
    name: str  # as Plausible spells it: visit:source, event:props:plan
    dimension: str  # Pulse's: source, prop:plan

    @property
    def key(self) -> str:
        """The breakdown row's key in v1: `source`, `page`, `name`, the prop's own name."""
        if self.name.startswith(PROPS):
            return self.name[len(PROPS) :]
        return self.name.split(":", 1)[1]

    @property
    def session_grain(self) -> bool:
        found = lookup(self.dimension)
        return found is not None and found.session_grain


def property_of(name: str, field: str) -> Property:
    """The Pulse dimension behind a Plausible property (filter or breakdown)."""
    if name.startswith(PROPS):
        key = name[len(PROPS) :]
        if lookup(f"prop:{key}") is None:
            raise StatsApiError(f"invalid custom property {key!r} (1 to 64 characters)", field)
        return Property(name, f"prop:{key}")
    if name in PROPERTIES:
        return Property(name, PROPERTIES[name])
    if name in UNSUPPORTED_PROPERTIES:
        raise StatsApiError(f"{name} is not recorded by Pulse", field)
    known = ", ".join((*PROPERTIES, GOAL_PROPERTY, f"{PROPS}<key>"))
    raise StatsApiError(f"unknown property {name!r}; one of {known}", field)


def metric_names(raw: object, field: str = "metrics") -> list[str]:
    """A metrics list (v1: comma-separated text; v2: a JSON list of strings), validated."""
    if isinstance(raw, str):
        names = [m.strip() for m in raw.split(",") if m.strip()]
    elif isinstance(raw, list) and all(isinstance(m, str) for m in raw):
        names = list(raw)
    else:
        raise StatsApiError("metrics must be a list of metric names", field)
    if not names:
        raise StatsApiError("at least one metric is required", field)
    for name in names:
        if name not in KNOWN_METRICS:
            raise StatsApiError(
                f"unknown metric {name!r}; one of {', '.join(KNOWN_METRICS)}", field
            )
    if len(set(names)) != len(names):
        raise StatsApiError("a metric is listed twice", field)
    return names


def unsupported_metric(name: str, where: str, field: str = "metrics") -> StatsApiError:
    return StatsApiError(f"metric {name} is not supported {where}", field)
