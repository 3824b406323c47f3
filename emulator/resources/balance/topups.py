"""Top-ups (``/v1/topups``): money pulled from the account's bank account into its Stripe balance.

``destination_balance=issuing`` (Stripe's Issuing funding guide for US pull funding) funds the
Issuing balance; without it (or ``payments``) the payments balance (``available``) is funded, which
is how the emulator lets a platform fund transfers and payouts in test mode. Funding the Issuing
balance needs the account's ``card_issuing`` capability to be active. The top-up shows its
``destination_balance`` (``issuing`` | ``payments``), as live top-ups do.

Top-ups are Stripe's pull funding, offered to US accounts in ``usd`` only (UK and euro-area programs
push funds: ``funding_instructions.py``); any other account country or currency is refused
(:data:`NOT_SUPPORTED`, Stripe's wording for a CA account).

Status machine (test mode settles at once)::

    pending --(right after the create response)--> succeeded     topup.created, topup.succeeded
       |                                       \\--> failed        topup.failed (failing test source)
       \\--cancel--> canceled                                      topup.canceled

``source`` takes Stripe's test bank tokens: ``btok_us_verified`` (and no source) succeed; the
failing ones fail with their code (:data:`FAILING_SOURCES`). ``btok_emulator_pending`` is the
emulator's own token for a top-up that stays ``pending`` (so that ``cancel`` can be tested).
Money moves only on success: one ``topup`` balance transaction (+amount) in the destination balance,
which becomes the top-up's ``balance_transaction``.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import TOPUP
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.balance import ledger
from emulator.resources.connect import accounts
from emulator.resources.resource import Resource

URL = "/v1/topups"
MAX_AMOUNT = 99_999_999
PENDING_SOURCE = "btok_emulator_pending"
STATEMENT_DESCRIPTOR_MAX = 15
# Stripe's failing test bank tokens for top-ups -> (failure_code, failure_message).
FAILING_SOURCES: dict[str, tuple[str, str]] = {
    "btok_us_verified_noAccount": ("no_account", "The bank account details on file are probably incorrect."),
    "btok_us_verified_accountClosed": ("account_closed", "The bank account has been closed."),
    "btok_us_verified_insufficientFunds": ("insufficient_funds", "The bank account has insufficient funds."),
    "btok_us_verified_debitNotAuthorized": (
        "debit_not_authorized",
        "The bank account owner has not authorized debits from this account.",
    ),
    "btok_us_verified_invalidCurrency": ("invalid_currency", "The bank account cannot accept this currency."),
}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
AMOUNT_TOO_SMALL = "This value must be greater than or equal to 1."
AMOUNT_TOO_LARGE = "Amount must be no more than {symbol}999,999.99"
NO_ISSUING = (
    "Top-ups to the Issuing balance are not available for this account: its card_issuing capability is not active."
)
DESCRIPTOR_TOO_LONG = "The statement descriptor must be at most 15 characters."
DESCRIPTOR_NO_LETTER = "The statement descriptor must contain at least one letter."
NOT_PENDING = "This top-up cannot be canceled because its status is {status}. Only pending top-ups can be canceled."
DESCRIPTION = "Top-up to the Issuing balance"
NOT_SUPPORTED = "Top-up creation is not supported for country {country} and currency {currency}."
# where Stripe offers pull funding: account country -> currencies
SUPPORTED: dict[str, frozenset[str]] = {"US": frozenset({"usd"})}


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    """Stripe's limits on a money amount: at least 1, at most 999,999.99 in the currency."""
    if amount < 1:
        raise StripeError(AMOUNT_TOO_SMALL, param=param, code="parameter_invalid_integer")
    if amount > MAX_AMOUNT:
        raise StripeError(
            AMOUNT_TOO_LARGE.format(symbol=SYMBOLS.get(currency, currency.upper() + " ")),
            param=param,
            code="amount_too_large",
        )


def _check_descriptor(value: str | None) -> None:
    if value is None:
        return
    if len(value) > STATEMENT_DESCRIPTOR_MAX:
        raise StripeError(DESCRIPTOR_TOO_LONG, param="statement_descriptor", code="parameter_invalid_string")
    if not any(ch.isalpha() for ch in value):
        raise StripeError(DESCRIPTOR_NO_LETTER, param="statement_descriptor", code="parameter_invalid_string")


def new_topup(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    description: str | None,
    metadata: Any = None,
    statement_descriptor: str | None = None,
    transfer_group: str | None = None,
    destination_balance: str = "payments",
    initiated_by: str = "user",
) -> Obj:
    """A stored ``pending`` top-up (no event, no money yet) to ``destination_balance`` (issuing | payments)."""
    topup: Obj = {
        "id": ctx.new_id("tu"),
        "object": TOPUP,
        "amount": amount,
        "balance_transaction": None,
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "destination_balance": destination_balance,
        "expected_availability_date": ctx.now,
        "failure_code": None,
        "failure_message": None,
        "initiated_by": initiated_by,
        "livemode": False,
        "metadata": common.merge_metadata({}, metadata),
        "source": None,
        "statement_descriptor": statement_descriptor,
        "status": "pending",
        "transfer_group": transfer_group,
    }
    ctx.scope.add(topup)
    return topup


def _check_supported(ctx: Ctx, currency: str) -> None:
    account = ctx.scope.platform.account_by_id(ctx.scope.account_id) or {}
    country = str(account.get("country") or "US")
    if currency not in SUPPORTED.get(country, frozenset()):
        raise StripeError(NOT_SUPPORTED.format(country=country, currency=currency.upper()))


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    currency = common.currency(p["currency"])
    check_amount(p["amount"], currency)
    _check_descriptor(p.get("statement_descriptor"))
    _check_supported(ctx, currency)
    destination = p.get("destination_balance") or "payments"
    if destination == "issuing" and not accounts.is_capability_active(ctx, ctx.scope.account_id, "card_issuing"):
        raise StripeError(NO_ISSUING, param="destination_balance")
    topup = new_topup(
        ctx,
        amount=p["amount"],
        currency=currency,
        description=p.get("description"),
        metadata=p.get("metadata"),
        statement_descriptor=p.get("statement_descriptor"),
        transfer_group=p.get("transfer_group"),
        destination_balance=destination,
    )
    meta = ctx.scope.meta_of(topup["id"])
    meta["source"] = p.get("source")
    meta["payment_method"] = p.get("payment_method")
    ctx.emit("topup.created", topup)
    if p.get("source") != PENDING_SOURCE:
        ctx.after_answer(lambda auto: settle(auto, topup))
    return topup


def settle(ctx: Ctx, topup: Obj) -> None:
    """The bank answers: the top-up succeeds (money arrives) or fails with the test source's code."""
    if topup["status"] != "pending":
        return
    meta = ctx.scope.meta_of(topup["id"])
    before = ctx.snapshot(topup)
    failure = FAILING_SOURCES.get(str(meta.get("source") or ""))
    if failure is not None:
        topup["status"] = "failed"
        topup["failure_code"], topup["failure_message"] = failure
        ctx.emit("topup.failed", topup, before)
        return
    to_issuing = topup["destination_balance"] == "issuing"
    txn = ledger.post(
        ctx,
        type="topup",
        amount=topup["amount"],
        currency=topup["currency"],
        source=topup["id"],
        balance="issuing" if to_issuing else "available",
        description=topup["description"] or (DESCRIPTION if to_issuing else None),
    )
    topup["balance_transaction"] = txn["id"]
    topup["status"] = "succeeded"
    ctx.emit("topup.succeeded", topup, before)


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, TOPUP, ctx.path["topup"], param="topup")


def update(ctx: Ctx) -> Obj:
    topup = retrieve(ctx)
    if "description" in ctx.params:
        topup["description"] = ctx.params["description"]
    common.update_metadata(topup, ctx.params)
    return topup


def cancel(ctx: Ctx) -> Obj:
    topup = retrieve(ctx)
    if topup["status"] != "pending":
        raise StripeError(NOT_PENDING.format(status=topup["status"]), param="topup")
    before = ctx.snapshot(topup)
    topup["status"] = "canceled"
    ctx.emit("topup.canceled", topup, before)
    return topup


def list_topups(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Any] = []
    if p.get("status"):
        preds.append(common.equals("status", p["status"]))
    amount = p.get("amount")
    if isinstance(amount, int):
        preds.append(lambda t: t["amount"] == amount)
    elif isinstance(amount, dict):
        bounds: dict[str, int] = amount
        preds.append(lambda t: _in_bounds(t["amount"], bounds))
    return paginate(ctx.scope.store(TOPUP), URL, p, preds, noun=TOPUP)


def _in_bounds(value: int, bounds: dict[str, int]) -> bool:
    checks = {
        "gt": lambda b: value > b,
        "gte": lambda b: value >= b,
        "lt": lambda b: value < b,
        "lte": lambda b: value <= b,
    }
    return all(checks[k](b) for k, b in bounds.items() if k in checks and b is not None)


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_topups),
    route("GET", URL + "/{topup}", retrieve),
    route("POST", URL + "/{topup}", update),
    route("POST", URL + "/{topup}/cancel", cancel),
]

RESOURCE = Resource(
    TOPUP,
    prefix="tu",
    title="Top-ups",
    routes=ROUTES,
    events=("topup.created", "topup.succeeded", "topup.failed", "topup.canceled", "topup.reversed"),
)
