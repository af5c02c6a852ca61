"""Runtime settings: PULSE_* environment variables, overridable by CLI flags.

Every knob the operator may turn lives here, with the default that `make serve` uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_DB_PATH = Path("data") / "pulse.db"


def data_dir() -> Path:
    """Where a SQLite install keeps its files: $PULSE_DATA_DIR, else ./data."""
    return Path(os.environ.get("PULSE_DATA_DIR") or "data")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """Accept `sqlite:///x.db` and `postgresql://...` and pick the async driver."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and `:memory:`."""
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :].split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def parse_origins(value: str) -> tuple[str, ...]:
    """`https://a.example, https://b.example` -> normalised origins (lower case, no slash)."""
    return tuple(o.strip().lower().rstrip("/") for o in value.split(",") if o.strip())


def _cookie_policy(value: str) -> str:
    value = value.strip().lower()
    if value not in ("auto", "always", "never"):
        raise ValueError(f"PULSE_COOKIE_SECURE must be auto, always or never, not {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DB_PATH}"
    host: str = "127.0.0.1"
    port: int = 5270
    # Group commit: the writer commits whatever arrived while it was busy, at once; this
    # lingers that long first for a fuller batch (ms; every 202 waits that much longer).
    flush_interval_ms: int = 0
    batch_size: int = 2000
    # Events waiting to be durable (their requests wait for the commit); beyond this the
    # ingest endpoints answer 503 + Retry-After. Under a second of the writer's idle rate in
    # full batches (24,000-32,000 events/s, tests/benchmarks/writer.py).
    queue_bound: int = 20_000
    # The writer's SQLite connection: FULL fsyncs the WAL at every commit (a 202 survives a
    # power cut); NORMAL survives a killed process but not a power cut (fsync at checkpoints).
    sqlite_synchronous: str = "FULL"
    # Proxies in front of Pulse whose X-Forwarded-For entries we trust (0: use the socket).
    trusted_proxy_hops: int = 0
    log_level: str = "INFO"
    # Where a batch goes when the database keeps failing; replayed at the next start.
    spill_path: str = ""
    # Visitors remembered in memory for sessions and first-seen (about 150 bytes each).
    visitor_cap: int = 500_000
    max_body_bytes: int = 16 * 1024
    # Sealed hours' columns kept decoded in memory for filtered reports (app/queries/columnar.py);
    # a month of a 10M-event site's usual columns is ~100 MB.
    column_cache_mb: int = 256
    # Live view (issue 4): visitors tracked per site for the 30-minute window and for today's
    # distinct count (~230 bytes each, measured: 100,000 is ~22 MB for a site at the cap).
    live_visitor_cap: int = 100_000
    # Extra page origins allowed to open /ws/live (same origin always is; "*" allows any).
    live_origins: tuple[str, ...] = ()
    # The snapshot tick and the websocket keepalive; tests shorten them.
    live_tick_ms: int = 1000
    live_keepalive_ms: int = 20_000
    # Open /ws/live sockets re-check their credential this often (a revoked token, share link,
    # deleted user or removed role closes them with 1008 within it).
    live_reauth_ms: int = 5000
    # Open sockets per credential, per client IP, and in all; beyond them: close 1013.
    live_sockets_per_credential: int = 20
    live_sockets_per_ip: int = 20
    live_sockets_max: int = 20_000
    # Ingest requests per second per client IP (bursts of one second's worth); 0 turns the
    # limit off (load tests). Beyond it the ingest endpoints answer 429 + Retry-After.
    ingest_rate_limit: float = 30.0
    # Signs share-link cookies. Empty: the random key migration 0004 stored in the database
    # (shared by every instance); set PULSE_SECRET_KEY to manage it yourself.
    secret_key: str = ""
    # Derives the cookieless daily salts (app/ingest/salts.py); never stored by Pulse. Empty:
    # salts in Redis with PULSE_BROKER_URL, else in memory (a restart forgets them).
    salt_secret: str = field(default="", repr=False)
    # Secure flag of session cookies: auto | always | never (see app/api/cookies.py).
    cookie_secure: str = "auto"
    # The address users reach Pulse at (for the logged setup link), e.g. https://pulse.example.
    public_url: str = ""
    # Freeze start-up objects and relax GC thresholds (the server does; test processes don't).
    tune_gc: bool = False
    # Scale-out (issue 8): redis://... shares live events and sessions between processes.
    # Empty: everything stays in this process (the default; one worker).
    broker_url: str = ""
    # Prefix of every Redis key, so several Pulse installations (or test runs) share a Redis.
    broker_prefix: str = "pulse:"
    # Longest a request waits for Redis (session script, connect) before falling back (ms).
    broker_timeout_ms: int = 500
    # Batches of events kept in the Redis stream, for a process catching up after a blip.
    broker_stream_len: int = 10_000
    # Accepted events held while Redis is unreachable, published when it returns (then oldest
    # dropped: live view only, they are persisted anyway).
    broker_outbox: int = 20_000
    # How long Redis remembers a visitor for sessions and first-seen (days since last seen).
    broker_visitor_ttl_days: int = 30
    # Alert webhooks (issue 20): attempts per firing, the first retry's delay (doubling after),
    # and how long one attempt may take.
    alert_attempts: int = 5
    alert_backoff_ms: int = 1000
    alert_timeout_ms: int = 10_000
    # Email (app/mail): smtp[s]://user:pass@host:port[?starttls=required|off]; empty: no mail.
    smtp_url: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_timeout_ms: int = 30_000
    # Processes `pulse serve` starts on one port (>1 needs PULSE_BROKER_URL).
    workers: int = 1
    # A Bearer token a Prometheus scraper may present to GET /metrics (admins may always).
    metrics_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        base = cls(
            database_url=normalise_database_url(
                _env("PULSE_DATABASE_URL", f"sqlite+aiosqlite:///{data_dir() / 'pulse.db'}")
            ),
            host=_env("PULSE_HOST", "127.0.0.1"),
            port=int(_env("PORT", _env("PULSE_PORT", "5270"))),
            flush_interval_ms=int(_env("PULSE_FLUSH_INTERVAL_MS", "0")),
            batch_size=int(_env("PULSE_BATCH_SIZE", "2000")),
            queue_bound=int(_env("PULSE_QUEUE_BOUND", "20000")),
            sqlite_synchronous=_env("PULSE_SQLITE_SYNCHRONOUS", "FULL").upper(),
            trusted_proxy_hops=int(_env("PULSE_TRUSTED_PROXY_HOPS", "0")),
            log_level=_env("PULSE_LOG_LEVEL", "INFO").upper(),
            spill_path=_env("PULSE_SPILL_PATH", ""),
            visitor_cap=int(_env("PULSE_VISITOR_CAP", "500000")),
            column_cache_mb=int(_env("PULSE_COLUMN_CACHE_MB", "256")),
            live_visitor_cap=int(_env("PULSE_LIVE_VISITOR_CAP", "100000")),
            live_origins=parse_origins(_env("PULSE_LIVE_ORIGINS", "")),
            live_reauth_ms=int(_env("PULSE_LIVE_REAUTH_MS", "5000")),
            live_sockets_per_credential=int(_env("PULSE_LIVE_SOCKETS_PER_CREDENTIAL", "20")),
            live_sockets_per_ip=int(_env("PULSE_LIVE_SOCKETS_PER_IP", "20")),
            live_sockets_max=int(_env("PULSE_LIVE_SOCKETS_MAX", "20000")),
            ingest_rate_limit=float(_env("PULSE_INGEST_RATE_LIMIT", "30")),
            secret_key=_env("PULSE_SECRET_KEY", ""),
            salt_secret=_env("PULSE_SALT_SECRET", ""),
            cookie_secure=_cookie_policy(_env("PULSE_COOKIE_SECURE", "auto")),
            public_url=_env("PULSE_PUBLIC_URL", ""),
            broker_url=_env("PULSE_BROKER_URL", ""),
            broker_prefix=_env("PULSE_BROKER_PREFIX", "pulse:"),
            broker_timeout_ms=int(_env("PULSE_BROKER_TIMEOUT_MS", "500")),
            broker_stream_len=int(_env("PULSE_BROKER_STREAM_LEN", "10000")),
            broker_outbox=int(_env("PULSE_BROKER_OUTBOX", "20000")),
            broker_visitor_ttl_days=int(_env("PULSE_BROKER_VISITOR_TTL_DAYS", "30")),
            workers=int(_env("PULSE_WORKERS", "1")),
            metrics_token=_env("PULSE_METRICS_TOKEN", ""),
            alert_attempts=int(_env("PULSE_ALERT_ATTEMPTS", "5")),
            alert_backoff_ms=int(_env("PULSE_ALERT_BACKOFF_MS", "1000")),
            alert_timeout_ms=int(_env("PULSE_ALERT_TIMEOUT_MS", "10000")),
            smtp_url=_env("PULSE_SMTP_URL", ""),
            smtp_from=_env("PULSE_SMTP_FROM", ""),
            smtp_timeout_ms=int(_env("PULSE_SMTP_TIMEOUT_MS", "30000")),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "database_url" in clean:
            clean["database_url"] = normalise_database_url(clean["database_url"])
        return replace(base, **clean)

    @property
    def spill_file(self) -> Path:
        """Default: next to the SQLite file, else in the data directory."""
        if self.spill_path:
            return Path(self.spill_path)
        db = sqlite_path(self.database_url)
        folder = db.parent if db is not None else data_dir()
        return folder / "pulse.spill"
