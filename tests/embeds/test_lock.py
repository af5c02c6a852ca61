"""The live view's per-event reading of a locked filter (app/live/lock.py) and the origin rules
(app/auth/embeds.py)."""

from __future__ import annotations

import pytest

from app.auth.embeds import LinkOptionError, origin_matches, origin_of
from app.live.lock import LiveFilter
from app.queries.filters import parse
from tests.live.conftest import event


def live_filter(text: str) -> LiveFilter:
    return LiveFilter(tuple(parse(text)))


def test_a_session_dimension_is_decided_on_the_entry_and_kept_for_the_session() -> None:
    locked = live_filter("source==Google")
    entry = event(1_000, 1, source="Google")
    later = event(2_000, 1, source="Direct", session_start=False, pathname="/next")
    other = event(3_000, 2, source="Direct")
    assert locked.admits(entry) and locked.admits(later)  # the session's source, not the event's
    assert not locked.admits(other)
    unseen = event(4_000, 3, source="Google", session_start=False)  # began before the window
    assert locked.admits(unseen)


def test_event_filters_are_per_event_and_negations_admit_the_rest() -> None:
    pricing = live_filter("page==/pricing")
    assert pricing.admits(event(1, 1, pathname="/pricing"))
    assert not pricing.admits(event(2, 1, pathname="/blog", session_start=False))
    assert not pricing.admits(event(3, 1, name="Signup", pathname="/pricing"))
    not_signup = live_filter("event!=Signup;country==DE")
    assert not_signup.admits(event(4, 2, country="DE"))
    assert not not_signup.admits(event(5, 2, country="DE", name="Signup", session_start=False))
    assert not not_signup.admits(event(6, 3, country="FR"))
    assert live_filter("visitor_type==returning").admits(event(7, 4, new_visitor=False))


def test_a_page_url_filter_reads_each_page_view_s_host_and_path() -> None:
    docs = live_filter("page_url==docs.example.com/setup")
    assert docs.admits(event(1, 1, hostname="docs.example.com", pathname="/setup"))
    assert not docs.admits(event(2, 1, pathname="/setup", session_start=False))  # example.com
    assert not docs.admits(event(3, 1, hostname="docs.example.com", name="Signup"))
    anywhere_but = live_filter("page_url!~DOCS.example.com/")  # contains, ignoring case
    assert anywhere_but.admits(event(4, 2, hostname="example.com", pathname="/docs.example.com"))
    assert not anywhere_but.admits(event(5, 2, hostname="docs.example.com", pathname="/a"))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Blog.Example/", "https://blog.example"),
        ("https://blog.example:8443", "https://blog.example:8443"),
        ("https://*.example.org", "https://*.example.org"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ],
)
def test_origins_are_normalised(given: str, expected: str) -> None:
    assert origin_of(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "http://blog.example",
        "https://blog.example/x",
        "https://*",
        "https://*.org",
        "*",
        "null",
        "https://a.example?x=1",
        "https://user@a.example",
        "https://a.example'; script-src *",
    ],
)
def test_bad_origins_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(LinkOptionError) as caught:
        origin_of(bad)
    assert caught.value.field == "embed_origins"


def test_a_wildcard_admits_subdomains_only() -> None:
    allowed = ["https://*.example.org"]
    assert origin_matches("https://a.example.org", allowed)
    assert origin_matches("https://a.b.example.org", allowed)
    assert not origin_matches("https://example.org", allowed)
    assert not origin_matches("https://evilexample.org", allowed)
    assert not origin_matches("http://a.example.org", allowed)
    assert not origin_matches("https://a.example.org:8443", allowed)
