"""Payouts (``/v1/payouts``): money from an account's available balance to one of its bank accounts.

The account is the caller's (the platform, or the connected account named by ``Stripe-Account``);
``destination`` is one of its bank accounts, by default its ``default_for_currency`` one. Money
moves only through :mod:`emulator.resources.balance.ledger`: ``payout`` (-amount, ``available_on``
the payout's ``arrival_date``, ``description`` the payout's) when the payout is created,
``payout_failure`` (+amount) when it fails, ``payout_cancel`` (+amount) when it is canceled (both
described ``REFUND FOR PAYOUT (<description>)`` when the payout has a description); a reversal is a
new payout (``original_payout``, ``amount`` -original as Stripe's debit payouts) crediting the
amount back (``payout``, +amount). An account whose ``payouts_enabled`` is false cannot pay out.
``source_balance=issuing`` (Stripe's Issuing funding guide) draws on the Issuing balance instead,
and every later movement of that payout (failure, cancel, reversal) goes back to it.

Status machine (test mode settles right after the create response, as top-ups do)::

    pending --> in_transit --> paid        payout.created, payout.updated, payout.paid
                          \\--> failed      payout.failed (Stripe's failing test bank numbers)
    pending --cancel--> canceled           payout.canceled
    paid --reverse--> reversed_by = a new payout (original_payout) that is paid back:
                      payout.updated (original), then the reversal's payout.created, updated, paid

A failed payout sets its bank account's ``status`` to ``errored`` (``account.external_account.updated``);
payouts to an errored bank account are still accepted (Stripe only says scheduled payouts stop).
Reversals (Stripe's requirements): only a connected account's payouts (``Stripe-Account``), to a US
or Canadian bank account, expected to arrive less than 90 days ago.

A payout to the emulator's own test account number :data:`PENDING_NUMBER` stays ``pending`` (so
``cancel`` can be tested). Arrival: standard payouts arrive at the start of the next UTC day,
``instant`` is refused (the test bank accounts offer ``standard`` only).
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT, PAYOUT
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate, range_filter
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.balance import ledger, topups
from emulator.resources.connect import bank_accounts, countries, external_accounts
from emulator.resources.resource import Resource
from emulator.resources.treasury import financial_accounts, flow_destinations, received

URL = "/v1/payouts"
DAY = 86_400
PENDING_NUMBER = bank_accounts.PENDING_NUMBER  # the emulator's test number: payouts to it stay pending

FAILURE_MESSAGES: dict[str, str] = {
    "no_account": "The bank account details on file are probably incorrect. No bank account could be located with "
    "those details.",
    "account_closed": "The bank account has been closed.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "debit_not_authorized": "Debit transactions are not approved on the bank account. (Stripe requires bank accounts "
    "to be set up for both credit and debit payouts.)",
    "invalid_currency": "The bank was unable to process this payout because of its currency. This is probably "
    "because the bank account cannot accept payments in that currency.",
}
BALANCE_INSUFFICIENT = (
    "You have insufficient funds in your Stripe account for this transfer. Your card balance is too low.  You "
    "can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance)."
)
# Stripe's text (gumroad matches it; no code or param known)
# Stripe's error-codes page (the platform cannot pay out for an account with the full Stripe Dashboard)
ON_STANDARD_ACCOUNT = "Transfers and payouts on behalf of a Standard connected account are not allowed."
PAYOUTS_DISABLED = (
    "Cannot create payouts; please contact us via https://support.stripe.com/contact with details for assistance."
)
NO_EXTERNAL_ACCOUNT = "Sorry, you don't have any external accounts in that currency ({currency})."
CURRENCY_MISMATCH = (
    "The currency of the payout ({currency}) does not match the currency of the external account ({bank_currency})."
)
INSTANT_UNSUPPORTED = "Instant payouts are not supported for this external account: it supports standard payouts only."
PAYOUT_METHOD_NOT_EMULATED = (
    "payout_method (v2 payout methods) is not emulated by stripe-issuing-emulator (see docs/connect-money.md): "
    "use destination."
)
CANNOT_CANCEL = "Payouts can only be canceled while they are pending. This payout's status is {status}."
CANNOT_REVERSE = "Only paid payouts can be reversed. This payout's status is {status}."
ALREADY_REVERSED = "This payout has already been reversed."
REVERSAL_OF_REVERSAL = "A payout reversal cannot be reversed."
# Stripe's payout-reversal requirements; its texts for these refusals were not found, so these are ours
REVERSE_OWN_PAYOUT = (
    "You can only reverse payouts of connected accounts: make the request with the Stripe-Account header of the "
    "account that made the payout."
)
REVERSE_COUNTRY = (
    "You can only reverse payouts to US and Canadian bank accounts. This payout's bank account is in {country}."
)
REVERSE_TOO_OLD = "You can only reverse payouts that were expected to arrive less than 90 days ago."
REVERSIBLE_COUNTRIES = frozenset({"US", "CA"})
REVERSAL_WINDOW = 90 * DAY
REFUND_DESCRIPTION = "REFUND FOR PAYOUT ({description})"
ISSUING = "issuing"
FA_NETWORK = "stripe"  # a payout into a financial account of the same account arrives within Stripe
FA_DESCRIPTION = "STRIPE PAYOUT"
BALANCE_KEY = "balance"  # the payout's book (scope.meta): the balance it draws on (``source_balance``)
EVENTS = ("payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled")


def _get(ctx: Ctx, payout_id: str) -> Obj:
    return common.get(ctx, PAYOUT, payout_id, param="payout")


def _destination(ctx: Ctx, p: dict[str, Any], currency: str) -> Obj:
    if p.get("destination") is not None:
        bank = ctx.scope.get(bank_accounts.BANK_ACCOUNT, p["destination"])
        if bank is None:
            raise bank_accounts.no_such_bank_account(p["destination"], "destination")
        if bank["currency"] != currency:
            raise StripeError(
                CURRENCY_MISMATCH.format(currency=currency, bank_currency=bank["currency"]), param="destination"
            )
        return bank
    bank = external_accounts.default_for(ctx, currency)
    if bank is None:
        raise StripeError(NO_EXTERNAL_ACCOUNT.format(currency=currency), param="currency")
    return bank


def _arrival(ctx: Ctx) -> int:
    return (ctx.now // DAY + 1) * DAY


def _new(ctx: Ctx, p: dict[str, Any], amount: int, currency: str, bank: Obj, original: str | None) -> Obj:
    return {
        "id": ctx.new_id("po"),
        "object": PAYOUT,
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": _arrival(ctx),
        "automatic": False,
        "balance_transaction": None,
        "created": ctx.now,
        "currency": currency,
        "description": p.get("description"),
        "destination": bank["id"],
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "method": "standard",
        "original_payout": original,
        "payout_method": None,
        "reconciliation_status": "not_applicable",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": p.get("statement_descriptor"),
        "status": "pending",
        "trace_id": None,
        "type": "bank_account",
    }


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    currency = countries.currency(p["currency"])
    amount: int = p["amount"]
    topups.check_amount(amount, currency)
    account = ctx.platform.account_by_id(ctx.scope.account_id) or {}
    if ctx.scope.is_connected and account.get("type") == "standard":
        raise StripeError(ON_STANDARD_ACCOUNT, code="not_allowed_on_standard_account")
    if account.get("payouts_enabled") is False:
        raise StripeError(PAYOUTS_DISABLED, code="payouts_not_allowed")  # Stripe's error-codes page
    if p.get("payout_method") is not None:
        raise StripeError(PAYOUT_METHOD_NOT_EMULATED, param="payout_method")
    bank = _destination(ctx, p, currency)
    if p.get("method") == "instant":
        raise StripeError(INSTANT_UNSUPPORTED, param="method", code="instant_payouts_unsupported")
    source_type = p.get("source_type") or "card"
    balance = ISSUING if p.get("source_balance") == "issuing" else "available"
    if source_type != "card" or ledger.available(ctx.scope, currency, balance) < amount:
        raise StripeError(BALANCE_INSUFFICIENT, code="balance_insufficient")  # Stripe's body names no param
    payout = _new(ctx, p, amount, currency, bank, None)
    ctx.scope.meta_of(payout["id"])[BALANCE_KEY] = balance
    payout["balance_transaction"] = _post(ctx, payout, -amount)["id"]
    ctx.scope.add(payout)
    ctx.emit("payout.created", payout)
    if not _stays_pending(ctx, bank):
        ctx.after_answer(lambda auto: settle(auto, payout))
    return payout


def _balance_of(ctx: Ctx, payout: Obj) -> str:
    """The balance a payout draws on (a reversal: its original's), ``available`` unless ``source_balance=issuing``."""
    kept: str = ctx.scope.meta_of(payout["original_payout"] or payout["id"]).get(BALANCE_KEY, "available")
    return kept


def _post(ctx: Ctx, payout: Obj, amount: int) -> Obj:
    """The payout's own balance transaction: available on its arrival date, with its description."""
    return ledger.post(
        ctx,
        type="payout",
        amount=amount,
        currency=payout["currency"],
        source=payout["id"],
        balance=_balance_of(ctx, payout),
        available_on=payout["arrival_date"],
        description=payout["description"],
    )


def _refund(ctx: Ctx, payout: Obj, kind: str) -> Obj:
    """The ``payout_failure``/``payout_cancel`` transaction that gives a payout's money back."""
    description = payout["description"]
    return ledger.post(
        ctx,
        type=kind,
        amount=payout["amount"],
        currency=payout["currency"],
        source=payout["id"],
        balance=_balance_of(ctx, payout),
        description=REFUND_DESCRIPTION.format(description=description) if description else None,
    )


def _stays_pending(ctx: Ctx, bank: Obj) -> bool:
    return bank_accounts.payout_failure(ctx, bank) == bank_accounts.STAYS_PENDING


def settle(ctx: Ctx, payout: Obj) -> None:
    """The bank answers: in transit, then paid, or failed with the test number's code."""
    if payout["status"] != "pending":
        return
    before = ctx.snapshot(payout)
    payout["status"] = "in_transit"
    ctx.emit("payout.updated", payout, before)
    before = ctx.snapshot(payout)
    bank = ctx.scope.get(bank_accounts.BANK_ACCOUNT, payout["destination"])
    failure = bank_accounts.payout_failure(ctx, bank) if bank is not None else None
    fa = _financial_account_at(ctx, bank) if bank is not None and payout["original_payout"] is None else None
    if fa is not None and received.credit_failure(fa, FA_NETWORK) is not None:
        failure = "account_closed"  # the financial account cannot take it (closed, or inbound-restricted)
    if payout["original_payout"] is None and failure in FAILURE_MESSAGES:
        assert failure is not None and bank is not None
        payout["status"] = "failed"
        payout["failure_balance_transaction"] = _refund(ctx, payout, "payout_failure")["id"]
        payout["failure_code"] = failure
        payout["failure_message"] = FAILURE_MESSAGES[failure]
        ctx.emit("payout.failed", payout, before)
        external_accounts.mark_errored(ctx, bank)
        return
    payout["status"] = "paid"
    ctx.emit("payout.paid", payout, before)
    if fa is not None:
        received.receive_credit(
            ctx,
            fa,
            payout["amount"],
            payout["currency"],
            network=FA_NETWORK,
            description=payout["statement_descriptor"] or FA_DESCRIPTION,
            linked_flows={"source_flow": payout["id"], "source_flow_type": "payout"},
            initiating_details=flow_destinations.balance_details(),
        )


def _financial_account_at(ctx: Ctx, bank: Obj) -> Obj | None:
    """The account's own financial account whose ABA address ``bank`` was added with, if any (Stripe's
    "Payouts and top-ups from Stripe Payments": a financial account set as an external account)."""
    if bank.get("routing_number") != financial_accounts.TEST_ROUTING_NUMBER:
        return None
    for fa in ctx.scope.store(FINANCIAL_ACCOUNT).values():
        for address in fa.get("financial_addresses") or ():
            aba = address.get("aba") or {}
            number = financial_accounts.account_number(fa, aba.get("account_number_last4", ""))
            if bank_accounts.fingerprint("US", aba.get("routing_number"), number) == bank["fingerprint"]:
                return fa
    return None


def retrieve(ctx: Ctx) -> Obj:
    return _get(ctx, ctx.path["payout"])


def update(ctx: Ctx) -> Obj:
    payout = _get(ctx, ctx.path["payout"])
    before = ctx.snapshot(payout)
    common.update_metadata(payout, ctx.params)
    common.emit_if_changed(ctx, "payout.updated", payout, before)
    return payout


def cancel(ctx: Ctx) -> Obj:
    payout = _get(ctx, ctx.path["payout"])
    if payout["status"] != "pending":
        raise errors.state_error(CANNOT_CANCEL.format(status=payout["status"]))
    before = ctx.snapshot(payout)
    payout["status"] = "canceled"
    payout["failure_balance_transaction"] = _refund(ctx, payout, "payout_cancel")["id"]
    ctx.emit("payout.canceled", payout, before)
    return payout


def reverse(ctx: Ctx) -> Obj:
    original = _get(ctx, ctx.path["payout"])
    if not ctx.scope.is_connected:
        raise StripeError(REVERSE_OWN_PAYOUT)
    if original["original_payout"] is not None:
        raise errors.state_error(REVERSAL_OF_REVERSAL)
    if original["reversed_by"] is not None:
        raise errors.state_error(ALREADY_REVERSED)
    if original["status"] != "paid":
        raise errors.state_error(CANNOT_REVERSE.format(status=original["status"]))
    bank = ctx.scope.get(bank_accounts.BANK_ACCOUNT, original["destination"]) or {"id": original["destination"]}
    if bank.get("country", "US") not in REVERSIBLE_COUNTRIES:
        raise StripeError(REVERSE_COUNTRY.format(country=bank["country"]))
    if original["arrival_date"] <= ctx.now - REVERSAL_WINDOW:
        raise StripeError(REVERSE_TOO_OLD)
    reversal = _new(ctx, ctx.params, -original["amount"], original["currency"], bank, original["id"])
    before = ctx.snapshot(original)
    original["reversed_by"] = reversal["id"]
    ctx.emit("payout.updated", original, before)
    reversal["balance_transaction"] = _post(ctx, reversal, original["amount"])["id"]
    ctx.scope.add(reversal)
    ctx.emit("payout.created", reversal)
    ctx.after_answer(lambda auto: settle(auto, reversal))
    return reversal


def list_payouts(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = [range_filter(p.get("arrival_date"), "arrival_date")]
    preds.extend(common.equals(field, p[field]) for field in ("destination", "status") if p.get(field) is not None)
    return paginate(ctx.scope.store(PAYOUT), URL, p, preds, noun=PAYOUT)


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_payouts),
    route("GET", URL + "/{payout}", retrieve),
    route("POST", URL + "/{payout}", update),
    route("POST", URL + "/{payout}/cancel", cancel),
    route("POST", URL + "/{payout}/reverse", reverse),
]

RESOURCE = Resource(PAYOUT, prefix="po", title="Payouts", routes=ROUTES, events=EVENTS)
