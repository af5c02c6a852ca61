"""Instance-wide settings an admin changes (`instance_settings`, migration 0020), read by the
guard on every signed-in request, so they are cached: a value is at most REFRESH_MS old in
another process (the one that changed it knows at once). Today: `require_two_factor` — every
user must have two-factor sign-in on; until they do, the guard sends their pages to /account
to enrol and refuses their API calls (403), except what enrolling needs."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.storage.tables import instance_settings

REFRESH_MS = 5_000  # as the site registry's refresh: a second process follows within 5 s
DEFAULTS: dict[str, Any] = {"require_two_factor": False}


class InstancePolicy:
    def __init__(self) -> None:
        self._values: dict[str, Any] = dict(DEFAULTS)
        self._read_at: int | None = None

    async def values(self, engine: AsyncEngine, now_ms: int) -> dict[str, Any]:
        if self._read_at is None or now_ms - self._read_at >= REFRESH_MS:
            async with engine.connect() as conn:
                rows = (await conn.execute(select(instance_settings))).all()
            stored = {row.name: json.loads(row.value) for row in rows if row.name in DEFAULTS}
            self._values, self._read_at = {**DEFAULTS, **stored}, now_ms
        return dict(self._values)

    async def change(self, engine: AsyncEngine, now_ms: int, **values: Any) -> dict[str, Any]:
        """Store the given settings (names from DEFAULTS, checked by the caller)."""
        async with engine.begin() as conn:
            for name, value in values.items():
                await conn.execute(
                    delete(instance_settings).where(instance_settings.c.name == name)
                )
                await conn.execute(
                    insert(instance_settings).values(name=name, value=json.dumps(value))
                )
        self._read_at = None
        return await self.values(engine, now_ms)
