"""Debit reversals (``/v1/treasury/debit_reversals``): money of a ReceivedDebit given back.

The emulator creates them when an Issuing dispute on a financial-account card is won
(:func:`reverse_debit`): the disputed amount returns to the account's ``cash`` through a posted
``treasury.transaction`` with ``flow_type: debit_reversal``. The reversal is ``succeeded`` at
once (``status_transitions.completed_at`` set), ``linked_flows.issuing_dispute`` names the
dispute and the ReceivedDebit's ``linked_flows.debit_reversal`` names the reversal.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.treasury import ledger

DEBIT_REVERSAL = "treasury.debit_reversal"
FINANCIAL_ACCOUNT = "treasury.financial_account"
URL = "/v1/treasury/debit_reversals"
STATUS_FILTER = {"completed": "succeeded", "canceled": "failed"}


def reverse_debit(ctx: Ctx, received_debit: Obj, amount: int, *, dispute_id: str | None = None) -> Obj:
    """Give ``amount`` of a ReceivedDebit back to its financial account (posted at once)."""
    fa = common.get(ctx, FINANCIAL_ACCOUNT, received_debit["financial_account"], param="financial_account")
    reversal: Obj = {
        "id": ctx.new_id("debrev"),
        "object": DEBIT_REVERSAL,
        "amount": amount,
        "created": ctx.now,
        "currency": received_debit["currency"],
        "financial_account": fa["id"],
        "hosted_regulatory_receipt_url": None,
        "linked_flows": {"issuing_dispute": dispute_id},
        "livemode": False,
        "metadata": {},
        "network": received_debit["network"],
        "received_debit": received_debit["id"],
        "status": "succeeded",
        "status_transitions": {"completed_at": ctx.now},
        "transaction": None,
    }
    reversal["hosted_regulatory_receipt_url"] = f"https://payments.stripe.com/regulatory-receipt/{reversal['id']}"
    trxn = ledger.open_transaction(
        ctx, fa, flow_type="debit_reversal", flow=reversal["id"], currency=reversal["currency"],
        description="Debit reversal", amount=amount, status="posted",
    )
    ledger.add_entry(ctx, fa, trxn, "debit_reversal", cash=amount)
    reversal["transaction"] = trxn["id"]
    ctx.scope.add(reversal)
    received_debit["linked_flows"]["debit_reversal"] = reversal["id"]
    ctx.emit("treasury.debit_reversal.created", reversal)
    ctx.emit("treasury.debit_reversal.completed", reversal)
    return reversal


def list_reversals(ctx: Ctx) -> Obj:
    p = ctx.params
    fa = common.get(ctx, FINANCIAL_ACCOUNT, p["financial_account"], param="financial_account")
    preds: list[Any] = [lambda r: r["financial_account"] == fa["id"]]
    if p.get("received_debit"):
        rd_id = p["received_debit"]
        preds.append(lambda r: r["received_debit"] == rd_id)
    if p.get("status"):
        # the list filter says ``completed`` for what the object calls ``succeeded``
        wanted = STATUS_FILTER.get(p["status"], p["status"])
        preds.append(lambda r: r["status"] == wanted)
    if p.get("resolution"):
        # Stripe's resolution of a reversal (won/lost); a reversal the emulator created was won.
        wanted = p["resolution"]
        preds.append(lambda r: wanted == "won")
    return paginate(ctx.scope.store(DEBIT_REVERSAL), URL, p, preds, noun=common.noun(DEBIT_REVERSAL))


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, DEBIT_REVERSAL, ctx.path["debit_reversal"], param="debit_reversal")


ROUTES: list[Route] = [
    route("GET", URL, list_reversals),
    route("GET", URL + "/{debit_reversal}", retrieve),
]
