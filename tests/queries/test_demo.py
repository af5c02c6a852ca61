"""`pulse demo`: two days through the real pipeline look like a real site's traffic."""

from __future__ import annotations

from app.clock import FakeClock
from app.demo import run_demo
from app.demo_data import COUNTRY_IPS
from app.ingest.geo import GeoLookup
from app.settings import Settings
from tests.backends import Database
from tests.conftest import SITE, rows

WEDNESDAY_EVENING = 1_767_823_200_000  # 2026-01-07T22:00Z: two weekdays, nearly whole


async def test_two_days_of_demo_traffic(migrated: Settings, db: Database) -> None:
    sent = await run_demo(migrated, SITE, 2, 80, seed=7, clock=FakeClock(WEDNESDAY_EVENING))
    assert sent > 500
    sessions = rows(db, "SELECT * FROM sessions")
    assert len(sessions) > 80
    sources = {s["source"] for s in sessions}
    assert {"Google", "Direct", "Baidu", "WeChat", "newsletter"} <= sources
    assert len({s["country"] for s in sessions}) >= 5
    assert len({s["device"] for s in sessions}) == 3
    returning = [s for s in sessions if not s["new_visitor"]]
    assert returning and len({s["visitor_id"] for s in sessions}) < len(sessions)
    assert max(s["pageviews"] for s in sessions) >= 3
    names = {r["name"] for r in rows(db, "SELECT DISTINCT name FROM events")}
    assert {"pageview", "engagement", "Signup", "Download"} <= names
    assert len(rows(db, "SELECT * FROM drop_counts")) == 0


def test_demo_networks_are_where_they_claim(geo: GeoLookup) -> None:
    for country, (_, prefix) in COUNTRY_IPS.items():
        assert geo.country(f"{prefix}.7") == country
