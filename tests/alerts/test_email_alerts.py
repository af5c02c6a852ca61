"""Email alert channels against a real SMTP server (aiosmtpd) on a fake clock: a spike emails
its recipients within a tick (subject, text and HTML) and not again inside its cool-down; the
delivery log has an entry per attempt like a webhook's; the test route sends a test email; an
unreachable server is retried and logged; bad channels are 400s naming the field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from quart import Quart

from app.clock import FakeClock
from tests.alerts.test_alerts import BASE, TICK_MS, add_rule, deliveries, visit
from tests.support.server import free_port
from tests.support.smtp import Inbox

OPS = ["ops@example.com", "Oncall@Example.com"]


@pytest.fixture
async def app(make_app: Callable[..., Quart], smtp_server: Inbox) -> AsyncIterator[Quart]:
    quart_app = make_app(
        live_tick_ms=TICK_MS,
        alert_backoff_ms=50,
        alert_attempts=3,
        smtp_url=smtp_server.url,
        smtp_from="Pulse <alerts@pulse.example>",
        public_url="https://pulse.example",
    )
    async with quart_app.test_app():
        yield quart_app


def by_email(*recipients: str) -> dict[str, Any]:
    return {"type": "email", "recipients": list(recipients or OPS)}


async def quiet(inbox: Inbox, n: int, ticks: int = 6) -> None:
    await asyncio.sleep(ticks * TICK_MS / 1000)
    assert len(inbox.messages) == n


async def test_a_spike_emails_within_a_tick_once_per_cooldown(
    client: Any, admin_headers: dict[str, str], smtp_server: Inbox, clock: FakeClock
) -> None:
    rule = await add_rule(
        client,
        admin_headers,
        {"name": "Spike", "kind": "spike", "minutes": 5, "threshold": 2,
         "cooldown_minutes": 60, "channel": by_email()},
    )  # fmt: skip
    assert rule["channel"] == {"type": "email", "recipients": ["ops@example.com",
                                                               "oncall@example.com"]}  # fmt: skip
    await visit(client, "a")
    await visit(client, "b")
    await quiet(smtp_server, 0)
    await visit(client, "c")
    (mail,) = await smtp_server.wait_for(1, timeout=1.0)
    assert sorted(mail.recipients) == ["oncall@example.com", "ops@example.com"]
    assert mail.sender == "alerts@pulse.example"
    assert mail.message["Subject"] == "[Pulse] Spike on example.com"
    assert "Traffic spike on example.com: 3 visitors in the last 5 minutes" in mail.text
    assert "https://pulse.example/?site=example.com" in mail.text
    assert "<strong>[Spike] Traffic spike on example.com" in mail.html
    # Still spiking 10 minutes later: inside the cool-down, no second email.
    clock.advance(minutes=10)
    for v in ("d", "e", "f", "g"):
        await visit(client, v)
    await quiet(smtp_server, 1)
    clock.advance(minutes=51)
    for v in ("h", "i", "j"):
        await visit(client, v)
    await smtp_server.wait_for(2, timeout=1.0)
    await asyncio.sleep(0.1)
    log = await deliveries(client, admin_headers, rule["id"])
    assert [(d["attempt"], d["status_code"], d["error"]) for d in log] == [
        (1, 250, None), (1, 250, None),
    ]  # fmt: skip


async def test_the_test_route_sends_a_test_email(
    client: Any, admin_headers: dict[str, str], smtp_server: Inbox
) -> None:
    body = {"name": "Busy", "kind": "active", "threshold": 1000, "channel": by_email("a@b.co")}
    rule = await add_rule(client, admin_headers, body)
    response = await client.post(f"{BASE}/alerts/{rule['id']}/test", headers=admin_headers)
    assert (await response.get_json())["delivered"] is True
    (mail,) = await smtp_server.wait_for(1)
    assert mail.message["Subject"] == "[Pulse] Busy on example.com (test)"
    listed = await (await client.get(f"{BASE}/alerts", headers=admin_headers)).get_json()
    assert listed["alerts"][0]["channel"] == {"type": "email", "recipients": ["a@b.co"]}


async def test_an_unreachable_smtp_server_is_retried_and_logged(
    make_app: Callable[..., Quart], admin_headers: dict[str, str]
) -> None:
    app = make_app(
        live_tick_ms=TICK_MS, alert_backoff_ms=20, alert_attempts=3,
        smtp_url=f"smtp://127.0.0.1:{free_port()}", smtp_timeout_ms=2000,
    )  # fmt: skip
    async with app.test_app():
        client: Any = app.test_client()
        body = {"name": "Void", "kind": "active", "threshold": 0, "channel": by_email()}
        rule = await add_rule(client, admin_headers, body)
        await visit(client, "a")
        for _ in range(100):
            log = await deliveries(client, admin_headers, rule["id"])
            if len(log) == 3:
                break
            await asyncio.sleep(0.05)
    assert [d["attempt"] for d in log] == [3, 2, 1]
    assert all(d["status_code"] is None and d["error"] for d in log)


@pytest.mark.parametrize(
    ("channel", "field"),
    [
        ({"type": "email"}, "channel.recipients"),
        ({"type": "email", "recipients": "ops@example.com"}, "channel.recipients"),
        ({"type": "email", "recipients": []}, "channel.recipients"),
        ({"type": "email", "recipients": ["not-an-address"]}, "channel.recipients"),
        ({"type": "email", "recipients": ["a b@example.com"]}, "channel.recipients"),
        ({"type": "email", "recipients": [f"u{i}@example.com" for i in range(11)]},
         "channel.recipients"),
        ({"type": "email", "recipients": ["a@example.com"], "url": "https://x"}, "channel.url"),
        ({"type": "pigeon"}, "channel.type"),
    ],
)  # fmt: skip
async def test_bad_email_channels_are_400s_naming_the_field(
    client: Any, admin_headers: dict[str, str], channel: dict[str, Any], field: str
) -> None:
    body = {"name": "x", "kind": "active", "threshold": 1, "channel": channel}
    response = await client.post(f"{BASE}/alerts", json=body, headers=admin_headers)
    assert response.status_code == 400
    assert (await response.get_json())["field"] == field


async def test_email_alerts_need_smtp(
    make_app: Callable[..., Quart], admin_headers: dict[str, str]
) -> None:
    app = make_app()
    async with app.test_app():
        client: Any = app.test_client()
        body = {"name": "x", "kind": "active", "threshold": 1, "channel": by_email()}
        response = await client.post(f"{BASE}/alerts", json=body, headers=admin_headers)
        assert response.status_code == 400
        assert (await response.get_json())["field"] == "channel.type"
