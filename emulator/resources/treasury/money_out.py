"""What OutboundTransfers and OutboundPayments share: checks, money and the status machine.

Both push money out of a financial account and move through the same states::

    processing --post--> posted --return--> returned
        |  \\--fail--> failed
        \\--cancel (cancelable only)--> canceled
    processing --return--> (posted, then) returned

Money, on one ``treasury.transaction`` (``flow_type`` = the flow) per flow:

* create: entry ``<flow>`` {cash -X, outbound_pending +X}; transaction ``open``;
* post: entry ``<flow>_posting`` {outbound_pending -X}; transaction ``posted``;
* fail / cancel: entry ``<flow>_failure`` / ``<flow>_cancellation`` {cash +X, outbound_pending -X};
  transaction ``void``;
* return: a second, posted transaction with entry ``<flow>_return`` {cash +X}, named by
  ``returned_details.transaction``.

A flow to another financial account (network ``stripe``) posts as it is created (Stripe's money
movement timelines: such flows "post immediately"; the create answers ``posted``, its ``.created``
event shows it ``processing``, and ``.posted`` follows) and credits that account through a
ReceivedCredit (network ``stripe``, ``linked_flows.source_flow`` = the flow); if that account
refuses the credit (closed, inbound flows restricted) the flow is returned at once with
``account_closed``/``account_frozen``. ``stripe`` flows cannot be canceled or returned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT, TREASURY_TRANSACTION
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.treasury import account_lists, business_days, flow_destinations, ledger, received
from emulator.resources.treasury.flow_destinations import Destination

DAY = 24 * 3600
ACH_BUSINESS_DAYS = 2
DESCRIPTOR_LIMITS = {"ach": 10, "us_domestic_wire": 140, "stripe": 500}
_DESCRIPTOR = re.compile(r"[A-Za-z0-9 \-#.$&*]*")

MIN_ONE = "This value must be greater than or equal to 1."
FA_CLOSED = "The FinancialAccount {fa} is closed and cannot send funds."
CURRENCY_NOT_SUPPORTED = "The FinancialAccount {fa} does not support the currency {currency}."
FEATURE_INACTIVE = "The FinancialAccount {fa} cannot be used for this {noun}: its `{feature}` feature is {status}. "
NOT_REQUESTED_HINT = "Request the feature with `features[{bracket}][requested]=true`."
STATUS_DETAILS_HINT = "Its `status_details` say why: {codes}."
INSUFFICIENT_FUNDS = (
    "The FinancialAccount {fa} has insufficient funds for this {noun}: {amount} {currency} requested, "
    "{cash} {currency} available."
)
DESCRIPTOR_TOO_LONG = "Invalid statement_descriptor: must be at most {max} characters for {network} {noun}s."
DESCRIPTOR_CHARS = (
    "Invalid statement_descriptor: it can only include alphanumeric characters, spaces and the special "
    "characters - # . $ & *."
)
BAD_TRANSITION = "Only {noun}s in status {allowed} can be {done}; {id} is {status}."
NOT_CANCELABLE = "This {noun} cannot be canceled: it is {status}."
NOT_CANCELABLE_NETWORK = "This {noun} was sent over the {network} network and can no longer be canceled."
STRIPE_NOT_RETURNABLE = "{noun}s sent to another FinancialAccount over the stripe network cannot be returned."
TRACKING_TYPE = "tracking_details[type] must be {network}, the network this {noun} was sent over."
TRACKING_STRIPE = "{noun}s sent over the stripe network have no tracking details."
TRACKING_MISSING = "tracking_details[{network}] is required when tracking_details[type] is {network}."
TRACKING_WIRE_EMPTY = "tracking_details[us_domestic_wire] must include at least one of chips, imad or omad."
TRACKING_CANCELABLE = (
    "This {noun} is still cancelable: tracking details can only be set once it can no longer be canceled."
)
TRACKING_STATE = "Tracking details cannot be set on a {noun} in status {status}."
TRACKING_ALREADY_SET = "The tracking details of this {noun} have already been set."
TRACKABLE = ("processing", "posted", "returned")


EVENTS = ("created", "posted", "failed", "canceled", "returned", "tracking_details_updated")


@dataclass(frozen=True)
class Flow:
    """What differs between OutboundTransfers and OutboundPayments."""

    object_type: str  # "treasury.outbound_transfer"
    flow_type: str  # "outbound_transfer" (also the transaction entry prefix)
    noun: str  # "OutboundTransfer", for messages
    url: str
    path_param: str  # the path parameter naming one object
    default_descriptor: str
    feature_prefix: str  # "outbound_transfers" -> "outbound_transfers.ach"

    def event(self, what: str) -> str:
        return f"{self.object_type}.{what}"

    def feature(self, network: str) -> str:
        return "intra_stripe_flows" if network == "stripe" else f"{self.feature_prefix}.{network}"

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(self.event(what) for what in EVENTS)


# --- checks --------------------------------------------------------------------------------------


def source_account(ctx: Ctx, fa_id: str) -> Obj:
    return common.get(ctx, FINANCIAL_ACCOUNT, fa_id, param="financial_account")


def check_amount(amount: int) -> None:
    if amount < 1:
        raise StripeError(MIN_ONE, param="amount", code="parameter_invalid_integer")


def check_currency(fa: Obj, value: str) -> str:
    currency = common.currency(value)
    if currency not in fa["supported_currencies"]:
        raise StripeError(CURRENCY_NOT_SUPPORTED.format(fa=fa["id"], currency=currency), param="currency")
    return currency


def check_open(fa: Obj) -> None:
    if fa["status"] != "open":
        raise StripeError(FA_CLOSED.format(fa=fa["id"]), param="financial_account")


def check_feature(ctx: Ctx, fa: Obj, feature: str, noun: str) -> None:
    """The feature must be active (requested, capabilities active, not restricted by the platform);
    ``intra_stripe_flows`` restricted only by ``inbound_flows`` still lets the account send."""
    from emulator.resources.treasury import financial_accounts

    if feature in fa["active_features"]:
        return
    if feature == financial_accounts.INTRA_STRIPE and financial_accounts.allows_intra_stripe(ctx, fa, "outbound_flows"):
        return  # restricted by inbound_flows only: the account may still send over the stripe network
    head, _, tail = feature.partition(".")
    if feature in ctx.scope.meta_of(fa["id"]).get("requested", []):
        status, details = financial_accounts.feature_state(ctx, fa, feature)
        hint = STATUS_DETAILS_HINT.format(codes=", ".join(f"`{d['code']}`" for d in details) or "none")
    else:
        status, hint = "not requested", NOT_REQUESTED_HINT.format(bracket=f"{head}][{tail}" if tail else head)
    message = FEATURE_INACTIVE.format(fa=fa["id"], noun=noun, feature=feature, status=status) + hint
    raise StripeError(message, param="financial_account")


def check_funds(fa: Obj, amount: int, currency: str, noun: str) -> None:
    cash = fa["balance"]["cash"].get(currency, 0)
    if cash < amount:
        raise StripeError(
            INSUFFICIENT_FUNDS.format(fa=fa["id"], noun=noun, amount=amount, currency=currency, cash=cash),
            param="amount",
            code="insufficient_funds",
        )


def statement_descriptor(value: str | None, network: str, flow: Flow) -> str:
    if value is None or value == "":
        return flow.default_descriptor
    limit = DESCRIPTOR_LIMITS[network]
    if len(value) > limit:
        raise StripeError(
            DESCRIPTOR_TOO_LONG.format(max=limit, network=network, noun=flow.noun),
            param="statement_descriptor",
            code="parameter_invalid",
        )
    check_descriptor_chars(value)
    return value


def check_descriptor_chars(value: str) -> None:
    if not _DESCRIPTOR.fullmatch(value):
        raise StripeError(DESCRIPTOR_CHARS, param="statement_descriptor", code="parameter_invalid")


def expected_arrival(now: int, network: str) -> int:
    """``stripe`` and wires arrive the same day (the creation time); ACH two business days later
    (00:00 UTC, weekends skipped)."""
    if network != "ach":
        return now
    return business_days.midnight_after(now, ACH_BUSINESS_DAYS)


# --- creation ------------------------------------------------------------------------------------


def prepare(ctx: Ctx, flow: Flow, *, bank_data: bool, same_account: bool) -> tuple[Obj, str, Destination]:
    """Check a create request; return the source account, the currency and the destination."""
    p = ctx.params
    fa = source_account(ctx, p["financial_account"])
    check_amount(p["amount"])
    currency = check_currency(fa, p["currency"])
    check_open(fa)
    destination = flow_destinations.resolve(ctx, p, fa, currency, bank_data=bank_data, same_account=same_account)
    check_feature(ctx, fa, flow.feature(destination.network), flow.noun)
    check_funds(fa, p["amount"], currency, flow.noun)
    return fa, currency, destination


def new_object(ctx: Ctx, flow: Flow, prefix: str, fa: Obj, currency: str, destination: Destination) -> Obj:
    """The common fields of a new, ``processing`` flow object (not stored yet)."""
    p = ctx.params
    obj_id = ctx.new_id(prefix)
    return {
        "id": obj_id,
        "object": flow.object_type,
        "amount": p["amount"],
        "cancelable": destination.network == "ach",
        "created": ctx.now,
        "currency": currency,
        "description": p.get("description"),
        "destination_payment_method": destination.payment_method,
        "destination_payment_method_details": destination.details,
        "expected_arrival_date": expected_arrival(ctx.now, destination.network),
        "financial_account": fa["id"],
        "hosted_regulatory_receipt_url": f"https://payments.stripe.com/regulatory-receipt/{obj_id}",
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "returned_details": None,
        "statement_descriptor": statement_descriptor(p.get("statement_descriptor"), destination.network, flow),
        "status": "processing",
        "status_transitions": {"canceled_at": None, "failed_at": None, "posted_at": None, "returned_at": None},
        "tracking_details": None,
        "transaction": None,
    }


def transaction_description(flow: Flow, obj: Obj) -> str:
    """What the flow's transaction says: to a bank account, Stripe's composed text (its examples:
    ``Jane Austen (6789) | Outbound transfer | transfer``, whatever the flow's own description);
    otherwise the flow's description, else its noun."""
    details = obj.get("destination_payment_method_details") or {}
    name = (details.get("billing_details") or {}).get("name")
    last4 = (details.get("us_bank_account") or {}).get("last4")
    if details.get("type") == "us_bank_account" and name and last4:
        kind = flow.flow_type.replace("_", " ").capitalize()  # "Outbound transfer"
        return f"{name} ({last4}) | {kind} | {obj['statement_descriptor']}"
    return str(obj["description"] or flow.noun)


def start(ctx: Ctx, flow: Flow, fa: Obj, obj: Obj, destination: Destination) -> Obj:
    """Hold the money (cash -> outbound_pending), store the object, emit ``.created``."""
    amount = obj["amount"]
    trxn = ledger.open_transaction(
        ctx,
        fa,
        flow_type=flow.flow_type,
        flow=obj["id"],
        currency=obj["currency"],
        description=transaction_description(flow, obj),
        amount=-amount,
    )
    ledger.add_entry(ctx, fa, trxn, flow.flow_type, cash=-amount, outbound_pending=amount)
    obj["transaction"] = trxn["id"]
    meta = ctx.scope.meta_of(obj["id"])
    meta["network"] = destination.network
    if destination.target is not None:
        meta["target"] = [destination.target[0].account_id, destination.target[1]["id"]]
    ctx.scope.add(obj)
    ctx.emit(flow.event("created"), obj)
    if destination.network == "stripe":  # Stripe's timelines: "post immediately", in and out of hours
        post(ctx, flow, obj)
    return obj


# --- transitions ---------------------------------------------------------------------------------


def _objects(ctx: Ctx, obj: Obj) -> tuple[Obj, Obj]:
    fa = source_account(ctx, obj["financial_account"])
    trxn = ctx.scope.get(TREASURY_TRANSACTION, obj["transaction"])
    assert trxn is not None, obj["transaction"]
    return fa, trxn


def _require(flow: Flow, obj: Obj, allowed: tuple[str, ...], done: str) -> None:
    if obj["status"] not in allowed:
        raise StripeError(
            BAD_TRANSITION.format(
                noun=flow.noun, allowed=" or ".join(allowed), done=done, id=obj["id"], status=obj["status"]
            )
        )


def network_of(ctx: Ctx, obj: Obj) -> str:
    return str(ctx.scope.meta_of(obj["id"]).get("network", "ach"))


def _release(ctx: Ctx, flow: Flow, obj: Obj, entry_suffix: str, status: str) -> None:
    fa, trxn = _objects(ctx, obj)
    amount = obj["amount"]
    ledger.add_entry(ctx, fa, trxn, f"{flow.flow_type}_{entry_suffix}", cash=amount, outbound_pending=-amount)
    ledger.void(ctx, trxn)
    obj["status"] = status
    obj["cancelable"] = False
    obj["status_transitions"][f"{status}_at"] = ctx.now


def _credit_target(ctx: Ctx, flow: Flow, obj: Obj) -> str | None:
    """Credit the destination financial account (``stripe`` network); its failure code if refused."""
    target = ctx.scope.meta_of(obj["id"]).get("target")
    if target is None:
        return None
    account_id, fa_id = target
    scope = ctx.platform.scope(account_id)
    dest = scope.get(FINANCIAL_ACCOUNT, fa_id)
    if dest is None:
        return "no_account"
    sub = ctx.in_scope(scope)
    details = flow_destinations.financial_account_details(source_account(ctx, obj["financial_account"]))
    rc = received.receive_credit(
        sub,
        dest,
        obj["amount"],
        obj["currency"],
        network="stripe",
        description=obj["description"] or obj["statement_descriptor"],
        linked_flows={"source_flow": obj["id"], "source_flow_type": flow.flow_type},
        initiating_details=details,
    )
    ctx.scope.meta_of(obj["id"])["received_credit"] = rc["id"]
    failure: str | None = rc["failure_code"]
    return failure


def post(ctx: Ctx, flow: Flow, obj: Obj) -> Obj:
    _require(flow, obj, ("processing",), "posted")
    before = ctx.snapshot(obj)
    fa, trxn = _objects(ctx, obj)
    ledger.add_entry(ctx, fa, trxn, f"{flow.flow_type}_posting", outbound_pending=-obj["amount"])
    ledger.post(ctx, trxn)
    obj["status"] = "posted"
    obj["cancelable"] = False
    obj["status_transitions"]["posted_at"] = ctx.now
    ctx.emit(flow.event("posted"), obj, before)
    refused = _credit_target(ctx, flow, obj)
    if refused is not None:
        _give_back(ctx, flow, obj, "account_closed" if refused == "account_closed" else "account_frozen")
    return obj


def fail(ctx: Ctx, flow: Flow, obj: Obj) -> Obj:
    _require(flow, obj, ("processing",), "failed")
    before = ctx.snapshot(obj)
    _release(ctx, flow, obj, "failure", "failed")
    ctx.emit(flow.event("failed"), obj, before)
    return obj


def cancel(ctx: Ctx, flow: Flow, obj: Obj) -> Obj:
    if obj["status"] != "processing":
        raise StripeError(NOT_CANCELABLE.format(noun=flow.noun, status=obj["status"]))
    if not obj["cancelable"]:
        raise StripeError(NOT_CANCELABLE_NETWORK.format(noun=flow.noun, network=network_of(ctx, obj)))
    before = ctx.snapshot(obj)
    _release(ctx, flow, obj, "cancellation", "canceled")
    ctx.emit(flow.event("canceled"), obj, before)
    return obj


def _give_back(ctx: Ctx, flow: Flow, obj: Obj, code: str) -> None:
    """Posted -> returned: the money comes back through a second, posted transaction."""
    before = ctx.snapshot(obj)
    fa = source_account(ctx, obj["financial_account"])
    amount = obj["amount"]
    trxn = ledger.open_transaction(
        ctx,
        fa,
        flow_type=flow.flow_type,
        flow=obj["id"],
        currency=obj["currency"],
        description=f"Return of {obj['description'] or flow.noun}",
        amount=amount,
        status="posted",
    )
    ledger.add_entry(ctx, fa, trxn, f"{flow.flow_type}_return", cash=amount)
    obj["status"] = "returned"
    obj["returned_details"] = {"code": code, "transaction": trxn["id"]}
    obj["status_transitions"]["returned_at"] = ctx.now
    ctx.emit(flow.event("returned"), obj, before)


def return_(ctx: Ctx, flow: Flow, obj: Obj) -> Obj:
    _require(flow, obj, ("processing", "posted"), "returned")
    if network_of(ctx, obj) == "stripe":
        raise StripeError(STRIPE_NOT_RETURNABLE.format(noun=flow.noun))
    if obj["status"] == "processing":
        post(ctx, flow, obj)
    code = ((ctx.params.get("returned_details") or {}).get("code")) or "declined"
    _give_back(ctx, flow, obj, code)
    return obj


def update_tracking(ctx: Ctx, flow: Flow, obj: Obj) -> Obj:
    """Test helper: set ``tracking_details`` (trace ids of the network) once. Stripe: the flow "must
    not be cancelable, and cannot be in the canceled or failed states"; an error "if
    tracking_details has already been set"."""
    if obj["status"] not in TRACKABLE:
        raise StripeError(TRACKING_STATE.format(noun=flow.noun, status=obj["status"]))
    if obj["cancelable"]:
        raise StripeError(TRACKING_CANCELABLE.format(noun=flow.noun))
    if obj.get("tracking_details") is not None:
        raise StripeError(TRACKING_ALREADY_SET.format(noun=flow.noun), param="tracking_details")
    network = network_of(ctx, obj)
    params: dict[str, Any] = ctx.params["tracking_details"]
    kind = params["type"]
    if network == "stripe":
        raise StripeError(TRACKING_STRIPE.format(noun=flow.noun), param="tracking_details[type]")
    if kind != network:
        raise StripeError(TRACKING_TYPE.format(network=network, noun=flow.noun), param="tracking_details[type]")
    details = params.get(kind)
    if not details:
        raise StripeError(
            TRACKING_MISSING.format(network=kind), param=f"tracking_details[{kind}]", code="parameter_missing"
        )
    # only the key of the network is present (Stripe's types: ``ach?`` and ``us_domestic_wire?``, not nullable)
    tracking: Obj
    if kind == "ach":
        tracking = {"ach": {"trace_id": details["trace_id"]}, "type": kind}
    else:
        wire = {k: details.get(k) for k in ("chips", "imad", "omad")}
        if not any(wire.values()):
            raise StripeError(TRACKING_WIRE_EMPTY, param="tracking_details[us_domestic_wire]")
        tracking = {"type": kind, "us_domestic_wire": wire}
    before = ctx.snapshot(obj)
    obj["tracking_details"] = tracking
    ctx.emit(flow.event("tracking_details_updated"), obj, before)
    return obj


# --- handlers ------------------------------------------------------------------------------------

Action = Callable[[Ctx, Flow, Obj], Obj]


def get(ctx: Ctx, flow: Flow) -> Obj:
    return common.get(ctx, flow.object_type, ctx.path[flow.path_param], param=flow.path_param)


def handler(flow: Flow, action: Action) -> Callable[[Ctx], Obj]:
    def handle(ctx: Ctx) -> Obj:
        return action(ctx, flow, get(ctx, flow))

    return handle


def retrieve_handler(flow: Flow) -> Callable[[Ctx], Obj]:
    def retrieve(ctx: Ctx) -> Obj:
        return get(ctx, flow)

    return retrieve


def routes(flow: Flow, create: Callable[[Ctx], Obj], filters: account_lists.Filters | None = None) -> list[Route]:
    """A flow's routes: create (``create``), list (``filters`` on top of financial account and
    status), retrieve, cancel, and the test helpers (tracking details, post, fail, return)."""
    one = f"{flow.url}/{{{flow.path_param}}}"
    helpers = "/v1/test_helpers" + one.removeprefix("/v1")

    def listed(p: dict[str, Any]) -> list[Predicate | None]:
        return [*account_lists.by_status(p), *(filters(p) if filters is not None else ())]

    return [
        route("POST", flow.url, create),
        route("GET", flow.url, account_lists.handler(flow.object_type, flow.url, listed)),
        route("GET", one, retrieve_handler(flow)),
        route("POST", one + "/cancel", handler(flow, cancel)),
        route("POST", helpers, handler(flow, update_tracking)),
        route("POST", helpers + "/post", handler(flow, post)),
        route("POST", helpers + "/fail", handler(flow, fail)),
        route("POST", helpers + "/return", handler(flow, return_)),
    ]
