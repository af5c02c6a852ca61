"""Ingest benchmark (not a test): `make bench` or `.venv/bin/python tests/benchmarks/ingest.py`.

Starts a real Pulse server (Hypercorn, one worker, persistence on, a temp SQLite file), drives it
from a separate load-generating process over keep-alive loopback connections, and prints:
  - /healthz on the same server, same connections (requests/s), and the bare 204 route
  - events/s with single-event requests, and its ratio to /healthz       (target >= 70%)
  - p50/p99 latency at a fixed 500 events/s                              (target p99 <= 25 ms)
  - batches of 20 for BENCH_SATURATION_SECONDS (60) at saturation: accepted events/s, events/s
    the server persisted during the run, the 503 share     (persisted >= 95 %, >= 15,000/s)
  - rows on disk == events accepted, after a graceful stop
  - the same saturation with PULSE_SQLITE_SYNCHRONOUS=NORMAL (no fsync per commit): the cost
    of fsync'd durability in events/s
  - kill -9 mid-load: events answered 202 that are not on disk          (target 0)

`--processes N [--postgres] [--redis]` runs the scale-out comparison instead (scaleout.py):
1 and N `pulse serve` processes on PostgreSQL and Redis, events/s for each and the
ingest-to-websocket latency across processes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = "bench.example"
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
SATURATION_SECONDS = float(os.environ.get("BENCH_SATURATION_SECONDS", "60"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bodies(batch: int, variants: int = 2000) -> list[str]:
    out = []
    for i in range(variants):
        events = [
            {
                "url": f"https://{SITE}/page/{(i + k) % 50}?utm_source=bench",
                "referrer": "https://www.google.com/",
                "visitor_id": f"visitor-{(i * 31 + k) % 5000}",
                "screen_width": 1440,
                "language": "en-US",
            }
            for k in range(batch)
        ]
        out.append(json.dumps(events[0] if batch == 1 else events))
    return out


def loadgen_args(
    port: int, path: str, body_file: Path, method: str = "POST", **opts: float
) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "tests/benchmarks/loadgen.py"),
        "--port",
        str(port),
        "--path",
        path,
        "--bodies",
        str(body_file),
        "--seconds",
        str(opts.get("seconds", SECONDS)),
        "--connections",
        str(int(opts.get("connections", 32))),
        "--rate",
        str(opts.get("rate", 0)),
        "--method",
        method,
    ]


def load(port: int, path: str, body_file: Path, method: str = "POST", **opts: float) -> dict:
    args = loadgen_args(port, path, body_file, method, **opts)
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


ADMIN_TOKENS: dict[int, str] = {}


def start(tmp: Path, **env_extra: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    """A fresh database and `pulse serve` on a free port (SQLite, one worker)."""
    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / "pulse.db"
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "PULSE_BENCHMARK": "1",
        "PULSE_LOG_LEVEL": "WARNING",
        "PULSE_INGEST_RATE_LIMIT": "0",
        **env_extra,
    }
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "site", "add", SITE], env=env, cwd=ROOT, check=True, capture_output=True)
    made = subprocess.run(
        [*cli, "token", "create", "--admin"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    port = free_port()
    ADMIN_TOKENS[port] = made.stdout.decode().split()[-1]  # /readyz's details need one
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-migrate"], env=env, cwd=ROOT
    )
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    return server, port, db


def stored(db: Path) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def persisted(port: int) -> int:
    ready = urllib.request.Request(
        f"http://127.0.0.1:{port}/readyz",
        headers={"Authorization": f"Bearer {ADMIN_TOKENS[port]}"},
    )
    with urllib.request.urlopen(ready, timeout=30) as answer:
        return int(json.loads(answer.read())["events"]["persisted"])


def body_files(tmp: Path) -> dict[str, Path]:
    files = {}
    for name, batch in (("single", 1), ("batch10", 10), ("batch20", 20)):
        files[name] = tmp / f"{name}.json"
        files[name].write_text(json.dumps(bodies(batch)))
    return files


def saturate(port: int, body: Path, seconds: float) -> dict:
    """Batches of 20 flat out from 64 connections; rows the server committed during the run
    (its /readyz counter just after the start and just before the end)."""
    run = subprocess.Popen(
        loadgen_args(port, "/api/collect", body, seconds=seconds, connections=64),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    first, t0 = persisted(port), time.monotonic()
    time.sleep(max(0.0, seconds - 1.0))
    last, t1 = persisted(port), time.monotonic()
    out, _ = run.communicate()
    result = json.loads(out)
    result["persisted_per_s"] = (last - first) / (t1 - t0)
    result["accepted_per_s"] = result["statuses"].get("202", 0) * 20 / result["seconds"]
    return result


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
    files = body_files(tmp)
    server, port, db = start(tmp / "full")
    try:
        warm = load(port, "/api/collect", files["single"], seconds=2)  # caches, allocator
        health = load(port, "/healthz", files["single"], method="GET")
        empty = load(port, "/bench/empty", files["single"])
        single = load(port, "/api/collect", files["single"])
        time.sleep(1)
        paced = load(port, "/api/collect", files["single"], rate=500, connections=16)
        saturated = saturate(port, files["batch20"], SATURATION_SECONDS)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    accepted = (
        sum(r["statuses"].get("202", 0) * n for r, n in ((warm, 1), (single, 1), (paced, 1)))
        + saturated["statuses"].get("202", 0) * 20
    )
    report(health, empty, single, paced, saturated, accepted, stored(db))
    normal = sqlite_normal(tmp / "normal", files["batch20"])
    print(
        f"durability's cost: batches of 20 with synchronous=NORMAL (no fsync per commit) "
        f"{normal['accepted_per_s']:,.0f} events/s vs FULL {saturated['accepted_per_s']:,.0f}"
    )
    kill_nine(tmp / "kill", files["batch10"])


def sqlite_normal(tmp: Path, body: Path) -> dict:
    server, port, _ = start(tmp, PULSE_SQLITE_SYNCHRONOUS="NORMAL")
    try:
        load(port, "/api/collect", body, seconds=2)
        return saturate(port, body, min(SATURATION_SECONDS, 20))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def kill_nine(tmp: Path, body: Path) -> None:
    """Batches of 10 from 32 connections; kill -9 after 3 s; events answered 202 vs on disk."""
    server, port, db = start(tmp)
    run = subprocess.Popen(
        loadgen_args(port, "/api/collect", body, seconds=6, connections=32),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    server.kill()
    server.wait(30)
    result = json.loads(run.communicate()[0])
    answered = result["statuses"].get("202", 0) * 10
    on_disk = stored(db)
    print(
        f"kill -9 under load: {answered:,} events answered 202, {on_disk:,} on disk -> "
        f"{max(0, answered - on_disk):,} acknowledged events lost (target 0); "
        f"{result['unanswered']} requests in flight lost their answer"
    )


def report(
    health: dict,
    empty: dict,
    single: dict,
    paced: dict,
    saturated: dict,
    accepted: int,
    stored: int,
) -> None:
    ceiling = health["rps"]
    print(
        f"/healthz on the same server: {ceiling:,.0f} requests/s "
        f"(the bare 204 route: {empty['rps']:,.0f})  statuses={health['statuses']}"
    )
    print(
        f"single-event requests: {single['rps']:,.0f} events/s = "
        f"{single['rps'] / ceiling:.0%} of /healthz (target >= 70%)  statuses={single['statuses']}"
    )
    print(
        f"fixed {paced['rps']:,.0f} events/s: p50 {paced['p50_ms']:.1f} ms, "
        f"p99 {paced['p99_ms']:.1f} ms"
        f" (target p99 <= 25 ms)  statuses={paced['statuses']}"
    )
    codes = saturated["statuses"]
    shed = codes.get("503", 0) / max(1, sum(codes.values()))
    print(
        f"batches of 20 for {saturated['seconds']:.0f} s at saturation: accepted "
        f"{saturated['accepted_per_s']:,.0f} events/s, persisted during the run "
        f"{saturated['persisted_per_s']:,.0f} events/s "
        f"({saturated['persisted_per_s'] / max(1.0, saturated['accepted_per_s']):.0%}; target "
        f">= 95 %, >= 15,000/s), 503 share {shed:.1%}, p99 {saturated['p99_ms']:.0f} ms  "
        f"statuses={codes}"
    )
    verdict = "equal" if stored == accepted else "MISMATCH"
    print(
        f"rows on disk after SIGTERM: {stored:,}; events accepted (202): {accepted:,} -> {verdict}"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description="Pulse ingest benchmark")
    parser.add_argument("--processes", type=int, default=1, help="scale-out: N pulse serve")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    parser.add_argument("--redis", action="store_true", help="PULSE_BROKER_URL (Redis)")
    args = parser.parse_args()
    if args.processes > 1 or args.postgres or args.redis:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import scaleout

        scaleout.main(args.processes, args.postgres, args.redis)
    else:
        main()


if __name__ == "__main__":
    cli()
