"""Ingest benchmark (not a test): `make bench` or `.venv/bin/python tests/benchmarks/ingest.py`.

Starts a real Pulse server (Hypercorn, one worker, persistence on, a temp SQLite file), drives it
from a separate load-generating process over keep-alive loopback connections, and prints:
  - the framework's ceiling: an empty 204 route on the same server (requests/s)
  - events/s with single-event requests, and its ratio to that ceiling   (target >= 70%)
  - events/s with batches of 20                                          (target >= 15,000/s)
  - p50/p99 latency at a fixed 500 events/s                              (target p99 < 25 ms)
  - rows on disk == events accepted, after a graceful stop

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


def load(port: int, path: str, body_file: Path, **opts: float) -> dict:
    args = [
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
    ]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
    db = tmp / "pulse.db"
    env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "PULSE_BENCHMARK": "1",
        "PULSE_LOG_LEVEL": "WARNING",
        "PULSE_INGEST_RATE_LIMIT": "0",
    }
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "site", "add", SITE], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-migrate"], env=env, cwd=ROOT
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        files = {}
        for name, batch in (("single", 1), ("batch20", 20)):
            files[name] = tmp / f"{name}.json"
            files[name].write_text(json.dumps(bodies(batch)))
        warm = load(port, "/api/collect", files["single"], seconds=2)  # caches, allocator
        empty = load(port, "/bench/empty", files["single"])
        single = load(port, "/api/collect", files["single"])
        batch = load(port, "/api/collect", files["batch20"])
        time.sleep(1)
        paced = load(port, "/api/collect", files["single"], rate=500, connections=16)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    accepted = sum(
        r["statuses"].get("202", 0) * n
        for r, n in ((warm, 1), (single, 1), (batch, 20), (paced, 1))
    )
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    report(empty, single, batch, paced, accepted, stored)


def report(empty: dict, single: dict, batch: dict, paced: dict, accepted: int, stored: int) -> None:
    ceiling = empty["rps"]
    print(f"empty 204 route (framework ceiling): {ceiling:,.0f} requests/s")
    print(
        f"single-event requests: {single['rps']:,.0f} events/s = "
        f"{single['rps'] / ceiling:.0%} of the ceiling (target >= 70%)  "
        f"statuses={single['statuses']}"
    )
    print(
        f"batches of 20: {batch['rps'] * 20:,.0f} events/s ({batch['rps']:,.0f} requests/s; "
        f"target >= 15,000 events/s)  statuses={batch['statuses']}"
    )
    print(
        f"fixed {paced['rps']:,.0f} events/s: p50 {paced['p50_ms']:.1f} ms, "
        f"p99 {paced['p99_ms']:.1f} ms"
        f" (target p99 < 25 ms)  statuses={paced['statuses']}"
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
