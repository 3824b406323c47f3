"""Stage 2 of the authorization flow: Stripe's own checks of a request, in Stripe's order.

The first that fails declines the request with that ``request_history[].reason``, without asking
the real-time endpoint:

1. the card: ``card_canceled``, ``card_inactive``, ``card_expired``;
2. the cardholder: ``cardholder_blocked``, ``cardholder_inactive``,
   ``cardholder_verification_required`` (past-due requirements);
3. the account: ``account_disabled`` (rejected, or ``card_issuing`` not active);
4. the request itself (new authorizations only): ``verification_failed`` (CVC or expiry
   mismatch, failed 3D Secure) and ``suspected_fraud`` (``risk_assessment.fraud_risk.level``
   ``highest``; the flow then opens an SMS fraud challenge). Once the cardholder confirmed a
   challenge (Stripe's, or one a real-time decline asked for), retries on the same card at the
   same merchant within :data:`FRAUD_VERIFIED_FOR` seconds bypass the fraud check and are marked
   ``verified_by_fraud_challenge: true`` (the real-time endpoint then sees the mark);
5. ``spending_controls``: Stripe's fixed 10,000 of the card's currency per authorization (the platform setting
   ``default_spending_limits``), then the card's controls (its ``replacement_for`` chain shares interval limits) and
   of the cardholder (all their cards): categories, merchant countries, card presence,
   per-authorization limits and interval limits summed over what the authorizations of the
   window hold or captured (including requests still waiting for a decision);
6. the card's funds (:meth:`authorization_money.Funds.shortfall`): on a financial account
   ``insufficient_funds`` when its ``cash`` cannot cover the request, then ``not_allowed`` when it
   is closed, its ``outbound_flows`` are restricted or its ``card_issuing`` feature is not active;
   on the Issuing balance ``insufficient_funds`` when ``issuing.available`` minus what requests
   awaiting a decision reserve cannot cover the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import CARD, CARDHOLDER
from emulator.core.store import Obj
from emulator.resources.connect import accounts
from emulator.resources.currencies import convert, minor
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import authorization_spend as spend
from emulator.resources.issuing import cardholders, payment_count, spending_controls
from emulator.resources.issuing.authorization_books import committed, holder_book_of
from emulator.resources.issuing.authorization_request import Request

FRAUD_VERIFIED_FOR = 24 * 3600
# Stripe's fixed limit per authorization (default_spending_limits): 10,000 of the card's currency
AUTHORIZATION_CAP_UNITS = 10_000


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
    if accounts.is_rejected(ctx.platform, account_id) or not accounts.is_capability_active(
        ctx, account_id, "card_issuing"
    ):
        return "account_disabled"
    return None


# --- the request itself: verification and fraud -----------------------------------------------------


def merchant_key(auth: Obj) -> str:
    merchant = auth["merchant_data"]
    return f"{merchant.get('network_id')}|{merchant.get('name')}"


def remember_fraud_verified(ctx: Ctx, auth: Obj) -> None:
    """The cardholder confirmed a fraud challenge of ``auth``: retries at its merchant may pass."""
    holder_book_of(ctx.scope, auth["card"]).setdefault("fraud_verified", {})[merchant_key(auth)] = ctx.now


def _fraud_verified(ctx: Ctx, auth: Obj) -> bool:
    confirmed = holder_book_of(ctx.scope, auth["card"]).get("fraud_verified", {}).get(merchant_key(auth))
    return confirmed is not None and ctx.now - confirmed <= FRAUD_VERIFIED_FOR


def request_reason(ctx: Ctx, auth: Obj, params: dict[str, Any]) -> str | None:
    checks = auth["verification_data"]
    if checks["cvc_check"] == "mismatch" or checks["expiry_check"] == "mismatch":
        return "verification_failed"
    if (checks.get("three_d_secure") or {}).get("result") == "failed":
        return "verification_failed"
    if _fraud_verified(ctx, auth):
        auth["verified_by_fraud_challenge"] = True
        return None
    fraud = ((params.get("risk_assessment") or {}).get("fraud_risk") or {}).get("level")
    return "suspected_fraud" if fraud == "highest" else None


# --- spending controls ----------------------------------------------------------------------------


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


def _spent(ctx: Ctx, owners: list[str], auth: Obj) -> Callable[[str, list[str] | None], int]:
    # The windows are the authorization's own (those of its ``created``): what it commits is booked
    # there, increments made on a later day included, so an increment is judged where it is booked
    # (for a new authorization they are the current ones).
    at = auth["created"]

    def spent_in_window(interval: str, categories: list[str] | None) -> int:
        total = spend.spent(ctx.scope, owners, interval, at, categories)
        # the request's own authorization (an increment) is judged on its whole amount, not counted here
        if spend.counted(auth, interval, at, categories):
            total -= committed(ctx.scope, auth["id"])
        return total

    return spent_in_window


def _controls_allow(
    ctx: Ctx, controls: Obj | None, auth: Obj, amount: int, owners: list[str], fallback_currency: str
) -> bool:
    if not controls:
        return True
    limit_currency = controls.get("spending_limits_currency") or fallback_currency
    spent = _spent(ctx, owners, auth)
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
    amount = request.amount + (committed(ctx.scope, auth["id"]) if request.increment else 0)
    cap = minor(AUTHORIZATION_CAP_UNITS, auth["currency"])
    if ctx.platform.settings.default_spending_limits and amount > cap:
        return "spending_controls"
    if not _controls_allow(ctx, card.get("spending_controls"), auth, amount, _card_chain(ctx, card), card["currency"]):
        return "spending_controls"
    holder = ctx.scope.get(CARDHOLDER, card["cardholder"]) if card.get("cardholder") else None
    if holder is not None and not _controls_allow(
        ctx, holder.get("spending_controls"), auth, amount, [holder["id"]], card["currency"]
    ):
        return "spending_controls"
    return None


# --- all of them, in order ----------------------------------------------------------------------------


def decline_reason(ctx: Ctx, card: Obj, auth: Obj, request: Request, params: dict[str, Any]) -> str | None:
    """The first of Stripe's own checks that declines the request (module docstring), or None."""
    reason = card_reason(ctx, card) or cardholder_reason(ctx, card) or account_reason(ctx)
    if reason is None and not request.increment:
        reason = request_reason(ctx, auth, params)
    if reason is None and not request.increment and payment_count.small_ones_exhausted(ctx, card, request.amount):
        reason = "spending_controls"
    return (
        reason
        or spending_reason(ctx, card, auth, request)
        or (money.of_authorization(ctx, auth) if request.increment else money.of_card(ctx, card)).shortfall(
            auth["currency"], request.amount
        )
    )
