"""client_ip(): socket peer + X-Forwarded-For, trusting exactly `trusted_hops` proxies."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.client_ip import client_ip, parse_address

# st.text() leaves out lone surrogates; Python strings can hold them, Rust cannot take them.
_SURROGATES = st.text(st.characters(categories=["Cs", "L", "N", "P", "Zs"]))

PROXY = "10.0.0.2"  # the socket peer when Pulse sits behind a reverse proxy


@pytest.mark.parametrize(
    ("remote", "xff", "hops", "expected"),
    [
        # 0 hops: the header is anyone's to write, so it is ignored
        ("203.0.113.7", None, 0, "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4", 0, "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4, 5.6.7.8", 0, "203.0.113.7"),
        # 1 hop: nginx appended the client it saw
        (PROXY, "1.2.3.4", 1, "1.2.3.4"),
        (PROXY, "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),  # client-sent 6.6.6.6 is never reached
        (PROXY, "  1.2.3.4  ", 1, "1.2.3.4"),
        # 2 hops: CDN then nginx
        (PROXY, "1.2.3.4, 198.51.100.9", 2, "1.2.3.4"),
        (PROXY, "6.6.6.6, 1.2.3.4, 198.51.100.9", 2, "1.2.3.4"),
        (PROXY, "6.6.6.6,1.2.3.4,198.51.100.9", 2, "1.2.3.4"),
        # too few entries for the hops configured: the leftmost one
        (PROXY, "1.2.3.4", 2, "1.2.3.4"),
        (PROXY, "1.2.3.4, 198.51.100.9", 5, "1.2.3.4"),
        # no header at all behind a proxy: the peer is all there is
        (PROXY, None, 1, PROXY),
        (PROXY, "", 1, PROXY),
        (PROXY, "   ", 2, PROXY),
    ],
)
def test_hops(remote: str, xff: str | None, hops: int, expected: str) -> None:
    assert client_ip(remote, xff, hops) == expected


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("1.2.3.4:5678", "1.2.3.4"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),  # canonical text, so one visitor hashes one way
        ('"[2001:db8::1]:443"', "2001:db8::1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),  # IPv4-mapped IPv6 on a dual-stack socket
        ("[::ffff:1.2.3.4]:80", "1.2.3.4"),
    ],
)
def test_ports_brackets_and_mapped_addresses(entry: str, expected: str) -> None:
    assert client_ip(PROXY, entry, 1) == expected
    assert client_ip(entry, None, 0) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "unknown",
        "garbage",
        "1.2.3",
        "1.2.3.4.5",
        "999.1.1.1",
        "1.2.3.4:port",
        "1.2.3.4:",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "[2001:db8::1]:",
        "2001:db8::zz",
        "_hidden",
        "x" * 500,
    ],
)
def test_garbage_entry_falls_back_to_peer(entry: str) -> None:
    assert client_ip(PROXY, f"6.6.6.6, {entry}", 1) == PROXY


def test_empty_entry_falls_back_to_peer() -> None:
    assert client_ip(PROXY, "1.2.3.4,,", 2) == PROXY


@pytest.mark.parametrize("remote", [None, "", "unix:/run/pulse.sock", "garbage"])
def test_unusable_peer_gives_none(remote: str | None) -> None:
    assert client_ip(remote, "1.2.3.4", 0) is None
    assert client_ip(remote, None, 1) is None


def test_negative_hops_is_zero() -> None:
    assert client_ip("203.0.113.7", "1.2.3.4", -1) == "203.0.113.7"


def test_huge_header_only_splits_the_tail() -> None:
    stuffed = ", ".join(["6.6.6.6"] * 100_000 + ["1.2.3.4"])
    assert client_ip(PROXY, stuffed, 1) == "1.2.3.4"


@given(st.none() | st.text() | _SURROGATES, st.none() | st.text() | _SURROGATES, st.integers())
def test_never_raises_and_returns_an_address(
    remote: str | None, xff: str | None, hops: int
) -> None:
    result = client_ip(remote, xff, hops)
    if result is not None:
        assert str(ipaddress.ip_address(result)) == result


@given(st.text(), st.text())
def test_zero_hops_ignores_the_header(remote: str, xff: str) -> None:
    assert client_ip(remote, xff, 0) == parse_address(remote)


@given(
    st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=6),
    st.ip_addresses(v=4).map(str),
    st.integers(min_value=1, max_value=8),
)
def test_picks_the_entry_hops_from_the_right(entries: list[str], remote: str, hops: int) -> None:
    chain = [*entries, remote]
    expected = chain[-(hops + 1)] if len(chain) > hops else chain[0]
    assert client_ip(remote, ", ".join(entries), hops) == expected
