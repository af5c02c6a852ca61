"""The `email_reports` table: subscriptions, and the claim on a period that makes sending it
happen once (a conditional UPDATE of `last_period_start`: two processes, or a restart, cannot
both win it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.tables import email_reports

r = email_reports.c


@dataclass(frozen=True)
class Subscription:
    id: int
    site_id: int
    email: str
    interval: str
    hour: int
    last_period_start: int | None
    last_sent_at: int | None
    last_error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "interval": self.interval,
            "hour": self.hour,
            "last_sent_at": self.last_sent_at,
            "last_error": self.last_error,
        }


def _sub(row: Any) -> Subscription:
    return Subscription(
        row.id, row.site_id, row.email, row.interval, row.hour,
        row.last_period_start, row.last_sent_at, row.last_error,
    )  # fmt: skip


async def list_subscriptions(
    conn: AsyncConnection, site_id: int | None = None
) -> list[Subscription]:
    query = select(email_reports).order_by(r.site_id, r.id)
    if site_id is not None:
        query = query.where(r.site_id == site_id)
    return [_sub(row) for row in await conn.execute(query)]


async def get_subscription(conn: AsyncConnection, report_id: int) -> Subscription | None:
    if not 0 < report_id < 2**63:
        return None
    row = (await conn.execute(select(email_reports).where(r.id == report_id))).first()
    return None if row is None else _sub(row)


class Duplicate(Exception):
    pass


async def add_subscription(
    conn: AsyncConnection, site_id: int, email: str, interval: str, hour: int,
    now_ms: int, skip_before: int,
) -> Subscription:  # fmt: skip
    """`skip_before`: the start of the period already due at creation; the first report is
    the next one, not last week's sent at once."""
    values = {
        "site_id": site_id, "email": email, "interval": interval, "hour": hour,
        "last_period_start": skip_before, "created_at": now_ms,
    }  # fmt: skip
    try:
        async with conn.begin_nested():
            result = await conn.execute(insert(email_reports).values(**values).returning(r.id))
    except IntegrityError:
        raise Duplicate(f"{email} already gets the {interval} report") from None
    found = await get_subscription(conn, result.scalar_one())
    assert found is not None
    return found


async def remove_subscription(conn: AsyncConnection, site_id: int, report_id: int) -> bool:
    if not 0 < report_id < 2**63:
        return False
    result = await conn.execute(
        delete(email_reports).where(r.site_id == site_id, r.id == report_id)
    )
    return bool(result.rowcount)


async def claim(conn: AsyncConnection, report_id: int, period_start: int) -> bool:
    """True for the one caller that moves the subscription on to this period."""
    result = await conn.execute(
        update(email_reports)
        .where(
            r.id == report_id,
            or_(r.last_period_start.is_(None), r.last_period_start < period_start),
        )
        .values(last_period_start=period_start)
    )
    return bool(result.rowcount)


async def settle(
    conn: AsyncConnection, report_id: int, period_start: int, previous: int | None,
    sent_at: int | None, error: str | None,
) -> None:  # fmt: skip
    """After the send: its time, or its error and the claim given back (tried again at the
    job's next run)."""
    values: dict[str, Any] = {"last_error": error}
    if error is None:
        values["last_sent_at"] = sent_at
    else:
        values["last_period_start"] = previous
    await conn.execute(
        update(email_reports)
        .where(r.id == report_id, r.last_period_start == period_start)
        .values(**values)
    )
