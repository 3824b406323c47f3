"""Issuing transactions (``/v1/issuing/transactions``) and the test helpers that create them.

Every capture of an authorization is an ``issuing.transaction`` of type ``capture`` with a
**negative** ``amount``; a refund is a ``refund`` with a positive one. On a card backed by a
Treasury financial account a capture posts a ``card`` ReceivedDebit and a refund a ``card``
ReceivedCredit (``transaction.treasury`` and the received object's ``linked_flows`` point at
each other). Test helpers:

* ``/v1/test_helpers/issuing/transactions/{id}/refund``: refunds ``refund_amount`` (default: all
  not yet refunded) of a capture. It answers with the **capture** (as Stripe does); the new
  refund transaction is linked from the authorization and listed like any other. A capture is
  never refunded beyond its amount, and not while it is under a submitted or won dispute.
* ``create_force_capture`` / ``create_unlinked_refund``: a capture or refund without an
  authorization (captures always succeed, even into a negative balance).

``purchase_details`` is not returned by default: ask for it with ``expand[]=purchase_details``.
A capture or force capture that carries ``purchase_details[receipt]`` also sends
``issuing_transaction.purchase_details_receipt_updated`` (what ``stripe trigger`` of that event
relies on).
"""

from __future__ import annotations

from typing import Any

from emulator.core import api_changes
from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION, CARD, DISPUTE, ISSUING_TRANSACTION
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common, currencies
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import authorization_objects as objects
from emulator.resources.issuing import payment_count
from emulator.resources.issuing.authorization_books import transaction_book_of
from emulator.resources.resource import Resource

URL = "/v1/issuing/transactions"

MIN_ONE = "This value must be greater than or equal to 1."
REFUND_NOT_CAPTURE = "Only transactions of type capture can be refunded; {id} is a refund."
REFUND_TOO_MUCH = (
    "The refund_amount ({amount}) is greater than the amount of this capture that has not been refunded yet "
    "({refundable})."
)
NOTHING_TO_REFUND = "This capture has already been fully refunded."
REFUND_DISPUTED = "This transaction is disputed (dispute {dispute} is {status}) and cannot be refunded."


def refunded(ctx: Ctx, tx: Obj) -> int:
    return transaction_book_of(ctx.scope, tx["id"]).get("refunded", 0)


def _network_data(ctx: Ctx, authorization: Obj | None) -> Obj:
    """A capture or refund of an authorization carries its authorization code and its network
    ``transaction_id`` (the id "used to match subsequent messages, disputes, and transactions");
    a force capture or unlinked refund gets an id of its own."""
    if authorization is None:
        return {
            "authorization_code": None,
            "processing_date": objects.processing_date(ctx.now),
            "transaction_id": ctx.state.ids.digits(15),
        }
    approved = [r for r in authorization["request_history"] if r["approved"]]
    return {
        "authorization_code": approved[-1]["authorization_code"] if approved else None,
        "processing_date": objects.processing_date(ctx.now),
        "transaction_id": (authorization.get("network_data") or {}).get("transaction_id"),
    }


def create_transaction(
    ctx: Ctx,
    card: Obj,
    *,
    kind: str,
    amount: int,
    merchant_amount: int,
    merchant_currency: str,
    merchant_data: Obj,
    authorization: Obj | None,
    purchase_details: Obj | None,
    wallet: str | None,
    amount_details: Obj | None,
) -> Obj:
    """A new capture (money out) or refund (money in) on ``card``, settled where its authorization
    holds its money (without one: where the card's money is now)."""
    sign = -1 if kind == "capture" else 1
    funds = money.of_authorization(ctx, authorization) if authorization is not None else money.of_card(ctx, card)
    fa = funds.financial_account()
    tx: Obj = {
        "id": ctx.new_id("ipi"),
        "object": ISSUING_TRANSACTION,
        "amount": sign * amount,
        "amount_details": objects.copy_or_none(amount_details) or {"atm_fee": None, "cashback_amount": None},
        "authorization": authorization["id"] if authorization else None,
        "balance_transaction": None,
        "card": card["id"],
        "cardholder": card.get("cardholder"),
        "created": ctx.now,
        "currency": card["currency"],
        "dispute": None,
        "livemode": False,
        "merchant_amount": sign * merchant_amount,
        "merchant_currency": merchant_currency,
        "merchant_data": objects.copy_or_none(merchant_data),
        "metadata": {},
        "network_data": _network_data(ctx, authorization),
        "token": None,
        "treasury": {"received_credit": None, "received_debit": None} if fa else None,
        "type": kind,
        "wallet": wallet,
    }
    transaction_book_of(ctx.scope, tx["id"])["purchase_details"] = purchase_details
    ctx.scope.add(tx)
    settled = funds.settle(
        money.Settlement(
            card,
            sign * amount,
            transaction_id=tx["id"],
            authorization_id=authorization["id"] if authorization else None,
            description=merchant_data.get("name") or "Issuing transaction",
        )
    )
    if settled.flow is not None:
        tx["treasury"]["received_debit" if kind == "capture" else "received_credit"] = settled.flow["id"]
    if settled.balance_transaction is not None:
        tx["balance_transaction"] = settled.balance_transaction["id"]
    ctx.emit("issuing_transaction.created", tx)
    if purchase_details and purchase_details.get("receipt"):
        ctx.emit("issuing_transaction.purchase_details_receipt_updated", tx)
    return tx


def purchase_details_field(ctx: Ctx, tx: Obj) -> Obj | None:
    """``expand[]=purchase_details``: stored aside, returned only on request."""
    found = ctx.platform.find(tx["id"])
    scope = found[0] if found else ctx.scope
    details: Obj | None = transaction_book_of(scope, tx["id"]).get("purchase_details")
    if details and details.get("fuel"):
        return {**details, "fuel": api_changes.fuel_as_shown(details["fuel"], ctx.api_version)}
    return details


# --- handlers -------------------------------------------------------------------------------------


def _card(ctx: Ctx) -> Obj:
    card_id = ctx.params["card"]
    card = ctx.scope.get(CARD, card_id)
    if card is None:
        raise errors.no_such(common.noun(CARD), card_id, param="card")
    return card


def refund(ctx: Ctx) -> Obj:
    tx = common.get(ctx, ISSUING_TRANSACTION, ctx.path["transaction"], param="transaction")
    if tx["type"] != "capture":
        raise StripeError(REFUND_NOT_CAPTURE.format(id=tx["id"]), param="transaction")
    if tx.get("dispute"):
        dispute = ctx.scope.get(DISPUTE, tx["dispute"])
        if dispute is not None and dispute["status"] in ("submitted", "won"):
            raise StripeError(REFUND_DISPUTED.format(dispute=dispute["id"], status=dispute["status"]))
    refundable = -tx["amount"] - refunded(ctx, tx)
    amount = ctx.params.get("refund_amount")
    if amount is None:
        if refundable <= 0:
            raise StripeError(NOTHING_TO_REFUND, param="refund_amount")
        amount = refundable
    if amount < 1:
        raise StripeError(MIN_ONE, param="refund_amount", code="parameter_invalid_integer")
    if amount > refundable:
        raise StripeError(REFUND_TOO_MUCH.format(amount=amount, refundable=refundable), param="refund_amount")
    card = ctx.scope.get(CARD, tx["card"])
    if card is None:
        raise errors.no_such(common.noun(CARD), tx["card"], param="card")
    auth = ctx.scope.get(AUTHORIZATION, tx["authorization"]) if tx.get("authorization") else None
    book = transaction_book_of(ctx.scope, tx["id"])
    book["refunded"] = refunded(ctx, tx) + amount
    merchant_amount = round(-tx["merchant_amount"] * amount / -tx["amount"]) if tx["amount"] else amount
    new = create_transaction(
        ctx,
        card,
        kind="refund",
        amount=amount,
        merchant_amount=merchant_amount,
        merchant_currency=tx["merchant_currency"],
        merchant_data=tx["merchant_data"],
        authorization=auth,
        purchase_details=None,
        wallet=tx.get("wallet"),
        amount_details=None,
    )
    book.setdefault("refunds", []).append(new["id"])
    if auth is not None:
        auth["transactions"].append(new["id"])
        if auth.get("treasury") is not None and new.get("treasury") and new["treasury"].get("received_credit"):
            auth["treasury"]["received_credits"].append(new["treasury"]["received_credit"])
    return tx


def _unlinked(ctx: Ctx, kind: str) -> Obj:
    p = ctx.params
    card = _card(ctx)
    # ``amount`` "is in the provided currency, or defaults to the card's currency": another currency
    # is the merchant's, converted to the card's (as for authorizations)
    merchant_currency = card["currency"]
    if p.get("currency") and str(p["currency"]).lower() != card["currency"]:
        merchant_currency = objects.merchant_currency(p["currency"], "currency")
    merchant_amount = p["amount"]
    if merchant_amount < 1:
        raise StripeError(MIN_ONE, param="amount", code="parameter_invalid_integer")
    amount = currencies.convert(merchant_amount, merchant_currency, card["currency"])
    if amount < 1:
        raise StripeError(MIN_ONE, param="amount", code="parameter_invalid_integer")
    return create_transaction(
        ctx,
        card,
        kind=kind,
        amount=amount,
        merchant_amount=merchant_amount,
        merchant_currency=merchant_currency,
        merchant_data=objects.merchant_data(p.get("merchant_data")),
        authorization=None,
        purchase_details=objects.purchase_details(p.get("purchase_details"), ctx.api_version),
        wallet=None,
        amount_details=None,
    )


def create_force_capture(ctx: Ctx) -> Obj:
    tx = _unlinked(ctx, "capture")
    card = ctx.scope.get(CARD, tx["card"])
    if card is not None:
        payment_count.force_posted(ctx, card)
    return tx


def create_unlinked_refund(ctx: Ctx) -> Obj:
    return _unlinked(ctx, "refund")


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, ISSUING_TRANSACTION, ctx.path["transaction"], param="transaction")


def update(ctx: Ctx) -> Obj:
    tx = common.get(ctx, ISSUING_TRANSACTION, ctx.path["transaction"], param="transaction")
    if "metadata" in ctx.params:
        before = ctx.snapshot(tx)
        common.update_metadata(tx, ctx.params)
        if tx["metadata"] != before["metadata"]:
            ctx.emit("issuing_transaction.updated", tx, before)
    return tx


def _field_is(name: str, value: Any) -> Predicate:
    return lambda o: o.get(name) == value


def list_transactions(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = []
    for name in ("card", "cardholder", "type"):
        if p.get(name):
            preds.append(_field_is(name, p[name]))
    return paginate(ctx.scope.store(ISSUING_TRANSACTION), URL, p, preds, noun=common.noun(ISSUING_TRANSACTION))


ROUTES: list[Route] = [
    route("GET", URL, list_transactions),
    route("GET", URL + "/{transaction}", retrieve),
    route("POST", URL + "/{transaction}", update),
    route("POST", "/v1/test_helpers/issuing/transactions/{transaction}/refund", refund),
    route("POST", "/v1/test_helpers/issuing/transactions/create_force_capture", create_force_capture),
    route("POST", "/v1/test_helpers/issuing/transactions/create_unlinked_refund", create_unlinked_refund),
]

RESOURCE = Resource(
    ISSUING_TRANSACTION,
    prefix="ipi",
    title="Transactions",
    routes=ROUTES,
    virtual={"purchase_details": purchase_details_field},
    events=(
        "issuing_transaction.created",
        "issuing_transaction.updated",
        "issuing_transaction.purchase_details_receipt_updated",
    ),
)
