"""InboundTransfers (``/v1/treasury/inbound_transfers``): money pulled over ACH from the account
owner's own bank account into a financial account.

Create checks: the financial account exists, ``amount`` >= 1, the currency is supported, the
account is open, ``origin_payment_method`` is a PaymentMethod id (``pm_…``/``ba_…`` = Stripe's
test bank account, see :mod:`flow_destinations`), and the ``inbound_transfers.ach`` feature is
active (it needs the ``us_bank_account_ach_payments`` capability; a platform restriction on
inbound flows restricts it).

Status machine::

    processing --succeed--> succeeded --return--> succeeded (returned: true)
        |  \\--fail--> failed
        \\--cancel--> canceled

Money (test mode makes the funds available at once): create opens a ``treasury.transaction``
(``flow_type: inbound_transfer``) with entry ``inbound_transfer`` {cash +X}; succeed posts it;
fail/cancel take the money back with an ``inbound_transfer_return`` entry {cash -X} and void the
transaction. Return debits the account through a ReceivedDebit (network ``ach``,
``linked_flows.inbound_transfer``) whose transaction entry is ``inbound_transfer_return``; the
InboundTransfer keeps ``status: succeeded`` with ``returned: true`` and
``linked_flows.received_debit``. Events: ``treasury.inbound_transfer.created``, ``.succeeded``,
``.failed``, ``.canceled`` (and ``treasury.received_debit.created`` on return).
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import INBOUND_TRANSFER, TREASURY_TRANSACTION
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource
from emulator.resources.treasury import account_lists, flow_destinations, ledger, money_out, received

URL = "/v1/treasury/inbound_transfers"
HELPERS = "/v1/test_helpers/treasury/inbound_transfers/{id}"
FEATURE = "inbound_transfers.ach"
NOUN = "InboundTransfer"
DEFAULT_DESCRIPTOR = "transfer"
FA_CLOSED = "The FinancialAccount {fa} is closed and cannot receive funds."
BAD_TRANSITION = "Only InboundTransfers in status {allowed} can be {done}; {id} is {status}."
NOT_CANCELABLE = "This InboundTransfer cannot be canceled: it is {status}."
ALREADY_RETURNED = "This InboundTransfer has already been returned ({rd})."


def _get(ctx: Ctx, param: str) -> Obj:
    return common.get(ctx, INBOUND_TRANSFER, ctx.path[param], param=param)


def _descriptor(value: str | None) -> str:
    if not value:
        return DEFAULT_DESCRIPTOR
    money_out.check_descriptor_chars(value)
    return value


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    fa = money_out.source_account(ctx, p["financial_account"])
    money_out.check_amount(p["amount"])
    currency = money_out.check_currency(fa, p["currency"])
    descriptor = _descriptor(p.get("statement_descriptor"))
    if fa["status"] != "open":
        raise StripeError(FA_CLOSED.format(fa=fa["id"]), param="financial_account")
    origin = flow_destinations.origin_details(ctx, p["origin_payment_method"])
    money_out.check_feature(ctx, fa, FEATURE, NOUN)
    ibt_id = ctx.new_id("ibt")
    ibt: Obj = {
        "id": ibt_id,
        "object": INBOUND_TRANSFER,
        "amount": p["amount"],
        "cancelable": True,
        "created": ctx.now,
        "currency": currency,
        "description": p.get("description"),
        "failure_details": None,
        "financial_account": fa["id"],
        "hosted_regulatory_receipt_url": f"https://payments.stripe.com/regulatory-receipt/{ibt_id}",
        "linked_flows": {"received_debit": None},
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "origin_payment_method": p["origin_payment_method"],
        "origin_payment_method_details": origin,
        "returned": False,
        "statement_descriptor": descriptor,
        "status": "processing",
        "status_transitions": {"canceled_at": None, "failed_at": None, "succeeded_at": None},
        "transaction": None,
    }
    trxn = ledger.open_transaction(
        ctx,
        fa,
        flow_type="inbound_transfer",
        flow=ibt_id,
        currency=currency,
        description=ibt["description"] or NOUN,
        amount=ibt["amount"],
    )
    ledger.add_entry(ctx, fa, trxn, "inbound_transfer", cash=ibt["amount"])
    ibt["transaction"] = trxn["id"]
    ctx.scope.add(ibt)
    ctx.emit("treasury.inbound_transfer.created", ibt)
    return ibt


def _require(ibt: Obj, allowed: str, done: str) -> None:
    if ibt["status"] != allowed:
        raise StripeError(BAD_TRANSITION.format(allowed=allowed, done=done, id=ibt["id"], status=ibt["status"]))


def _parts(ctx: Ctx, ibt: Obj) -> tuple[Obj, Obj]:
    fa = money_out.source_account(ctx, ibt["financial_account"])
    trxn = ctx.scope.get(TREASURY_TRANSACTION, ibt["transaction"])
    assert trxn is not None, ibt["transaction"]
    return fa, trxn


def _undo(ctx: Ctx, ibt: Obj, status: str) -> None:
    fa, trxn = _parts(ctx, ibt)
    ledger.add_entry(ctx, fa, trxn, "inbound_transfer_return", cash=-ibt["amount"])
    ledger.void(ctx, trxn)
    ibt["status"] = status
    ibt["cancelable"] = False
    ibt["status_transitions"][f"{status}_at"] = ctx.now


def succeed(ctx: Ctx) -> Obj:
    ibt = _get(ctx, "id")
    _require(ibt, "processing", "succeeded")
    before = ctx.snapshot(ibt)
    _, trxn = _parts(ctx, ibt)
    ledger.post(ctx, trxn)
    ibt["status"] = "succeeded"
    ibt["cancelable"] = False
    ibt["status_transitions"]["succeeded_at"] = ctx.now
    ctx.emit("treasury.inbound_transfer.succeeded", ibt, before)
    return ibt


def fail(ctx: Ctx) -> Obj:
    ibt = _get(ctx, "id")
    _require(ibt, "processing", "failed")
    before = ctx.snapshot(ibt)
    _undo(ctx, ibt, "failed")
    ibt["failure_details"] = {"code": (ctx.params.get("failure_details") or {}).get("code") or "other"}
    ctx.emit("treasury.inbound_transfer.failed", ibt, before)
    return ibt


def cancel(ctx: Ctx) -> Obj:
    ibt = _get(ctx, "inbound_transfer")
    if ibt["status"] != "processing" or not ibt["cancelable"]:
        raise StripeError(NOT_CANCELABLE.format(status=ibt["status"]))
    before = ctx.snapshot(ibt)
    _undo(ctx, ibt, "canceled")
    ctx.emit("treasury.inbound_transfer.canceled", ibt, before)
    return ibt


def return_(ctx: Ctx) -> Obj:
    ibt = _get(ctx, "id")
    _require(ibt, "succeeded", "returned")
    if ibt["returned"]:
        raise StripeError(ALREADY_RETURNED.format(rd=ibt["linked_flows"]["received_debit"]))
    fa, _ = _parts(ctx, ibt)
    bank = ibt["origin_payment_method_details"]["us_bank_account"]
    rd = received.receive_debit(
        ctx,
        fa,
        ibt["amount"],
        ibt["currency"],
        network="ach",
        description=ibt["description"] or f"Return of {NOUN} {ibt['id']}",
        linked_flows={"inbound_transfer": ibt["id"]},
        payment_method={
            "type": "us_bank_account",
            "us_bank_account": {"account_number": bank["last4"], "routing_number": bank["routing_number"]},
        },
        force=True,
        entry_type="inbound_transfer_return",
        reversal_restricted="source_flow_restricted",
    )
    ibt["returned"] = True
    ibt["linked_flows"]["received_debit"] = rd["id"]
    return ibt


def retrieve(ctx: Ctx) -> Obj:
    return _get(ctx, "id")


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, account_lists.handler(INBOUND_TRANSFER, URL, account_lists.by_status)),
    route("GET", URL + "/{id}", retrieve),
    route("POST", URL + "/{inbound_transfer}/cancel", cancel),
    route("POST", HELPERS + "/succeed", succeed),
    route("POST", HELPERS + "/fail", fail),
    route("POST", HELPERS + "/return", return_),
]

RESOURCE = Resource(
    INBOUND_TRANSFER,
    prefix="ibt",
    title="Inbound transfers",
    routes=ROUTES,
    events=tuple(f"treasury.inbound_transfer.{e}" for e in ("created", "succeeded", "failed", "canceled")),
)
