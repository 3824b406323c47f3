"""The payment a transfer makes on its destination account (a ``charge``, ``py_``) and the refund a
transfer reversal makes of it (a ``refund``, ``pyr_``).

They are what Stripe shows the connected account for money a platform sent or took back: the
sources of its ``payment`` and ``payment_refund`` balance transactions, and what a platform gets
with ``expand[]=destination_payment`` on a transfer or ``expand[]=destination_payment_refund`` on a
reversal. The connected account retrieves and updates them (``/v1/charges/{py_}``,
``/v1/refunds/{pyr_}``: a platform sets the payment's ``description`` or ``metadata`` so its seller
sees them); charges are otherwise not emulated (other ``/v1/charges`` URLs are 404s that say so).
The charge has the fields Stripe fills for such a payment (``payment_method_details.type:
stripe_account``, ``source_transfer``), the rest null. A charge's ``refunds`` appear only when
expanded, as since API 2022-11-15.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import TRANSFER
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import legal_entity
from emulator.resources.resource import Resource

CHARGE = "charge"
REFUND = "refund"
REVERSAL = "transfer_reversal"
NO_CUSTOMERS = "No such customer: '{id}'"  # customers are not emulated: none can be attached
CHARGE_UPDATABLE = ("description", "receipt_email", "transfer_group")
# the emulator's text (Stripe's reference: it "may only be provided if it has not been set")
TRANSFER_GROUP_SET = "This charge already has a transfer_group; it cannot be changed."


def record_payment(sub: Ctx, payment_id: str, transfer_id: str, amount: int, currency: str, txn: str) -> None:
    """Store the destination payment of transfer ``transfer_id`` in the destination's scope (``sub``)."""
    sub.scope.add(
        {
            "id": payment_id,
            "object": CHARGE,
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": txn,
            "billing_details": {
                "address": legal_entity.blank_address(),
                "email": None,
                "name": None,
                "phone": None,
            },
            "calculated_statement_descriptor": None,
            "captured": True,
            "created": sub.now,
            "currency": currency,
            "customer": None,
            "description": None,
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None,
            "failure_message": None,
            "fraud_details": {},
            "invoice": None,
            "livemode": False,
            "metadata": {},
            "on_behalf_of": None,
            "outcome": None,
            "paid": True,
            "payment_intent": None,
            "payment_method": None,
            "payment_method_details": {"stripe_account": {}, "type": "stripe_account"},
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": False,
            "review": None,
            "shipping": None,
            "source_transfer": transfer_id,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "succeeded",
            "transfer_data": None,
            "transfer_group": None,
        }
    )


def record_refund(sub: Ctx, payment_id: str, refund_id: str, reversal_id: str, amount: int, txn: str | None) -> None:
    """Store the refund of the destination payment a reversal takes back (``amount`` in the payment's
    currency) and count it on the payment."""
    payment = sub.scope.get(CHARGE, payment_id)
    if payment is None:  # a transfer from before destination payments were kept
        return
    before = sub.snapshot(payment)
    sub.scope.add(
        {
            "id": refund_id,
            "object": REFUND,
            "amount": amount,
            "balance_transaction": txn,
            "charge": payment_id,
            "created": sub.now,
            "currency": payment["currency"],
            "metadata": {},
            "payment_intent": None,
            "reason": None,
            "receipt_number": None,
            "source_transfer_reversal": reversal_id,
            "status": "succeeded",
            "transfer_reversal": None,
        }
    )
    payment["amount_refunded"] += amount
    payment["refunded"] = payment["amount_refunded"] >= payment["amount"]
    # Stripe's event for a charge refunded, "including partial refunds", on the destination's account
    common.emit_if_changed(sub, "charge.refunded", payment, before)


def _held_elsewhere(ctx: Ctx, object_id: Any) -> Any:
    """The object ``object_id`` as its own account shows it (a platform sees its connected
    accounts' destination payments), else the id as it was."""
    if not isinstance(object_id, str):
        return object_id
    found = ctx.platform.find(object_id)
    if found is None:
        return object_id
    scope, obj = found
    return ctx.in_scope(scope).rendered(obj)


def expand_payment(ctx: Ctx, transfer: Obj) -> Any:
    """``expand[]=destination_payment`` on a transfer."""
    return _held_elsewhere(ctx, transfer.get("destination_payment"))


def expand_payment_refund(ctx: Ctx, reversal: Obj) -> Any:
    """``expand[]=destination_payment_refund`` on a transfer reversal."""
    return _held_elsewhere(ctx, reversal.get("destination_payment_refund"))


def expand_refunds(ctx: Ctx, payment: Obj) -> Obj:
    """``expand[]=refunds`` on a destination payment: its refunds, newest first."""
    found = ctx.platform.find(payment["id"])
    scope = found[0] if found else ctx.scope
    sub = ctx.in_scope(scope)
    refunds = [sub.rendered(r) for r in scope.store(REFUND).scan() if r["charge"] == payment["id"]]
    refunds.sort(key=lambda r: r["created"], reverse=True)
    url = f"/v1/charges/{payment['id']}/refunds"
    return {"object": "list", "data": refunds, "has_more": False, "url": url}


# --- handlers (on the connected account) ------------------------------------------------------------


def retrieve_charge(ctx: Ctx) -> Obj:
    return common.get(ctx, CHARGE, ctx.path["charge"], param="charge")


def update_charge(ctx: Ctx) -> Obj:
    payment = common.get(ctx, CHARGE, ctx.path["charge"], param="charge")
    p = ctx.params
    if p.get("customer"):
        raise errors.resource_missing(NO_CUSTOMERS.format(id=p["customer"]), p["customer"], "customer")
    if p.get("receipt_email"):
        common.check_email(str(p["receipt_email"]), "receipt_email")
    if p.get("transfer_group") and payment["transfer_group"] not in (None, p["transfer_group"]):
        raise StripeError(TRANSFER_GROUP_SET, param="transfer_group")
    before = ctx.snapshot(payment)
    for name in CHARGE_UPDATABLE:
        if name in p:
            payment[name] = p[name]
    if "fraud_details" in p:
        report = p["fraud_details"]["user_report"]
        payment["fraud_details"] = {"user_report": report} if report else {}
    if "shipping" in p:
        shipping = p["shipping"]
        given = shipping.get("address") or {}
        payment["shipping"] = {
            "address": {k: given.get(k) for k in legal_entity.ADDRESS_FIELDS},
            "carrier": shipping.get("carrier"),
            "name": shipping["name"],
            "phone": shipping.get("phone"),
            "tracking_number": shipping.get("tracking_number"),
        }
    common.update_metadata(payment, p)
    common.emit_if_changed(ctx, "charge.updated", payment, before)
    return payment


def retrieve_refund(ctx: Ctx) -> Obj:
    return common.get(ctx, REFUND, ctx.path["refund"], param="refund")


def update_refund(ctx: Ctx) -> Obj:
    refund = common.get(ctx, REFUND, ctx.path["refund"], param="refund")
    before = ctx.snapshot(refund)
    common.update_metadata(refund, ctx.params)
    common.emit_if_changed(ctx, "charge.refund.updated", refund, before)
    return refund


ROUTES: list[Route] = [
    route("GET", "/v1/charges/{charge}", retrieve_charge),
    route("POST", "/v1/charges/{charge}", update_charge),
    route("GET", "/v1/refunds/{refund}", retrieve_refund),
    route("POST", "/v1/refunds/{refund}", update_refund),
]

RESOURCES = (
    Resource(
        CHARGE,
        prefix="py",
        title="Destination payments",
        routes=ROUTES,
        virtual={"refunds": expand_refunds},
        events=("charge.updated", "charge.refunded"),
    ),
    Resource(REFUND, prefix="pyr", title="Destination payment refunds", events=("charge.refund.updated",)),
    Resource(TRANSFER, virtual={"destination_payment": expand_payment}),
    Resource(REVERSAL, virtual={"destination_payment_refund": expand_payment_refund}),
)
