"""`pulse report send|add|list|remove` against the test database and a real SMTP server."""

from __future__ import annotations

import pytest

from app.settings import Settings
from tests.alerts.test_alert_cli import pulse
from tests.conftest import SITE
from tests.support.smtp import Inbox


async def test_report_commands(
    migrated: Settings, smtp_server: Inbox, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    code, _, err = await pulse(migrated, capsys, "report", "send", "--site", SITE, "--to", "a@b.co")
    assert code == 2 and "PULSE_SMTP_URL" in err
    monkeypatch.setenv("PULSE_SMTP_URL", smtp_server.url)
    code, out, _ = await pulse(
        migrated, capsys, "report", "send", "--site", SITE, "--to", "Ana@Example.com",
        "--interval", "monthly",
    )  # fmt: skip
    assert code == 0 and out.startswith(f"sent the monthly report of {SITE}")
    (mail,) = await smtp_server.wait_for(1)
    assert mail.recipients == ["ana@example.com"]
    assert mail.message["Subject"].startswith(f"Monthly report for {SITE}")
    assert "List-Unsubscribe" not in mail.message  # no subscription to leave
    code, out, _ = await pulse(
        migrated, capsys, "report", "add", "--site", SITE, "--to", "boss@example.com",
        "--hour", "7",
    )  # fmt: skip
    assert code == 0 and out.startswith("added report 1: weekly to boss@example.com, first ")
    code, _, err = await pulse(
        migrated, capsys, "report", "add", "--site", SITE, "--to", "x", "--hour", "7"
    )
    assert code == 2 and err.startswith("error: email:")
    code, out, _ = await pulse(migrated, capsys, "report", "list", "--site", SITE)
    assert code == 0 and "boss@example.com" in out and "07:00" in out
    code, out, _ = await pulse(migrated, capsys, "report", "remove", "--site", SITE, "1")
    assert code == 0 and out.strip() == "removed report 1"
    code, _, err = await pulse(migrated, capsys, "report", "remove", "--site", SITE, "1")
    assert code == 2
    code, _, err = await pulse(migrated, capsys, "report", "list", "--site", "nope.example")
    assert code == 2
