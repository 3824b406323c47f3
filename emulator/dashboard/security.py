"""What keeps the dashboard's actions from being triggered by another site.

An action is a ``POST`` that must (1) carry no foreign ``Origin`` (a browser sends the page's
origin with every form POST; ``null`` from sandboxed or opaque contexts is foreign too), (2) not be
marked cross-site by ``Sec-Fetch-Site``, and (3) carry the dashboard's form token, which only its
own pages contain (another site cannot read them). Non-browser clients that send no ``Origin``
still need the token.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

TOKEN_LABEL = b"stripe-emulator dashboard actions"
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def form_token(secret: bytes) -> str:
    return hmac.new(secret, TOKEN_LABEL, hashlib.sha256).hexdigest()[:40]


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
    """False when the request visibly comes from another origin (see the module docstring)."""
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


def token_ok(secret: bytes, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode("utf-8", "replace"), form_token(secret).encode())
