"""GeoLookup.country(): public addresses -> ISO code from the bundled GeoLite2 data, else None.

Uses the session-wide `geo` fixture from tests/conftest.py: loading takes ~0.2 s.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.geo import GeoLookup

# st.text() leaves out lone surrogates; Python strings can hold them, Rust cannot take them.
_SURROGATES = st.text(st.characters(categories=["Cs", "L", "N", "P", "Zs"]))


@pytest.mark.parametrize(
    ("ip", "country"),
    [
        ("8.8.8.8", "US"),  # Google Public DNS
        ("114.114.114.114", "CN"),  # 114DNS
        ("223.5.5.5", "CN"),  # AliDNS
        ("2001:4860:4860::8888", "US"),  # Google Public DNS over IPv6
        ("2400:3200::1", "CN"),  # AliDNS over IPv6
        ("81.2.69.142", "GB"),  # MaxMind's own test address
        ("77.88.8.8", "RU"),  # Yandex DNS
        ("202.12.27.33", "JP"),  # M root server
        ("1.1.1.1", "AU"),  # Cloudflare's anycast block is registered to APNIC research in AU
        ("::ffff:8.8.8.8", "US"),  # IPv4-mapped IPv6, which geoip2fast calls private
        (" 8.8.8.8 ", "US"),
    ],
)
def test_known_public_addresses(geo: GeoLookup, ip: str, country: str) -> None:
    assert geo.country(ip) == country


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",  # private
        "127.0.0.1",
        "::1",  # loopback
        "169.254.1.1",
        "fe80::1",
        "fe80::1%eth0",  # link-local
        "100.64.0.1",  # carrier-grade NAT
        "fc00::1",  # unique local
        "0.0.0.0",
        "::",
        "255.255.255.255",  # unspecified, broadcast
        "224.0.0.1",
        "ff02::1",  # multicast
        "192.0.2.1",
        "2001:db8::1",  # documentation
        "1.2.3",  # inet_aton shorthand geoip2fast would read as 1.2.0.3
        "",
        "   ",
        "garbage",
        "8.8.8.8.8",
        "999.1.1.1",
        "8.8.8.8:53",
        "[2001:4860::8888]",
        "1" * 1000,
    ],
)
def test_private_reserved_and_garbage_are_none(geo: GeoLookup, ip: str) -> None:
    assert geo.country(ip) is None


def test_none_is_none(geo: GeoLookup) -> None:
    assert geo.country(None) is None


def test_source_names_the_data(geo: GeoLookup) -> None:
    assert "GeoLite2" in geo.source


def test_two_instances_share_the_data(geo: GeoLookup) -> None:
    # geoip2fast keeps its tables in module globals: a second load must not break the first.
    other = GeoLookup()
    assert other.country("8.8.8.8") == geo.country("8.8.8.8") == "US"
    assert geo.country("2001:4860:4860::8888") == "US"


_SETTINGS = settings(deadline=None)


@_SETTINGS
@given(st.none() | st.text() | _SURROGATES | st.ip_addresses().map(str))
def test_country_never_raises(geo: GeoLookup, ip: str | None) -> None:
    code = geo.country(ip)
    assert code is None or (len(code) == 2 and code.isalpha() and code.isupper())


@_SETTINGS
@given(st.ip_addresses(network="10.0.0.0/8") | st.ip_addresses(network="fc00::/7"))
def test_private_ranges_never_have_a_country(geo: GeoLookup, ip: object) -> None:
    assert geo.country(str(ip)) is None


@_SETTINGS
@given(st.ip_addresses())
def test_addresses_that_are_not_global_have_no_country(geo: GeoLookup, ip: object) -> None:
    address = ipaddress.ip_address(str(ip))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global:
        assert geo.country(str(ip)) is None
