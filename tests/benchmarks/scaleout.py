"""Scale-out part of the ingest benchmark (issue 8): `ingest.py --processes N [--postgres]
[--redis]`. Starts 1, then N `pulse serve` processes on their own ports against one fresh
database (a new PostgreSQL database `pulse_bench_<hex>`, dropped afterwards, or a SQLite file)
and, with --redis, one Redis (a key prefix of the run's own, deleted afterwards); spreads the
load evenly over the processes (one load generator per process) and prints events/s for each
process count, then the ingest-to-websocket latency: post to process A, watch on process B
(and, for comparison, on A itself). Snapshots go out once per live tick (1 s), so the latency is
the tick's wait plus the broker's hop; the difference between the two figures is the hop.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import msgspec
from wsproto import ConnectionType, WSConnection
from wsproto.events import Message, Request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import ROOT, SECONDS, SITE, bodies, free_port, load  # noqa: E402

PG_ADMIN = os.environ.get("PULSE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
REDIS = os.environ.get("PULSE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CLI = [sys.executable, "-m", "app.cli"]
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "20"))


def _pg(sql: str, database: str = "postgres") -> Any:
    import asyncpg

    async def run() -> Any:
        dsn = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
        conn = await asyncpg.connect(dsn.replace("+asyncpg", ""), timeout=5)
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


def database(postgres: bool, tmp: Path) -> tuple[str, str | None]:
    if not postgres:
        return f"sqlite+aiosqlite:///{tmp / 'pulse.db'}", None
    name = f"pulse_bench_{secrets.token_hex(4)}"
    _pg(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    return f"{base}/{name}", name


def start(k: int, env: dict[str, str]) -> list[tuple[subprocess.Popen[bytes], int]]:
    servers = []
    for _ in range(k):
        port = free_port()
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--no-migrate"], env=env, cwd=ROOT
        )
        servers.append((proc, port))
    for proc, port in servers:
        for _ in range(400):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("a server did not start") from None
                time.sleep(0.05)
    return servers


def stop(servers: list[tuple[subprocess.Popen[bytes], int]]) -> None:
    for proc, _ in servers:
        proc.send_signal(signal.SIGTERM)
    for proc, _ in servers:
        proc.wait(60)


def spread(ports: list[int], body_file: Path, connections: int = 32, **opts: float) -> dict:
    """One load generator per process, all at once; their rates add up."""
    from concurrent.futures import ThreadPoolExecutor

    per = max(1, connections // len(ports))
    with ThreadPoolExecutor(len(ports)) as pool:
        runs = list(
            pool.map(lambda p: load(p, "/api/collect", body_file, connections=per, **opts), ports)
        )
    statuses: dict[str, int] = {}
    for r in runs:
        for code, n in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    return {"rps": sum(r["rps"] for r in runs), "statuses": statuses}


async def _latency(post_port: int, watch_port: int, token: str, samples: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", watch_port)
    ws = WSConnection(ConnectionType.CLIENT)
    auth = [(b"authorization", f"Bearer {token}".encode())]
    host = f"127.0.0.1:{watch_port}"
    writer.write(ws.send(Request(host=host, target=f"/ws/live?site={SITE}", extra_headers=auth)))
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read() -> None:
        parts: list[str] = []
        while data := await reader.read(65536):
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Message):
                    parts.append(event.data)
                    if event.message_finished:
                        frames.put_nowait(msgspec.json.decode("".join(parts)))
                        parts = []

    task = asyncio.create_task(read())
    out = []
    for i in range(samples):
        await asyncio.sleep(0.3 + (i % 7) * 0.1)  # spread over the tick's phase
        path = f"/latency/{secrets.token_hex(4)}"
        body = json.dumps({"url": f"https://{SITE}{path}", "visitor_id": f"lat-{i}"}).encode()
        sent = time.perf_counter()
        request = urllib.request.Request(
            f"http://127.0.0.1:{post_port}/api/collect",
            data=body,
            headers={
                "Content-Type": "text/plain",
                "User-Agent": FIREFOX,
            },
        )
        await asyncio.to_thread(urllib.request.urlopen, request, timeout=5)
        while True:
            frame = await asyncio.wait_for(frames.get(), 5)
            if any(r.get("path") == path for r in frame.get("recent", ())):
                out.append((time.perf_counter() - sent) * 1000)
                break
    task.cancel()
    writer.close()
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def stored_events(db_url: str, pg_name: str | None) -> int:
    if pg_name is not None:
        return int(_pg("SELECT count(*) FROM events", pg_name)[0][0])
    import sqlite3

    with sqlite3.connect(db_url.split("///", 1)[1]) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def main(processes: int, postgres: bool, use_redis: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pulse-bench-scale-"))
    db_url, pg_name = database(postgres, tmp)
    prefix = f"pulse-bench:{secrets.token_hex(4)}:"
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": db_url,
        "PULSE_LOG_LEVEL": "WARNING",
        "PULSE_INGEST_RATE_LIMIT": "0",
        "PULSE_SPILL_PATH": str(tmp / "pulse.spill"),
    }
    if use_redis:
        env |= {"PULSE_BROKER_URL": REDIS, "PULSE_BROKER_PREFIX": prefix}
    try:
        subprocess.run([*CLI, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run(
            [*CLI, "site", "add", SITE], env=env, cwd=ROOT, check=True, capture_output=True
        )
        made = subprocess.run(
            [*CLI, "token", "create", "--site", SITE],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        token = made.stdout.decode().split()[-1]
        files = {}
        for name, batch in (("single", 1), ("batch20", 20)):
            files[name] = tmp / f"{name}.json"
            files[name].write_text(json.dumps(bodies(batch)))
        print(
            f"database: {'PostgreSQL ' + pg_name if pg_name else 'SQLite (one file)'}; "
            f"broker: {'Redis ' + REDIS if use_redis else 'none'}; {SECONDS:.0f} s per run"
        )
        accepted = 0
        for k in sorted({1, processes}):
            servers = start(k, env)
            ports = [port for _, port in servers]
            try:
                warm = spread(ports, files["single"], seconds=2)
                single = spread(ports, files["single"])
                batch = spread(ports, files["batch20"])
                accepted += sum(
                    r["statuses"].get("202", 0) * n
                    for r, n in ((warm, 1), (single, 1), (batch, 20))
                )
                print(
                    f"{k} process(es): single-event {single['rps']:,.0f} events/s "
                    f"{single['statuses']}; batches of 20 {batch['rps'] * 20:,.0f} events/s "
                    f"{batch['statuses']}"
                )
                if k > 1 or not use_redis:
                    same = asyncio.run(_latency(ports[0], ports[0], token, SAMPLES))
                    print(
                        f"  ingest -> websocket, same process: p50 {pct(same, 0.5):.0f} ms, "
                        f"p95 {pct(same, 0.95):.0f} ms, max {max(same):.0f} ms"
                    )
                    accepted += SAMPLES
                if k > 1 and use_redis:
                    cross = asyncio.run(_latency(ports[0], ports[1], token, SAMPLES))
                    print(
                        f"  ingest -> websocket, across processes (A -> B): p50 "
                        f"{pct(cross, 0.5):.0f} ms, p95 {pct(cross, 0.95):.0f} ms, "
                        f"max {max(cross):.0f} ms (snapshots leave once a second)"
                    )
                    accepted += SAMPLES
            finally:
                stop(servers)
        stored = stored_events(db_url, pg_name)
        verdict = "equal" if stored == accepted else "MISMATCH"
        print(f"rows stored after SIGTERM: {stored:,}; events accepted: {accepted:,} -> {verdict}")
    finally:
        if pg_name is not None:
            _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if use_redis:
            import redis

            client = redis.Redis.from_url(REDIS)
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            if keys:
                client.delete(*keys)
