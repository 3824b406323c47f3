"""Who may talk to the emulator: the hosts it serves, same-origin rules, its own outgoing requests.

* :class:`HostPolicy`: a request whose ``Host`` names a host the emulator does not serve is
  refused before routing (``/v1`` included) with a 421. That stops DNS rebinding: a page on
  ``attacker.example`` whose name was re-pointed at 127.0.0.1 still sends ``Host: attacker.example``.
  Served: ``localhost`` and ``*.localhost``, loopback addresses, this machine's host name, the
  ``--host`` address or name, and the ``--allowed-hosts`` names; when listening on a wildcard
  address (``0.0.0.0``/``::``, as in a container) also any IP literal and single-label names (a
  compose service name).
* :func:`same_origin` / :func:`cross_site` / :func:`refuse_cross_site`: a browser's POST from
  a page of another site never reaches a control-plane or dashboard action.
* :data:`OUTBOUND_HEADER`: every webhook delivery the emulator sends carries it, and the
  control plane (``/_emulator/``) refuses any request that does, so no delivery (whatever URL
  an endpoint names, through redirects or proxies) can reset or read an emulator.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request

from emulator.http.errors import StripeError

OUTBOUND_HEADER = "Stripe-Emulator-Outbound"
_OUTBOUND_KEY = OUTBOUND_HEADER.lower().encode("latin-1")
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]", "*"})
ANY_HOST = "*"
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
MISDIRECTED = 421
SEEN_HOSTS = 64

HOST_NOT_SERVED = (
    "This emulator does not serve the host {host!r} named in the Host header (refused to protect it from "
    "DNS rebinding). Use localhost or 127.0.0.1, or start it with --allowed-hosts {name} "
    "(STRIPE_EMULATOR_ALLOWED_HOSTS)."
)
CROSS_SITE = (
    "This request came from a web page of another site (its Origin or Sec-Fetch-Site says so), so it was "
    "refused: the emulator's control plane only takes POSTs from its own pages and from non-browser clients."
)
OUTBOUND_REFUSED = (
    "This request was sent by a stripe-emulator (a webhook delivery), and the emulator's control plane "
    "never acts on those."
)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``text`` spells, in any form a resolver takes (``127.1``, ``0x7f.1``, ``2130706433``)."""
    text = text.strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text or not text or not all(c.isalnum() or c == "." for c in text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def canonical_ip(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """IPv4-mapped IPv6 addresses (``::ffff:127.0.0.1``) as the IPv4 address they are."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _machine_names() -> set[str]:
    """This machine's own host name, full and short (nobody else's DNS can answer for them)."""
    name = socket.gethostname().lower().rstrip(".")
    return {name, name.split(".")[0]} if name else set()


def host_name(header: str) -> str | None:
    """The host part of a ``Host`` header value (lower-case, no port, no trailing dot); None if malformed."""
    try:
        parts = urlsplit(f"http://{header.strip()}")
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.hostname is None or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname.lower().rstrip(".")


class HostPolicy:
    """Which ``Host`` header values the emulator answers (see the module docstring)."""

    def __init__(self, bind_host: str, allowed: Iterable[str] = ()) -> None:
        # a name given with its port (as the Host header shows it) counts without: ports are not compared
        extra = [host_name(name) or name.strip().lower().rstrip(".") for name in allowed]
        self.any = ANY_HOST in extra
        self.names: set[str] = {"localhost", *_machine_names()}
        self.addresses: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
        self.wildcard = bind_host.strip().lower() in WILDCARD_HOSTS
        self._seen: dict[str, bool] = {}  # Host values already judged (a few, in practice)
        for name in (bind_host.strip().lower().rstrip("."), *extra):
            if not name or name == ANY_HOST:
                continue
            ip = _ip(name)
            if ip is not None:
                self.addresses.add(canonical_ip(ip))
            else:
                self.names.add(name)

    def allows(self, header: str | None) -> bool:
        if self.any or header is None:  # no Host: HTTP/1.0 tools, never a browser
            return True
        known = self._seen.get(header)
        if known is None:
            if len(self._seen) >= SEEN_HOSTS:
                self._seen.clear()
            known = self._seen[header] = self._allows(header)
        return known

    def _allows(self, header: str) -> bool:
        name = host_name(header)
        if name is None:
            return False
        if name in self.names or name.endswith(".localhost"):
            return True
        ip = _ip(name)
        if ip is not None:
            ip = canonical_ip(ip)
            return ip.is_loopback or self.wildcard or ip in self.addresses
        return self.wildcard and "." not in name


def host_header(scope_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in scope_headers:
        if name == b"host":
            return value.decode("latin-1")
    return None


def is_outbound(scope_headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """True for a request one of the emulator's own webhook deliveries made."""
    return any(name == _OUTBOUND_KEY for name, _ in scope_headers)


def host_refusal(host: str) -> StripeError:
    shown = host if len(host) <= 200 else host[:200] + "..."
    name = host_name(shown) or shown  # what --allowed-hosts takes: the name, without the port
    return StripeError(HOST_NOT_SERVED.format(host=shown, name=name), status=MISDIRECTED)


def outbound_refusal() -> StripeError:
    return StripeError(OUTBOUND_REFUSED, status=403)


# --- same origin --------------------------------------------------------------------------------


def _host_port(netloc: str, scheme: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if parts.hostname is None:
        return None
    return parts.hostname.lower(), port if port is not None else DEFAULT_PORTS.get(scheme)


def same_origin(request: Request) -> bool:
    """False when the request visibly comes from another origin: a ``Sec-Fetch-Site`` other than
    ``same-origin``/``none``, or an ``Origin`` (``null`` included) that is not this ``Host``. The
    ``Host`` itself is one the emulator serves (:class:`HostPolicy` ran first)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in ALLOWED_FETCH_SITES:
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    try:
        parsed = urlsplit(origin.strip())
    except ValueError:
        return False
    if parsed.scheme not in DEFAULT_PORTS or not parsed.netloc:
        return False  # "null", or anything that is not an http(s) origin
    host = request.headers.get("host")
    if not host:
        return False
    ours = _host_port(host, parsed.scheme)
    theirs = _host_port(parsed.netloc, parsed.scheme)
    return ours is not None and ours == theirs


def cross_site(request: Request) -> bool:
    """True for a request a browser sent from a page of another site. Clients that send neither
    ``Origin`` nor ``Sec-Fetch-Site`` are not browsers and are never refused."""
    if "origin" not in request.headers and "sec-fetch-site" not in request.headers:
        return False
    return not same_origin(request)


def refuse_cross_site(request: Request) -> None:
    """Stripe's 403 for a control-plane POST from another site's page (see :func:`cross_site`)."""
    if cross_site(request):
        raise StripeError(CROSS_SITE, status=403, type="invalid_request_error")
