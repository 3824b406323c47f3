"""What a tripped rule answers: Stripe's error for its status, or a connection closed without one.

429 is Stripe's test-mode rate-limit error (``invalid_request_error``, code ``rate_limit``, no
``Stripe-Should-Retry``: the SDKs do not retry it). 5xx are ``api_error`` bodies with
``Stripe-Should-Retry: true``: the request either did not run (``before``) or its real answer
is saved under its ``Idempotency-Key`` (``after``), so a retry is what the client should do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from emulator.core.jsonutil import dumps
from emulator.http.errors import StripeError

log = logging.getLogger("emulator.faults")

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

RATE_LIMITED = (
    "Testmode request rate limit exceeded, the rate limits in testmode are lower than livemode. "
    "You can learn more about rate limits here https://stripe.com/docs/rate-limits."
)
INJECTED = " (injected by the emulator's fault rule {rule})"
SERVER_ERRORS = {
    500: "An unknown error occurred while processing this request.",
    502: "Bad gateway: the request could not be completed.",
    503: "The service is temporarily unavailable. Please try again shortly.",
    504: "The request timed out before an answer could be sent.",
}
CANNOT_DROP = "cannot close the connection under this server; answered 502 for fault rule %s instead"


def error_of(status: int, rule_id: str) -> StripeError:
    if status == 429:
        return StripeError(RATE_LIMITED, status=429, code="rate_limit")
    return StripeError(SERVER_ERRORS[status] + INJECTED.format(rule=rule_id), status=status, type="api_error")


async def send_error(
    send: Send, status: int, rule_id: str, request_id: str, version: str, *, head: bool = False
) -> None:
    body = dumps(error_of(status, rule_id).body(request_id))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"request-id", request_id.encode("latin-1", "replace")),
        (b"stripe-version", version.encode("latin-1", "replace")),
        (b"cache-control", b"no-cache, no-store"),
        (b"access-control-allow-origin", b"*"),
    ]
    if status >= 500:
        headers.append((b"stripe-should-retry", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})  # HEAD: headers only


async def drop(send: Send, rule_id: str, request_id: str, version: str, *, head: bool = False) -> None:
    """Close the client's connection without sending a byte (a lost answer).

    ASGI has no message for this, so the server's transport is closed directly (uvicorn's
    ``send`` is a method of the request cycle that holds it, or the emulator's
    :class:`~emulator.http.one_write.OneWrite` around it, whose ``cycle`` it is). Under a server
    without one the request gets a 502 instead."""
    cycle = getattr(send, "cycle", None) or getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "close"):
        log.warning(CANNOT_DROP, rule_id)
        await send_error(send, 502, rule_id, request_id, version, head=head)
        return
    transport.close()
    # let the server see the connection go (so it does not answer a 500 for the silent request)
    for _ in range(3):
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)
