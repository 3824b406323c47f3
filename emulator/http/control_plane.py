"""What every ``/_emulator/`` endpoint shares: Stripe-shaped errors, the optional API key, bodies,
numbers.

An endpoint is ``async def (request) -> Response | dict`` that raises :class:`StripeError` for
any refusal; :func:`endpoint` turns it into a Starlette endpoint (a dict answers 200 JSON, a
``StripeError`` answers Stripe's error JSON with its status, any other exception a logged 500
``api_error``, so the connection stays usable). Starlette also routes ``HEAD`` to a ``GET``
endpoint: a handler tells reads from writes with :func:`reading` (uvicorn leaves the body out).

Numbers sent to the control plane are read by :func:`ascii_int` and :func:`ascii_number`: ASCII
digits only, as :mod:`emulator.http.params` reads them for ``/v1`` (``int()``, ``float()`` and
``str.isdigit`` also take ``²``, ``\u0663``, full-width digits or ``1_0``).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.http import auth, errors, forms
from emulator.http.errors import StripeError
from emulator.http.params import ASCII_INTEGER
from emulator.http.responses import JSONResponse

INVALID_BODY = "Invalid request body: send a JSON object or a form."
INVALID_LIMIT = "Invalid limit: must be a positive integer"
READS = ("GET", "HEAD")

log = logging.getLogger("emulator.control")

# decimals: ASCII digits as for /v1 (emulator.http.params), with a fraction and an exponent
_NUM = re.compile(r"-?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})(?:[eE][-+]?[0-9]{1,3})?")

Handler = Callable[[Request], Awaitable["Response | dict[str, Any]"]]
Endpoint = Callable[[Request], Awaitable[Response]]


def error_response(exc: StripeError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status)


def endpoint(handler: Handler) -> Endpoint:
    """``handler`` as a Starlette endpoint (see the module docstring)."""

    @functools.wraps(handler)
    async def serve(request: Request) -> Response:
        try:
            result = await handler(request)
        except StripeError as exc:
            return error_response(exc)
        except Exception as exc:  # a bug: still answer like Stripe, never a traceback page
            log.error("unhandled error on %s %s\n%s", request.method, request.url.path, traceback.format_exc())
            err = StripeError(errors.INTERNAL.format(detail=type(exc).__name__), status=500, type="api_error")
            return error_response(err)
        return result if isinstance(result, Response) else JSONResponse(result)

    return serve


def reading(request: Request) -> bool:
    """True for ``GET`` and ``HEAD`` (Starlette serves ``HEAD`` with the ``GET`` endpoint): never a change."""
    return request.method in READS


def ascii_int(value: Any) -> int | None:
    """``value`` as an integer: an ``int`` (not a bool), an integral ``float`` or a string of ASCII
    digits with an optional ``-`` (surrounding spaces ignored), at most 18 digits; None otherwise."""
    if value.__class__ is int:
        return int(value) if abs(value) < 10**18 else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return int(value)
    if isinstance(value, str) and ASCII_INTEGER.fullmatch(text := value.strip()):
        return int(text)
    return None


def ascii_number(value: Any) -> float | None:
    """``value`` as a finite number: an ``int`` (not a bool), a finite ``float`` or an ASCII decimal
    string (``-``, digits, an optional ``.`` fraction and ``e`` exponent); None otherwise."""
    if value.__class__ is int:
        return float(value) if abs(value) < 10**18 else None
    number = value if isinstance(value, float) else None
    if isinstance(value, str) and _NUM.fullmatch(text := value.strip()):
        number = float(text)
    return number if number is not None and math.isfinite(number) else None


def api_key(request: Request, required: bool = False) -> str | None:
    """The API key in ``Authorization`` (None without one unless ``required``); 401 if bad."""
    header = request.headers.get("authorization")
    if not header and not required:
        return None
    return auth.key_from_header(header)


def required_key(request: Request) -> str:
    key = api_key(request, required=True)
    assert key is not None
    return key


async def read_body(request: Request, invalid: str = INVALID_BODY) -> dict[str, Any]:
    """A JSON object or a form (``{}`` when empty); a 400 with ``invalid`` otherwise."""
    raw = await request.body()
    if not raw.strip():
        return {}
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if "json" in ctype or raw.lstrip()[:1] in (b"{", b"["):
            data = json.loads(raw)
        else:
            data = forms.decode(raw)
    except (ValueError, RecursionError, forms.FormError):
        raise StripeError(invalid) from None
    if not isinstance(data, dict):
        raise StripeError(invalid)
    return data


def limit_param(request: Request) -> int | None:
    """``?limit=N`` (a positive integer), None when absent."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return None
    limit = ascii_int(raw) if raw.isdigit() else None  # no sign, no spaces
    if limit is None or limit < 1:
        raise StripeError(INVALID_LIMIT, param="limit")
    return limit
