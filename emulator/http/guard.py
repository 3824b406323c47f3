"""Same-origin rules shared by the control plane and the dashboard.

:func:`same_origin` / :func:`cross_site` / :func:`refuse_cross_site`: a browser's POST from a page
of another site never reaches a control-plane or dashboard action.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from emulator.http.errors import StripeError

DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})

CROSS_SITE = (
    "This request came from a web page of another site (its Origin or Sec-Fetch-Site says so), so it was "
    "refused: the emulator's control plane only takes POSTs from its own pages and from non-browser clients."
)


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
    ``same-origin``/``none``, or an ``Origin`` (``null`` included) that is not this ``Host``."""
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
