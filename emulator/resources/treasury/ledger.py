"""The money ledger of Treasury financial accounts: transactions and transaction entries.

Every movement of money is a ``treasury.transaction_entry``; a financial account's ``balance``
changes in exactly one place, :func:`add_entry`, by the entry's ``balance_impact``, so the
balance always equals the sum of the account's entries. A ``treasury.transaction`` groups the
entries of one flow (a received credit, an authorization hold, ...) and its ``balance_impact``
is the sum of its entries.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT, TREASURY_TRANSACTION, TREASURY_TRANSACTION_ENTRY
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate_ordered, range_filter
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource
from emulator.resources.treasury import account_lists

ENTRIES_NOT_EXPANDABLE_IN_LIST = "The entries field cannot be expanded when listing transactions."


def zero_balance(currencies: list[str]) -> Obj:
    return {
        "cash": {c: 0 for c in currencies},
        "inbound_pending": {c: 0 for c in currencies},
        "outbound_pending": {c: 0 for c in currencies},
    }


def open_transaction(
    ctx: Ctx,
    fa: Obj,
    *,
    flow_type: str,
    flow: str,
    currency: str,
    description: str,
    amount: int,
    status: str = "open",
) -> Obj:
    trxn: Obj = {
        "id": ctx.new_id("trxn"),
        "object": TREASURY_TRANSACTION,
        "amount": amount,
        "balance_impact": {"cash": 0, "inbound_pending": 0, "outbound_pending": 0},
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "financial_account": fa["id"],
        "flow": flow,
        "flow_type": flow_type,
        "livemode": False,
        "status": status,
        "status_transitions": {
            "posted_at": ctx.now if status == "posted" else None,
            "void_at": ctx.now if status == "void" else None,
        },
    }
    ctx.scope.add(trxn)
    return trxn


def add_entry(
    ctx: Ctx,
    fa: Obj,
    trxn: Obj,
    entry_type: str,
    *,
    cash: int = 0,
    outbound_pending: int = 0,
    inbound_pending: int = 0,
) -> Obj:
    """Append an entry and apply it to the transaction and the financial account's balance."""
    currency = trxn["currency"]
    impact = {"cash": cash, "inbound_pending": inbound_pending, "outbound_pending": outbound_pending}
    entry: Obj = {
        "id": ctx.new_id("trxne"),
        "object": TREASURY_TRANSACTION_ENTRY,
        "balance_impact": impact,
        "created": ctx.now,
        "currency": currency,
        "effective_at": ctx.now,
        "financial_account": fa["id"],
        "flow": trxn["flow"],
        "flow_type": trxn["flow_type"],
        "livemode": False,
        "transaction": trxn["id"],
        "type": entry_type,
    }
    ctx.scope.add(entry)
    ctx.scope.meta_of(trxn["id"]).setdefault("entries", []).append(entry["id"])
    for key, delta in impact.items():
        trxn["balance_impact"][key] += delta
        bucket = fa["balance"][key]
        bucket[currency] = bucket.get(currency, 0) + delta
    return entry


def post(ctx: Ctx, trxn: Obj) -> None:
    trxn["status"] = "posted"
    trxn["status_transitions"]["posted_at"] = ctx.now


def void(ctx: Ctx, trxn: Obj) -> None:
    trxn["status"] = "void"
    trxn["status_transitions"]["void_at"] = ctx.now


def entries_of(ctx: Ctx, trxn: Obj) -> list[Obj]:
    ids: list[str] = ctx.scope.meta_of(trxn["id"]).get("entries", [])
    store = ctx.scope.store(TREASURY_TRANSACTION_ENTRY)
    return [e for e in (store.get(i) for i in ids) if e is not None]


def flow_details(ctx: Ctx, obj: Obj) -> Obj:
    """``expand[]=flow_details``: the object behind ``flow``, under its flow type."""
    flow = ctx.lookup(obj["flow"]) if obj.get("flow") else None
    rendered = ctx.renderer.render(ctx, flow, []) if flow is not None else None
    return {"type": obj["flow_type"], obj["flow_type"]: rendered}


def expand_entries_list(ctx: Ctx, trxn: Obj) -> Obj:
    """``expand[]=entries`` on a transaction: its entries as a list object."""
    return {
        "object": "list",
        "data": entries_of(ctx, trxn),
        "has_more": False,
        "url": "/v1/treasury/transaction_entries",
    }


# --- handlers -------------------------------------------------------------------------------------


POSTED_AT_FILTER = (
    "When using the `status_transitions[posted_at]` filter, `status=posted` and `order_by=posted_at` must "
    "also be specified."
)


def _transaction_filters(p: dict[str, Any]) -> list[Predicate | None]:
    """``status`` and ``status_transitions[posted_at]`` (Stripe: only with ``status=posted`` and
    ``order_by=posted_at``)."""
    posted_at = (p.get("status_transitions") or {}).get("posted_at")
    if posted_at not in (None, "") and (p.get("status") != "posted" or p.get("order_by") != "posted_at"):
        raise StripeError(POSTED_AT_FILTER, param="status_transitions[posted_at]")
    return [*account_lists.by_status(p), range_filter(posted_at, "status_transitions.posted_at")]


def _entry_filters(p: dict[str, Any]) -> list[Predicate | None]:
    """``transaction`` and ``effective_at``."""
    by_transaction = common.equals("transaction", p["transaction"]) if p.get("transaction") else None
    return [by_transaction, range_filter(p.get("effective_at"), "effective_at")]


TRANSACTIONS_URL = "/v1/treasury/transactions"


def list_transactions(ctx: Ctx) -> Obj:
    """Newest first by creation, or with ``order_by=posted_at`` (only with ``status=posted``:
    ``_transaction_filters``) by when they posted, newest first."""
    if ctx.params.get("order_by") != "posted_at":
        return account_lists.of_account(ctx, TREASURY_TRANSACTION, TRANSACTIONS_URL, _transaction_filters)
    return _by_posted_at(ctx)


def _by_posted_at(ctx: Ctx) -> Obj:
    p = ctx.params
    fa_id = common.get(ctx, FINANCIAL_ACCOUNT, p["financial_account"], param="financial_account")["id"]
    preds = [pred for pred in (*_transaction_filters(p), range_filter(p.get("created"), "created")) if pred]
    found = [
        trxn
        for trxn in ctx.scope.store(TREASURY_TRANSACTION).scan()
        if trxn["financial_account"] == fa_id and all(pred(trxn) for pred in preds)
    ]
    found.sort(key=lambda trxn: trxn["status_transitions"]["posted_at"] or 0)  # stable: ties by creation
    found.reverse()
    return paginate_ordered(found, TRANSACTIONS_URL, p, noun=common.noun(TREASURY_TRANSACTION))


list_entries = account_lists.handler(TREASURY_TRANSACTION_ENTRY, "/v1/treasury/transaction_entries", _entry_filters)


def retrieve_transaction(ctx: Ctx) -> Obj:
    return common.get(ctx, TREASURY_TRANSACTION, ctx.path["id"])


def retrieve_entry(ctx: Ctx) -> Obj:
    return common.get(ctx, TREASURY_TRANSACTION_ENTRY, ctx.path["id"])


def check_balance_invariant(ctx: Ctx, fa: Obj) -> None:
    """Raise if the account's balance differs from the sum of its entries (used by tests)."""
    totals: dict[str, dict[str, int]] = {"cash": {}, "inbound_pending": {}, "outbound_pending": {}}
    for entry in ctx.scope.store(TREASURY_TRANSACTION_ENTRY).scan():
        if entry["financial_account"] != fa["id"]:
            continue
        for key, delta in entry["balance_impact"].items():
            totals[key][entry["currency"]] = totals[key].get(entry["currency"], 0) + delta
    for key, per_currency in fa["balance"].items():
        for cur, value in per_currency.items():
            if totals[key].get(cur, 0) != value:
                raise StripeError(
                    errors.INTERNAL.format(detail=f"ledger mismatch on {fa['id']} {key} {cur}"),
                    status=500,
                    type="api_error",
                )


ROUTES: list[Route] = [
    route("GET", "/v1/treasury/transactions", list_transactions),
    route("GET", "/v1/treasury/transactions/{id}", retrieve_transaction),
    route("GET", "/v1/treasury/transaction_entries", list_entries),
    route("GET", "/v1/treasury/transaction_entries/{id}", retrieve_entry),
]

RESOURCES = (
    Resource(
        TREASURY_TRANSACTION,
        prefix="trxn",
        title="Treasury transactions",
        routes=ROUTES,
        virtual={"entries": expand_entries_list, "flow_details": flow_details},
        retrieve_only=frozenset({"entries"}),
    ),
    Resource(
        TREASURY_TRANSACTION_ENTRY,
        prefix="trxne",
        title="Treasury transaction entries",
        virtual={"flow_details": flow_details},
    ),
)
