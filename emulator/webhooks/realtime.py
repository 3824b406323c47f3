"""Real-time authorizations: the synchronous ``issuing_authorization.request`` webhook.

The authorization engine calls :func:`decide` once Stripe's own checks passed and the hold is
placed, with the authorization in its pending-request form (``amount`` 0, ``approved`` false,
``pending_request`` set). When an enabled endpoint names ``issuing_authorization.request``
(a Connect endpoint for a connected account's authorization, a platform endpoint otherwise;
the oldest one if several), the event is recorded like any other, POSTed signed with
``Accept: application/json``, and the answer is awaited for the platform's
``rta_timeout_seconds`` (2 s by default) without blocking the server: other requests,
including the endpoint's own call to ``/approve`` or ``/decline``, are served meanwhile.

The endpoint decides by answering HTTP 200 with a ``Stripe-Version`` header and a JSON body
``{"approved": bool, "amount"?: int, "metadata"?: {...}, "send_fraud_challenges"?: ["sms"]}``
(``amount`` only counts when ``pending_request.is_amount_controllable``, and may not be below
``pending_request.amount_details.cashback_amount``; ``send_fraud_challenges`` on a decline opens an
SMS fraud challenge on the declined authorization), or by calling ``/approve``/``/decline`` inside the
window (:func:`resolve_via_api`; that decision counts at once). No answer in time is
``timeout``; any other answer is ``error`` with a ``reason_message``.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from emulator.core import ids
from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import versions
from emulator.http.errors import StripeError
from emulator.http.params import check_metadata
from emulator.webhooks import routing, transport
from emulator.webhooks.book import EXTRA_KEY, Book, Delivery, Target, Waiter, book_of

Outcome = Literal["no_endpoint", "approved", "declined", "timeout", "error"]

# reason_message texts for ``webhook_error``
INVALID_VERSION = "Invalid Stripe API version: {version}"
BAD_STATUS = "Invalid response from the webhook endpoint: HTTP status {status} (expected 200)."
NOT_JSON = "Invalid response from the webhook endpoint: the body is not a JSON object."
# Stripe's real-time guide: "The only content type accepted for Authorization webhook responses is
# application/json" (the header itself is optional)
NOT_JSON_TYPE = (
    "Invalid response from the webhook endpoint: Content-Type {content_type} (the only content type "
    "accepted is application/json)."
)
APPROVED_MISSING = "Invalid response from the webhook endpoint: missing required field `approved`."
APPROVED_NOT_BOOLEAN = "Invalid response from the webhook endpoint: `approved` must be a boolean."
AMOUNT_INVALID = "Invalid response from the webhook endpoint: `amount` must be a positive integer."
METADATA_INVALID = (
    "Invalid response from the webhook endpoint: `metadata` must be an object of strings, numbers or booleans."
)
BELOW_CASHBACK = (
    "Invalid response from the webhook endpoint: `amount` ({amount}) cannot be less than the cashback_amount "
    "({cashback}) of the request."
)
FRAUD_CHALLENGES_INVALID = (
    "Invalid response from the webhook endpoint: `send_fraud_challenges` must be a list of channels (`sms`)."
)
FRAUD_CHALLENGE_CHANNELS = ("sms",)
METADATA_REJECTED = "Invalid response from the webhook endpoint: {detail}"
UNREACHABLE = "Could not reach the webhook endpoint: {detail}"
NO_SECRET = "the webhook endpoint has no signing secret"

DEFAULT_WINDOW = 2.0  # Stripe's real-time decision window
GRACE = 1.0  # extra seconds the HTTP request may take after the window (its answer is then ignored)


@dataclass(frozen=True)
class RealtimeDecision:
    outcome: Outcome
    amount: int | None = None  # approved amount override (only set when is_amount_controllable)
    metadata: dict[str, str] | None = None
    reason_message: str | None = None  # for "error"
    fraud_challenge: bool = False  # a decline asking for an SMS fraud challenge (``send_fraud_challenges``)


def _window(setting: object) -> float:
    """Seconds to wait for a decision (Stripe's 2 s unless the platform changed it; never negative)."""
    if isinstance(setting, bool) or not isinstance(setting, (int, float)) or setting != setting:
        return DEFAULT_WINDOW
    return max(float(setting), 0.0)


def _controllable(authorization: Obj) -> bool:
    pending = authorization.get("pending_request") or {}
    return bool(pending.get("is_amount_controllable"))


def cashback_of(pending_request: Obj) -> int:
    """The cashback an approval must cover (``pending_request.amount_details.cashback_amount``)."""
    return int((pending_request.get("amount_details") or {}).get("cashback_amount") or 0)


ABANDONED: dict[str, Any] = {"outcome": "timeout"}  # the answer of a wait cut short by a restart


async def decide(ctx: Ctx, authorization: Obj) -> RealtimeDecision:
    """Ask the platform's real-time endpoint about ``authorization`` (see the module docstring).

    Everything up to the wait (the event, the waiter ``/approve`` may resolve) runs in replays
    too; the wait itself goes through :func:`emulator.core.ids.outside`, so a request replayed
    from the persistence journal gets the decision it got the first time, at the same point
    among the other requests, without asking again."""
    found = routing.endpoints_for(ctx.platform, ctx.scope, routing.REALTIME_EVENT)
    if not found:
        return RealtimeDecision("no_endpoint")
    owner, endpoint = found[0]
    secret = routing.secret_of(owner, endpoint["id"])
    if secret is None:
        return RealtimeDecision("error", reason_message=UNREACHABLE.format(detail=NO_SECRET))
    controllable = _controllable(authorization)
    event = ctx.emit(routing.REALTIME_EVENT, authorization)
    event["pending_webhooks"] = 1
    book = book_of(ctx.platform)
    waiter = Waiter(ctx.scope.account_id, controllable, asyncio.get_running_loop().create_future())
    book.add_waiter(authorization["id"], waiter)

    async def ask() -> dict[str, Any]:
        delivery = book.new_delivery(
            event, ctx.scope, Target(endpoint["id"], owner, endpoint["url"]), time.time(), kind="realtime", counts=True
        )
        window = _window(ctx.platform.settings.rta_timeout_seconds)
        decision = await _wait(
            book,
            delivery,
            waiter,
            transport.payload(event, endpoint.get("api_version")),
            endpoint.get("api_version") or event["api_version"],
            secret,
            window,
            ctx.state.served,
            cashback_of(authorization.get("pending_request") or {}),
        )
        return {**asdict(decision), "pending_webhooks": event.get("pending_webhooks", 0)}

    try:
        answer = await ids.outside("realtime", ask, ABANDONED)
    finally:
        book.remove_waiter(authorization["id"], waiter)
    event["pending_webhooks"] = answer.get("pending_webhooks", 0)
    return RealtimeDecision(
        answer.get("outcome", "timeout"),
        answer.get("amount"),
        answer.get("metadata"),
        answer.get("reason_message"),
        bool(answer.get("fraud_challenge", False)),
    )


async def _wait(
    book: Book,
    delivery: Delivery,
    waiter: Waiter,
    body: bytes,
    version: str,
    secret: str,
    window: float,
    served: set[tuple[str, int]],
    cashback: int = 0,
) -> RealtimeDecision:
    """POST the request to the endpoint and wait for its answer or an ``/approve``/``/decline`` call."""
    url = delivery.target.url
    assert url is not None
    loop = asyncio.get_running_loop()
    post = loop.create_task(
        transport.post_once(
            url, body, transport.headers(body, secret, realtime_version=version), window + GRACE, served
        )
    )
    await asyncio.wait({post, waiter.future}, timeout=window, return_when=asyncio.FIRST_COMPLETED)
    if waiter.future.done() and not waiter.future.cancelled():
        decision: RealtimeDecision = waiter.future.result()
        _settle(book, delivery, post, url, decision.outcome)
        return decision
    if post.done():
        result = post.result()
        decision = interpret(result, waiter.controllable, cashback)
        _record(delivery, result, url, decision.outcome)
        return decision
    post.cancel()
    now = time.time()
    timed_out = transport.Result(now - window, window * 1000, error=transport.TIMED_OUT.format(seconds=window))
    _record(delivery, timed_out, url, "timeout")
    return RealtimeDecision("timeout")


def _record(delivery: Delivery, result: transport.Result, url: str, outcome: str) -> None:
    delivery.attempts.append(result.record(len(delivery.attempts) + 1, "automatic", url))
    delivery.automatic_attempts += 1
    delivery.outcome = outcome
    if result.ok:
        delivery.succeed()
    else:
        delivery.fail()


def _settle(book: Book, delivery: Delivery, post: asyncio.Task[transport.Result], url: str, outcome: str) -> None:
    """Record the POST of a decision made through the API, now or when it finishes.

    The decision reached the emulator, so the request event counts as delivered at once
    (``pending_webhooks`` 0, the delivery ``succeeded``) whatever the POST answers later: the
    event is then the same when the request is replayed after a restart (a choice)."""
    delivery.outcome = outcome
    delivery.succeed()
    if post.done():
        _record(delivery, post.result(), url, outcome)
        return
    book.keep(post)

    def done(task: asyncio.Task[transport.Result]) -> None:
        if not task.cancelled():
            _record(delivery, task.result(), url, outcome)

    post.add_done_callback(done)


def interpret(result: transport.Result, controllable: bool, cashback: int = 0) -> RealtimeDecision:
    """The decision an endpoint's direct answer carries (``error`` when it carries none);
    ``cashback``: the request's ``cashback_amount``, which an approved ``amount`` must cover."""

    def error(message: str) -> RealtimeDecision:
        return RealtimeDecision("error", reason_message=message)

    if result.status is None:
        return error(UNREACHABLE.format(detail=result.error or "no response"))
    if result.status != 200:
        return error(BAD_STATUS.format(status=result.status))
    version = result.headers.get("stripe-version", "").strip()
    if not versions.is_known(version):  # a released API version (emulator/spec/api-versions.json)
        return error(INVALID_VERSION.format(version=version))
    content_type = result.headers.get("content-type", "").strip()
    if content_type and content_type.split(";", 1)[0].strip().lower() != "application/json":
        return error(NOT_JSON_TYPE.format(content_type=content_type[:100]))
    try:
        answer: Any = json.loads(result.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return error(NOT_JSON)
    if not isinstance(answer, dict):
        return error(NOT_JSON)
    if "approved" not in answer:
        return error(APPROVED_MISSING)
    approved = answer["approved"]
    if not isinstance(approved, bool):
        return error(APPROVED_NOT_BOOLEAN)
    amount: int | None = None
    if controllable and answer.get("amount") is not None:
        raw = answer["amount"]
        if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
            return error(AMOUNT_INVALID)
        if approved and raw < cashback:
            return error(BELOW_CASHBACK.format(amount=raw, cashback=cashback))
        amount = raw
    challenges = answer.get("send_fraud_challenges")
    if challenges is not None and (
        not isinstance(challenges, list) or not all(c in FRAUD_CHALLENGE_CHANNELS for c in challenges)
    ):
        return error(FRAUD_CHALLENGES_INVALID)
    metadata: dict[str, str] | None = None
    if answer.get("metadata") is not None:
        raw_meta = answer["metadata"]
        if not isinstance(raw_meta, dict) or not all(_is_scalar(v) for v in raw_meta.values()):
            return error(METADATA_INVALID)
        metadata = {str(k): _metadata_text(v) for k, v in raw_meta.items()}
        try:
            check_metadata(metadata)
        except StripeError as exc:
            return error(METADATA_REJECTED.format(detail=exc.message))
    if approved:
        return RealtimeDecision("approved", amount, metadata)
    return RealtimeDecision("declined", None, metadata, fraud_challenge=bool(challenges))


def _is_scalar(value: object) -> bool:
    """A JSON string, number or boolean (not null, an object, a list, or Python's NaN/Infinity)."""
    return isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value))


def _metadata_text(value: str | int | float) -> str:
    """A metadata value of a direct answer as Stripe keeps it: a string (``98245`` -> ``"98245"``,
    ``false`` -> ``"false"``); JSON has no other scalar a string can stand for."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


def resolve_via_api(
    ctx: Ctx, authorization_id: str, approved: bool, amount: int | None, metadata: dict[str, str] | None
) -> bool:
    """Record an ``/approve`` or ``/decline`` call made while :func:`decide` waits on the
    authorization; False when nothing waits (outside the window), and the call is then refused."""
    book = ctx.platform.extra.get(EXTRA_KEY)
    if not isinstance(book, Book):
        return False
    waiter = book.open_waiter(authorization_id, ctx.scope.account_id)
    if waiter is None:
        return False
    kept_amount = amount if (approved and waiter.controllable) else None
    waiter.future.set_result(RealtimeDecision("approved" if approved else "declined", kept_amount, metadata))
    return True
