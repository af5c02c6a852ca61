"""Cookieless salts shared through Redis, not the database: two processes agree on a day's salt,
which Redis forgets after three days."""

from __future__ import annotations

import redis.asyncio as aioredis

from app.ingest.identity import DAY_MS, SaltBook
from app.ingest.salts import REDIS_TTL_S, SaltKeeper

NOW = 1_767_225_600_000 + 3_600_000  # 2026-01-01T01:00Z


async def test_two_processes_share_one_salt_per_day_through_redis(
    redis_url: str, prefix: str
) -> None:
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    try:
        books = [SaltBook(), SaltBook()]
        keepers = [
            SaltKeeper(b, redis=c, prefix=prefix) for b, c in zip(books, clients, strict=True)
        ]
        for keeper in keepers:
            await keeper.refresh(NOW)
        day = NOW // DAY_MS
        assert set(books[0].salts) == {day, day + 1}
        assert books[0].salts == books[1].salts  # the first writer's salt, adopted by both
        assert books[0].salts[day] != books[0].salts[day + 1]
        ttl = await clients[0].ttl(f"{prefix}salt:{day}")
        assert REDIS_TTL_S - 60 < ttl <= REDIS_TTL_S
    finally:
        for client in clients:
            await client.aclose()
