"""Visitor identity: hashed client ids, cookieless daily salts, a visit across midnight."""

from __future__ import annotations

from app.ingest.identity import DAY_MS, Identity, SaltBook

UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


def visitor(identity: Identity, now: int, known: set[int], **kw: object) -> int:
    args: dict[str, object] = {
        "site_id": 1,
        "cookieless": True,
        "client_id": None,
        "ip": "203.0.113.9",
        "user_agent": UA,
        "now_ms": now,
        "is_known": known.__contains__,
    }
    args.update(kw)
    return identity.visitor_id(**args)  # type: ignore[arg-type]


def test_local_mode_hashes_the_client_id_per_site() -> None:
    identity = Identity(SaltBook())
    a = visitor(identity, 0, set(), cookieless=False, client_id="rand-1")
    assert a == visitor(identity, 5 * DAY_MS, set(), cookieless=False, client_id="rand-1")
    assert a != visitor(identity, 0, set(), cookieless=False, client_id="rand-2")
    assert a != visitor(identity, 0, set(), cookieless=False, client_id="rand-1", site_id=2)
    assert 0 <= a < 2**63


def test_cookieless_is_stable_within_a_day_and_changes_the_next() -> None:
    identity = Identity(SaltBook())
    morning = visitor(identity, 10 * DAY_MS + 1000, set())
    evening = visitor(identity, 11 * DAY_MS - 1000, set())
    assert morning == evening
    assert visitor(identity, 11 * DAY_MS + 1000, set()) != morning
    assert visitor(identity, 10 * DAY_MS + 1000, set(), ip="203.0.113.10") != morning


def test_a_visit_across_midnight_keeps_its_id() -> None:
    identity = Identity(SaltBook())
    before = visitor(identity, 11 * DAY_MS - 60_000, set())
    after = visitor(identity, 11 * DAY_MS + 60_000, {before})
    assert after == before
    fresh = visitor(identity, 11 * DAY_MS + 60_000, set())
    assert fresh != before


def test_the_raw_ip_is_not_recoverable_from_the_id() -> None:
    identity = Identity(SaltBook())
    vid = visitor(identity, 0, set())
    assert "203.0.113.9" not in str(vid)
    # a different salt book (another secret) gives another id for the same inputs
    assert visitor(Identity(SaltBook()), 0, set()) != vid
