"""Does a delivery URL point at this emulator? Then it is never sent.

The URL's host is resolved the way the transport would resolve it (numeric forms such as
``2130706433``, ``0x7f.1`` or ``127.1``, names that resolve to loopback, ``[::1]``, ``0.0.0.0``),
and each address is compared with the addresses the emulator listens on (``State.served``): the
same port, and the same address, or any address of this machine when the emulator listens on a
wildcard address, or any loopback address when it listens on one. A name that does not resolve
is left to the transport (which fails the same way).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from emulator.http.guard import canonical_ip

SELF_TARGET = "refused: {url} points at this emulator itself (deliveries never reach the emulator's own routes)"
DEFAULT_PORTS = {"http": 80, "https": 443}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _local(address: Address) -> bool:
    """An address of this machine (it can be bound)."""
    if address.is_loopback or address.is_unspecified:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((str(address), 0))
    except OSError:
        return False
    return True


def _is_us(address: Address, port: int, served: Iterable[tuple[str, int]]) -> bool:
    address = canonical_ip(address)
    for host, served_port in served:
        if served_port != port:
            continue
        try:
            ours = canonical_ip(ipaddress.ip_address(host.split("%")[0]))
        except ValueError:
            continue
        if ours.is_unspecified:
            if _local(address):
                return True
        elif address == ours or (address.is_loopback and ours.is_loopback) or address.is_unspecified:
            return True
    return False


async def refusal(url: str, served: Iterable[tuple[str, int]]) -> str | None:
    """Why ``url`` must not be sent to (it is this emulator), or None."""
    served = [s for s in served if s[1]]
    if not served:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    host = parts.hostname
    if host is None or port is None or all(port != p for _, p in served):
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        except ValueError:
            continue
        if _is_us(address, port, served):
            return SELF_TARGET.format(url=url[:300])
    return None
