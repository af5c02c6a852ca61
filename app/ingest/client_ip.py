"""Which address is the visitor's? Socket peer plus X-Forwarded-For, trusting only known hops.

Each proxy appends the address it received the request from to X-Forwarded-For, so the right end
of the header is written by our own infrastructure and everything to the left of it by whoever
sent the request, a client that can write anything there. With `trusted_hops` proxies in front
of Pulse, the chain

    XFF entries + [socket peer]

ends in those proxies, and the visitor is the entry `trusted_hops` places from the right:

    hops=0  peer only; the header is ignored entirely (anyone can send one)
    hops=1  "client"          + [nginx]         -> client
    hops=2  "client, cdn"     + [nginx]         -> client
    hops=2  "spoof, client, cdn" + [nginx]      -> client (the spoofed entry is never reached)

If the header holds fewer entries than that (a request that skipped a proxy), the leftmost one is
taken. An entry that is not an address ("unknown", garbage, empty) falls back to the peer, and a
peer that is not an address (a unix socket) gives None: the result is a valid address or None.

Entries may carry ports ("1.2.3.4:5678", "[2001:db8::1]:443"), brackets or quotes; those are
stripped, and IPv4-mapped IPv6 ("::ffff:1.2.3.4") becomes plain IPv4 so one visitor has one
address whichever socket family the server listened on. Only the last `trusted_hops` entries are
split off, so a header stuffed with thousands of entries costs no more than a short one.
Callers must join repeated X-Forwarded-For header lines with "," before calling.
"""

from __future__ import annotations

import ipaddress

# A longer entry cannot be an address: 45 characters for IPv4-mapped IPv6, plus brackets, port
# and a zone id.
_MAX_ENTRY_LENGTH = 100
# More proxies than this in front of one server is a misconfiguration; the cap keeps rsplit's
# maxsplit in range whatever integer arrives.
_MAX_HOPS = 100


def client_ip(remote_addr: str | None, forwarded_for: str | None, trusted_hops: int) -> str | None:
    """The visitor's address as canonical text, or None. Never raises."""
    peer = parse_address(remote_addr)
    try:
        hops = min(int(trusted_hops), _MAX_HOPS)
    except (TypeError, ValueError):
        return peer
    if hops <= 0 or not isinstance(forwarded_for, str) or not forwarded_for.strip():
        return peer
    entries = forwarded_for.rsplit(",", hops)
    # len(entries) == hops + 1 means there were enough: entries[1:] are the last `hops` ones.
    chosen = entries[-hops] if len(entries) > hops else entries[0]
    return parse_address(chosen) or peer


def parse_address(text: str | None) -> str | None:
    """One address as a proxy or server writes it, normalised; None if it is not one."""
    if not isinstance(text, str) or not text or len(text) > _MAX_ENTRY_LENGTH:
        return None
    host = _strip_port(text.strip().strip('"'))
    if host is None:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _strip_port(host: str) -> str | None:
    """ "[v6]:443" -> "v6", "[v6]" -> "v6", "v4:5678" -> "v4"; a bare IPv6 passes as is."""
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :]
        if end < 0 or (rest and not _is_port(rest)):
            return None
        return host[1:end]
    if host.count(":") == 1:  # IPv4 with a port; IPv6 always has at least two colons
        address, _, port = host.partition(":")
        return address if port.isdigit() and port.isascii() else None
    return host


def _is_port(rest: str) -> bool:
    return rest.startswith(":") and rest[1:].isdigit() and rest[1:].isascii()
