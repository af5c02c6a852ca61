"""Bodies of the alerts API (/api/v1/sites/{site}/alerts) and annotations."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from app.api.schemas.base import Body


class AlertChannel(Body):
    type: str  # webhook | email
    url: str | UnsetType = UNSET  # webhook
    format: str | UnsetType = UNSET  # webhook: json | slack | mattermost | discord
    secret: str | UnsetType = UNSET  # webhook: only in the answer that created the rule
    recipients: list[str] | UnsetType = UNSET  # email


class Alert(Body):
    id: int | None
    name: str
    kind: str  # spike | drop | event | active
    cooldown_minutes: float
    channel: AlertChannel
    last_fired_at: int | None
    minutes: int | None | UnsetType = UNSET  # spike, drop
    threshold: float | UnsetType = UNSET
    factor: float | UnsetType = UNSET  # times the usual level
    event: str | UnsetType = UNSET
    goal: str | UnsetType = UNSET
    mode: str | UnsetType = UNSET  # event rules: first_of_day | every


class Alerts(Body):
    alerts: list[Alert]


class Delivery(Body):
    fired_at: int
    attempt: int
    sent_at: int
    status_code: int | None
    error: str | None
    duration_ms: float | None
    test: bool


class Deliveries(Body):
    deliveries: list[Delivery]


class TestAttempt(Body):
    attempt: int
    status_code: int | None
    error: str | None


class AlertTest(Body):
    delivered: bool
    attempts: list[TestAttempt]


class Annotation(Body):
    id: int | None
    start: str
    end: str
    start_ms: int
    end_ms: int
    text: str
    alert_id: int | None
    created_at: int


class Annotations(Body):
    annotations: list[Annotation]


class EmailReport(Body):
    """A scheduled email report subscription (app/reports/)."""

    id: int
    email: str
    interval: str  # weekly | monthly
    hour: int  # 0-23, the site's time zone
    last_sent_at: int | None
    last_error: str | None
    next_send_ms: int


class EmailReports(Body):
    email_reports: list[EmailReport]
    smtp_configured: bool  # the server has PULSE_SMTP_URL: without it nothing can be sent
