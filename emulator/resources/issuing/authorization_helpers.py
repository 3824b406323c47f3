"""Test helpers that simulate card-network traffic on Issuing authorizations.

``POST /v1/test_helpers/issuing/authorizations`` (and the legacy
``POST /v1/issuing/cards/{card}/test/authorizations`` that ``stripe trigger
issuing_authorization.request`` still calls, with ``held_amount``/``held_currency``) create a
purchase attempt that the authorization flow decides (:mod:`authorization_flow`). ``amount`` is in
``currency`` (default: the card's); a currency other than the card's is the purchase's merchant
currency, converted to the card's currency for the hold (``merchant_amount`` and
``merchant_currency`` may be given instead). Then, on a pending, approved authorization (the
changes themselves: :mod:`authorization_lifecycle`):

* ``/capture``: ``capture_amount`` (default: what is still authorized and not captured; more is
  an over-capture), ``close_authorization`` (default true; false keeps it pending for further
  captures). Each capture is an ``issuing.transaction`` of type ``capture`` (negative amount).
* ``/increment``: asks for ``increment_amount`` more; decided like a new request (and may be
  declined, leaving the amount unchanged).
* ``/reverse``: gives back ``reverse_amount`` (default: all still held); the authorized amount
  shrinks by it. Nothing left held: ``reversed`` (or ``closed`` when part was captured).
  ``reverse_amount=0`` while something is held changes nothing: answered as it is, no event.
* ``/expire``: releases what is held; ``expired`` (rendered ``reversed`` before API 2025-03-31).
  Stripe does the same by itself to an authorization still pending 7 days after it was created
  (31 at hotels and car rentals), when the platform's time passes it (``/_emulator/clock``).
  An expired authorization may still be captured (a late capture: "Authorizations that have been
  expired by Stripe can be captured later", Stripe's basil changelog): nothing is held any more,
  so the capture moves the money at once; ``close_authorization`` (default true) then closes it.
* ``/finalize_amount``: sets the authorized amount to ``final_amount`` (not below what was
  captured), adjusting the hold, and records ``fleet``/``fuel`` data.
* ``/fraud_challenges/respond``: answers the pending SMS fraud challenge of an authorization
  declined as ``suspected_fraud`` (or by a real-time answer with ``send_fraud_challenges``):
  ``confirmed`` true verifies it, false rejects it. The challenged authorization stays declined
  and its ``verified_by_fraud_challenge`` unchanged (it bypassed nothing); after a confirmation,
  a retry on the card at the same merchant within 24 hours passes the fraud check
  (``verified_by_fraud_challenge: true``).

None of these is possible while a request waits for the real-time decision.
"""

from __future__ import annotations

from typing import Any

from emulator.core import api_changes
from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION, CARD
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.issuing import authorization_checks as checks
from emulator.resources.issuing import authorization_flow as flow
from emulator.resources.issuing import authorization_lifecycle as lifecycle
from emulator.resources.issuing import authorization_objects as objects
from emulator.resources.issuing import cards
from emulator.resources.issuing.authorization_books import book_of
from emulator.resources.issuing.authorization_request import non_negative, positive
from emulator.resources.resource import Resource

HELD_AMOUNT_REQUIRED = "Missing required param: held_amount."
NOT_PENDING = "This authorization is {status}; only a pending authorization can be {verb}."
REQUEST_PENDING = (
    "This authorization has a request waiting for your real-time decision; it cannot be {verb} until "
    "the request is decided."
)
NOTHING_TO_CAPTURE = "This authorization has no uncaptured amount left; pass capture_amount to capture more."
REVERSE_TOO_MUCH = "The reverse_amount ({amount}) is greater than the amount still held on this authorization ({held})."
FINAL_BELOW_CAPTURED = "The final_amount ({amount}) cannot be less than the amount already captured ({captured})."
NO_FRAUD_CHALLENGE = "This authorization has no pending fraud challenge to respond to."


def _card(ctx: Ctx, card_id: str, param: str) -> Obj:
    card = ctx.scope.get(CARD, card_id)
    if card is None:
        raise errors.no_such(common.noun(CARD), card_id, param=param)
    return card


async def create(ctx: Ctx) -> Obj:
    p = ctx.params
    _check_risk_names(ctx, p.get("risk_assessment") or {})
    card = _card(ctx, p["card"], "card")
    return await flow.authorize(ctx, card, p)


def _check_risk_names(ctx: Ctx, risk: dict[str, Any]) -> None:
    """The level of a card-testing or merchant-dispute risk is ``level`` from 2026-03-25 and ``risk_level``
    before (Stripe's breaking rename): the other name is an unknown parameter in the request's version."""
    newer = api_changes.since(ctx.api_version, api_changes.RISK_LEVEL)
    name, other = ("level", "risk_level") if newer else ("risk_level", "level")
    for hash_name in api_changes.RISK_LEVEL_HASHES:
        given = risk.get(hash_name)
        if given is None:
            continue
        if other in given:
            raise errors.unknown_params([f"risk_assessment[{hash_name}][{other}]"])
        if name not in given:
            raise errors.missing(f"risk_assessment[{hash_name}][{name}]")


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
    return await flow.authorize(ctx, card, p)


# --- lifecycle of a pending authorization -----------------------------------------------------------


def _pending(ctx: Ctx, verb: str) -> Obj:
    auth = common.get(ctx, AUTHORIZATION, ctx.path["authorization"], param="authorization")
    if auth["pending_request"] is not None:
        raise StripeError(REQUEST_PENDING.format(verb=verb))
    if auth["status"] != "pending":
        raise StripeError(NOT_PENDING.format(status=auth["status"], verb=verb))
    return auth


def capture(ctx: Ctx) -> Obj:
    auth = common.get(ctx, AUTHORIZATION, ctx.path["authorization"], param="authorization")
    if auth["status"] != "expired" or auth["pending_request"] is not None:
        auth = _pending(ctx, "captured")
    p = ctx.params
    card = _card(ctx, auth["card"], "card")
    remaining = auth["amount"] - book_of(ctx.scope, auth["id"])["captured"]
    amount = p.get("capture_amount")
    if amount is None:
        if remaining <= 0:
            raise StripeError(NOTHING_TO_CAPTURE, param="capture_amount")
        amount = remaining
    positive(amount, "capture_amount")
    close = p.get("close_authorization")
    details = objects.purchase_details(
        p.get("purchase_details"), ctx.api_version
    )  # may refuse: before anything changes
    lifecycle.capture(ctx, auth, card, amount, close=True if close is None else close, details=details)
    return auth


async def increment(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "incremented")
    card = _card(ctx, auth["card"], "card")
    return await flow.increment(ctx, auth, card, ctx.params)


def reverse(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "reversed")
    held = book_of(ctx.scope, auth["id"])["hold"]
    amount = ctx.params.get("reverse_amount")
    amount = held if amount is None else non_negative(amount, "reverse_amount")
    if amount > held:
        raise StripeError(REVERSE_TOO_MUCH.format(amount=amount, held=held), param="reverse_amount")
    lifecycle.reverse(ctx, auth, amount)
    return auth


def expire(ctx: Ctx) -> Obj:
    return lifecycle.expire(ctx, _pending(ctx, "expired"))


def finalize_amount(ctx: Ctx) -> Obj:
    auth = _pending(ctx, "finalized")
    p = ctx.params
    final = non_negative(p["final_amount"], "final_amount")
    done = book_of(ctx.scope, auth["id"])["captured"]
    if final < done:
        raise StripeError(FINAL_BELOW_CAPTURED.format(amount=final, captured=done), param="final_amount")
    fleet = objects.fleet(p.get("fleet")) if p.get("fleet") else None
    fuel = objects.fuel(p.get("fuel")) if p.get("fuel") else None
    lifecycle.finalize(ctx, auth, final, fleet=fleet, fuel=fuel)
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
    # this authorization stays declined and did not bypass the fraud check; a retry may
    if confirmed:
        checks.remember_fraud_verified(ctx, auth)
    ctx.emit("issuing_authorization.updated", auth, before)
    if not confirmed:  # the cardholder says it was not them
        cards.warn_of_fraud(ctx, auth["card"], "user_indicated_fraud")
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
