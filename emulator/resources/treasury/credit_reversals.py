"""CreditReversals (``/v1/treasury/credit_reversals``): a ReceivedCredit sent back to its sender.

Only a ``succeeded`` ReceivedCredit over ``ach`` or ``stripe`` can be reversed, once, before
its ``reversal_details.deadline``, and while ``reversal_details.restricted_reason`` is null
(a ``stripe`` credit only when an OutboundPayment sent it: ``source_flow_restricted``); the
financial account must hold the amount in ``cash`` (else ``insufficient_funds``). The whole
amount is reversed.

The reversal answers ``processing``: its ``treasury.transaction`` (``flow_type:
credit_reversal``) holds the money with entry ``credit_reversal`` {cash -X, outbound_pending +X}.
Right after the response it posts (there is no test helper to drive it): entry
``credit_reversal_posting`` {outbound_pending -X}, ``status: posted``, ``status_transitions.
posted_at``. A credit that came from another financial account of the platform (network
``stripe``) is then credited back to that account with a ReceivedCredit whose
``linked_flows.source_flow_type`` is ``credit_reversal``. The ReceivedCredit gets
``linked_flows.credit_reversal`` and ``reversal_details.restricted_reason: already_reversed``.
Events: ``treasury.credit_reversal.created`` and ``.posted``.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import CREDIT_REVERSAL, FINANCIAL_ACCOUNT, RECEIVED_CREDIT, TREASURY_TRANSACTION
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource
from emulator.resources.treasury import account_lists, flow_destinations, ledger, money_out, received, reversibility

URL = "/v1/treasury/credit_reversals"
REVERSIBLE_NETWORKS = ("ach", "stripe")

SOURCE_FLOW_RESTRICTED = (
    "The ReceivedCredit {rc} cannot be reversed: only stripe network ReceivedCredits sent by an OutboundPayment "
    "can be reversed (source_flow_restricted)."
)
# Stripe: a ``stripe`` network ReceivedCredit "that's the result of a flow other than an OutboundPayment"
# is ``source_flow_restricted``
REVERSIBLE_STRIPE_SOURCE = "outbound_payment"
PARAM = "received_credit"


def _check_reversible(ctx: Ctx, rc: Obj) -> None:
    reversibility.check_open(rc, PARAM)
    if rc["network"] not in REVERSIBLE_NETWORKS:
        raise reversibility.network_restricted(rc, PARAM)
    source = (rc.get("linked_flows") or {}).get("source_flow_type")
    if rc["network"] == "stripe" and source != REVERSIBLE_STRIPE_SOURCE:
        raise StripeError(SOURCE_FLOW_RESTRICTED.format(rc=rc["id"]), param=PARAM)
    reversibility.check_window(ctx, rc, PARAM)


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    rc = common.get(ctx, RECEIVED_CREDIT, p["received_credit"], param=PARAM)
    _check_reversible(ctx, rc)
    fa = money_out.source_account(ctx, rc["financial_account"])
    money_out.check_funds(fa, rc["amount"], rc["currency"], "CreditReversal")
    reversal_id = ctx.new_id("credrev")
    reversal: Obj = {
        "id": reversal_id,
        "object": CREDIT_REVERSAL,
        "amount": rc["amount"],
        "created": ctx.now,
        "currency": rc["currency"],
        "financial_account": fa["id"],
        "hosted_regulatory_receipt_url": f"https://payments.stripe.com/regulatory-receipt/{reversal_id}",
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "network": rc["network"],
        "received_credit": rc["id"],
        "status": "processing",
        "status_transitions": {"posted_at": None},
        "transaction": None,
    }
    trxn = ledger.open_transaction(
        ctx,
        fa,
        flow_type="credit_reversal",
        flow=reversal_id,
        currency=rc["currency"],
        description=f"Reversal of {rc['description']}",
        amount=-rc["amount"],
    )
    ledger.add_entry(ctx, fa, trxn, "credit_reversal", cash=-rc["amount"], outbound_pending=rc["amount"])
    reversal["transaction"] = trxn["id"]
    ctx.scope.add(reversal)
    reversibility.mark_reversed(rc, reversal_id)
    ctx.emit("treasury.credit_reversal.created", reversal)
    ctx.after_answer(lambda auto: post(auto, reversal))
    return reversal


def _credit_sender(ctx: Ctx, reversal: Obj, rc: Obj) -> None:
    """A ``stripe`` credit goes back to the financial account it came from."""
    origin = (rc.get("initiating_payment_method_details") or {}).get("financial_account") or {}
    found = ctx.platform.find(origin.get("id") or "")
    if found is None or found[1].get("object") != FINANCIAL_ACCOUNT:
        return
    scope, sender = found
    received.receive_credit(
        ctx.in_scope(scope),
        sender,
        reversal["amount"],
        reversal["currency"],
        network="stripe",
        description=f"Reversal of {rc['description']}",
        linked_flows={"source_flow": reversal["id"], "source_flow_type": "credit_reversal"},
        initiating_details=flow_destinations.financial_account_details(
            money_out.source_account(ctx, reversal["financial_account"])
        ),
        force=True,
    )


def post(ctx: Ctx, reversal: Obj) -> None:
    """The network settles the reversal (runs right after the create response)."""
    if reversal["status"] != "processing":
        return
    before = ctx.snapshot(reversal)
    fa = money_out.source_account(ctx, reversal["financial_account"])
    trxn = ctx.scope.get(TREASURY_TRANSACTION, reversal["transaction"])
    assert trxn is not None, reversal["transaction"]
    ledger.add_entry(ctx, fa, trxn, "credit_reversal_posting", outbound_pending=-reversal["amount"])
    ledger.post(ctx, trxn)
    reversal["status"] = "posted"
    reversal["status_transitions"]["posted_at"] = ctx.now
    ctx.emit("treasury.credit_reversal.posted", reversal, before)
    rc = ctx.scope.get(RECEIVED_CREDIT, reversal["received_credit"])
    if rc is not None and rc["network"] == "stripe":
        _credit_sender(ctx, reversal, rc)


def _filters(p: dict[str, Any]) -> list[Predicate | None]:
    """``received_credit`` and ``status``."""
    return [common.equals(key, p[key]) if p.get(key) else None for key in ("received_credit", "status")]


list_reversals = account_lists.handler(CREDIT_REVERSAL, URL, _filters)


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, CREDIT_REVERSAL, ctx.path["credit_reversal"], param="credit_reversal")


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_reversals),
    route("GET", URL + "/{credit_reversal}", retrieve),
]

RESOURCE = Resource(
    CREDIT_REVERSAL,
    prefix="credrev",
    title="Credit reversals",
    routes=ROUTES,
    events=("treasury.credit_reversal.created", "treasury.credit_reversal.posted"),
)
