"""IP networks as the settings and the apps give them: parsed once, then asked about addresses."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR blocks; ValueError names the entry that is neither."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry.strip()!r} is not an IP address or a CIDR block such as 10.0.0.0/8") from None
    return tuple(networks)


def contains(networks: Iterable[Network], host: str) -> bool:
    """Whether `host` is an address in one of `networks`; a host that is not an address is in none."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)
