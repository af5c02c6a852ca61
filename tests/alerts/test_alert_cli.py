"""`pulse alert add|list|test|remove` against the test database, the test delivery received by
a real local webhook and logged."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.cli import main
from app.settings import Settings
from tests.alerts.conftest import Receiver
from tests.conftest import SITE, rows


async def pulse(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = await asyncio.to_thread(main, ["--database-url", settings.database_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def test_alert_commands(
    migrated: Settings, db: Any, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await pulse(
        migrated, capsys, "alert", "add", "--site", SITE, "Spike", "--kind", "spike",
        "--minutes", "10", "--threshold", "100", "--webhook", receiver.url,
        "--secret", "k" * 32,
    )  # fmt: skip
    assert code == 0 and out.startswith("added alert 1: Spike (spike: visitors in 10 min > 100)")
    assert f"webhook secret (shown once): {'k' * 32}" in out
    code, out, _ = await pulse(migrated, capsys, "alert", "list", "--site", SITE)
    assert code == 0 and "Spike" in out and receiver.url in out and "k" * 32 not in out
    code, out, _ = await pulse(migrated, capsys, "alert", "test", "--site", SITE, "1")
    assert code == 0 and '"status_code": 200' in out
    (got,) = receiver.received
    assert got.signature_ok("k" * 32) and got.json["type"] == "alert.test"
    logged = rows(db, "SELECT attempt, status_code, test FROM alert_deliveries")
    assert [(r[0], r[1], bool(r[2])) for r in logged] == [(1, 200, True)]
    code, _, err = await pulse(
        migrated, capsys, "alert", "add", "--site", SITE, "Bad", "--kind", "spike",
        "--minutes", "99", "--threshold", "1", "--webhook", receiver.url,
    )  # fmt: skip
    assert code == 2 and err.startswith("error: minutes:")
    code, out, _ = await pulse(migrated, capsys, "alert", "remove", "--site", SITE, "1")
    assert code == 0 and out.strip() == "removed alert 1"
    code, _, err = await pulse(migrated, capsys, "alert", "remove", "--site", SITE, "1")
    assert code == 2 and "has no alert 1" in err


async def test_an_email_alert_from_the_cli(
    migrated: Settings, smtp_server: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    code, out, _ = await pulse(
        migrated, capsys, "alert", "add", "--site", SITE, "Busy", "--kind", "active",
        "--threshold", "10", "--email", "ops@example.com", "--email", "dev@example.com",
    )  # fmt: skip
    assert code == 0 and "secret" not in out
    code, out, _ = await pulse(migrated, capsys, "alert", "list", "--site", SITE)
    assert "ops@example.com, dev@example.com" in out
    monkeypatch.setenv("PULSE_SMTP_URL", smtp_server.url)
    code, out, _ = await pulse(migrated, capsys, "alert", "test", "--site", SITE, "1")
    assert code == 0 and '"status_code": 250' in out
    (mail,) = await smtp_server.wait_for(1)
    assert sorted(mail.recipients) == ["dev@example.com", "ops@example.com"]
    assert mail.message["Subject"] == f"[Pulse] Busy on {SITE} (test)"
