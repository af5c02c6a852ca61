"""The websocket's Origin check and the (for now open) access decision."""

from __future__ import annotations

import pytest

from app.api.live_origins import origin_allowed
from app.settings import Settings, parse_origins


@pytest.mark.parametrize(
    ("origin", "host", "allowed", "expected"),
    [
        (None, "pulse.example:5270", (), True),  # not a browser
        ("http://pulse.example:5270", "pulse.example:5270", (), True),  # same origin
        ("https://PULSE.example", "pulse.example", (), True),
        ("http://pulse.example:8080", "pulse.example:5270", (), False),  # another port
        ("https://evil.example", "pulse.example", (), False),
        ("https://evil.example", None, (), False),
        ("null", "pulse.example", (), False),  # sandboxed iframe, file://
        ("https://wall.example/", "pulse.example", ("https://wall.example",), True),
        ("https://evil.example", "pulse.example", ("*",), True),
    ],
)
def test_origin_allowed(
    origin: str | None, host: str | None, allowed: tuple[str, ...], expected: bool
) -> None:
    assert origin_allowed(origin, host, allowed) is expected


def test_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_LIVE_ORIGINS", " https://Wall.example/ ,http://tv.local:8080,")
    monkeypatch.setenv("PULSE_LIVE_VISITOR_CAP", "5000")
    settings = Settings.from_env()
    assert settings.live_origins == ("https://wall.example", "http://tv.local:8080")
    assert settings.live_visitor_cap == 5000
    assert parse_origins("") == ()
