"""Money arriving at and leaving a financial account from outside: received credits and debits.

``ReceivedCredit``/``ReceivedDebit`` objects are born ``succeeded`` or ``failed``: only
``treasury.received_credit.created`` / ``treasury.received_debit.created`` are sent (Stripe sends
``received_credit.succeeded``/``.failed`` for check deposits only, which the emulator does not
receive). A succeeded one posts a ``treasury.transaction`` with one entry; a failed one moves
no money. A reversible one may be reversed until ``reversal_details.deadline``, 00:00 UTC of the
second business day after it arrived (Stripe's examples); after it, its ``restricted_reason`` is
``deadline_passed``. One whose reversal is restricted from the start has no deadline. The test helpers simulate ACH/wire transfers; the Issuing engine creates ``card``
network ones for captures (debits) and refunds (credits) through the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT, RECEIVED_CREDIT, RECEIVED_DEBIT
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource
from emulator.resources.treasury import account_lists, business_days, ledger

CURRENCY_NOT_SUPPORTED = "The FinancialAccount {fa} does not support the currency {currency}."
AMOUNT_TOO_SMALL = "This value must be greater than or equal to 1."
REVERSAL_BUSINESS_DAYS = 2
# ``expand[]=linked_flows.source_flow_details``: the flow that sent a credit, as an object
SOURCE_FLOW_DETAILS = "linked_flows.source_flow_details"
LIST_SOURCE_FLOW_DETAILS = "data." + SOURCE_FLOW_DETAILS  # the same through the list's ``data``


def _payment_method_details(params: dict[str, Any] | None) -> Obj:
    params = params or {}
    bank = params.get("us_bank_account") or {}
    return {
        "billing_details": {
            "address": {
                "city": None,
                "country": None,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": None,
            "name": bank.get("account_holder_name") or "Jane Austen",
        },
        "type": params.get("type", "us_bank_account"),
        "us_bank_account": {
            "bank_name": "STRIPE TEST BANK",
            "last4": (bank.get("account_number") or "000123456789")[-4:],
            "routing_number": bank.get("routing_number") or "110000000",
        },
    }


def _check_currency(fa: Obj, currency: str) -> None:
    if currency not in fa["supported_currencies"]:
        raise StripeError(CURRENCY_NOT_SUPPORTED.format(fa=fa["id"], currency=currency), param="currency")


def _blocked(fa: Obj, flows: str) -> str | None:
    """Why the account takes no money in (``flows="inbound_flows"``) or out (``"outbound_flows"``)."""
    if fa["status"] == "closed":
        return "account_closed"
    if (fa.get("platform_restrictions") or {}).get(flows) == "restricted":
        return "account_frozen"
    return None


# Stripe's features guide: "Restricting inbound flows for the financial_addresses.aba feature doesn't
# block inbound wires."
INBOUND_RESTRICTION_EXEMPT = frozenset({"us_domestic_wire"})


def credit_failure(fa: Obj, network: str) -> str | None:
    """Why a credit over ``network`` fails: a closed account, or ``inbound_flows`` restricted (not for wires)."""
    if network in INBOUND_RESTRICTION_EXEMPT and fa["status"] != "closed":
        return None
    return _blocked(fa, "inbound_flows")


def _initiating_details(network: str, payment_method: dict[str, Any] | None, issuing_card: str | None) -> Obj:
    if network != "card":
        return _payment_method_details(payment_method)
    billing = _payment_method_details(None)["billing_details"]
    return {"billing_details": billing, "type": "issuing_card", "issuing_card": issuing_card}


def _received(
    ctx: Ctx,
    prefix: str,
    object_type: str,
    fa: Obj,
    amount: int,
    currency: str,
    *,
    network: str,
    description: str,
    failure: str | None,
    initiating_details: Obj,
    linked_flows: Obj,
    reversal_details: Obj | None,
) -> Obj:
    """The common shape of a ReceivedCredit / ReceivedDebit, before any money moves."""
    obj_id = ctx.new_id(prefix)
    return {
        "id": obj_id,
        "object": object_type,
        "amount": amount,
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "failure_code": failure,
        "financial_account": fa["id"],
        "hosted_regulatory_receipt_url": f"https://payments.stripe.com/regulatory-receipt/{obj_id}",
        "initiating_payment_method_details": initiating_details,
        "linked_flows": linked_flows,
        "livemode": False,
        "network": network,
        "reversal_details": reversal_details,
        "status": "failed" if failure else "succeeded",
        "transaction": None,
    }


def _settle(ctx: Ctx, fa: Obj, obj: Obj, flow_type: str, entry_type: str, cash: int) -> None:
    """Post the money of a succeeded received flow: one posted transaction with one entry."""
    trxn = ledger.open_transaction(
        ctx,
        fa,
        flow_type=flow_type,
        flow=obj["id"],
        currency=obj["currency"],
        description=obj["description"],
        amount=cash,
        status="posted",
    )
    ledger.add_entry(ctx, fa, trxn, entry_type, cash=cash)
    obj["transaction"] = trxn["id"]


def receive_credit(
    ctx: Ctx,
    fa: Obj,
    amount: int,
    currency: str,
    *,
    network: str,
    description: str = "Stripe Test",
    linked_flows: dict[str, Any] | None = None,
    payment_method: dict[str, Any] | None = None,
    force: bool = False,
    issuing_card: str | None = None,
    initiating_details: Obj | None = None,
) -> Obj:
    """Record a credit; it succeeds unless the account is closed or inbound-restricted (wires excepted).

    ``initiating_details`` replaces the default ``initiating_payment_method_details`` (credits
    from another financial account over the ``stripe`` network)."""
    failure = None if force else credit_failure(fa, network)
    rc = _received(
        ctx,
        "rc",
        RECEIVED_CREDIT,
        fa,
        amount,
        currency,
        network=network,
        description=description,
        failure=failure,
        initiating_details=initiating_details or _initiating_details(network, payment_method, issuing_card),
        linked_flows={
            "credit_reversal": None,
            "issuing_authorization": None,
            "issuing_transaction": None,
            "source_flow": None,
            "source_flow_details": None,
            "source_flow_type": None,
            **(linked_flows or {}),
        },
        reversal_details=_credit_reversal_details(ctx, network, (linked_flows or {}).get("source_flow_type")),
    )
    if failure is None:
        _settle(ctx, fa, rc, "received_credit", "received_credit", amount)
    ctx.scope.add(rc)
    ctx.emit("treasury.received_credit.created", rc)
    _plan_deadline(ctx, rc)
    return rc


def _credit_reversal_details(ctx: Ctx, network: str, source_flow_type: str | None) -> Obj | None:
    """Whether a CreditReversal may undo the credit, as Stripe's CreditReversal guide tabulates it:
    ACH credits until their deadline; ``stripe`` credits only when an OutboundPayment sent them
    (``source_flow_restricted`` otherwise); wires and RTP never (``network_restricted``; RTP: Stripe's
    2026-09-30 changelog). Card-network credits (Issuing refunds) have none."""
    if network == "ach":
        return {"deadline": reversal_deadline(ctx.now), "restricted_reason": None}
    if network == "stripe":
        restricted = None if source_flow_type == "outbound_payment" else "source_flow_restricted"
        return {"deadline": None, "restricted_reason": restricted}
    if network in ("us_domestic_wire", "rtp"):
        return {"deadline": None, "restricted_reason": "network_restricted"}
    return None


def debit_failure(fa: Obj, amount: int, currency: str) -> str | None:
    blocked = _blocked(fa, "outbound_flows")
    if blocked is not None:
        return blocked
    if fa["balance"]["cash"].get(currency, 0) < amount:
        return "insufficient_funds"
    return None


def receive_debit(
    ctx: Ctx,
    fa: Obj,
    amount: int,
    currency: str,
    *,
    network: str,
    description: str = "Stripe Test",
    linked_flows: dict[str, Any] | None = None,
    payment_method: dict[str, Any] | None = None,
    force: bool = False,
    issuing_card: str | None = None,
    entry_type: str = "received_debit",
    reversal_restricted: str | None = None,
) -> Obj:
    """Record a debit. ``force`` (card captures) always succeeds, even into a negative balance.

    ``entry_type`` names the transaction entry (``inbound_transfer_return`` for a returned
    InboundTransfer); ``reversal_restricted`` sets ``reversal_details.restricted_reason``, which is
    ``network_restricted`` for a ``card`` debit (DebitReversals refuse it: its money comes back through
    an Issuing dispute)."""
    failure = None if force else debit_failure(fa, amount, currency)
    if network == "card" and reversal_restricted is None:
        reversal_restricted = "network_restricted"  # a card debit comes back through an Issuing dispute
    rd = _received(
        ctx,
        "rd",
        RECEIVED_DEBIT,
        fa,
        amount,
        currency,
        network=network,
        description=description,
        failure=failure,
        initiating_details=_initiating_details(network, payment_method, issuing_card),
        linked_flows={
            "debit_reversal": None,
            "inbound_transfer": None,
            "issuing_authorization": None,
            "issuing_transaction": None,
            "payout": None,
            "topup": None,
            **(linked_flows or {}),
        },
        reversal_details={
            "deadline": None if reversal_restricted else reversal_deadline(ctx.now),
            "restricted_reason": reversal_restricted,
        },
    )
    if failure is None:
        _settle(ctx, fa, rd, "received_debit", entry_type, -amount)
    ctx.scope.add(rd)
    ctx.emit("treasury.received_debit.created", rd)
    _plan_deadline(ctx, rd)
    return rd


def reversal_deadline(now: int) -> int:
    return business_days.midnight_after(now, REVERSAL_BUSINESS_DAYS)


def _plan_deadline(ctx: Ctx, received: Obj) -> None:
    deadline = (received.get("reversal_details") or {}).get("deadline")
    if deadline is not None:
        ctx.platform.agenda.add(deadline + 1, deadline_passed, ctx.scope.account_id, received["id"])


def deadline_passed(ctx: Ctx, received_id: str) -> None:
    """The agenda's work just after a received flow's reversal deadline: ``deadline_passed``, unless
    it is restricted for another reason already (reversed, for one)."""
    kind = RECEIVED_CREDIT if received_id.startswith("rc_") else RECEIVED_DEBIT
    received = ctx.scope.get(kind, received_id)
    details = (received or {}).get("reversal_details")
    if details is not None and details.get("restricted_reason") is None:
        details["restricted_reason"] = "deadline_passed"


# --- handlers ------------------------------------------------------------------------------------


def _check_amount(amount: int) -> None:
    """A received credit or debit moves a positive amount (Stripe's message for ``amount=0``)."""
    if amount < 1:
        raise StripeError(AMOUNT_TOO_SMALL, param="amount", code="parameter_invalid_integer")


def _fa(ctx: Ctx) -> Obj:
    return common.get(ctx, FINANCIAL_ACCOUNT, ctx.params["financial_account"], param="financial_account")


def _test_create(ctx: Ctx, receive: Callable[..., Obj]) -> Obj:
    """The test helpers: money received from outside over ``network`` (``receive_credit``/``_debit``)."""
    p = ctx.params
    _check_amount(p["amount"])
    fa = _fa(ctx)
    currency = common.currency(p["currency"])
    _check_currency(fa, currency)
    return receive(
        ctx,
        fa,
        p["amount"],
        currency,
        network=p["network"],
        description=p.get("description") or "Stripe Test",
        payment_method=p.get("initiating_payment_method_details"),
    )


def test_create_credit(ctx: Ctx) -> Obj:
    return _test_create(ctx, receive_credit)


def test_create_debit(ctx: Ctx) -> Obj:
    return _test_create(ctx, receive_debit)


def _filters(p: dict[str, Any]) -> list[Predicate | None]:
    """``status`` and ``linked_flows[source_flow_type]``."""
    flow_type = (p.get("linked_flows") or {}).get("source_flow_type")
    by_flow = (lambda o: (o.get("linked_flows") or {}).get("source_flow_type") == flow_type) if flow_type else None
    return [*account_lists.by_status(p), by_flow]


list_debits = account_lists.handler(RECEIVED_DEBIT, "/v1/treasury/received_debits", _filters)


def with_source_flow_details(ctx: Ctx, rc: Obj) -> Obj:
    """The credit as shown with ``expand[]=linked_flows.source_flow_details``: ``{"type": <flow
    type>, <flow type>: <the flow object>}`` (null when no flow of the platform's sent it)."""
    flows = rc.get("linked_flows") or {}
    source, kind = flows.get("source_flow"), flows.get("source_flow_type")
    found = ctx.platform.find(source) if source and kind else None
    if found is None:
        return rc
    scope, flow = found
    shown = dict(rc)  # a copy for the response: the stored credit keeps the id only
    shown["linked_flows"] = {**flows, "source_flow_details": {"type": kind, kind: ctx.in_scope(scope).rendered(flow)}}
    return shown


def list_credits(ctx: Ctx) -> Obj:
    page = account_lists.of_account(ctx, RECEIVED_CREDIT, "/v1/treasury/received_credits", _filters)
    if LIST_SOURCE_FLOW_DETAILS in ctx.includes:
        page["data"] = [with_source_flow_details(ctx, rc) for rc in page["data"]]
    return page


def retrieve_credit(ctx: Ctx) -> Obj:
    rc = common.get(ctx, RECEIVED_CREDIT, ctx.path["id"])
    return with_source_flow_details(ctx, rc) if SOURCE_FLOW_DETAILS in ctx.includes else rc


def retrieve_debit(ctx: Ctx) -> Obj:
    return common.get(ctx, RECEIVED_DEBIT, ctx.path["id"])


ROUTES: list[Route] = [
    route("POST", "/v1/test_helpers/treasury/received_credits", test_create_credit),
    route("POST", "/v1/test_helpers/treasury/received_debits", test_create_debit),
    route("GET", "/v1/treasury/received_credits", list_credits, includes=[LIST_SOURCE_FLOW_DETAILS]),
    route("GET", "/v1/treasury/received_credits/{id}", retrieve_credit, includes=[SOURCE_FLOW_DETAILS]),
    route("GET", "/v1/treasury/received_debits", list_debits),
    route("GET", "/v1/treasury/received_debits/{id}", retrieve_debit),
]

RESOURCES = (
    Resource(
        RECEIVED_CREDIT,
        prefix="rc",
        title="Received credits",
        routes=ROUTES,
        events=(
            "treasury.received_credit.created",
            "treasury.received_credit.succeeded",
            "treasury.received_credit.failed",
        ),
    ),
    Resource(RECEIVED_DEBIT, prefix="rd", title="Received debits", events=("treasury.received_debit.created",)),
)
