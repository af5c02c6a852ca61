"""The filter syntax: escapes, the empty value, and what it refuses."""

from __future__ import annotations

import pytest

from app.queries.filters import Filter, FilterError, parse


def test_a_backslash_escapes_a_semicolon_and_itself() -> None:
    assert parse(r"utm_campaign==spring\;summer;country==DE") == [
        Filter("utm_campaign", "==", "spring;summer"),
        Filter("country", "==", "DE"),
    ]
    assert parse(r"page=~C:\\temp") == [Filter("page", "=~", "C:\\temp")]
    assert parse("source==Google;;") == [Filter("source", "==", "Google")]


def test_an_empty_value_is_kept_for_no_value() -> None:
    assert parse("referrer==;utm_source!=") == [
        Filter("referrer", "==", ""),
        Filter("utm_source", "!=", ""),
    ]


@pytest.mark.parametrize("text", ["colour==red", "source", "prop:plan=~pro", "source=Google"])
def test_unreadable_filters_are_refused(text: str) -> None:
    with pytest.raises(FilterError):
        parse(text)
