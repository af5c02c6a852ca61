"""Live benchmark (not a test): `.venv/bin/python tests/benchmarks/live.py`.

Three processes on this machine: a real Pulse server (Hypercorn, one worker, temp SQLite file),
a subscriber process holding 1,000 websockets to /ws/live (raw asyncio + wsproto, half JSON and
half msgpack), and a poster sending single pageviews paced at 500 events/s. Prints:
  - ingest-to-subscriber latency p50/p99 over every (event, subscriber) pair: from the event's
    acceptance (its 202) to the moment that subscriber received the first snapshot counting it
    (the k-th accepted event is in a snapshot once its 30-minute page views reach k); the same
    from the POST's send; and the fan-out part alone (snapshot built -> received)
                                                          (target p50 <= 150 ms, p99 <= 1 s)
  - the first event after 10 s of quiet, 202 -> on every screen          (target <= 100 ms)
  - subscribers held to the end, and snapshots skipped (a subscriber falling behind)
                                                                        (target: none skip > 1)
  - the server's CPU share during the run (of one core), and its RSS
  - memory per tracked visitor, measured in-process with tracemalloc on 100,000 visitors

BENCH_SECONDS (default 10) sets the posting time; BENCH_SUBSCRIBERS (1000) and BENCH_RATE (500).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import msgspec
import uvloop
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Ping, Request
from wsproto.events import Message as WsMessage

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402  (same folder: the raw-socket HTTP client of the ingest benchmark)
from ingest import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SITE = "live.bench"
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "1000"))
RATE = float(os.environ.get("BENCH_RATE", "500"))
CONNECT_BATCH = 50  # under Hypercorn's listen backlog of 100
QUIET_S = 10.0  # the lull before the last event


# --- the subscriber process --------------------------------------------------------------


async def subscriber(
    port: int, fmt: str, seen: list[tuple[float, int, int, float]], ready: Any, token: str
) -> int:
    """One websocket: record (received at, seq, page views) per snapshot; return close code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ws = WSConnection(ConnectionType.CLIENT)
    target = f"/ws/live?site={SITE}&format={fmt}"
    auth = [(b"authorization", f"Bearer {token}".encode())]
    writer.write(ws.send(Request(host=f"127.0.0.1:{port}", target=target, extra_headers=auth)))
    parts: list[Any] = []
    while data := await reader.read(65536):
        ws.receive_data(data)
        for event in ws.events():
            if isinstance(event, AcceptConnection):
                ready.set_result(None)
            elif isinstance(event, WsMessage):
                parts.append(event.data)
                if event.message_finished:
                    raw = "".join(parts) if isinstance(event.data, str) else b"".join(parts)
                    parts = []
                    decoder = msgspec.msgpack if isinstance(event, BytesMessage) else msgspec.json
                    frame = decoder.decode(raw)
                    if frame["type"] == "snapshot":
                        pageviews, at = frame["last_30m"]["pageviews"], frame["at"] / 1000
                        seen.append((time.time(), frame["seq"], pageviews, at))
            elif isinstance(event, Ping):
                writer.write(ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                return event.code
    return 1006  # the connection ended without a close frame


async def subscribers_main(port: int, count: int, seconds: float, out: str, token: str) -> None:
    seen: list[list[tuple[float, int, int, float]]] = [[] for _ in range(count)]
    tasks = []
    loop = asyncio.get_running_loop()
    for first in range(0, count, CONNECT_BATCH):
        accepted = []
        for i in range(first, min(count, first + CONNECT_BATCH)):
            fmt = "msgpack" if i % 2 else "json"
            accepted.append(loop.create_future())
            tasks.append(asyncio.create_task(subscriber(port, fmt, seen[i], accepted[-1], token)))
        await asyncio.wait_for(asyncio.gather(*accepted), 30)
    print("ready", flush=True)
    cpu0, wall0 = time.process_time(), time.monotonic()
    done, _ = await asyncio.wait(tasks, timeout=seconds)
    cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
    Path(out).write_text(json.dumps({"seen": seen, "closed_early": len(done), "cpu": cpu}))
    os._exit(0)  # the sockets close with the process


# --- the poster --------------------------------------------------------------------------


async def poster_main(port: int, rate: float, seconds: float, out: str) -> None:
    bodies = [
        json.dumps({"url": f"https://{SITE}/page/{i % 50}", "visitor_id": f"visitor-{i % 3000}"})
        for i in range(int(rate * seconds) + 1000)
    ]
    requests = loadgen.build_requests(f"127.0.0.1:{port}", "/api/collect", bodies)
    statuses: dict[int, int] = {}
    connections, sent = 128, []  # answers take 0.1-0.5 s under this load: 128 hold 500/s
    pace = connections / rate
    deadline = time.perf_counter() + seconds

    async def connection(k: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        next_at, i = time.perf_counter() + k * pace / connections, k
        while time.perf_counter() < deadline:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += pace
            started = time.time()
            writer.write(requests[i % len(requests)])
            status = await loadgen.read_response(reader)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 202:
                sent.append((started, time.time()))
            i += connections
        writer.close()

    await asyncio.gather(*(connection(k) for k in range(connections)))
    # Then quiet, then one event: how fast the first visitor after a lull reaches the wall.
    await asyncio.sleep(QUIET_S)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.time()
    writer.write(requests[0])
    assert await loadgen.read_response(reader) == 202
    quiet = (started, time.time())
    writer.close()
    Path(out).write_text(json.dumps({"sent": sent, "statuses": statuses, "quiet": quiet}))


# --- the orchestrator --------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    env = {**os.environ, "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'pulse.db'}"}
    env["PULSE_LOG_LEVEL"] = "WARNING"
    env["PULSE_INGEST_RATE_LIMIT"] = "0"  # one loopback address sends everything
    # One token and one address hold every socket here: lift the per-credential/IP caps.
    for cap in ("PER_CREDENTIAL", "PER_IP", "MAX"):
        env[f"PULSE_LIVE_SOCKETS_{cap}"] = str(max(20_000, SUBSCRIBERS + 100))
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "site", "add", SITE], env=env, cwd=ROOT, check=True, capture_output=True)
    made = subprocess.run(
        [*cli, "token", "create", "--site", SITE],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    token = made.stdout.decode().split()[-1]  # a read token for the site, printed last
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-migrate"], env=env, cwd=ROOT
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server, port, token
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


def role(name: str, *args: str) -> list[str]:
    return [sys.executable, __file__, name, *args]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pulse-live-bench-"))
    server, port, token = start_server(tmp)
    subs_out, posts_out = tmp / "subscribers.json", tmp / "posts.json"
    listen = SECONDS + QUIET_S + 8
    try:
        subs = subprocess.Popen(
            role("subscribers", str(port), str(SUBSCRIBERS), str(listen), str(subs_out), token),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert subs.stdout is not None and subs.stdout.readline().strip() == "ready"
        time.sleep(2)  # the connection burst settles
        cpu0, wall0, rss0 = cpu_seconds(server.pid), time.monotonic(), rss_mb(server.pid)
        subprocess.run(
            role("poster", str(port), str(RATE), str(SECONDS), str(posts_out)), check=True
        )
        cpu = (cpu_seconds(server.pid) - cpu0) / (time.monotonic() - wall0)
        rss1 = rss_mb(server.pid)
        subs.wait(timeout=listen + 60)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    report(json.loads(subs_out.read_text()), json.loads(posts_out.read_text()), cpu, rss0, rss1)
    print_memory_per_visitor()


def percentile(histogram: list[int], total: int, p: float) -> float:
    """From a histogram of 1-ms bins: the latency (s) below which a share p of pairs fall."""
    rank, running = p * total, 0
    for ms, n in enumerate(histogram):
        running += n
        if running >= rank:
            return ms / 1000
    return len(histogram) / 1000


def bin_ms(histogram: list[int], seconds: float) -> None:
    histogram[min(len(histogram) - 1, max(0, int(seconds * 1000)))] += 1


def measure(subs: dict[str, Any], posts: list[list[float]]) -> dict[str, Any]:
    """Histograms (1-ms bins) of: snapshot received - event accepted (202), - POST sent, and
    snapshot received - built; plus snapshots skipped per subscriber."""
    posts.sort(key=lambda p: p[1])  # the k-th answered POST is the k-th event counted
    accepted: list[int] = [0] * 60_001
    from_send, fanout = accepted.copy(), accepted.copy()
    skipped_max = skipping = lagging = 0
    last_seq = max((s[-1][1] for s in subs["seen"] if s), default=0)
    for seen in subs["seen"]:
        covered = 0
        for received, _seq, count, built in seen:
            if count > covered:  # a snapshot with news (not the one given on connect)
                bin_ms(fanout, received - built)
            for sent_at, done_at in posts[covered : min(count, len(posts))]:
                bin_ms(accepted, received - done_at)
                bin_ms(from_send, received - sent_at)
            covered = max(covered, count)
        gaps = [b[1] - a[1] - 1 for a, b in zip(seen, seen[1:], strict=False)]
        skipped_max = max([skipped_max, *gaps])
        skipping += any(gaps)
        lagging += not seen or seen[-1][1] < last_seq
    return locals()


def quiet_latency(subs: dict[str, Any], count: int, quiet: list[float]) -> tuple[float, float, int]:
    """Per subscriber: the first snapshot counting the quiet event, minus its 202."""
    waits = sorted(
        next(received for received, _seq, n, _built in seen if n >= count) - quiet[1]
        for seen in subs["seen"]
        if any(n >= count for _r, _s, n, _b in seen)
    )
    if not waits:
        return float("nan"), float("nan"), 0
    return waits[len(waits) // 2], waits[-1], len(waits)


def report(
    subs: dict[str, Any], posted: dict[str, Any], cpu: float, rss0: float, rss1: float
) -> None:
    posts: list[list[float]] = posted["sent"]
    waits = sorted(done - started for started, done in posts)
    m = measure(subs, posts)
    pairs = sum(m["accepted"])

    def pcts(histogram: list[int]) -> str:
        n = sum(histogram)
        return (
            f"p50 {percentile(histogram, n, 0.5):.3f} s, p99 {percentile(histogram, n, 0.99):.3f} s"
        )

    held = len(subs["seen"]) - subs["closed_early"]
    print(f"subscribers: {len(subs['seen']):,} connected, {held:,} held to the end")
    print(
        f"ingest: {len(posts):,} events accepted in {SECONDS:.0f} s "
        f"({len(posts) / SECONDS:,.0f}/s; statuses {posted['statuses']}); POST answered in "
        f"p50 {waits[len(waits) // 2]:.3f} s, p99 {waits[int(len(waits) * 0.99)]:.3f} s"
    )
    print(
        f"ingest-to-subscriber latency, event accepted -> on every subscriber's screen "
        f"({pairs:,} pairs): {pcts(m['accepted'])} (target p50 <= 0.15 s, p99 <= 1 s)"
    )
    print(f"  the same from the POST's send: {pcts(m['from_send'])}")
    quiet = quiet_latency(subs, len(posts) + 1, posted["quiet"])
    print(
        f"first event after {QUIET_S:.0f} s quiet, accepted -> on screen: p50 {quiet[0]:.3f} s, "
        f"max over {quiet[2]:,} subscribers {quiet[1]:.3f} s (target <= 0.1 s)"
    )
    print(f"  snapshot built -> received (fan-out + the client's reading): {pcts(m['fanout'])}")
    print(
        f"falling behind: {m['skipping']:,} subscribers skipped a snapshot, at most "
        f"{m['skipped_max']} in a row; {m['lagging']:,} ended behind the latest "
        f"(seq {m['last_seq']}) (target: none behind by more than 1)"
    )
    print(
        f"server CPU during the run: {cpu:.0%} of one core; RSS {rss0:.0f} -> {rss1:.0f} MB"
        f" (the subscriber process: {subs['cpu']:.0%} of another)"
    )


def print_memory_per_visitor(n: int = 100_000) -> None:
    import gc
    import tracemalloc

    from app.events import Event
    from app.live.windows import SiteWindow

    start = 1_767_225_600_000
    window = SiteWindow(start, "UTC", cap=n)
    paths = [f"/page/{i}" for i in range(50)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):  # one pageview each, 10 ms apart: 17 minutes, all inside the window
        vid = (i * 0x9E3779B97F4A7C15) & (2**63 - 1)  # 63-bit ids like the server's
        window.add(Event(1, start + i * 10, "pageview", SITE, paths[i % 50], vid, vid, True, True))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    today = sys.getsizeof(window.today.seen)
    print(
        f"memory per tracked visitor: {held / n:.0f} bytes ({(held - today) / n:.0f} in the "
        f"30-minute window, {today / n:.0f} in today's distinct set) over {n:,} visitors; "
        f"the default cap of 100,000 per site is ~{held / n * 100_000 / 2**20:.0f} MB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "role", nargs="?", default="main", choices=["main", "subscribers", "poster"]
    )
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    if ns.role == "subscribers":
        port, count, seconds, out, token = ns.args
        uvloop.run(subscribers_main(int(port), int(count), float(seconds), out, token))
    elif ns.role == "poster":
        port, rate, seconds, out = ns.args
        uvloop.run(poster_main(int(port), float(rate), float(seconds), out))
    else:
        main()
