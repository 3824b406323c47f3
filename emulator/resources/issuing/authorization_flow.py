"""The authorization flow: how one request on an Issuing authorization is decided, stage by stage.

A request, a new purchase (:func:`authorize`) or an increment of a pending authorization
(:func:`increment`), goes through these stages in this order, each entered once:

1. **request** (:mod:`authorization_request`): the amounts parsed and converted to the card's
   currency; a new authorization is built, its book opened (its money on the card's financial
   account or on the Issuing balance, chosen here once), stored and indexed under its card and
   cardholder (so that the spending windows of concurrent requests count it);
2. **checks** (:mod:`authorization_checks`): Stripe's own checks in Stripe's order (card,
   cardholder, account, verification and fraud, spending controls, funds); the first that fails
   is the outcome (declined with its reason) and nothing is held or asked;
3. **decision**: the requested amount is held (on the Issuing balance only reserved until
   decided), ``pending_request`` shown, and the real-time endpoint asked
   (:func:`emulator.webhooks.realtime.decide`): ``no_endpoint`` approves with reason
   ``card_active``; the endpoint's answer gives ``webhook_approved``/``webhook_declined`` (an
   approval may lower the amount when ``is_amount_controllable``); ``timeout`` approves or declines
   by the platform's ``rta_timeout_approves`` setting (reason ``webhook_timeout``); ``error``
   declines with ``webhook_error`` and its ``reason_message``. A fuel dispenser's status check is
   held (and approved in full) at Stripe's default hold, not at the 1 USD asked
   (:mod:`authorization_request`);
4. **money** (:mod:`authorization_money`): the outcome applied to the hold through the
   authorization's :class:`~authorization_money.Funds`: the part not approved released, a
   declined new authorization closed, the hold booked;
5. **record**: the authorized amounts, ``approved`` and ``status``, ``request_history``, the
   endpoint's metadata, a fraud challenge after ``suspected_fraud`` or a decline that asked for
   one (``send_fraud_challenges``), the event
   (``issuing_authorization.created``/``.updated``) and the new authorization's expiry on the
   platform's agenda (:mod:`authorization_lifecycle`).

Atomicity: stages 1 to 3 up to the hold run without an ``await``, so concurrent requests on one
card or financial account can never overspend; only then is the real-time endpoint awaited. A
request cancelled while it waits is declined as ``webhook_timeout`` (stages 4 and 5) before the
cancellation goes on.

Dependencies point one way: this module -> request, checks, money (-> the ledgers), lifecycle;
none of them imports this one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, NamedTuple

from emulator.core.context import Ctx
from emulator.core.objects import CARDHOLDER
from emulator.core.store import Obj
from emulator.resources.issuing import authorization_checks as checks
from emulator.resources.issuing import authorization_lifecycle as lifecycle
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import authorization_spend as spend
from emulator.resources.issuing import payment_count
from emulator.resources.issuing.authorization_books import book_of, holder_book_of
from emulator.resources.issuing.authorization_request import (
    Request,
    first_request,
    increment_request,
    pending_authorization,
    pending_request,
)
from emulator.webhooks import realtime

log = logging.getLogger("emulator.issuing")

ENGINE_ERROR = "The real-time authorization could not be completed ({detail})."


class Outcome(NamedTuple):  # a tuple: made on every authorization, and cheaper than a frozen dataclass
    approved: bool
    reason: str
    amount: int  # approved amount (the requested one when declined)
    reason_message: str | None = None
    metadata: dict[str, str] | None = None
    fraud_challenge: bool = False  # a decline that asked for an SMS fraud challenge


async def authorize(ctx: Ctx, card: Obj, params: dict[str, Any]) -> Obj:
    """A new purchase on ``card``: a new authorization, decided (module docstring)."""
    request = first_request(card, params)  # 1. request
    auth = pending_authorization(ctx, card, money.financial_account(ctx, card), params, request)
    ctx.scope.add(auth)
    _index(ctx, auth, card)
    outcome = await _decide(ctx, card, auth, request, params)  # 2. to 5.
    if outcome.reason == "suspected_fraud" or outcome.fraud_challenge:  # 5. record: what only a new authorization has
        auth["fraud_challenges"] = _fraud_challenges(ctx, card)
    if auth["approved"]:
        payment_count.approved(ctx, card, auth)  # before the event: it shows the card as it is now
    ctx.emit("issuing_authorization.created", auth, answer=True)
    if auth["status"] == "pending":
        lifecycle.schedule_expiry(ctx, auth)
    return auth


async def increment(ctx: Ctx, auth: Obj, card: Obj, params: dict[str, Any]) -> Obj:
    """``increment_amount`` more asked on the pending ``auth``, decided like a new request."""
    request = increment_request(auth, params)  # 1. request
    before = ctx.snapshot(auth)
    await _decide(ctx, card, auth, request, params)  # 2. to 5.
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


async def _decide(ctx: Ctx, card: Obj, auth: Obj, request: Request, params: dict[str, Any]) -> Outcome:
    """Stages 2 to 5 of one request on the stored ``auth``."""
    funds = money.of_authorization(ctx, auth)
    reason = checks.decline_reason(ctx, card, auth, request, params)  # 2. checks
    if reason is not None:
        outcome = Outcome(False, reason, request.amount)
        _record(ctx, auth, request, outcome, _money(funds, auth, request, outcome, held=False))
        return outcome
    try:
        outcome = await _ask(ctx, funds, auth, request)  # 3. decision
    except asyncio.CancelledError:
        outcome = Outcome(False, "webhook_timeout", request.amount)
        _record(ctx, auth, request, outcome, _money(funds, auth, request, outcome, held=True))
        raise
    _record(ctx, auth, request, outcome, _money(funds, auth, request, outcome, held=True))  # 4., 5.
    return outcome


# --- 1. request: the index of a card's and cardholder's authorizations --------------------------------


def _index(ctx: Ctx, auth: Obj, card: Obj) -> None:
    """Remember the authorization under its card and cardholder (for spending windows)."""
    for owner in (card["id"], card.get("cardholder")):
        if owner:
            spend.start_tally(ctx.scope, owner)
            holder_book_of(ctx.scope, owner).setdefault("issuing_authorizations", []).append(auth["id"])


# --- 3. decision ----------------------------------------------------------------------------------


async def _ask(ctx: Ctx, funds: money.Funds, auth: Obj, request: Request) -> Outcome:
    """Hold the requested amount, then ask the real-time endpoint (the hold is settled by the caller)."""
    auth["pending_request"] = pending_request(auth, request)
    book_of(ctx.scope, auth["id"])["requested_at"] = ctx.now
    funds.hold(auth, request.amount, book=False)  # written to the Issuing balance once decided
    if not request.increment:
        funds.show_amount(auth, request.amount)
    try:
        decision = await realtime.decide(ctx, auth)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a failing endpoint machinery must not leave a hold behind
        log.exception("real-time decision failed for %s", auth["id"])
        decision = realtime.RealtimeDecision("error", reason_message=ENGINE_ERROR.format(detail=type(exc).__name__))
    return _outcome(ctx, request, decision)


def _outcome(ctx: Ctx, request: Request, decision: realtime.RealtimeDecision) -> Outcome:
    kind = decision.outcome
    if kind == "no_endpoint":
        return Outcome(True, "card_active", request.amount)
    if kind == "approved":
        amount = request.amount
        if request.is_amount_controllable and decision.amount is not None:
            amount = max(0, min(decision.amount, request.amount))
        return Outcome(True, "webhook_approved", amount, metadata=decision.metadata)
    if kind == "declined":
        return Outcome(
            False,
            "webhook_declined",
            request.amount,
            metadata=decision.metadata,
            fraud_challenge=decision.fraud_challenge,
        )
    if kind == "timeout":
        return Outcome(bool(ctx.platform.settings.rta_timeout_approves), "webhook_timeout", request.amount)
    return Outcome(False, "webhook_error", request.amount, reason_message=decision.reason_message)


# --- 4. money ------------------------------------------------------------------------------------------


def _money(funds: money.Funds, auth: Obj, request: Request, outcome: Outcome, *, held: bool) -> int:
    """Apply the outcome to the hold (``held``: one was placed for the request); returns the
    authorization's authorized amount from now on."""
    if outcome.approved:
        authorized: int = auth["amount"] + outcome.amount if request.increment else outcome.amount
        funds.release(auth, request.amount - outcome.amount)
    else:
        authorized = auth["amount"] if request.increment else request.amount
        if held:
            funds.release(auth, request.amount)
        if not request.increment:
            funds.close(auth)
    funds.show_amount(auth, authorized)
    funds.decided(auth)
    return authorized


# --- 5. record ----------------------------------------------------------------------------------------


def _merchant_amount(request: Request, approved_amount: int) -> int:
    if approved_amount == request.amount:
        return request.merchant_amount
    if request.amount == 0:
        return 0
    return round(request.merchant_amount * approved_amount / request.amount)


def _record(ctx: Ctx, auth: Obj, request: Request, outcome: Outcome, authorized: int) -> None:
    if not request.increment:
        auth["approved"] = outcome.approved
        auth["merchant_amount"] = (
            _merchant_amount(request, outcome.amount) if outcome.approved else request.merchant_amount
        )
        if not outcome.approved:
            auth["status"] = "closed"
    elif outcome.approved:
        auth["merchant_amount"] += _merchant_amount(request, outcome.amount)
    auth["amount"] = authorized
    auth["pending_request"] = None
    requested_at = book_of(ctx.scope, auth["id"]).pop("requested_at", ctx.now)
    asked, merchant_asked = request.asked
    auth["request_history"].append(
        {
            "amount": asked,
            "amount_details": request.amount_details,
            "approved": outcome.approved,
            "authorization_code": f"S{ctx.state.ids.digits(6)}" if outcome.approved else None,
            "created": ctx.current_time(),
            "currency": auth["currency"],
            "merchant_amount": merchant_asked,
            "merchant_currency": request.merchant_currency,
            "network_risk_score": request.network_risk_score,
            "reason": outcome.reason,
            "reason_message": outcome.reason_message,
            "requested_at": requested_at,
        }
    )
    if outcome.metadata:
        auth["metadata"] = {**auth["metadata"], **outcome.metadata}


def _fraud_challenges(ctx: Ctx, card: Obj) -> list[Obj]:
    holder = ctx.scope.get(CARDHOLDER, card["cardholder"]) if card.get("cardholder") else None
    if holder is not None and holder.get("phone_number"):
        return [{"channel": "sms", "status": "pending", "undeliverable_reason": None}]
    return [{"channel": "sms", "status": "undeliverable", "undeliverable_reason": "no_phone_number"}]
