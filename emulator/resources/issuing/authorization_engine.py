"""The authorization engine: how Stripe decides an Issuing authorization request (or increment).

Stripe's own checks run first, in this order; the first that fails declines the request with
that ``request_history[].reason``, without asking your real-time endpoint:

1. the card: ``card_canceled``, ``card_inactive``, ``card_expired``;
2. the cardholder: ``cardholder_blocked``, ``cardholder_inactive``,
   ``cardholder_verification_required`` (past-due requirements);
3. the account: ``account_disabled`` (rejected, or ``card_issuing`` not active);
4. the request itself (new authorizations only): ``verification_failed`` (CVC or expiry
   mismatch, failed 3D Secure) and ``suspected_fraud`` (``risk_assessment.fraud_risk.level``
   ``highest``; this opens an SMS fraud challenge when the cardholder has a phone number). Once
   the cardholder confirmed such a challenge, retries on the same card at the same merchant
   within :data:`FRAUD_VERIFIED_FOR` seconds bypass the fraud check and are marked
   ``verified_by_fraud_challenge: true``;
5. ``spending_controls`` of the card (its ``replacement_for`` chain shares interval limits) and
   of the cardholder (all their cards): categories, merchant countries, card presence,
   per-authorization limits and interval limits summed over what the authorizations of the
   window hold or captured (including requests still waiting for a decision);
6. the financial account behind the card: ``insufficient_funds`` when its ``cash`` cannot cover
   the request, then ``not_allowed`` when it is closed, its ``outbound_flows`` are restricted
   or its ``card_issuing`` feature is not active. Cards without a financial account draw on the
   account's Issuing balance: ``insufficient_funds`` when ``issuing.available`` minus what
   requests awaiting a decision reserve cannot cover the request.

Atomicity: the checks and the hold happen without an ``await``, so concurrent requests on one
card or financial account can never overspend. Only then is the real-time webhook awaited
(:func:`emulator.webhooks.realtime.decide`); the outcome keeps or releases the hold:
``no_endpoint`` approves with reason ``card_active``; the endpoint's answer gives
``webhook_approved``/``webhook_declined``; ``timeout`` approves or declines by the platform's
``rta_timeout_approves`` setting (reason ``webhook_timeout``); ``error`` declines with
``webhook_error`` and its ``reason_message``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION, CARD, CARDHOLDER
from emulator.core.store import Obj
from emulator.resources.connect import accounts
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import cardholders, issuing_balance, spending_controls
from emulator.resources.issuing.authorization_objects import convert
from emulator.webhooks import realtime

log = logging.getLogger("emulator.issuing")

INDEX_KEY = "issuing_authorizations"  # meta of a card / cardholder: ids of its authorizations
FRAUD_VERIFIED_KEY = "fraud_verified"  # meta of a card: merchant key -> when a challenge was confirmed
FRAUD_VERIFIED_FOR = 24 * 3600
ENGINE_ERROR = "The real-time authorization could not be completed ({detail})."


@dataclass(frozen=True)
class Request:
    """One request on an authorization: the first one, or an increment."""

    amount: int  # in the authorization's (card's) currency
    merchant_amount: int
    merchant_currency: str
    amount_details: Obj | None
    is_amount_controllable: bool
    increment: bool = False
    network_risk_score: int | None = None


@dataclass(frozen=True)
class Outcome:
    approved: bool
    reason: str
    amount: int  # approved amount (the requested one when declined)
    reason_message: str | None = None
    metadata: dict[str, str] | None = None


# --- Stripe's own checks --------------------------------------------------------------------------


def card_reason(ctx: Ctx, card: Obj) -> str | None:
    if card["status"] == "canceled":
        return "card_canceled"
    if card["status"] != "active":
        return "card_inactive"
    today = dt.datetime.fromtimestamp(ctx.now, tz=dt.UTC)
    if (int(card["exp_year"]), int(card["exp_month"])) < (today.year, today.month):
        return "card_expired"
    return None


def cardholder_reason(ctx: Ctx, card: Obj) -> str | None:
    holder = ctx.scope.get(CARDHOLDER, card["cardholder"]) if card.get("cardholder") else None
    if holder is None:
        return "cardholder_inactive"
    if holder["status"] == "blocked":
        return "cardholder_blocked"
    if holder["status"] != "active":
        return "cardholder_inactive"
    if cardholders.cardholder_blockers(ctx, holder):
        return "cardholder_verification_required"
    return None


def account_reason(ctx: Ctx) -> str | None:
    account_id = ctx.scope.account_id
    if accounts.is_rejected(ctx, account_id) or not accounts.is_capability_active(ctx, account_id, "card_issuing"):
        return "account_disabled"
    return None


def merchant_key(auth: Obj) -> str:
    merchant = auth["merchant_data"]
    return f"{merchant.get('network_id')}|{merchant.get('name')}"


def remember_fraud_verified(ctx: Ctx, auth: Obj) -> None:
    """The cardholder confirmed a fraud challenge of ``auth``: retries at its merchant may pass."""
    ctx.scope.meta_of(auth["card"]).setdefault(FRAUD_VERIFIED_KEY, {})[merchant_key(auth)] = ctx.now


def _fraud_verified(ctx: Ctx, auth: Obj) -> bool:
    confirmed = ctx.scope.meta_of(auth["card"]).get(FRAUD_VERIFIED_KEY, {}).get(merchant_key(auth))
    return confirmed is not None and ctx.now - int(confirmed) <= FRAUD_VERIFIED_FOR


def request_reason(ctx: Ctx, auth: Obj, params: dict[str, Any]) -> str | None:
    checks = auth["verification_data"]
    if checks["cvc_check"] == "mismatch" or checks["expiry_check"] == "mismatch":
        return "verification_failed"
    if (checks.get("three_d_secure") or {}).get("result") == "failed":
        return "verification_failed"
    fraud = ((params.get("risk_assessment") or {}).get("fraud_risk") or {}).get("level")
    if fraud == "highest":
        if not _fraud_verified(ctx, auth):
            return "suspected_fraud"
        auth["verified_by_fraud_challenge"] = True
    return None


def _card_chain(ctx: Ctx, card: Obj) -> list[str]:
    """The card and the cards it replaced (they share interval spending limits)."""
    chain = [card["id"]]
    current = card
    while current.get("replacement_for") and current["replacement_for"] not in chain:
        chain.append(current["replacement_for"])
        previous = ctx.scope.get(CARD, current["replacement_for"])
        if previous is None:
            break
        current = previous
    return chain


def _spent(ctx: Ctx, owners: list[str], exclude: str) -> Callable[[str, list[str] | None], int]:
    def spent_in_window(interval: str, categories: list[str] | None) -> int:
        start = spending_controls.window_start(interval, ctx.now)
        store = ctx.scope.store(AUTHORIZATION)
        total = 0
        for owner in owners:
            for auth_id in ctx.scope.meta_of(owner).get(INDEX_KEY, ()):
                if auth_id == exclude:
                    continue
                other = store.get(auth_id)
                if other is None or other["created"] < start:
                    continue
                if categories and other["merchant_data"]["category"] not in categories:
                    continue
                total += money.committed(ctx, auth_id)
        return total

    return spent_in_window


def _controls_allow(
    ctx: Ctx, controls: Obj | None, auth: Obj, amount: int, owners: list[str], fallback_currency: str
) -> bool:
    if not controls:
        return True
    limit_currency = controls.get("spending_limits_currency") or fallback_currency
    spent = _spent(ctx, owners, auth["id"])
    if limit_currency != auth["currency"]:
        inner = spent

        def spent(interval: str, categories: list[str] | None) -> int:
            return convert(inner(interval, categories), auth["currency"], limit_currency)

        amount = convert(amount, auth["currency"], limit_currency)
    merchant = auth["merchant_data"]
    return spending_controls.check_authorization(
        controls, amount, merchant["category"], merchant.get("country"), auth.get("card_presence"), spent
    )


def spending_reason(ctx: Ctx, card: Obj, auth: Obj, request: Request) -> str | None:
    # An increment is judged on the whole authorization: what it already commits plus the increment.
    amount = request.amount + (money.committed(ctx, auth["id"]) if request.increment else 0)
    if not _controls_allow(ctx, card.get("spending_controls"), auth, amount, _card_chain(ctx, card), card["currency"]):
        return "spending_controls"
    holder = ctx.scope.get(CARDHOLDER, card["cardholder"]) if card.get("cardholder") else None
    if holder is not None and not _controls_allow(
        ctx, holder.get("spending_controls"), auth, amount, [holder["id"]], card["currency"]
    ):
        return "spending_controls"
    return None


def funds_reason(ctx: Ctx, card: Obj, currency: str, amount: int) -> str | None:
    if not card.get("financial_account"):
        return "insufficient_funds" if issuing_balance.spendable(ctx, currency) < amount else None
    fa = money.financial_account(ctx, card)
    if fa is None:
        return "not_allowed"
    if fa["balance"]["cash"].get(currency, 0) < amount:
        return "insufficient_funds"
    if (
        fa["status"] != "open"
        or (fa.get("platform_restrictions") or {}).get("outbound_flows") == "restricted"
        or "card_issuing" not in fa.get("active_features", [])
    ):
        return "not_allowed"
    return None


def decline_reason(ctx: Ctx, card: Obj, auth: Obj, request: Request, params: dict[str, Any]) -> str | None:
    """The first of Stripe's own checks that declines the request (module docstring), or None."""
    reason = card_reason(ctx, card) or cardholder_reason(ctx, card) or account_reason(ctx)
    if reason is None and not request.increment:
        reason = request_reason(ctx, auth, params)
    return (
        reason or spending_reason(ctx, card, auth, request) or funds_reason(ctx, card, auth["currency"], request.amount)
    )


# --- the request and its outcome ------------------------------------------------------------------


def index(ctx: Ctx, auth: Obj, card: Obj) -> None:
    """Remember the authorization under its card and cardholder (for spending windows)."""
    ctx.scope.meta_of(card["id"]).setdefault(INDEX_KEY, []).append(auth["id"])
    if card.get("cardholder"):
        ctx.scope.meta_of(card["cardholder"]).setdefault(INDEX_KEY, []).append(auth["id"])


def pending_request(request: Request) -> Obj:
    return {
        "amount": request.amount,
        "amount_details": request.amount_details,
        "currency": None,  # filled in by open_request
        "is_amount_controllable": request.is_amount_controllable,
        "merchant_amount": request.merchant_amount,
        "merchant_currency": request.merchant_currency,
        "network_risk_score": request.network_risk_score,
    }


def _merchant_amount(request: Request, approved_amount: int) -> int:
    if approved_amount == request.amount:
        return request.merchant_amount
    if request.amount == 0:
        return 0
    return round(request.merchant_amount * approved_amount / request.amount)


def _record(ctx: Ctx, auth: Obj, request: Request, outcome: Outcome) -> None:
    auth["pending_request"] = None
    requested_at = ctx.scope.meta_of(auth["id"]).pop("requested_at", ctx.now)
    auth["request_history"].append(
        {
            "amount": request.amount,
            "amount_details": request.amount_details,
            "approved": outcome.approved,
            "authorization_code": f"S{ctx.state.ids.digits(6)}" if outcome.approved else None,
            "created": ctx.current_time(),
            "currency": auth["currency"],
            "merchant_amount": request.merchant_amount,
            "merchant_currency": request.merchant_currency,
            "network_risk_score": request.network_risk_score,
            "reason": outcome.reason,
            "reason_message": outcome.reason_message,
            "requested_at": requested_at,
        }
    )
    if outcome.metadata:
        auth["metadata"] = {**auth["metadata"], **outcome.metadata}


def _apply(ctx: Ctx, auth: Obj, request: Request, outcome: Outcome, *, held: bool = True) -> None:
    """Keep or release the hold (``held``: one was placed for the request) and set the amounts."""
    if outcome.approved:
        money.release(ctx, auth, request.amount - outcome.amount)
        if request.increment:
            auth["amount"] += outcome.amount
            auth["merchant_amount"] += _merchant_amount(request, outcome.amount)
        else:
            auth["amount"] = outcome.amount
            auth["merchant_amount"] = _merchant_amount(request, outcome.amount)
            auth["approved"] = True
    else:
        if held:
            money.release(ctx, auth, request.amount)
        if not request.increment:
            auth["amount"] = request.amount
            auth["merchant_amount"] = request.merchant_amount
            auth["approved"] = False
            auth["status"] = "closed"
            money.close(ctx, auth)
    money.sync_amount(ctx, auth, auth["amount"])
    money.book(ctx, auth)
    _record(ctx, auth, request, outcome)


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
        return Outcome(False, "webhook_declined", request.amount, metadata=decision.metadata)
    if kind == "timeout":
        return Outcome(bool(ctx.platform.settings.rta_timeout_approves), "webhook_timeout", request.amount)
    return Outcome(False, "webhook_error", request.amount, reason_message=decision.reason_message)


async def _ask(ctx: Ctx, auth: Obj) -> realtime.RealtimeDecision:
    try:
        return await realtime.decide(ctx, auth)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a failing endpoint machinery must not leave a hold behind
        log.exception("real-time decision failed for %s", auth["id"])
        return realtime.RealtimeDecision("error", reason_message=ENGINE_ERROR.format(detail=type(exc).__name__))


async def run(ctx: Ctx, card: Obj, auth: Obj, request: Request, params: dict[str, Any]) -> Outcome:
    """Decide one request on ``auth`` (already stored) and apply the outcome; see the module docstring."""
    reason = decline_reason(ctx, card, auth, request, params)
    if reason is not None:
        outcome = Outcome(False, reason, request.amount)
        _apply(ctx, auth, request, outcome, held=False)
        return outcome
    auth["pending_request"] = {**pending_request(request), "currency": auth["currency"]}
    ctx.scope.meta_of(auth["id"])["requested_at"] = ctx.now
    money.hold(ctx, auth, request.amount, book=False)  # written to the Issuing balance once decided
    if not request.increment:
        money.sync_amount(ctx, auth, request.amount)
    try:
        decision = await _ask(ctx, auth)
    except asyncio.CancelledError:
        _apply(ctx, auth, request, Outcome(False, "webhook_timeout", request.amount))
        raise
    outcome = _outcome(ctx, request, decision)
    _apply(ctx, auth, request, outcome)
    return outcome
