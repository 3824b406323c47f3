"""Test helpers that simulate card-network traffic on Issuing authorizations.

``POST /v1/test_helpers/issuing/authorizations`` (and the legacy
``POST /v1/issuing/cards/{card}/test/authorizations`` that ``stripe trigger
issuing_authorization.request`` still calls, with ``held_amount``/``held_currency``) create a
purchase attempt that the engine decides (:mod:`authorization_engine`). ``amount`` is in
``currency`` (default: the card's); a currency other than the card's is the purchase's merchant
currency, converted to the card's currency for the hold (``merchant_amount`` and
``merchant_currency`` may be given instead). Then, on a pending, approved authorization:

* ``/capture``: ``capture_amount`` (default: what is still authorized and not captured; more is
  an over-capture), ``close_authorization`` (default true; false keeps it pending for further
  captures). Each capture is an ``issuing.transaction`` of type ``capture`` (negative amount).
* ``/increment``: asks for ``increment_amount`` more; decided like a new request (and may be
  declined, leaving the amount unchanged).
* ``/reverse``: gives back ``reverse_amount`` (default: all still held); the authorized amount
  shrinks by it. Nothing left held: ``reversed`` (or ``closed`` when part was captured).
* ``/expire``: releases what is held; ``expired`` (rendered ``reversed`` before API 2025-03-31).
  Stripe does the same by itself to an authorization still pending :data:`EXPIRY` seconds after
  it was created (:data:`LONG_EXPIRY` at hotels and car rentals): each new pending authorization
  puts its expiry on the platform's agenda (:mod:`emulator.core.agenda`), and it happens when the
  platform's time passes it (``/_emulator/clock``).
* ``/finalize_amount``: sets the authorized amount to ``final_amount`` (not below what was
  captured), adjusting the hold, and records ``fleet``/``fuel`` data.
* ``/fraud_challenges/respond``: answers the pending SMS fraud challenge of an authorization
  declined as ``suspected_fraud``: ``confirmed`` true verifies it, false rejects it. The
  challenged authorization stays declined (``verified_by_fraud_challenge: false``); after a
  confirmation, a retry on the card at the same merchant within 24 hours passes the fraud check
  (``verified_by_fraud_challenge: true``).

None of these is possible while a request waits for the real-time decision.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION, CARD, CARDHOLDER
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.issuing import authorization_engine as engine
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import authorization_objects as objects
from emulator.resources.issuing import transactions
from emulator.resources.resource import Resource

AMOUNT_REQUIRED = "You must provide either amount or merchant_amount."
HELD_AMOUNT_REQUIRED = "Missing required param: held_amount."
MIN_ZERO = "This value must be greater than or equal to 0."
MIN_ONE = "This value must be greater than or equal to 1."
CURRENCY_CONFLICT = (
    "The currency ({currency}) of a purchase on a {card_currency} card is its merchant currency; it cannot differ "
    "from merchant_currency ({merchant_currency})."
)
NOT_PENDING = "This authorization is {status}; only a pending authorization can be {verb}."
REQUEST_PENDING = (
    "This authorization has a request waiting for your real-time decision; it cannot be {verb} until "
    "the request is decided."
)
NOTHING_TO_CAPTURE = "This authorization has no uncaptured amount left; pass capture_amount to capture more."
REVERSE_TOO_MUCH = "The reverse_amount ({amount}) is greater than the amount still held on this authorization ({held})."
FINAL_BELOW_CAPTURED = "The final_amount ({amount}) cannot be less than the amount already captured ({captured})."
NO_FRAUD_CHALLENGE = "This authorization has no pending fraud challenge to respond to."

DAY = 24 * 3600
EXPIRY = 7 * DAY  # Stripe expires an uncaptured authorization after 7 days ...
LONG_EXPIRY = 31 * DAY  # ... and up to 31 days at merchants that hold funds long (lodging, car rental)
LONG_EXPIRY_CATEGORIES = frozenset({"hotels_motels_and_resorts", "car_rental_agencies"})
EXPIRY_RETRY = 60  # a due expiry waits this long while a request awaits its real-time decision


def _card(ctx: Ctx, card_id: str, param: str) -> Obj:
    card = ctx.scope.get(CARD, card_id)
    if card is None:
        raise errors.no_such(common.noun(CARD), card_id, param=param)
    return card


def _non_negative(value: int, param: str) -> int:
    if value < 0:
        raise StripeError(MIN_ZERO, param=param, code="parameter_invalid_integer")
    return value


def _positive(value: int, param: str) -> int:
    if value < 1:
        raise StripeError(MIN_ONE, param=param, code="parameter_invalid_integer")
    return value


def _currencies(card: Obj, p: dict[str, Any]) -> tuple[str, str]:
    """(currency ``amount`` is in, merchant currency). ``currency`` other than the card's is the
    purchase's currency (a foreign purchase): it is the merchant currency, and ``amount`` is in it."""
    currency = card["currency"]
    merchant = (
        objects.merchant_currency(p["merchant_currency"], "merchant_currency") if p.get("merchant_currency") else None
    )
    if not p.get("currency") or str(p["currency"]).lower() == currency:
        return currency, merchant or currency
    asked = objects.merchant_currency(p["currency"], "currency")
    if merchant is not None and merchant != asked:
        raise StripeError(
            CURRENCY_CONFLICT.format(currency=asked, merchant_currency=merchant, card_currency=currency),
            param="currency",
        )
    return asked, asked


def _request(card: Obj, p: dict[str, Any]) -> engine.Request:
    """The first request of a new authorization, from the test-helper parameters."""
    currency = card["currency"]
    amount_currency, merchant_currency = _currencies(card, p)
    given: int | None = p.get("amount")
    given_merchant: int | None = p.get("merchant_amount")
    if given is not None:
        given = _non_negative(given, "amount")
        amount = objects.convert(given, amount_currency, currency)
        if given_merchant is not None:
            merchant_amount = _non_negative(given_merchant, "merchant_amount")
        elif amount_currency == merchant_currency:
            merchant_amount = given
        else:
            merchant_amount = objects.convert(given, amount_currency, merchant_currency)
    elif given_merchant is not None:
        merchant_amount = _non_negative(given_merchant, "merchant_amount")
        amount = objects.convert(merchant_amount, merchant_currency, currency)
    else:
        raise StripeError(AMOUNT_REQUIRED, param="amount", code="parameter_missing")
    details = p.get("amount_details")
    return engine.Request(
        amount=amount,
        merchant_amount=merchant_amount,
        merchant_currency=merchant_currency,
        amount_details=objects.amount_details(details) if details else None,
        is_amount_controllable=bool(p.get("is_amount_controllable", False)),
    )


def new_authorization(ctx: Ctx, card: Obj, p: dict[str, Any], request: engine.Request) -> Obj:
    method = p.get("authorization_method") or "online"
    fa = money.financial_account(ctx, card)
    auth: Obj = {
        "id": ctx.new_id("iauth"),
        "object": AUTHORIZATION,
        "amount": 0,
        "amount_details": objects.amount_details(p.get("amount_details")),
        "approved": False,
        "authorization_method": method,
        "balance_transactions": [],
        "card": card["id"],
        "card_presence": objects.card_presence(method),
        "cardholder": card.get("cardholder"),
        "created": ctx.now,
        "currency": card["currency"],
        "fleet": objects.fleet(p.get("fleet")),
        "fraud_challenges": None,
        "fuel": objects.fuel(p.get("fuel")),
        "livemode": False,
        "merchant_amount": 0,
        "merchant_currency": request.merchant_currency,
        "merchant_data": objects.merchant_data(p.get("merchant_data")),
        "metadata": {},
        "network_data": objects.network_data(ctx, p.get("network_data")),
        "pending_request": None,
        "request_history": [],
        "status": "pending",
        "token": None,
        "transactions": [],
        "treasury": {"received_credits": [], "received_debits": [], "transaction": None} if fa else None,
        "verification_data": objects.verification_data(p.get("verification_data")),
        "verified_by_fraud_challenge": None,
        "wallet": p.get("wallet"),
    }
    meta = ctx.scope.meta_of(auth["id"])
    meta.update({"hold": 0, "captured": 0, "fa": fa["id"] if fa else None})
    return auth


def _fraud_challenges(ctx: Ctx, card: Obj) -> list[Obj]:
    holder = ctx.scope.get(CARDHOLDER, card["cardholder"]) if card.get("cardholder") else None
    if holder is not None and holder.get("phone_number"):
        return [{"channel": "sms", "status": "pending", "undeliverable_reason": None}]
    return [{"channel": "sms", "status": "undeliverable", "undeliverable_reason": "no_phone_number"}]


async def authorize(ctx: Ctx, card: Obj, p: dict[str, Any]) -> Obj:
    """Create an authorization on ``card`` and have the engine decide it."""
    request = _request(card, p)
    auth = new_authorization(ctx, card, p, request)
    ctx.scope.add(auth)
    engine.index(ctx, auth, card)
    outcome = await engine.run(ctx, card, auth, request, p)
    if outcome.reason == "suspected_fraud":
        auth["fraud_challenges"] = _fraud_challenges(ctx, card)
    ctx.emit("issuing_authorization.created", auth)
    if auth["status"] == "pending":
        ctx.platform.agenda.add(expires_at(auth), expire_due, ctx.scope.account_id, auth["id"])
    return auth


def expires_at(auth: Obj) -> int:
    """When Stripe expires ``auth`` if it is still pending (unix seconds)."""
    category = (auth.get("merchant_data") or {}).get("category")
    return int(auth["created"]) + (LONG_EXPIRY if category in LONG_EXPIRY_CATEGORIES else EXPIRY)


def expire_due(ctx: Ctx, auth_id: str) -> None:
    """Agenda work: Stripe expires the authorization if it is still pending (else nothing happens)."""
    auth = ctx.scope.get(AUTHORIZATION, auth_id)
    if auth is None or auth["status"] != "pending":
        return
    if auth["pending_request"] is not None:
        ctx.platform.agenda.add(ctx.now + EXPIRY_RETRY, expire_due, ctx.scope.account_id, auth_id)
        return
    _expire(ctx, auth)


async def create(ctx: Ctx) -> Obj:
    p = ctx.params
    card = _card(ctx, p["card"], "card")
    return await authorize(ctx, card, p)


async def create_legacy(ctx: Ctx) -> Obj:
    """``POST /v1/issuing/cards/{card}/test/authorizations`` (stripe-cli's trigger)."""
    p = dict(ctx.params)
    card = _card(ctx, ctx.path["card"], "card")
    if p.get("held_amount") is None and p.get("amount") is None and p.get("merchant_amount") is None:
        raise StripeError(HELD_AMOUNT_REQUIRED, param="held_amount", code="parameter_missing")
    if "held_amount" in p:
        p["amount"] = p.pop("held_amount")
    if "held_currency" in p:
        p["currency"] = p.pop("held_currency")
    return await authorize(ctx, card, p)


# --- lifecycle of a pending authorization -----------------------------------------------------------


def _pending(ctx: Ctx, verb: str) -> Obj:
    auth = common.get(ctx, AUTHORIZATION, ctx.path["authorization"], param="authorization")
    if auth["pending_request"] is not None:
        raise StripeError(REQUEST_PENDING.format(verb=verb))
    if auth["status"] != "pending":
        raise StripeError(NOT_PENDING.format(status=auth["status"], verb=verb))
    return auth


def _merchant_amount(auth: Obj, amount: int) -> int:
    if auth["amount"] and auth["merchant_amount"] and auth["merchant_currency"] != auth["currency"]:
        return round(int(auth["merchant_amount"]) * amount / int(auth["amount"]))
    return objects.convert(amount, auth["currency"], auth["merchant_currency"])


def capture(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "captured")
    p = ctx.params
    card = _card(ctx, auth["card"], "card")
    remaining = auth["amount"] - money.captured(ctx, auth)
    amount = p.get("capture_amount")
    if amount is None:
        if remaining <= 0:
            raise StripeError(NOTHING_TO_CAPTURE, param="capture_amount")
        amount = remaining
    _positive(amount, "capture_amount")
    close = p.get("close_authorization")
    close = True if close is None else close
    details = objects.purchase_details(p.get("purchase_details"))  # may refuse: before anything changes
    before = ctx.snapshot(auth)
    meta = money.meta(ctx, auth)
    if close:
        auth["status"] = "closed"
        money.close(ctx, auth)
    else:
        money.release(ctx, auth, amount)
    meta["captured"] = money.captured(ctx, auth) + amount
    tx = transactions.create_transaction(
        ctx,
        card,
        kind="capture",
        amount=amount,
        merchant_amount=_merchant_amount(auth, amount),
        merchant_currency=auth["merchant_currency"],
        merchant_data=auth["merchant_data"],
        authorization=auth,
        purchase_details=details,
        wallet=auth.get("wallet"),
        amount_details=auth.get("amount_details"),
    )
    auth["transactions"].append(tx["id"])
    if auth.get("treasury") is not None and tx.get("treasury") and tx["treasury"].get("received_debit"):
        auth["treasury"]["received_debits"].append(tx["treasury"]["received_debit"])
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


async def increment(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "incremented")
    p = ctx.params
    card = _card(ctx, auth["card"], "card")
    amount = _positive(p["increment_amount"], "increment_amount")
    before = ctx.snapshot(auth)
    request = engine.Request(
        amount=amount,
        merchant_amount=_merchant_amount(auth, amount),
        merchant_currency=auth["merchant_currency"],
        amount_details=None,
        is_amount_controllable=bool(p.get("is_amount_controllable", False)),
        increment=True,
    )
    await engine.run(ctx, card, auth, request, p)
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


def _finish_if_released(ctx: Ctx, auth: Obj) -> None:
    if money.held(ctx, auth) == 0:
        auth["status"] = "closed" if money.captured(ctx, auth) > 0 else "reversed"
        money.close(ctx, auth)


def reverse(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "reversed")
    held = money.held(ctx, auth)
    amount = ctx.params.get("reverse_amount")
    amount = held if amount is None else _non_negative(amount, "reverse_amount")
    if amount > held:
        raise StripeError(REVERSE_TOO_MUCH.format(amount=amount, held=held), param="reverse_amount")
    before = ctx.snapshot(auth)
    money.release(ctx, auth, amount)
    new_amount = max(auth["amount"] - amount, 0)
    auth["merchant_amount"] = _merchant_amount(auth, new_amount) if auth["amount"] else 0
    auth["amount"] = new_amount
    money.sync_amount(ctx, auth, new_amount)
    _finish_if_released(ctx, auth)
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


def expire(ctx: Ctx) -> Obj:
    return _expire(ctx, _pending(ctx, "expired"))


def _expire(ctx: Ctx, auth: Obj) -> Obj:
    before = ctx.snapshot(auth)
    auth["status"] = "expired"
    money.close(ctx, auth)
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


def finalize_amount(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "finalized")
    p = ctx.params
    final = _non_negative(p["final_amount"], "final_amount")
    done = money.captured(ctx, auth)
    if final < done:
        raise StripeError(FINAL_BELOW_CAPTURED.format(amount=final, captured=done), param="final_amount")
    fleet = objects.fleet(p.get("fleet")) if p.get("fleet") else None
    fuel = objects.fuel(p.get("fuel")) if p.get("fuel") else None
    before = ctx.snapshot(auth)
    target_hold = final - done
    held = money.held(ctx, auth)
    if target_hold > held:
        money.hold(ctx, auth, target_hold - held)
    else:
        money.release(ctx, auth, held - target_hold)
    auth["merchant_amount"] = _merchant_amount(auth, final)
    auth["amount"] = final
    money.sync_amount(ctx, auth, final)
    if fleet is not None:
        auth["fleet"] = fleet
    if fuel is not None:
        auth["fuel"] = fuel
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


def respond_fraud_challenge(ctx: Ctx) -> Obj:
    auth = common.get(ctx, AUTHORIZATION, ctx.path["authorization"], param="authorization")
    pending = [c for c in auth.get("fraud_challenges") or [] if c["status"] == "pending"]
    if not pending:
        raise StripeError(NO_FRAUD_CHALLENGE)
    confirmed = bool(ctx.params["confirmed"])
    before = ctx.snapshot(auth)
    for challenge in pending:
        challenge["status"] = "verified" if confirmed else "rejected"
    # this authorization stays declined (it did not bypass the fraud check); a retry may
    auth["verified_by_fraud_challenge"] = False
    if confirmed:
        engine.remember_fraud_verified(ctx, auth)
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


BASE = "/v1/test_helpers/issuing/authorizations"
ROUTES: list[Route] = [
    route("POST", BASE, create),
    route("POST", "/v1/issuing/cards/{card}/test/authorizations", create_legacy),
    route("POST", BASE + "/{authorization}/capture", capture),
    route("POST", BASE + "/{authorization}/increment", increment),
    route("POST", BASE + "/{authorization}/reverse", reverse),
    route("POST", BASE + "/{authorization}/expire", expire),
    route("POST", BASE + "/{authorization}/finalize_amount", finalize_amount),
    route("POST", BASE + "/{authorization}/fraud_challenges/respond", respond_fraud_challenge),
]

RESOURCE = Resource(AUTHORIZATION, routes=ROUTES)  # the test helpers of issuing.authorization
