"""Alert benchmark (not a test): `.venv/bin/python tests/benchmarks/alerts.py`.

A real `pulse serve` (one worker, temp SQLite file) with BENCH_SITES (100) sites and
BENCH_RULES (1,000) alert rules over them — spikes, drops, active-now and event rules that stay
quiet, all evaluated every tick — plus one spike rule (visitors in the last minute above 20) on
each of BENCH_TRIALS (20) "trial" sites, every webhook pointing at a receiver in this process
(raw asyncio, arrival time noted). A load process sends BENCH_RATE (500) single pageviews/s
spread over the quiet sites; meanwhile, one trial at a time, this process sends 21 distinct
visitors to a trial site as fast as the server answers. Prints, over the trials:
  - seconds from the spike's first event (its POST sent) to the webhook received  p50 / p99
  - seconds from the crossing event's 202 (the 21st visitor) to the webhook        p50 / p99
                                                                         (target p99 <= 2 s)
Then the ingest cost of the rules: single events/s flat out from 32 connections for
BENCH_SECONDS (6) against a server with the rules and one without.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402

from tests.support.server import pulse_serve  # noqa: E402

SITES = int(os.environ.get("BENCH_SITES", "100"))
RULES = int(os.environ.get("BENCH_RULES", "1000"))
TRIALS = int(os.environ.get("BENCH_TRIALS", "20"))
RATE = float(os.environ.get("BENCH_RATE", "500"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
SPIKE_VISITORS = 21  # the rule fires above 20
ROOT = Path(__file__).resolve().parents[2]


def quiet_site(i: int) -> str:
    return f"site{i}.bench"


def trial_site(i: int) -> str:
    return f"trial{i}.bench"


class Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}  # site -> first webhook's arrival (perf_counter)
        self.count = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        at = time.perf_counter()
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = json.loads(await reader.readexactly(length))
        self.count += 1
        self.arrivals.setdefault(body["site"], at)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


def prepare(hook_url: str, with_rules: bool) -> object:
    """Sites and rules straight into the database (one process, not 1,100 CLI runs)."""

    def run(env: Mapping[str, str]) -> None:
        # pulse_serve calls this from inside the benchmark's loop: run it on a thread's own.
        with ThreadPoolExecutor(1) as pool:
            coro = _prepare(env["PULSE_DATABASE_URL"], hook_url, with_rules)
            pool.submit(asyncio.run, coro).result()

    return run


async def _prepare(url: str, hook_url: str, with_rules: bool) -> None:
    from app.alerts.rules import parse
    from app.alerts.store import add_rule
    from app.sites.store import add_site
    from app.storage.database import create_engine

    engine = create_engine(url)
    channel = {"type": "webhook", "url": hook_url}
    quiet_kinds = [
        {"kind": "spike", "minutes": 5, "threshold": 1e9},
        {"kind": "spike", "minutes": 10, "factor": 1e6},
        {"kind": "drop", "minutes": 5, "threshold": 0},
        {"kind": "active", "threshold": 1e9},
        {"kind": "event", "event": "NeverSent", "mode": "every"},
    ]
    async with engine.begin() as conn:
        quiet = [await add_site(conn, quiet_site(i)) for i in range(SITES)]
        trials = [await add_site(conn, trial_site(i)) for i in range(TRIALS)]
        if with_rules:
            for n in range(RULES):
                body = {"name": f"quiet {n}", **quiet_kinds[n % len(quiet_kinds)]}
                rule = parse({**body, "channel": channel})
                await add_rule(conn, quiet[n % SITES].id, rule, 0)
            for site in trials:
                body = {"name": "spike", "kind": "spike", "minutes": 1, "threshold": 20}
                await add_rule(conn, site.id, parse({**body, "channel": channel}), 0)
    await engine.dispose()


def background_bodies() -> list[str]:
    return [
        json.dumps(
            {
                "url": f"https://{quiet_site(i % SITES)}/page/{i % 50}",
                "visitor_id": f"visitor-{i % 5000}",
            }
        )
        for i in range(5000)
    ]


async def post_one(port: int, body: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    (request,) = loadgen.build_requests(f"127.0.0.1:{port}", "/api/collect", [body])
    writer.write(request)
    status = await loadgen.read_response(reader)
    writer.close()
    return status


async def trial(port: int, receiver: Receiver, i: int) -> tuple[float, float]:
    site = trial_site(i)
    first_sent = time.perf_counter()
    crossing_202 = first_sent
    for v in range(SPIKE_VISITORS):
        body = json.dumps({"url": f"https://{site}/", "visitor_id": f"t{i}-{v}"})
        assert await post_one(port, body) == 202
        crossing_202 = time.perf_counter()
    deadline = time.perf_counter() + 10
    while site not in receiver.arrivals and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    arrived = receiver.arrivals.get(site, float("nan"))
    return arrived - first_sent, arrived - crossing_202


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def loadgen_process(port: int, body_file: Path, seconds: float, rate: float) -> subprocess.Popen:  # type: ignore[type-arg]
    argv = [
        sys.executable,
        str(ROOT / "tests/benchmarks/loadgen.py"),
        "--port", str(port), "--path", "/api/collect", "--bodies", str(body_file),
        "--seconds", str(seconds), "--connections", "32", "--rate", str(rate),
    ]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


async def latency(tmp: Path, body_file: Path) -> None:
    receiver = Receiver()
    hook_port = await receiver.start()
    env = {"PULSE_INGEST_RATE_LIMIT": "0"}
    serve = pulse_serve(tmp, prepare=prepare(f"http://127.0.0.1:{hook_port}/hook", True), env=env)
    with serve as server:
        port = int(server.origin.rsplit(":", 1)[1])
        await asyncio.sleep(1.5)  # the rules are armed at start; let the first tick pass
        load_seconds = TRIALS * 1.0 + 3
        load = loadgen_process(port, body_file, load_seconds, RATE)
        await asyncio.sleep(1.0)
        results = []
        for i in range(TRIALS):
            results.append(await trial(port, receiver, i))
            await asyncio.sleep(0.5)
        out, _ = await asyncio.to_thread(load.communicate)
        background = json.loads(out)
        ready = json.loads(urllib_get(f"{server.origin}/readyz"))
    firsts = [r[0] for r in results]
    crossings = [r[1] for r in results]
    print(f"{RULES} quiet rules over {SITES} sites + {TRIALS} spike rules; background load "
          f"{background['rps']:.0f} events/s ({background['statuses']})")  # fmt: skip
    print(f"  first event -> webhook   p50 {pct(firsts, 0.5):.3f} s  p99 {pct(firsts, 0.99):.3f} s")
    print(
        f"  crossing 202 -> webhook  p50 {pct(crossings, 0.5):.3f} s  "
        f"p99 {pct(crossings, 0.99):.3f} s   (target p99 <= 2 s)"
    )
    print(f"  webhooks received: {receiver.count} (expected {TRIALS}); "
          f"scheduler: {ready['scheduler']['alert-rules']['runs']} rule reloads")  # fmt: skip


def urllib_get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


async def ingest_cost(tmp: Path, body_file: Path) -> None:
    rates = {}
    for with_rules in (False, True):
        folder = tmp / ("with" if with_rules else "without")
        folder.mkdir()
        env = {"PULSE_INGEST_RATE_LIMIT": "0"}
        hook = "http://127.0.0.1:9/hook"  # nothing fires: the quiet rules never do
        with pulse_serve(folder, prepare=prepare(hook, with_rules), env=env) as server:
            port = int(server.origin.rsplit(":", 1)[1])
            load = loadgen_process(port, body_file, SECONDS, 0)
            out, _ = await asyncio.to_thread(load.communicate)
            rates[with_rules] = json.loads(out)["rps"]
    print(
        f"ingest flat out, single events: without rules {rates[False]:,.0f} events/s, "
        f"with {RULES} rules {rates[True]:,.0f} events/s "
        f"({(rates[True] / rates[False] - 1) * 100:+.1f} %)"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        body_file = tmp / "bodies.json"
        body_file.write_text(json.dumps(background_bodies()))
        (tmp / "latency").mkdir()
        await latency(tmp / "latency", body_file)
        await ingest_cost(tmp, body_file)


if __name__ == "__main__":
    asyncio.run(main())
