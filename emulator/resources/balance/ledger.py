"""The balance ledger: balance transactions, the only place an account's Stripe balance changes.

API (stable; other modules move money only through it)::

    post(ctx, *, type, amount, currency, source, balance="available", description=None,
         fee=0, available_on=None, reporting_category=None, exchange_rate=None) -> Obj
        Write one ``balance_transaction`` (prefix ``txn``) in ``ctx.scope`` (the account whose
        money moves; use ``ctx.in_scope(...)`` for another account) and move that account's
        ``balance`` ("available" | "pending" | "issuing") by its ``net`` (``amount - fee``).
        ``amount`` is signed (money in > 0, money out < 0) and never 0; ``source`` is the id of
        the object that moved the money (or None). ``pending`` transactions have
        ``status: pending`` until :func:`make_available`. ``exchange_rate`` (a float) is set when
        the money was converted into ``currency`` (a cross-border transfer's settlement). Emits
        ``balance.available`` when money arrives in the available or Issuing balance (none for
        negative transactions, as Stripe, nor for the release of an authorization hold).
    make_available(ctx, txn) -> None
        A ``pending`` transaction's funds become available (pending -> available).
    available(scope, currency, balance="available") -> int
        What the account holds in that balance and currency (may be negative after over-captures).
    amounts(scope, balance="available") -> dict[str, int]
        That balance per currency, read only (nothing is created for an account without money).
    balance_object(scope) -> Obj
        The account's ``balance`` object as ``GET /v1/balance`` shows it.
    transactions_of(scope, source) -> list[Obj]
        The balance transactions written for ``source`` (oldest first).
    check_invariant(scope) -> None
        Raise if a balance differs from the sum of the account's balance transactions.

Amounts are kept per account in ``scope.meta_of(scope.account_id)[BALANCES_KEY]``:
``{"available": {cur: int}, "pending": {...}, "issuing": {...}}``; ``connect_reserved`` is
always 0 (the emulator has no negative-balance reserves). The list filter ``payout=<po_...>`` is
for automatic payouts only: a manual one (``automatic: false``, every API payout) is Stripe's 400
:data:`MANUAL_PAYOUT`; for an automatic payout it gives the transactions whose ``source`` is the
payout, and those whose ids a payout module lists in ``scope.meta_of(payout id)[PAID_OUT_KEY]``
(what the payout paid out).
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import BALANCE_TRANSACTION
from emulator.core.state import Scope
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource

BALANCE = "balance"
BALANCES_KEY = "balance_ledger"  # meta of the account id: the amounts of each balance
SOURCES_KEY = "balance_transactions"  # meta of a source object: ids of its balance transactions
PAID_OUT_KEY = "paid_out"  # meta of a payout: ids of the balance transactions it paid out
BALANCES = ("available", "pending", "issuing")
URL = "/v1/balance_transactions"
HISTORY_URL = "/v1/balance/history"
FEE_DESCRIPTION = "Stripe processing fees"
ZERO_AMOUNT = "A balance transaction cannot move an amount of 0."
UNKNOWN_BALANCE = "Unknown balance {balance!r}: must be one of available, pending, issuing."
NOT_PENDING = "Balance transaction {id} is not pending."
MANUAL_PAYOUT = "Balance transaction history can only be filtered on automatic transfers, not manual."
NOUN = "balance transaction"  # as Stripe's "No such balance transaction: 'txn_...'" names it
LEDGER_MISMATCH = "balance ledger mismatch on {account} {balance} {currency}: {held} held, {summed} summed"

# Positive movements that do not announce ``balance.available`` (a hold given back is no new money).
QUIET_TYPES = frozenset({"issuing_authorization_release"})
# Stripe's reporting category of each balance transaction type (the types the emulator writes).
REPORTING_CATEGORIES: dict[str, str] = {
    "adjustment": "other_adjustment",
    "issuing_authorization_hold": "issuing_authorization_hold",
    "issuing_authorization_release": "issuing_authorization_release",
    "issuing_dispute": "issuing_dispute",
    "issuing_transaction": "issuing_transaction",
    "payment": "charge",
    "payment_refund": "refund",
    "payout": "payout",
    "payout_cancel": "payout_reversal",
    "payout_failure": "payout_reversal",
    "topup": "topup",
    "topup_reversal": "topup_reversal",
    "transfer": "transfer",
    "transfer_cancel": "transfer_reversal",
    "transfer_failure": "transfer_reversal",
    "transfer_refund": "transfer_reversal",
}


def _amounts(scope: Scope) -> dict[str, dict[str, int]]:
    meta = scope.meta_of(scope.account_id)
    amounts: dict[str, dict[str, int]] | None = meta.get(BALANCES_KEY)
    if amounts is None:
        amounts = meta[BALANCES_KEY] = {name: {} for name in BALANCES}
    return amounts


def available(scope: Scope, currency: str, balance: str = "available") -> int:
    """What the account holds in ``balance`` (available, pending or issuing) in ``currency``."""
    return _amounts(scope)[balance].get(currency, 0)


def amounts(scope: Scope, balance: str = "available") -> dict[str, int]:
    """A balance per currency, without creating any book-keeping (dashboards read it)."""
    held: dict[str, dict[str, int]] = scope.meta.get(scope.account_id, {}).get(BALANCES_KEY, {})
    return dict(held.get(balance, {}))


def _move(scope: Scope, balance: str, currency: str, delta: int) -> None:
    bucket = _amounts(scope)[balance]
    bucket[currency] = bucket.get(currency, 0) + delta


def post(
    ctx: Ctx,
    *,
    type: str,  # noqa: A002 - Stripe's field name
    amount: int,
    currency: str,
    source: str | None,
    balance: str = "available",
    description: str | None = None,
    fee: int = 0,
    available_on: int | None = None,
    reporting_category: str | None = None,
    exchange_rate: float | None = None,
) -> Obj:
    """Write one balance transaction in ``ctx.scope`` and move its balance (module docstring)."""
    if balance not in BALANCES:
        raise ValueError(UNKNOWN_BALANCE.format(balance=balance))
    if amount == 0:
        raise ValueError(ZERO_AMOUNT)
    net = amount - fee
    txn: Obj = {
        "id": ctx.new_id("txn"),
        "object": BALANCE_TRANSACTION,
        "amount": amount,
        "available_on": available_on if available_on is not None else ctx.now,
        "balance_type": "issuing" if balance == "issuing" else "payments",
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "exchange_rate": exchange_rate,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": FEE_DESCRIPTION,
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": net,
        "reporting_category": reporting_category or REPORTING_CATEGORIES.get(type, "other_adjustment"),
        "source": source,
        "status": "pending" if balance == "pending" else "available",
        "type": type,
    }
    ctx.scope.add(txn)
    if source:
        ctx.scope.meta_of(source).setdefault(SOURCES_KEY, []).append(txn["id"])
    _move(ctx.scope, balance, currency, net)
    if net > 0 and balance != "pending" and type not in QUIET_TYPES:
        _announce(ctx)
    return txn


def make_available(ctx: Ctx, txn: Obj) -> None:
    """A pending transaction's funds become available (its ``status`` turns ``available``)."""
    if txn["status"] != "pending":
        raise ValueError(NOT_PENDING.format(id=txn["id"]))
    txn["status"] = "available"
    _move(ctx.scope, "pending", txn["currency"], -txn["net"])
    _move(ctx.scope, "available", txn["currency"], txn["net"])
    if txn["net"] > 0:
        _announce(ctx)


def _announce(ctx: Ctx) -> None:
    ctx.emit("balance.available", balance_object(ctx.scope))


def transactions_of(scope: Scope, source: str) -> list[Obj]:
    """The balance transactions written for ``source``, oldest first."""
    store = scope.store(BALANCE_TRANSACTION)
    ids: list[str] = scope.meta.get(source, {}).get(SOURCES_KEY, [])
    return [t for t in (store.get(i) for i in ids) if t is not None]


def _amount_list(per_currency: dict[str, int], *, source_types: bool) -> list[Obj]:
    out: list[Obj] = []
    for currency in sorted(per_currency):
        entry: Obj = {"amount": per_currency[currency], "currency": currency}
        if source_types:
            entry["source_types"] = {"card": per_currency[currency]}
        out.append(entry)
    return out


def balance_object(scope: Scope) -> Obj:
    """The account's balance as ``GET /v1/balance`` shows it (every currency it ever used)."""
    amounts = _amounts(scope)
    currencies = set(amounts["available"]) | set(amounts["pending"])
    if not currencies:
        currencies = {_default_currency(scope)}
    payments = {c: amounts["available"].get(c, 0) for c in currencies}
    pending = {c: amounts["pending"].get(c, 0) for c in currencies}
    out: Obj = {
        "object": BALANCE,
        "available": _amount_list(payments, source_types=True),
        "connect_reserved": [{"amount": 0, "currency": c} for c in sorted(currencies)],
        "livemode": False,
        "pending": _amount_list(pending, source_types=True),
    }
    if amounts["issuing"] or _issues_cards(scope):
        issuing = dict(amounts["issuing"]) or {_default_currency(scope): 0}
        out["issuing"] = {"available": _amount_list(issuing, source_types=False)}
    return out


def _issues_cards(scope: Scope) -> bool:
    account = scope.platform.account_by_id(scope.account_id) or {}
    return (account.get("capabilities") or {}).get("card_issuing") == "active"


def _default_currency(scope: Scope) -> str:
    account = scope.platform.account_by_id(scope.account_id) or {}
    return str(account.get("default_currency") or "usd")


def check_invariant(scope: Scope) -> None:
    """Raise if a balance differs from the sum of the account's balance transactions (tests use it)."""
    summed: dict[str, dict[str, int]] = {name: {} for name in BALANCES}
    for txn in scope.store(BALANCE_TRANSACTION).scan():
        if txn["balance_type"] == "issuing":
            name = "issuing"
        else:
            name = "pending" if txn["status"] == "pending" else "available"
        summed[name][txn["currency"]] = summed[name].get(txn["currency"], 0) + txn["net"]
    for name, per_currency in _amounts(scope).items():
        for currency in set(per_currency) | set(summed[name]):
            held, total = per_currency.get(currency, 0), summed[name].get(currency, 0)
            if held != total:
                detail = LEDGER_MISMATCH.format(
                    account=scope.account_id, balance=name, currency=currency, held=held, summed=total
                )
                raise StripeError(errors.INTERNAL.format(detail=detail), status=500, type="api_error")


# --- handlers -------------------------------------------------------------------------------------


def retrieve_balance(ctx: Ctx) -> Obj:
    return balance_object(ctx.scope)


def list_transactions(ctx: Ctx) -> Obj:
    """``GET /v1/balance_transactions`` (and ``/v1/balance/history``: the spec gives both the same ``url``)."""
    p = ctx.params
    preds: list[Any] = []
    if p.get("type"):
        preds.append(common.equals("type", p["type"]))
    if p.get("source"):
        preds.append(common.equals("source", p["source"]))
    if p.get("currency"):
        wanted_currency = str(p["currency"]).lower()
        preds.append(lambda t: t["currency"] == wanted_currency)
    if p.get("payout"):
        payout_id = p["payout"]
        paid_out: set[str] = set(ctx.scope.meta.get(payout_id, {}).get(PAID_OUT_KEY, ()))
        payout = ctx.scope.get("payout", payout_id)
        if payout is None and not paid_out:
            raise errors.no_such("payout", payout_id, param="payout")
        if payout is not None and not payout.get("automatic"):
            raise StripeError(MANUAL_PAYOUT, param="payout")
        preds.append(lambda t: t["id"] in paid_out or t["source"] == payout_id)
    return paginate(ctx.scope.store(BALANCE_TRANSACTION), URL, p, preds, noun=BALANCE_TRANSACTION)


def retrieve_transaction(ctx: Ctx) -> Obj:
    txn = ctx.scope.get(BALANCE_TRANSACTION, ctx.path["id"])
    if txn is None:
        raise errors.no_such(NOUN, ctx.path["id"], param="id")
    return txn


ROUTES: list[Route] = [
    route("GET", "/v1/balance", retrieve_balance),
    route("GET", URL, list_transactions),
    route("GET", URL + "/{id}", retrieve_transaction),
    route("GET", HISTORY_URL, list_transactions),
    route("GET", HISTORY_URL + "/{id}", retrieve_transaction),
]

RESOURCES = (
    Resource(BALANCE, title="Balance", routes=ROUTES[:1], events=("balance.available",)),
    Resource(BALANCE_TRANSACTION, prefix="txn", title="Balance transactions", routes=ROUTES[1:]),
)
