"""Bodies of /api/me, the admin API (/api/admin/*) and the goals API."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from app.api.schemas.base import Body


class MeUser(Body):
    id: int
    email: str


class MeSite(Body):
    domain: str
    name: str
    timezone: str
    role: str  # owner | viewer


class Me(Body):
    kind: str  # user | token | share | anonymous
    admin: bool
    user: MeUser | None
    sites: list[MeSite]
    # A signed-in session's CSRF token (X-CSRF-Token): the dashboard is a static page with no
    # meta tag to carry it, and adds annotations from the chart. Absent for other credentials.
    csrf_token: str | UnsetType = UNSET


class AdminSite(Body):
    id: int
    domain: str
    name: str
    timezone: str
    identity_mode: str
    umami_id: str | None
    allowed_hostnames: list[str]
    excluded_ips: list[str]
    excluded_paths: list[str]
    keep_raw_days: int | None = None  # raw events kept this many days (null: forever)
    raw_purged_before: int | None = None  # UTC ms; raw rows before it were purged


class AdminUser(Body):
    id: int
    email: str
    is_admin: bool
    roles: dict[str, str]  # site id -> owner | viewer
    two_factor: bool = False  # two-factor sign-in is on


class CreatedUser(Body):
    id: int
    email: str
    is_admin: bool


class RoleSet(Body):
    user_id: int
    site: str
    role: str | None


class Deleted(Body):
    deleted: int


class Revoked(Body):
    revoked: bool


class AdminToken(Body):
    id: int
    label: str
    prefix: str
    scope: str  # admin | read
    site_id: int | None
    site_domain: str | None
    created_at: int
    revoked_at: int | None


class CreatedToken(Body):
    id: int
    token: str  # shown this once
    scope: str


class Share(Body):
    id: int
    site_id: int
    domain: str
    slug: str
    created_at: int
    revoked_at: int | None
    has_password: bool
    path: str
    embed_origins: list[str]  # may frame its embeds (issue 21)
    filter: str  # locked: ANDed into every report and snapshot ('' for none)


class Kiosk(Body):
    id: int
    site_id: int
    domain: str
    label: str
    filter: str
    created_at: int
    revoked_at: int | None


class CreatedKiosk(Body):
    kiosk: Kiosk
    token: str  # shown this once; only its SHA-256 is stored
    path: str  # /kiosk/<token>


class GoalProperty(Body):
    key: str
    value: str | None


class Goal(Body):
    id: int
    name: str
    kind: str  # page | event | scroll
    page: str | UnsetType = UNSET
    event: str | UnsetType = UNSET
    property: GoalProperty | UnsetType = UNSET
    scroll: int | UnsetType = UNSET


class Goals(Body):
    goals: list[Goal]


class PasswordChanged(Body):
    """POST /api/account/password: the other sessions ended; this one has a new cookie."""

    changed: bool
    other_sessions: str


class TwoFactor(Body):
    """GET /api/account/totp, DELETE /api/account/totp."""

    enabled: bool


class TwoFactorSecret(Body):
    """POST /api/account/totp: a pending secret and its otpauth:// URI (for a QR code)."""

    secret: str
    uri: str
    qr: str = ""  # the URI as a QR code: an SVG data: URI for an <img> (segno)


class TwoFactorEnabled(Body):
    """POST /api/account/totp/enable: on, with the ten one-time recovery codes (shown once)."""

    enabled: bool
    recovery_codes: list[str]


class PendingInvitation(Body):
    id: int
    email: str
    site: str
    role: str
    created_at: int
    expires_at: int


class Invitations(Body):
    invitations: list[PendingInvitation]


class CreatedInvitation(PendingInvitation):
    """The answer that made it: the only place the link's path is shown."""

    path: str
    sent: bool = False  # "send": true and the SMTP server took the email


class ResetRequested(Body):
    """POST /api/auth/reset: the same answer whether or not the account exists."""

    status: str
