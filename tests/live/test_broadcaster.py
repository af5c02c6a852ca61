"""The fan-out's slow-client policy, keepalive and close, with a socket whose sends we control."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.live.broadcaster import Channel, Subscriber, pump
from app.live.snapshot import Frames


class SlowSocket:
    """Records what is sent; while `gate` is clear a send blocks, like a full TCP window."""

    def __init__(self) -> None:
        self.sent: list[str | bytes] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.sending = asyncio.Event()

    async def send(self, frame: str | bytes) -> None:
        self.sending.set()
        await self.gate.wait()
        self.sent.append(frame)


def frames(seq: int, version: int = 0) -> Frames:
    return Frames({"type": "snapshot", "seq": seq, "active_now": seq}, version)


def seqs(sent: list[str | bytes]) -> list[Any]:
    return [json.loads(frame)["seq"] for frame in sent]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_slow_client_gets_only_the_latest_snapshot() -> None:
    channel, socket = Channel(), SlowSocket()
    sub = Subscriber(1, "json")
    channel.subscribers.add(sub)
    task = asyncio.create_task(pump(sub, socket.send))
    channel.publish(frames(1))
    await socket.sending.wait()
    socket.gate.clear()  # frame 1 is in flight and the client stops reading
    await settle()
    socket.sending.clear()
    channel.publish(frames(2))
    await socket.sending.wait()  # frame 2 is being sent, blocked
    for seq in range(3, 11):  # eight more snapshots while it is stuck
        channel.publish(frames(seq))
    assert sub.pending is not None and sub.skipped == 7  # one waiting, never a backlog
    socket.gate.set()
    await settle()
    assert seqs(socket.sent) == [1, 2, 10]
    sub.close(1001)
    assert await task == 1001


async def test_publishing_encodes_once_per_format_and_skips_a_seen_snapshot() -> None:
    channel = Channel()
    subs = [Subscriber(1, fmt) for fmt in ("json", "json", "msgpack")]
    channel.subscribers.update(subs)
    snapshot = frames(1)
    channel.publish(snapshot)
    assert subs[0].pending is subs[1].pending  # the same str object, not a copy
    assert isinstance(subs[2].pending, bytes)
    for sub in subs:
        sub.pending = None
    channel.publish(snapshot)  # already offered: nothing new
    assert all(sub.pending is None for sub in subs)


async def test_a_subscriber_never_gets_an_older_snapshot_than_it_has() -> None:
    sub = Subscriber(1, "json")
    sub.offer("three", 3)
    sub.offer("two", 2)
    assert sub.pending == "three" and sub.seq == 3


async def test_keepalive_after_a_quiet_spell_never_replaces_a_snapshot() -> None:
    channel = Channel()
    idle, busy = Subscriber(1, "json"), Subscriber(1, "msgpack")
    channel.subscribers.update({idle, busy})
    channel.keepalive(lambda fmt: f"keepalive:{fmt}", every_s=60)
    assert idle.pending is None  # too soon
    busy.offer(b"snapshot", 5)
    channel.offered_at -= 61
    channel.keepalive(lambda fmt: f"keepalive:{fmt}", every_s=60)
    assert idle.pending == "keepalive:json" and idle.wake.is_set()
    assert busy.pending == b"snapshot" and busy.seq == 5
    idle.pending = None
    channel.keepalive(lambda fmt: f"keepalive:{fmt}", every_s=60)
    assert idle.pending is None  # the clock restarted with that keepalive
