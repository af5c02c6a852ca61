"""Bodies of the sites overview (/api/v1/overview), a site's members and the instance settings
(issue 19)."""

from __future__ import annotations

from app.api.schemas.base import Body


class OverviewDay(Body):
    date: str  # the site's local day, YYYY-MM-DD
    visitors: int


class OverviewSite(Body):
    domain: str
    name: str
    timezone: str
    role: str  # owner | viewer
    visitors_today: int
    visitors_7d: int  # distinct visitors over the 7 days (not the sum of the days)
    days: list[OverviewDay]  # the 7 local days ending today, oldest first (the sparkline)


class Overview(Body):
    sites: list[OverviewSite]
    can_add: bool  # the caller may add sites (an admin)


class Member(Body):
    user_id: int
    email: str
    role: str  # owner | viewer | admin (an admin reads and manages every site)
    two_factor: bool


class Members(Body):
    members: list[Member]


class InstanceMail(Body):
    """PULSE_SMTP_URL and PULSE_SMTP_FROM as an admin may see them (never the credentials);
    read-only: they are set in the environment."""

    configured: bool
    from_address: str  # the From of every message Pulse sends
    server: str  # host:port, '' when mail is off


class InstanceSettings(Body):
    require_two_factor: bool
    mail: InstanceMail  # read-only: PATCH refuses it


class MailTestSent(Body):
    sent_to: str
