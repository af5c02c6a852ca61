"""The `alerts` and `alert_deliveries` tables: rules (list, add, remove, mark fired) and the
delivery log (one row per webhook attempt)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.alerts.rules import EMAIL, Channel, Rule
from app.storage.tables import alert_deliveries, alerts

a = alerts.c
d = alert_deliveries.c
MAX_DELIVERIES = 500


def _rule(row: Any) -> Rule:
    channel = Channel(
        url=row.channel_url,
        format=row.channel_format,
        secret=row.channel_secret,
        type=row.channel_type,
        recipients=tuple(row.channel_url.split(",")) if row.channel_type == EMAIL else (),
    )
    return Rule(
        name=row.name,
        kind=row.kind,
        channel=channel,
        minutes=row.minutes,
        threshold=row.threshold,
        factor=row.factor,
        event=row.event,
        goal=row.goal,
        every=bool(row.every),
        cooldown_s=row.cooldown_s,
        id=row.id,
        site_id=row.site_id,
        last_fired_at=row.last_fired_at,
    )


async def list_rules(conn: AsyncConnection, site_id: int | None = None) -> list[Rule]:
    """One site's rules, or every site's (the engine's reload)."""
    query = select(alerts).order_by(a.site_id, a.id)
    if site_id is not None:
        query = query.where(a.site_id == site_id)
    return [_rule(row) for row in await conn.execute(query)]


async def get_rule(conn: AsyncConnection, site_id: int, rule_id: int) -> Rule | None:
    if rule_id >= 2**63:
        return None
    row = (await conn.execute(select(alerts).where(a.site_id == site_id, a.id == rule_id))).first()
    return None if row is None else _rule(row)


async def add_rule(conn: AsyncConnection, site_id: int, rule: Rule, now_ms: int) -> Rule:
    values = {
        "site_id": site_id,
        "name": rule.name,
        "kind": rule.kind,
        "minutes": rule.minutes,
        "threshold": rule.threshold,
        "factor": rule.factor,
        "event": rule.event,
        "goal": rule.goal,
        "every": rule.every,
        "cooldown_s": rule.cooldown_s,
        "channel_type": rule.channel.type,
        "channel_format": rule.channel.format,
        "channel_url": rule.channel.url,
        "channel_secret": rule.channel.secret,
        "created_at": now_ms,
    }
    result = await conn.execute(insert(alerts).values(**values).returning(a.id))
    return replace(rule, id=result.scalar_one(), site_id=site_id)


async def remove_rule(conn: AsyncConnection, site_id: int, rule_id: int) -> bool:
    if rule_id >= 2**63:  # no row's id, and no 64-bit parameter's
        return False
    result = await conn.execute(delete(alerts).where(a.site_id == site_id, a.id == rule_id))
    if result.rowcount:
        await conn.execute(delete(alert_deliveries).where(d.alert_id == rule_id))
    return bool(result.rowcount)


async def mark_fired(conn: AsyncConnection, rule_id: int, fired_at: int) -> None:
    await conn.execute(update(alerts).where(a.id == rule_id).values(last_fired_at=fired_at))


async def log_delivery(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(alert_deliveries).values(**values))


async def list_deliveries(
    conn: AsyncConnection, rule_id: int, limit: int = 100
) -> list[dict[str, Any]]:
    """Newest first."""
    query = (
        select(alert_deliveries)
        .where(d.alert_id == rule_id)
        .order_by(d.id.desc())
        .limit(min(limit, MAX_DELIVERIES))
    )
    return [
        {
            "fired_at": row.fired_at,
            "attempt": row.attempt,
            "sent_at": row.sent_at,
            "status_code": row.status_code,
            "error": row.error,
            "duration_ms": row.duration_ms,
            "test": bool(row.test),
        }
        for row in await conn.execute(query)
    ]
