"""Push funding of the Issuing balance (UK and euro-area programs): Issuing funding instructions.

``POST /v1/issuing/funding_instructions`` (``currency``, ``funding_type=bank_transfer``,
``bank_transfer[type]`` ``gb_bank_transfer`` for ``gbp`` or ``eu_bank_transfer`` for ``eur``)
creates the account's bank details for that currency once and returns the same ones every time;
``GET`` lists them. ``POST /v1/test_helpers/issuing/fund_balance`` (``amount``, ``currency``)
simulates the bank transfer arriving: a succeeded top-up (``topup.created``, ``topup.succeeded``)
whose ``topup`` balance transaction funds the Issuing balance at once; it answers with the
funding instructions of that currency (created if needed), as Stripe's test helper does.

The instructions are kept in ``scope.meta_of(account id)[KEY]`` (currency -> object): they have no id.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import plain_list
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.balance import ledger, topups
from emulator.resources.connect import accounts
from emulator.resources.resource import Resource

FUNDING_INSTRUCTIONS = "funding_instructions"
KEY = "issuing_funding_instructions"
URL = "/v1/issuing/funding_instructions"
FUND_URL = "/v1/test_helpers/issuing/fund_balance"
TRANSFER_TYPES = {"gbp": "gb_bank_transfer", "eur": "eu_bank_transfer"}
HOLDER = "Stripe Payments UK Limited"
EU_HOLDER = "Stripe Technology Europe Limited"
EU_BIC = "SXPYDEHH"
UK_SORT_CODE = "108800"
# The holders' registered offices. Stripe's examples leave the addresses out and its docs do not say what
# they hold; the bank is shown at the holder's address (docs/balances.md, Choices).
UK_ADDRESS: Obj = {
    "city": "London",
    "country": "GB",
    "line1": "211 Old Street",
    "line2": "The Bower Warehouse",
    "postal_code": "EC1V 9NR",
    "state": None,
}
EU_ADDRESS: Obj = {
    "city": "Dublin 2",
    "country": "IE",
    "line1": "1 Grand Canal Street Lower",
    "line2": "The One Building",
    "postal_code": "D02 H210",
    "state": "Co. Dublin",
}
PUSH_CURRENCIES = "Push funding of the Issuing balance is available in gbp and eur only; got {currency}."
TYPE_MISMATCH = "bank_transfer[type] {given} cannot be used for {currency}: use {wanted}."
NO_ISSUING = "This account cannot fund an Issuing balance: its card_issuing capability is not active."
FUND_DESCRIPTION = "Issuing balance funding (bank transfer)"


def _push_currency(value: str, param: str = "currency") -> str:
    currency = common.currency(value, param)
    if currency not in TRANSFER_TYPES:
        raise StripeError(PUSH_CURRENCIES.format(currency=currency), param=param, code="parameter_invalid")
    return currency


def _check_issuing(ctx: Ctx) -> None:
    if not accounts.is_capability_active(ctx, ctx.scope.account_id, "card_issuing"):
        raise StripeError(NO_ISSUING)


def _address(ctx: Ctx, currency: str) -> Obj:
    digits = ctx.state.ids.digits(8)
    if currency == "gbp":
        return {
            "sort_code": {
                "account_holder_address": dict(UK_ADDRESS),
                "account_holder_name": HOLDER,
                "account_number": digits,
                "bank_address": dict(UK_ADDRESS),
                "sort_code": UK_SORT_CODE,
            },
            "supported_networks": ["bacs", "fps"],
            "type": "sort_code",
        }
    return {
        "iban": {
            "account_holder_address": dict(EU_ADDRESS),
            "account_holder_name": EU_HOLDER,
            "bank_address": dict(EU_ADDRESS),
            "bic": EU_BIC,
            "country": "DE",
            "iban": f"DE0010000000{digits}00",
        },
        "supported_networks": ["sepa"],
        "type": "iban",
    }


def instructions_for(ctx: Ctx, currency: str) -> Obj:
    """The account's funding instructions for ``currency``, created on first use."""
    stored: dict[str, Obj] = ctx.scope.meta_of(ctx.scope.account_id).setdefault(KEY, {})
    found = stored.get(currency)
    if found is None:
        found = stored[currency] = {
            "object": FUNDING_INSTRUCTIONS,
            "bank_transfer": {
                "country": "GB" if currency == "gbp" else "DE",
                "financial_addresses": [_address(ctx, currency)],
                "type": TRANSFER_TYPES[currency],
            },
            "currency": currency,
            "funding_type": "bank_transfer",
            "livemode": False,
        }
    return found


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    currency = _push_currency(p["currency"])
    given = (p.get("bank_transfer") or {}).get("type")
    if given != TRANSFER_TYPES[currency]:
        raise StripeError(
            TYPE_MISMATCH.format(given=given, currency=currency, wanted=TRANSFER_TYPES[currency]),
            param="bank_transfer[type]",
            code="parameter_invalid",
        )
    _check_issuing(ctx)
    return instructions_for(ctx, currency)


def list_instructions(ctx: Ctx) -> Obj:
    stored: dict[str, Obj] = ctx.scope.meta.get(ctx.scope.account_id, {}).get(KEY, {})
    return plain_list(URL, [stored[c] for c in sorted(stored)])


def fund_balance(ctx: Ctx) -> Obj:
    p = ctx.params
    currency = _push_currency(p["currency"])
    topups.check_amount(p["amount"], currency)
    _check_issuing(ctx)
    instructions = instructions_for(ctx, currency)
    topup = topups.new_topup(
        ctx,
        amount=p["amount"],
        currency=currency,
        description=FUND_DESCRIPTION,
        destination_balance="issuing",
        initiated_by="stripe",
    )
    ctx.emit("topup.created", topup)
    before = ctx.snapshot(topup)
    txn = ledger.post(
        ctx,
        type="topup",
        amount=topup["amount"],
        currency=currency,
        source=topup["id"],
        balance="issuing",
        description=FUND_DESCRIPTION,
    )
    topup["balance_transaction"] = txn["id"]
    topup["status"] = "succeeded"
    ctx.emit("topup.succeeded", topup, before)
    return instructions


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_instructions),
    route("POST", FUND_URL, fund_balance),
]

RESOURCE = Resource(FUNDING_INSTRUCTIONS, title="Issuing funding instructions", routes=ROUTES)
