"""IP address -> ISO 3166-1 alpha-2 country code, offline.

Data: the country database bundled inside the geoip2fast package (1.2.2, code MIT-licensed).
Its own text says the files were built from MaxMind's "GeoLite2-Country" CSV of 2024-06-18
(`get_database_info()` reports "MAXMIND:GeoLite2-Country-IPv4IPv6-en-20240618"). The package
states no licence for the data itself; GeoLite2 data of that date is under MaxMind's GeoLite2 End
User License Agreement, which incorporates CC BY-SA 4.0's attribution requirement ("This product
includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com"), asks users
to keep the data up to date and delete old copies, and forbids using it to locate specific
people or households. Country level only is used here. Nothing is downloaded at run time.

Why one file: geoip2fast ships geoip2fast.dat.gz (IPv4 only) and geoip2fast-ipv6.dat.gz (IPv4
and IPv6 together, 494k + 295k networks). It keeps the loaded tables in module globals, so a
second GeoIP2Fast instance replaces the first one's data rather than adding to it; the combined
file is the only way to answer both families. Loading takes ~0.2 s: build one GeoLookup per
process.

No cache: a lookup costs ~10 µs, and an LRU of raw IPs would keep visitor addresses in memory,
which cookieless mode promises not to do.
"""

from __future__ import annotations

import os
import socket

import geoip2fast
from geoip2fast import GeoIP2Fast

from app.ingest.places import Places

# An absolute path on purpose: given a bare file name, geoip2fast looks in the current
# directory first, and its loader unpickles whatever it finds there.
DATA_FILE = os.path.join(os.path.dirname(geoip2fast.__file__), "geoip2fast-ipv6.dat.gz")

# Codes in the data that are not countries: "EU" (Europe, only exceptionally reserved in ISO
# 3166-1) and the 4-letter "ASIA". Errors come back as "--" (private, not found) or "" (invalid).
_NOT_COUNTRIES = frozenset({"EU"})

# Longer than any textual address (45 characters for IPv4-mapped IPv6 plus a zone id).
_MAX_IP_LENGTH = 64
_IPV4_MAPPED = bytes(10) + b"\xff\xff"
_IPV4_COMPATIBLE = bytes(12)

# (country, region, city), each None where unknown.
Place = tuple[str | None, str | None, str | None]
NOWHERE: Place = (None, None, None)


class GeoLookup:
    def __init__(self, places: Places | None = None) -> None:
        self._db = GeoIP2Fast(geoip2fast_data_file=DATA_FILE)
        self.places = places if places is not None else Places()

    @property
    def source(self) -> str:
        """The data's provenance, e.g. for an about page's attribution line."""
        return str(self._db.source_info)

    def country(self, ip: str | None) -> str | None:
        """Upper-case alpha-2 code, or None for private/reserved/loopback/unknown/garbage."""
        address = _lookup_key(ip)
        return None if address is None else self._country(address)

    def locate(self, ip: str | None) -> Place:
        """(country, region, city): region and city from app/ingest/places.py, inside the
        country (None where it is None or the city data is not installed)."""
        address = _lookup_key(ip)
        country = None if address is None else self._country(address)
        if country is None or address is None:
            return NOWHERE
        region, city = self.places.place(address, country)
        return country, region, city

    def _country(self, address: str) -> str | None:
        try:
            code = self._db.lookup(address).country_code
        except Exception:  # geoip2fast reports errors as codes; this is belt and braces
            return None
        if not isinstance(code, str) or len(code) != 2 or not code.isalpha():
            return None
        code = code.upper()
        return None if code in _NOT_COUNTRIES else code


def _lookup_key(ip: str | None) -> str | None:
    """The address to look up, or None when it cannot have a country.

    Validated here rather than trusting geoip2fast, which reads "1.2.3" as 1.2.0.3 (inet_aton's
    shorthand), "::ffff:8.8.8.8" as private and "::8.8.8.8" as 8.8.8.8. inet_pton, not
    `ipaddress`: parsing and printing an IPv6 address with `ipaddress` costs ~30 µs, more than
    the lookup itself. Private, reserved and shared ranges are left to the data, which marks
    them ("--") or has no entry for them; the tests pin both.
    """
    if not ip or not isinstance(ip, str) or len(ip) > _MAX_IP_LENGTH:
        return None
    text = ip.strip()
    try:
        if ":" not in text:
            socket.inet_pton(socket.AF_INET, text)  # strict dotted quad
            return text
        packed = socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):  # ValueError: NUL bytes, surrogates
        return None
    if packed[:12] == _IPV4_MAPPED:
        return socket.inet_ntop(socket.AF_INET, packed[12:])
    if packed[:12] == _IPV4_COMPATIBLE or packed[0] == 0xFF:
        return None  # ::/96 (unspecified, loopback, deprecated IPv4-compatible); multicast
    return text
