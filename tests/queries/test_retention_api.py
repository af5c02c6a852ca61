"""Retention end to end: `pulse site update --keep-raw-days`, the runtime's purge job through the
real writer, reports equal where rollups and sealed columns answer, `"partial"` where a report
read raw rows, the setting on the admin API."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from quart import Quart

from app.settings import Settings
from app.sitecli import run_site_command
from tests.backends import Database
from tests.conftest import FIREFOX, SITE, rows, wait_for_rows


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


async def _send(client: Any, clock: Any, at: str, visitor: str, path: str) -> None:
    clock.set(_ms(at))
    body = {"url": f"https://{SITE}{path}", "visitor_id": visitor}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202


def _update(**options: Any) -> argparse.Namespace:
    fields = {"name": None, "timezone": None, "identity": None, "umami_id": None,
              "allowed_hostnames": None, "excluded_ips": None, "excluded_paths": None,
              "keep_raw_days": None}  # fmt: skip
    return argparse.Namespace(site_command="update", domain=SITE, **{**fields, **options})


async def test_purge_keeps_the_numbers_and_says_what_it_cannot(
    app: Quart, client: Any, clock: Any, db: Database, migrated: Settings, capsys: Any
) -> None:
    for day, visitor, path in (("2026-01-01", "a", "/"), ("2026-01-01", "b", "/pricing"),
                               ("2026-01-02", "a", "/blog"), ("2026-01-09", "c", "/")):  # fmt: skip
        await _send(client, clock, f"{day}T10:00:00", visitor, path)
    await wait_for_rows(db, 4)
    clock.set(_ms("2026-01-10T12:00:00"))
    old = "range=custom&from=2026-01-01&to=2026-01-09"
    asked = [f"summary?{old}", f"timeseries?{old}", f"breakdown/page?{old}",
             f"breakdown/source?{old}", f"breakdown/page?{old}&filter=device==desktop"]  # fmt: skip
    base = f"/api/v1/sites/{SITE}"
    await app.extensions["pulse"].seal_pending()
    before = [await (await client.get(f"{base}/{q}")).get_json() for q in asked]

    assert await run_site_command(_update(keep_raw_days=3), migrated) == 0
    assert "raw events kept 3 days" in capsys.readouterr().out
    done = await app.extensions["pulse"].purge_raw()
    assert (done.events, done.sessions) == (3, 3)  # Jan 1 and 2; the cut is 2026-01-07
    assert len(rows(db)) == 1

    after = [await (await client.get(f"{base}/{q}")).get_json() for q in asked]
    assert after == before  # rollups and sealed columns: same numbers, nothing partial
    assert before[0]["metrics"]["visitors"]["value"] == 3
    goal = await client.post(
        f"{base}/goals", json={"name": "Pricing", "page": "/pricing"}, headers=client._headers
    )
    assert goal.status_code == 201
    # A page goal is a set of journey items: the sealed columns answer it, purge or not.
    kept = await (await client.get(f"{base}/summary?{old}&filter=goal==Pricing")).get_json()
    assert "partial" not in kept and kept["metrics"]["visitors"]["value"] == 1
    # page_url is matched on the stored events only (the journeys hold no hostname).
    needs_rows = await (
        await client.get(f"{base}/summary?{old}&filter=page_url=~pricing")
    ).get_json()
    assert needs_rows["partial"] == "raw events purged before 2026-01-07"
    recent = "range=custom&from=2026-01-08&to=2026-01-09&compare=none&filter=page_url=~pricing"
    assert "partial" not in await (await client.get(f"{base}/summary?{recent}")).get_json()

    listed = await (await client.get("/api/admin/sites")).get_json()
    mine = next(s for s in listed if s["domain"] == SITE)
    assert (mine["keep_raw_days"], mine["raw_purged_before"]) == (3, _ms("2026-01-07T00:00:00"))
    bad = await client.patch(
        f"/api/admin/sites/{SITE}", json={"keep_raw_days": 1}, headers=client._headers
    )
    assert bad.status_code == 400
    assert "keep_raw_days must be 2..36500" in (await bad.get_json())["error"]
    cleared = await client.patch(
        f"/api/admin/sites/{SITE}", json={"keep_raw_days": None}, headers=client._headers
    )
    assert (await cleared.get_json())["keep_raw_days"] is None
