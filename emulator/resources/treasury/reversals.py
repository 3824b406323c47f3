"""Debit reversals (``/v1/treasury/debit_reversals``): money of a ReceivedDebit given back.

An Issuing dispute on a financial-account card has its reversal from the moment it is submitted
(Stripe's disputes guide: "a corresponding DebitReversal once the dispute is submitted"):
:func:`open_for_dispute` creates it ``processing``, ``network: card``, ``transaction: null``,
``linked_flows.issuing_dispute`` naming the dispute (no money moves yet), links it from the
ReceivedDebit and sends ``treasury.debit_reversal.created``. The dispute's decision resolves it
(:func:`resolve`): won -> the disputed amount returns to the account's ``cash`` through a posted
``treasury.transaction`` with ``flow_type: debit_reversal``, ``status: succeeded``; lost ->
``status: failed`` and no transaction ("no Transactions will be created"). Both set
``status_transitions.completed_at`` (the list's ``completed``: "the network has provided a
resolution") and send ``treasury.debit_reversal.completed``. A dispute that stays submitted keeps
its reversal ``processing``.

``POST /v1/treasury/debit_reversals`` reverses an ``ach`` ReceivedDebit (card debits are
disputed through Issuing instead): it must have ``succeeded``, not be reversed yet, be within
its ``reversal_details.deadline`` and have no ``restricted_reason``. The reversal answers
``processing`` (no money yet, ``transaction: null``); right after the response the bank grants
the credit and it completes: the whole amount comes back to ``cash`` (entry ``debit_reversal``
on a posted transaction), ``status: succeeded``, ``completed_at`` set. Events:
``treasury.debit_reversal.created``, then ``.initial_credit_granted`` and ``.completed``. The
ReceivedDebit gets ``linked_flows.debit_reversal`` and ``reversal_details.restricted_reason:
already_reversed``.

The list filters ``status`` (``processing``; ``completed``: a resolution was given, won or lost;
``canceled``: failed without a resolution, which the emulator never makes) and ``resolution``
(``won``: ``succeeded``; ``lost``: ``failed`` with a resolution). The object has no
``resolution`` field; its status and ``completed_at`` tell it.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import DEBIT_REVERSAL, FINANCIAL_ACCOUNT, RECEIVED_DEBIT
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource
from emulator.resources.treasury import account_lists, ledger, reversibility

URL = "/v1/treasury/debit_reversals"

CARD_DEBIT = (
    "ReceivedDebits from Issuing card transactions cannot be reversed directly; open an Issuing dispute "
    "(POST /v1/issuing/disputes with treasury[received_debit]) instead."
)
PARAM = "received_debit"


def open_for_dispute(ctx: Ctx, received_debit: Obj, amount: int, *, dispute_id: str) -> Obj:
    """The ``processing`` DebitReversal of a submitted Issuing dispute (no money moves yet)."""
    fa = common.get(ctx, FINANCIAL_ACCOUNT, received_debit["financial_account"], param="financial_account")
    reversal = _new_reversal(ctx, received_debit, fa, amount, dispute_id=dispute_id)
    ctx.scope.add(reversal)
    reversibility.mark_reversed(received_debit, reversal["id"])
    ctx.emit("treasury.debit_reversal.created", reversal)
    return reversal


def resolve(ctx: Ctx, reversal: Obj, *, won: bool) -> None:
    """The network's resolution of a ``processing`` reversal: won credits the account, lost does not."""
    if reversal["status"] != "processing":
        return
    before = ctx.snapshot(reversal)
    fa = ctx.scope.get(FINANCIAL_ACCOUNT, reversal["financial_account"])
    if won and fa is not None:
        _credit(ctx, fa, reversal)
    reversal["status"] = "succeeded" if won else "failed"
    reversal["status_transitions"]["completed_at"] = ctx.now
    ctx.emit("treasury.debit_reversal.completed", reversal, before)


def _new_reversal(
    ctx: Ctx, rd: Obj, fa: Obj, amount: int, *, dispute_id: str | None = None, metadata: Any = None
) -> Obj:
    """A ``processing`` DebitReversal of ``amount`` of the ReceivedDebit ``rd`` (not stored yet)."""
    reversal_id = ctx.new_id("debrev")
    return {
        "id": reversal_id,
        "object": DEBIT_REVERSAL,
        "amount": amount,
        "created": ctx.now,
        "currency": rd["currency"],
        "financial_account": fa["id"],
        "hosted_regulatory_receipt_url": f"https://payments.stripe.com/regulatory-receipt/{reversal_id}",
        "linked_flows": {"issuing_dispute": dispute_id},
        "livemode": False,
        "metadata": common.merge_metadata({}, metadata),
        "network": rd["network"],
        "received_debit": rd["id"],
        "status": "processing",
        "status_transitions": {"completed_at": None},
        "transaction": None,
    }


def _credit(ctx: Ctx, fa: Obj, reversal: Obj) -> None:
    """The reversed amount back to ``cash``, on a posted ``debit_reversal`` transaction."""
    amount = reversal["amount"]
    trxn = ledger.open_transaction(
        ctx,
        fa,
        flow_type="debit_reversal",
        flow=reversal["id"],
        currency=reversal["currency"],
        description="Debit reversal",
        amount=amount,
        status="posted",
    )
    ledger.add_entry(ctx, fa, trxn, "debit_reversal", cash=amount)
    reversal["transaction"] = trxn["id"]


def _check_reversible(ctx: Ctx, rd: Obj) -> None:
    reversibility.check_open(rd, PARAM)
    if rd["network"] == "card":
        raise StripeError(CARD_DEBIT, param=PARAM)
    if rd["network"] != "ach":
        raise reversibility.network_restricted(rd, PARAM)
    reversibility.check_window(ctx, rd, PARAM)


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    rd = common.get(ctx, RECEIVED_DEBIT, p["received_debit"], param=PARAM)
    _check_reversible(ctx, rd)
    fa = common.get(ctx, FINANCIAL_ACCOUNT, rd["financial_account"], param="financial_account")
    reversal = _new_reversal(ctx, rd, fa, rd["amount"], metadata=p.get("metadata"))
    ctx.scope.add(reversal)
    reversibility.mark_reversed(rd, reversal["id"])
    ctx.emit("treasury.debit_reversal.created", reversal)
    ctx.after_answer(lambda auto: complete(auto, reversal))
    return reversal


def complete(ctx: Ctx, reversal: Obj) -> None:
    """The bank grants the credit and the reversal completes (right after the create response)."""
    if reversal["status"] != "processing":
        return
    fa = ctx.scope.get(FINANCIAL_ACCOUNT, reversal["financial_account"])
    if fa is None:
        return
    before = ctx.snapshot(reversal)
    _credit(ctx, fa, reversal)
    ctx.emit("treasury.debit_reversal.initial_credit_granted", reversal, before)
    before = ctx.snapshot(reversal)
    reversal["status"] = "succeeded"
    reversal["status_transitions"]["completed_at"] = ctx.now
    ctx.emit("treasury.debit_reversal.completed", reversal, before)


def _resolution(reversal: Obj) -> str | None:
    """``won``/``lost`` once the network resolved the reversal (``completed_at`` set), else ``None``."""
    if reversal["status_transitions"]["completed_at"] is None:
        return None
    return "won" if reversal["status"] == "succeeded" else "lost"


def _list_status(reversal: Obj) -> str:
    """The list filter's status: ``processing``, ``completed`` (resolved) or ``canceled``."""
    if reversal["status"] == "processing":
        return "processing"
    return "canceled" if _resolution(reversal) is None else "completed"


def _filters(p: dict[str, Any]) -> list[Predicate | None]:
    """``received_debit``, ``status`` and ``resolution``."""
    preds: list[Predicate | None] = []
    if p.get("received_debit"):
        preds.append(common.equals("received_debit", p["received_debit"]))
    if p.get("status"):
        status = p["status"]
        preds.append(lambda r: _list_status(r) == status)
    if p.get("resolution"):
        resolution = p["resolution"]
        preds.append(lambda r: _resolution(r) == resolution)
    return preds


list_reversals = account_lists.handler(DEBIT_REVERSAL, URL, _filters)


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, DEBIT_REVERSAL, ctx.path["debit_reversal"], param="debit_reversal")


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_reversals),
    route("GET", URL + "/{debit_reversal}", retrieve),
]

RESOURCE = Resource(
    DEBIT_REVERSAL,
    prefix="debrev",
    title="Debit reversals",
    routes=ROUTES,
    events=(
        "treasury.debit_reversal.created",
        "treasury.debit_reversal.initial_credit_granted",
        "treasury.debit_reversal.completed",
    ),
)
