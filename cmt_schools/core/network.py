"""The client's network, as throttles count it, and a keyed hash of it for their storage.

- One network is one IPv4 address, or one IPv6 /64: a single home, phone or server is
  given a whole /64, so counting full IPv6 addresses would let anyone step round a limit
  by changing the last 64 bits. An IPv4 address written as IPv6 (`::ffff:a.b.c.d`)
  counts as that IPv4 address.
- Rate-limit storage never sees the network itself (security.md: nothing about a pupil's
  request is written there): throttles key on an HMAC of it under a secret that changes
  every day, derived from the app's secret key and cut to 16 hex digits. Without the
  secret it cannot be turned back into an address, and keys of different days cannot be
  linked. Entries expire with their limit's window anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from functools import lru_cache

from flask import current_app, request

DAY_SECONDS = 24 * 60 * 60
IPV6_NETWORK_PREFIX = 64


def network_of(address: str | None) -> str:
    """The network a client address counts as: the IPv4 address, or its IPv6 /64."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP address (a Unix socket, say): count it as it is
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        network = ipaddress.IPv6Network(f"{parsed}/{IPV6_NETWORK_PREFIX}", strict=False)
        return str(network)
    return str(parsed)


def client_network() -> str:
    return network_of(request.remote_addr)


@lru_cache(maxsize=4)
def _secret_for_day(secret_key: str, day: int) -> bytes:
    return hmac.new(secret_key.encode(), f"cmt-network-key:{day}".encode(), hashlib.sha256).digest()


def keyed_hash(*parts: str) -> str:
    """16 hex digits of an HMAC of `parts` under today's secret: a storage key, not a value."""
    secret = _secret_for_day(str(current_app.config["SECRET_KEY"]), int(time.time() // DAY_SECONDS))
    message = "\x1f".join(parts).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]


def hashed_client_network(purpose: str) -> str:
    """The keyed hash of this request's network, for one purpose (keys never mix purposes)."""
    return keyed_hash(purpose, client_network())
