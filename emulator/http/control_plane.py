"""What every ``/_emulator/`` endpoint shares: Stripe-shaped errors, the optional API key, bodies.

An endpoint is ``async def (request) -> Response | dict`` that raises :class:`StripeError` for
any refusal; :func:`endpoint` turns it into a Starlette endpoint (a dict answers 200 JSON, a
``StripeError`` answers Stripe's error JSON with its status).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.http import auth, forms
from emulator.http.errors import StripeError
from emulator.http.responses import JSONResponse

INVALID_BODY = "Invalid request body: send a JSON object or a form."
INVALID_LIMIT = "Invalid limit: must be a positive integer"

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
        return result if isinstance(result, Response) else JSONResponse(result)

    return serve


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
    if not raw.isdigit() or int(raw) < 1:
        raise StripeError(INVALID_LIMIT, param="limit")
    return int(raw)
