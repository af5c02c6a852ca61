"""A small HTTP/1.1 load generator on raw asyncio sockets (keep-alive, no client library in the
way), run as its own process so it does not share the server's core. Prints one JSON line.

    python tests/benchmarks/loadgen.py --port 5270 --path /api/collect --bodies bodies.json \
        --connections 32 --seconds 5 [--rate 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time


def build_requests(host: str, path: str, bodies: list[str], method: str = "POST") -> list[bytes]:
    if method == "GET":  # /healthz: a GET-only route (a POST to it would time the 405 path)
        return [f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()]
    requests = []
    for body in bodies:
        raw = body.encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\n"
            "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n"
            f"Content-Length: {len(raw)}\r\n\r\n"
        )
        requests.append(head.encode() + raw)
    return requests


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def connection(
    port: int,
    requests: list[bytes],
    offset: int,
    deadline: float,
    pace: float | None,
    stats: dict[str, list],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    next_at = time.perf_counter()
    while time.perf_counter() < deadline:
        if pace is not None:
            next_at += pace
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        started = time.perf_counter()
        writer.write(requests[i % len(requests)])
        try:
            status = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError):  # the server died (the kill -9 run)
            stats["unanswered"].append(1)
            return
        stats["latency"].append(time.perf_counter() - started)
        stats["status"].append(status)
        stats["done_at"].append(time.perf_counter())
        i += 1
    writer.close()


async def run(args: argparse.Namespace) -> dict[str, object]:
    with open(args.bodies) as fh:
        bodies = json.load(fh)
    requests = build_requests(f"127.0.0.1:{args.port}", args.path, bodies, args.method)
    stats: dict[str, list] = {"latency": [], "status": [], "done_at": [], "unanswered": []}
    pace = args.connections / args.rate if args.rate else None
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            connection(args.port, requests, k * 7919, deadline, pace, stats)
            for k in range(args.connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(stats["latency"])
    statuses: dict[str, int] = {}
    for status in stats["status"]:
        statuses[str(status)] = statuses.get(str(status), 0) + 1

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    if not latencies:
        latencies = [0.0]
    return {
        "unanswered": len(stats["unanswered"]),
        "requests": len(stats["latency"]),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--bodies", required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--method", default="POST", choices=("POST", "GET"))
    parser.add_argument("--rate", type=float, default=0.0, help="total requests/s (0: flat out)")
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
