"""API keys: any well-formed ``sk_test_``/``rk_test_`` key is accepted and is its own platform.

The API also reads ``ek_test_`` (ephemeral) and ``pk_test_`` (publishable) keys, which may make only
some requests (:mod:`emulator.http.limited_keys`); the control plane takes secret keys only."""

from __future__ import annotations

import base64
import binascii
import re

from emulator.http import errors
from emulator.http.errors import StripeError

_KEY = re.compile(r"(sk|rk)_test_[A-Za-z0-9_]{1,200}")
_LIMITED = re.compile(r"ek_test_[A-Za-z0-9_-]{1,300}|pk_test_[A-Za-z0-9_]{1,200}")


def _unauthorized(message: str) -> StripeError:
    return StripeError(message, status=401)


class KeyCache:
    """Headers already read, to their key: a client sends the same header on every request.
    Only accepted keys are kept, at most ``size`` (then it starts afresh)."""

    __slots__ = ("_keys", "size")

    def __init__(self, size: int = 256) -> None:
        self._keys: dict[str, str] = {}
        self.size = size

    def key(self, authorization: str | None) -> str:
        if authorization is not None:
            key = self._keys.get(authorization)
            if key is not None:
                return key
        key = key_from_header(authorization, limited=True)
        assert authorization is not None  # a missing header is a 401 above
        if len(self._keys) >= self.size:
            self._keys.clear()
        self._keys[authorization] = key
        return key


def key_from_header(authorization: str | None, *, limited: bool = False) -> str:
    """The API key in an ``Authorization`` header (Bearer or Basic), checked; else a 401.
    ``limited``: ephemeral and publishable test keys are returned too (the API checks what they may do)."""
    if not authorization or not authorization.strip():
        raise _unauthorized(errors.NO_API_KEY)
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        key = credentials
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # not base64 (or not ASCII), or not UTF-8 inside
            raise _unauthorized(errors.INVALID_API_KEY.format(masked=errors.mask_key(credentials))) from None
        key = decoded.partition(":")[0]
    else:
        raise _unauthorized(errors.INVALID_API_KEY.format(masked=errors.mask_key(authorization.strip())))
    if not key:
        raise _unauthorized(errors.NO_API_KEY)
    if limited and _LIMITED.fullmatch(key):
        return key
    if key.startswith(("pk_test_", "pk_live_")):
        raise _unauthorized(errors.PUBLISHABLE_KEY)
    if not _KEY.fullmatch(key):
        raise _unauthorized(errors.INVALID_API_KEY.format(masked=errors.mask_key(key)))
    return key
