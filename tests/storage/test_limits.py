"""The longest values ingest lets through fit the columns: PostgreSQL enforces VARCHAR(n) (SQLite
does not), and one value too long there would fail the writer's whole batch."""

from __future__ import annotations

import random

from quart.typing import TestClientProtocol

from tests.api.test_collect import event, post
from tests.backends import Database
from tests.conftest import SITE, rows, wait_for_rows

# Random CJK text: 3 bytes a character in UTF-8 and incompressible, so a 2,000-character value
# is ~6 KB in an index entry (PostgreSQL's B-tree takes at most 2,704 bytes).
_RANDOM = random.Random(7)
WIDE = "".join(chr(0x4E00 + _RANDOM.randrange(20_000)) for _ in range(2000))


def _long_url(path: str, query: str = "") -> str:
    base = f"https://{SITE}/"
    return (base + path)[: 2000 - len(query)] + query


async def test_longest_accepted_values_are_stored(client: TestClientProtocol, db: Database) -> None:
    utm = "x" * 600
    long_host = ".".join(["a" * 63] * 8) + ".example.com"  # 523 characters
    bodies = [
        event(url=_long_url("p" * 2000)),
        event(url=_long_url(WIDE)),
        event(url=_long_url("q", f"?utm_source={utm}&utm_medium={utm}&utm_campaign={utm}")),
        event(
            event_type="E" * 64,
            url=f"https://{long_host}/x",
            site=SITE,
            referrer="https://" + "r" * 240 + ".com/" + "p" * 1700,
            language="x" * 35,
            data={"k" * 64: WIDE, "n": 1},
        ),
        event(referrer="https://" + ".".join(["b" * 63] * 30)[:1900] + "/"),
    ]
    for body in bodies:
        assert (await post(client, body)).status_code == 202
    stored = await wait_for_rows(db, len(bodies))
    assert len(stored) == len(bodies)
    assert len(rows(db, "SELECT * FROM sessions")) >= 1
    # The rollup key keeps the first 2,000 bytes (dialect.key_text); the event keeps it all.
    pages = {r["value"] for r in rows(db, "SELECT value FROM rollup_hours WHERE dim = 'page'")}
    [wide] = [r["pathname"] for r in stored if len(r["pathname"].encode()) > 5000]
    assert wide.encode()[:2000].decode(errors="ignore") in pages
    # An event's hostname stored NULL is its session's (migration 0031).
    hosts = rows(
        db,
        "SELECT COALESCE(e.hostname, s.hostname) AS hostname FROM events e "
        "JOIN sessions s ON s.session_id = e.session_id",
    )
    [host] = [r["hostname"] for r in hosts if r["hostname"].startswith("aaa")]
    assert len(host) == 253
