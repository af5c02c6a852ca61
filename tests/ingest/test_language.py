"""navigator.language normalised to BCP 47's case before it is stored (the `language`
dimension), and the screen size classes' bounds."""

from __future__ import annotations

import pytest

from app.dimensions import screen_class
from app.ingest.normalise import language


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("en-US", "en-US"),
        ("en-us", "en-US"),
        ("EN", "en"),
        ("en_GB", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        (" de ", "de"),
        ("*", None),
        ("C", None),
        ("", None),
        (None, None),
        ("en-US;q=0.9", None),
    ],
)
def test_language_is_normalised(raw: str | None, stored: str | None) -> None:
    assert language(raw) == stored


@pytest.mark.parametrize(
    ("width", "size"),
    [(None, None), (0, None), (375, "mobile"), (575, "mobile"), (576, "tablet"),
     (991, "tablet"), (992, "laptop"), (1439, "laptop"), (1440, "desktop"), (3840, "desktop")],
)  # fmt: skip
def test_screen_classes(width: int | None, size: str | None) -> None:
    assert screen_class(width) == size
