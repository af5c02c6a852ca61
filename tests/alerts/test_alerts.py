"""Alert rules over HTTP on a fake clock, delivered to a real local webhook receiver: a spike
fires within a tick and not again inside its cool-down, a drop fires when traffic stops, a
factor rule compares with the past week, event and goal rules, active now; signatures verify,
a failing receiver is retried and the delivery log shows each status code; a firing writes an
annotation; bad definitions are 400s naming the field; secrets are shown once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from quart import Quart

from app.clock import DAY_MS, FakeClock
from tests.alerts.conftest import Receiver
from tests.conftest import FIREFOX, SITE, make_token
from tests.support.server import free_port

BASE = f"/api/v1/sites/{SITE}"
TICK_MS = 50


@pytest.fixture
async def app(make_app: Callable[..., Quart]) -> AsyncIterator[Quart]:
    quart_app = make_app(live_tick_ms=TICK_MS, alert_backoff_ms=50, alert_attempts=4)
    async with quart_app.test_app():
        yield quart_app


async def visit(client: Any, visitor: str, name: str = "pageview", path: str = "/") -> None:
    body = {"url": f"https://{SITE}{path}", "visitor_id": visitor, "event_type": name}
    response = await client.post("/api/collect", json=body, headers={"User-Agent": FIREFOX})
    assert response.status_code == 202, await response.get_data()


async def add_rule(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{BASE}/alerts", json=body, headers=headers)
    assert response.status_code == 201, await response.get_json()
    rule: dict[str, Any] = await response.get_json()
    return rule


def hook(receiver: Receiver, **extra: Any) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url, **extra}


async def quiet(receiver: Receiver, n: int, ticks: int = 6) -> None:
    """Several ticks pass and the receiver still has exactly n requests."""
    await asyncio.sleep(ticks * TICK_MS / 1000)
    assert len(receiver.received) == n


async def deliveries(client: Any, headers: dict[str, str], rule_id: int) -> list[dict[str, Any]]:
    url = f"{BASE}/alerts/{rule_id}/deliveries"
    body = await (await client.get(url, headers=headers)).get_json()
    found: list[dict[str, Any]] = body["deliveries"]
    return found


async def test_spike_fires_within_a_tick_once_per_cooldown(
    client: Any, admin_headers: dict[str, str], receiver: Receiver, clock: FakeClock
) -> None:
    rule = await add_rule(
        client,
        admin_headers,
        {"name": "Spike", "kind": "spike", "minutes": 5, "threshold": 2,
         "cooldown_minutes": 60, "channel": hook(receiver)},
    )  # fmt: skip
    secret = rule["channel"]["secret"]
    await visit(client, "a")
    await visit(client, "b")
    await quiet(receiver, 0)  # 2 visitors is not above 2
    await visit(client, "c")
    (got,) = await receiver.wait_for(1, timeout=1.0)
    assert got.signature_ok(secret)
    assert not got.signature_ok("x" * 32)
    body = got.json
    assert body["type"] == "alert.fired" and body["alert"]["id"] == rule["id"]
    assert (body["value"], body["threshold"], body["minutes"]) == (3, 2.0, 5)
    assert body["message"].startswith("[Spike] Traffic spike on example.com: 3 visitors")
    # Still spiking 10 minutes later: inside the cool-down, nothing more.
    clock.advance(minutes=10)
    for v in ("d", "e", "f", "g"):
        await visit(client, v)
    await quiet(receiver, 1)
    # Past the cool-down, the next spike fires again.
    clock.advance(minutes=51)
    for v in ("h", "i", "j"):
        await visit(client, v)
    await receiver.wait_for(2, timeout=1.0)
    assert receiver.received[1].json["value"] == 3
    # The firings left annotations over the span looked at, and the log has the 200s.
    await asyncio.sleep(0.1)
    listed = await client.get(f"{BASE}/annotations", headers=admin_headers)
    notes = (await listed.get_json())["annotations"]
    assert [n["alert_id"] for n in notes] == [rule["id"], rule["id"]]
    assert notes[0]["end_ms"] - notes[0]["start_ms"] == 5 * 60_000
    assert notes[0]["text"].startswith("[Spike] Traffic spike")
    log = await deliveries(client, admin_headers, rule["id"])
    assert [(d["attempt"], d["status_code"]) for d in log] == [(1, 200), (1, 200)]


async def test_a_failing_receiver_is_retried_and_logged(
    client: Any, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    receiver.statuses[:] = [500, 503, 200]
    rule = await add_rule(
        client,
        admin_headers,
        {"name": "Busy", "kind": "active", "threshold": 0, "channel": hook(receiver)},
    )
    await visit(client, "a")
    got = await receiver.wait_for(3, timeout=3.0)
    assert len({r.body for r in got}) == 1  # the same body each time, each signed afresh
    assert all(r.signature_ok(rule["channel"]["secret"]) for r in got)
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    assert gaps[1] > gaps[0] * 1.5  # backoff doubles: 50 ms, then 100 ms
    await quiet(receiver, 3)  # delivered: no fourth attempt
    log = await deliveries(client, admin_headers, rule["id"])
    assert [(d["attempt"], d["status_code"]) for d in log] == [(3, 200), (2, 503), (1, 500)]


async def test_an_unreachable_receiver_is_logged_with_its_error(
    client: Any, admin_headers: dict[str, str]
) -> None:
    channel = {"type": "webhook", "url": f"http://127.0.0.1:{free_port()}/nothing-here"}
    body = {"name": "Void", "kind": "active", "threshold": 0, "channel": channel}
    rule = await add_rule(client, admin_headers, body)
    await visit(client, "a")
    for _ in range(100):
        log = await deliveries(client, admin_headers, rule["id"])
        if len(log) == 4:
            break
        await asyncio.sleep(0.05)
    assert [d["attempt"] for d in log] == [4, 3, 2, 1]  # alert_attempts=4, all refused
    assert all(d["status_code"] is None and "ConnectionRefused" in d["error"] for d in log)


async def test_a_drop_fires_when_traffic_stops(
    client: Any, admin_headers: dict[str, str], receiver: Receiver, clock: FakeClock
) -> None:
    for v in ("a", "b", "c"):
        await visit(client, v)
    await add_rule(
        client,
        admin_headers,
        {"name": "Tracker", "kind": "drop", "minutes": 5, "threshold": 2,
         "channel": hook(receiver, format="slack")},
    )  # fmt: skip
    await quiet(receiver, 0)  # 3 visitors in the last 5 minutes: not below 2
    clock.advance(minutes=4)
    await quiet(receiver, 0)
    clock.advance(minutes=1, seconds=1)  # the three are now older than 5 minutes
    (got,) = await receiver.wait_for(1, timeout=1.0)
    assert set(got.json) == {"text", "username"}  # Slack's incoming-webhook shape
    assert "Traffic drop on example.com: 0 visitors in the last 5 minutes" in got.json["text"]


async def test_a_factor_spike_compares_with_the_past_week(
    client: Any, admin_headers: dict[str, str], receiver: Receiver, clock: FakeClock
) -> None:
    now = clock.now_ms()
    for day, visitors in ((1, 2), (2, 2), (3, 5)):  # usual: (2 + 2 + 5) / 3 = 3 visitors
        clock.set(now - day * DAY_MS - 60_000)
        for n in range(visitors):
            await visit(client, f"d{day}-{n}")
    clock.set(now - 40 * 60_000)  # older than the window: not part of the last 10 minutes
    await visit(client, "old")
    clock.set(now)
    await add_rule(
        client,
        admin_headers,
        {"name": "x2", "kind": "spike", "minutes": 10, "factor": 2, "channel": hook(receiver)},
    )
    for n in range(6):  # 6 is not above 2 x 3
        await visit(client, f"now-{n}")
    await quiet(receiver, 0)
    await visit(client, "now-6")
    (got,) = await receiver.wait_for(1, timeout=1.0)
    assert (got.json["value"], got.json["usual"], got.json["limit"]) == (7, 3.0, 6.0)


async def test_event_and_goal_rules(
    client: Any, admin_headers: dict[str, str], receiver: Receiver, clock: FakeClock
) -> None:
    goal = {"name": "Pricing", "page": "/pricing/**"}
    assert (await client.post(f"{BASE}/goals", json=goal, headers=admin_headers)).status_code == 201
    first = await add_rule(
        client,
        admin_headers,
        {"name": "First signup", "kind": "event", "event": "Signup", "channel": hook(receiver)},
    )
    every = await add_rule(
        client,
        admin_headers,
        {"name": "Pricing seen", "kind": "event", "goal": "Pricing", "mode": "every",
         "cooldown_minutes": 1, "channel": hook(receiver, format="discord")},
    )  # fmt: skip
    await visit(client, "a", "Signup")
    await visit(client, "b", "Signup")
    await visit(client, "a", path="/pricing/pro")
    got = await receiver.wait_for(2, timeout=1.0)
    await quiet(receiver, 2)  # one per rule: the second Signup is not the day's first
    pulse = next(r.json for r in got if "alert" in r.json)
    discord = next(r.json for r in got if "content" in r.json)
    assert pulse["alert"]["id"] == first["id"] and pulse["event"] == "Signup"
    assert "(first today)" in pulse["message"]
    assert discord["content"].startswith("[Pricing seen] Pricing on example.com: /pricing/pro")
    await visit(client, "c", path="/pricing/")  # inside the 1-minute cool-down
    await quiet(receiver, 2)
    clock.advance(minutes=1)
    await visit(client, "c", path="/pricing/team")
    await receiver.wait_for(3, timeout=1.0)
    assert "/pricing/team" in receiver.received[2].json["content"]
    clock.advance(minutes=24 * 60)  # the next day (a UTC site): the Signup rule fires again
    await visit(client, "d", "Signup")
    await receiver.wait_for(4, timeout=1.0)
    assert receiver.received[3].json["alert"]["id"] == first["id"]
    assert every["mode"] == "every" and first["mode"] == "first_of_day"


async def test_rules_listed_without_secrets_and_removed(
    client: Any, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    rule = await add_rule(
        client,
        admin_headers,
        {"name": "Busy", "kind": "active", "threshold": 50,
         "channel": hook(receiver, secret="s" * 20)},
    )  # fmt: skip
    assert rule["channel"]["secret"] == "s" * 20  # shown in the answer that made it, once
    listed = await (await client.get(f"{BASE}/alerts", headers=admin_headers)).get_json()
    assert listed["alerts"] == [{**rule, "channel": hook(receiver, format="json")}]
    assert "s" * 20 not in str(listed)
    test = await client.post(f"{BASE}/alerts/{rule['id']}/test", headers=admin_headers)
    assert (await test.get_json())["delivered"] is True
    (got,) = await receiver.wait_for(1)
    assert got.json["type"] == "alert.test" and got.signature_ok("s" * 20)
    assert [d["test"] for d in await deliveries(client, admin_headers, rule["id"])] == [True]
    gone = await client.delete(f"{BASE}/alerts/{rule['id']}", headers=admin_headers)
    assert gone.status_code == 204
    again = await client.delete(f"{BASE}/alerts/{rule['id']}", headers=admin_headers)
    assert (again.status_code, (await again.get_json())["field"]) == (404, "id")
    after = await client.get(f"{BASE}/alerts", headers=admin_headers)
    assert (await after.get_json())["alerts"] == []


BAD: list[tuple[Any, str]] = [
    ([], "body"),
    ({"kind": "spike"}, "name"),
    ({"name": "x", "kind": "surge"}, "kind"),
    ({"name": "x", "kind": "spike", "minutes": 5, "threshold": 1}, "channel"),
    ({"name": "x", "kind": "spike", "minutes": 0, "threshold": 1, "channel": "C"}, "minutes"),
    ({"name": "x", "kind": "spike", "minutes": 31, "threshold": 1, "channel": "C"}, "minutes"),
    ({"name": "x", "kind": "spike", "minutes": 5, "channel": "C"}, "threshold"),
    ({"name": "x", "kind": "spike", "minutes": 5, "threshold": 1, "factor": 2, "channel": "C"},
     "threshold"),
    ({"name": "x", "kind": "spike", "minutes": 5, "factor": 0.5, "channel": "C"}, "factor"),
    ({"name": "x", "kind": "drop", "minutes": 5, "factor": 1.5, "channel": "C"}, "factor"),
    ({"name": "x", "kind": "drop", "minutes": 5, "threshold": -1, "channel": "C"}, "threshold"),
    ({"name": "x", "kind": "active", "threshold": "9", "channel": "C"}, "threshold"),
    ({"name": "x", "kind": "active", "threshold": 9, "minutes": 5, "channel": "C"}, "minutes"),
    ({"name": "x", "kind": "event", "channel": "C"}, "event"),
    ({"name": "x", "kind": "event", "event": "A", "goal": "B", "channel": "C"}, "event"),
    ({"name": "x", "kind": "event", "event": "A", "mode": "often", "channel": "C"}, "mode"),
    ({"name": "x", "kind": "event", "goal": "Nope", "channel": "C"}, "goal"),
    ({"name": "x", "kind": "active", "threshold": 1, "cooldown_minutes": 0, "channel": "C"},
     "cooldown_minutes"),
    ({"name": "x", "kind": "active", "threshold": 1, "colour": "red", "channel": "C"}, "colour"),
    ({"name": "x", "kind": "active", "threshold": 1, "channel": {"type": "sms"}},
     "channel.type"),
    ({"name": "x", "kind": "active", "threshold": 1, "channel": {"url": "ftp://h/"}},
     "channel.url"),
    ({"name": "x", "kind": "active", "threshold": 1, "channel": {"url": "http:///x"}},
     "channel.url"),
    ({"name": "x", "kind": "active", "threshold": 1,
      "channel": {"url": "http://h/", "format": "teams"}}, "channel.format"),
    ({"name": "x", "kind": "active", "threshold": 1,
      "channel": {"url": "http://h/", "secret": "short"}}, "channel.secret"),
    ({"name": "x", "kind": "active", "threshold": 1,
      "channel": {"url": "http://h/", "headers": {}}}, "channel.headers"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD)
async def test_bad_definitions_are_400s_naming_the_field(
    client: Any, admin_headers: dict[str, str], body: Any, field: str
) -> None:
    if isinstance(body, dict) and body.get("channel") == "C":
        body = {**body, "channel": {"type": "webhook", "url": "http://127.0.0.1:9/"}}
    response = await client.post(f"{BASE}/alerts", json=body, headers=admin_headers)
    assert response.status_code == 400
    assert (await response.get_json())["field"] == field


async def test_only_managers_change_alerts(client: Any, migrated: Any) -> None:
    reader = {"Authorization": f"Bearer {await make_token(migrated, SITE)}"}
    body = {"name": "x", "kind": "active", "threshold": 1,
            "channel": {"type": "webhook", "url": "http://127.0.0.1:9/"}}  # fmt: skip
    assert (await client.post(f"{BASE}/alerts", json=body, headers=reader)).status_code == 403
    assert (await client.get(f"{BASE}/alerts", headers=reader)).status_code == 200
    assert (await client.get(f"{BASE}/alerts/1/deliveries", headers=reader)).status_code == 403


async def test_the_crossing_event_fires_without_waiting_for_a_tick(
    make_app: Callable[..., Quart], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    slow = make_app(live_tick_ms=60_000)  # no tick during this test
    async with slow.test_app():
        client = slow.test_client()
        body = {"name": "Spike", "kind": "spike", "minutes": 1, "threshold": 1,
                "channel": hook(receiver)}  # fmt: skip
        await add_rule(client, admin_headers, body)
        await visit(client, "a")
        await asyncio.sleep(0.15)  # past the 100 ms gap of eager evaluations
        await visit(client, "b")
        started = asyncio.get_running_loop().time()
        (got,) = await receiver.wait_for(1, timeout=1.0)
        assert got.json["value"] == 2
        assert asyncio.get_running_loop().time() - started < 0.5


async def test_openapi_documents_the_alert_routes(client: Any) -> None:
    spec = await (await client.get("/openapi.json")).get_json()
    deliveries = spec["paths"]["/api/v1/sites/{site}/alerts/{alert_id}/deliveries"]["get"]
    limit = next(p for p in deliveries["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "default": 100, "minimum": 1, "maximum": 500}
    notes = spec["paths"]["/api/v1/sites/{site}/annotations"]
    assert {"get", "post"} <= set(notes)
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/sites/{site}/alerts"])


async def test_a_restart_inside_the_cooldown_does_not_fire_again(
    make_app: Callable[..., Quart], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    body = {"name": "Busy", "kind": "active", "threshold": 0, "channel": hook(receiver)}
    first = make_app(live_tick_ms=TICK_MS)
    async with first.test_app():
        client = first.test_client()
        rule = await add_rule(client, admin_headers, body)
        await visit(client, "a")
        await receiver.wait_for(1, timeout=1.0)
        for _ in range(50):  # the firing's row is written before its webhook; the log after
            if await deliveries(client, admin_headers, rule["id"]):
                break
            await asyncio.sleep(0.02)
    second = make_app(live_tick_ms=TICK_MS)  # same database, same fake "now"
    async with second.test_app():
        client = second.test_client()
        await visit(client, "b")  # the window (warmed from the events) has 2 active visitors
        await quiet(receiver, 1)
        listed = await (await client.get(f"{BASE}/alerts", headers=admin_headers)).get_json()
        assert listed["alerts"][0]["last_fired_at"] is not None
