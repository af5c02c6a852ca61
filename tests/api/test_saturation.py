"""A real server saturated over loopback: it sheds what it cannot take (503 + Retry-After,
before any work), the queue never passes its bound, and what it accepts it persists while the
load runs (a 202 waits for the commit), not minutes later."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx

from tests.conftest import FIREFOX, SITE
from tests.support.server import ServerProcess, pulse_serve

CLIENTS = 24
BATCH = 20
BOUND = 200  # well under CLIENTS * BATCH = 480 in flight: the server must shed
SECONDS = 4.0


async def _client(origin: str, k: int, until: float, statuses: Counter[str]) -> None:
    loop = asyncio.get_running_loop()
    body = [{"url": f"https://{SITE}/s{k}", "visitor_id": f"v{k}-{i}"} for i in range(BATCH)]
    async with httpx.AsyncClient(headers={"User-Agent": FIREFOX}, timeout=30) as client:
        while loop.time() < until:
            response = await client.post(f"{origin}/api/collect", json=body)
            statuses[str(response.status_code)] += 1
            if response.status_code == 503:
                assert response.headers["Retry-After"] == "1"
                await asyncio.sleep(0.01)  # a real client would wait Retry-After; keep pressure


async def _sample(server: ServerProcess, until: float) -> list[dict[str, dict[str, int]]]:
    """/readyz while the load runs: what was accepted, persisted, and the queue depth."""
    samples = []
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(timeout=30, headers=server.admin_headers()) as client:
        while loop.time() < until:
            samples.append((await client.get(f"{server.origin}/readyz")).json())
            await asyncio.sleep(0.25)
    return samples


async def test_saturated_server_sheds_early_and_persists_what_it_accepts(
    tmp_path: Path,
) -> None:
    env = {"PULSE_QUEUE_BOUND": str(BOUND), "PULSE_INGEST_RATE_LIMIT": "0"}
    with pulse_serve(tmp_path, setup=[("site", "add", SITE)], env=env) as server:
        statuses: Counter[str] = Counter()
        until = asyncio.get_running_loop().time() + SECONDS
        clients = [_client(server.origin, k, until, statuses) for k in range(CLIENTS)]
        samples, *_ = await asyncio.gather(_sample(server, until), *clients)
        stored_during_run = server.query("SELECT count(*) AS n FROM events")[0]["n"]
    assert statuses["503"] > 0, statuses  # it did shed
    assert statuses["202"] * BATCH >= 200, statuses  # and it did work
    assert set(statuses) <= {"202", "503"}, statuses
    for sample in samples:
        accepted, persisted = sample["events"]["accepted"], sample["events"]["persisted"]
        assert persisted >= 0.95 * accepted, sample
        assert sample["queue"]["depth"] <= BOUND
    assert samples[-1]["queue"]["deepest"] <= BOUND
    # Every event answered 202 was on disk before the server stopped (no drain afterwards).
    assert stored_during_run >= statuses["202"] * BATCH
