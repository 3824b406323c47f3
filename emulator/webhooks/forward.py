"""``--forward-to URL``: every event of every platform is also delivered there (like
``stripe listen --forward-to``), signed with one secret that the emulator prints at start."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from emulator.core.ids import IdFactory
from emulator.settings import Settings

INVALID_FORWARD_URL = "--forward-to needs an http:// or https:// URL with a host (got {url!r})"
READY = "Ready! Forwarding events to {url}. Your webhook signing secret is {secret}"


@dataclass(frozen=True)
class ForwardTarget:
    url: str
    secret: str


def valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def from_settings(settings: Settings) -> ForwardTarget | None:
    """The forward target of ``settings``; a ``ValueError`` when its URL is not usable."""
    if not settings.forward_to:
        return None
    if not valid_url(settings.forward_to):
        raise ValueError(INVALID_FORWARD_URL.format(url=settings.forward_to))
    secret = settings.forward_secret or IdFactory(settings.seed).secret()
    return ForwardTarget(settings.forward_to, secret)
