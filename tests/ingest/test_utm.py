from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.utm import MAX_LENGTH, Utm, extract_utm


def test_all_five_tags_are_read() -> None:
    query = {
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
        "utm_term": "analytics",
        "utm_content": "banner-a",
        "page": "2",
    }
    assert extract_utm(query) == Utm("google", "cpc", "spring", "analytics", "banner-a")


def test_no_query_is_no_tags() -> None:
    assert extract_utm({}) == Utm()
    assert extract_utm({"q": "x"}) == Utm()


def test_values_are_stripped_and_empty_means_none() -> None:
    utm = extract_utm({"utm_source": "  Newsletter ", "utm_medium": "", "utm_campaign": "   "})
    assert utm == Utm(source="Newsletter")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"ref": "producthunt"}, "producthunt"),
        ({"source": "Newsletter"}, "Newsletter"),
        ({"source": "a", "ref": "b"}, "a"),
        ({"utm_source": "utm", "source": "a", "ref": "b"}, "utm"),
        ({"utm_source": " ", "ref": "b"}, "b"),
        ({"utm_source": "", "source": "", "ref": ""}, None),
    ],
)
def test_ref_and_source_fall_back_for_utm_source(
    query: dict[str, str], expected: str | None
) -> None:
    assert extract_utm(query).source == expected


def test_values_are_truncated_to_the_column_width() -> None:
    long = "x" * 1000
    utm = extract_utm(
        {k: long for k in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")}
    )
    for value in (utm.source, utm.medium, utm.campaign, utm.term, utm.content):
        assert value == "x" * MAX_LENGTH


def test_truncation_leaves_no_trailing_space() -> None:
    assert extract_utm({"utm_campaign": "a" * 254 + " b"}).campaign == "a" * 254


def test_non_string_values_are_ignored() -> None:
    query: dict[str, object] = {"utm_source": ["a", "b"], "utm_medium": None, "ref": "x"}
    assert extract_utm(query) == Utm(source="x")  # type: ignore[arg-type]


def test_tagged_means_source_or_medium() -> None:
    assert not Utm(campaign="only").tagged
    assert Utm(medium="email").tagged
    assert Utm(source="x").tagged


@given(st.dictionaries(st.text(max_size=12), st.text()))
def test_extract_utm_never_raises(query: dict[str, str]) -> None:
    utm = extract_utm(query)
    for value in (utm.source, utm.medium, utm.campaign, utm.term, utm.content):
        assert value is None or 0 < len(value) <= MAX_LENGTH
