"""The live-event message on the Redis stream: msgpack of the fields a live window reads (the
same columns as the warm start, app/live/warm.py), one message per accepted batch.

    {"o": <origin process id>, "e": [[site_id, ts, name, pathname, visitor_id, session_id,
                                      new_visitor, session_start, source, channel, country,
                                      device], ...]}

About 80 bytes an event, against ~600 for the whole `Event` (referrer, UTM, props ... that the
windows never show)."""

from __future__ import annotations

from collections.abc import Iterable

import msgpack

from app.events import Event

_pack = msgpack.Packer(use_bin_type=True).pack


def encode(events: Iterable[Event]) -> bytes:
    return _pack(
        [
            (
                e.site_id,
                e.ts,
                e.name,
                e.pathname,
                e.visitor_id,
                e.session_id,
                e.new_visitor,
                e.session_start,
                e.source,
                e.channel,
                e.country,
                e.device,
            )
            for e in events
        ]
    )


def decode(payload: bytes) -> list[Event]:
    rows = msgpack.unpackb(payload, raw=False, use_list=False)
    return [
        Event(
            r[0],
            r[1],
            r[2],
            "",
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            source=r[8],
            channel=r[9],
            country=r[10],
            device=r[11],
        )
        for r in rows
    ]
