"""Where Treasury money movements go to or come from: external bank accounts and financial accounts.

The emulator has no PaymentMethod objects. A ``destination_payment_method`` or
``origin_payment_method`` is accepted when it is a PaymentMethod or bank account id (``pm_…``,
``ba_…``) and stands for Stripe's test bank account (``STRIPE TEST BANK``, routing
``110000000``, last4 ``6789``, Jane Austen in San Francisco), except Stripe's test card
PaymentMethods (``pm_card_…``: a 400, cards cannot move Treasury money); any other value is
Stripe's 404 for a PaymentMethod. ``destination_payment_method_data`` describes the destination inline:

* ``us_bank_account`` (OutboundPayments): ``routing_number`` (9 digits, ABA check digit) and ``account_number``
  (4 to 17 digits), or a ``financial_connections_account`` (``fca_…``);
* ``financial_account``: another open financial account of the same account (OutboundTransfers)
  or of any account of the platform (OutboundPayments), reached over the ``stripe`` network; its
  ``intra_stripe_flows`` feature must be active (Stripe: both accounts need it), or restricted by
  the platform's ``outbound_flows`` only (Stripe's features guide: such an account "can still be
  the destination of an outbound payment").

Bank destinations use ``ach`` unless ``destination_payment_method_options[us_bank_account]
[network]`` says ``us_domestic_wire``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT
from emulator.core.state import Scope
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.resources import common
from emulator.resources.connect import bank_accounts

BANK_ACCOUNT_PREFIX = "ba_"
PM_PREFIXES = ("pm_", BANK_ACCOUNT_PREFIX)
TEST_ROUTING = "110000000"
TEST_LAST4 = "6789"
BANK_NAME = "STRIPE TEST BANK"
_ROUTING = re.compile(r"\d{9}")
_ACCOUNT_NUMBER = re.compile(r"\d{4,17}")
_FINGERPRINT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

NO_SUCH_PAYMENT_METHOD = "No such PaymentMethod: '{id}'"
CARD_PAYMENT_METHOD = (
    "The PaymentMethod {id} is of type card. Treasury money movement needs a us_bank_account PaymentMethod."
)
CARD_TEST_PREFIX = "pm_card_"  # Stripe's test card PaymentMethods (pm_card_visa, ...)
PM_AND_DATA = (
    "You may only specify one of these parameters: destination_payment_method, destination_payment_method_data."
)
PM_OR_DATA = "You must provide either destination_payment_method or destination_payment_method_data."
BANK_DETAILS_MISSING = (
    "destination_payment_method_data[us_bank_account] must include routing_number and account_number, "
    "or a financial_connections_account."
)
BAD_ROUTING = (
    "Invalid routing number: {value}. A US routing number has 9 digits and a valid ABA check digit "
    "(for example 110000000)."
)
BAD_ACCOUNT_NUMBER = "Invalid account number: {value}. A US account number has 4 to 17 digits."
BAD_FC_ACCOUNT = "No such financial connections account: '{id}'"
SAME_ACCOUNT = "The destination FinancialAccount must be different from the source FinancialAccount {fa}."
DESTINATION_CLOSED = "The destination FinancialAccount {fa} is closed and cannot receive funds."
DESTINATION_CURRENCY = "The destination FinancialAccount {fa} does not support the currency {currency}."
DESTINATION_FEATURE = (
    "The destination FinancialAccount {fa} cannot receive funds over the stripe network: its "
    "`intra_stripe_flows` feature is {status}. Both financial accounts need it active (a destination may "
    "have only its outbound_flows restricted)."
)
INTRA_STRIPE = "intra_stripe_flows"


@dataclass(frozen=True)
class Destination:
    """A resolved destination: its wire details, network and (for ``stripe``) the target account."""

    details: Obj
    network: str
    payment_method: str | None
    target: tuple[Scope, Obj] | None = None


def fingerprint(seed: str) -> str:
    """A stable 16-character fingerprint for a bank account (same account, same fingerprint)."""
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:12], "big")
    out = []
    for _ in range(16):
        digest, rem = divmod(digest, len(_FINGERPRINT_ALPHABET))
        out.append(_FINGERPRINT_ALPHABET[rem])
    return "".join(out)


def _empty_address() -> Obj:
    return {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def _test_billing() -> Obj:
    return {
        "address": {
            "city": "San Francisco",
            "country": "US",
            "line1": "1234 Fake Street",
            "line2": None,
            "postal_code": "94102",
            "state": "CA",
        },
        "email": None,
        "name": "Jane Austen",
    }


def _billing(data: dict[str, Any] | None) -> Obj:
    data = data or {}
    address = data.get("address") or {}
    out: Obj = {"address": _empty_address(), "email": data.get("email"), "name": data.get("name")}
    for key in out["address"]:
        if address.get(key):
            out["address"][key] = address[key]
    return out


def _bank(network: str, *, routing: str, last4: str, seed: str, holder: str | None, kind: str | None) -> Obj:
    return {
        "account_holder_type": holder,
        "account_type": kind,
        "bank_name": BANK_NAME,
        "fingerprint": fingerprint(seed),
        "last4": last4,
        "network": network,
        "routing_number": routing,
    }


def check_payment_method(pm_id: str, param: str) -> None:
    if not pm_id.startswith(PM_PREFIXES) or len(pm_id) <= 3:
        raise errors.resource_missing(NO_SUCH_PAYMENT_METHOD.format(id=pm_id), pm_id, param)
    if pm_id.startswith(CARD_TEST_PREFIX):
        raise StripeError(CARD_PAYMENT_METHOD.format(id=pm_id[:60]), param=param)


def saved_method(ctx: Ctx, pm_id: str, network: str, param: str) -> Obj:
    """Details of a saved payment method: a ``ba_`` bank account is one of the account's own
    external accounts (another's, or none, is Stripe's ``resource_missing``: OutboundTransfers go
    to a bank account "belonging to the same entity"); a ``pm_`` id (PaymentMethods are not
    emulated) is Stripe's test bank account."""
    check_payment_method(pm_id, param)
    if pm_id.startswith(BANK_ACCOUNT_PREFIX):
        bank = ctx.scope.get(bank_accounts.BANK_ACCOUNT, pm_id)
        if bank is None:
            raise errors.resource_missing(NO_SUCH_PAYMENT_METHOD.format(id=pm_id), pm_id, param)
        return {
            "billing_details": _billing({"name": bank.get("account_holder_name")}),
            "type": "us_bank_account",
            "us_bank_account": _bank(
                network,
                routing=bank["routing_number"],
                last4=bank["last4"],
                seed=bank["fingerprint"],
                holder=bank.get("account_holder_type"),
                kind=bank.get("account_type"),
            ),
        }
    return {
        "billing_details": _test_billing(),
        "type": "us_bank_account",
        "us_bank_account": _bank(
            network, routing=TEST_ROUTING, last4=TEST_LAST4, seed=pm_id, holder="company", kind="checking"
        ),
    }


def bank_network(params: dict[str, Any]) -> str:
    options = params.get("destination_payment_method_options") or {}
    bank = options.get("us_bank_account") or {}
    network = bank.get("network") if isinstance(bank, dict) else None
    return str(network or "ach")


def aba_checksum_ok(routing: str) -> bool:
    """The ABA check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10."""
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def _inline_bank(data: dict[str, Any], network: str) -> Obj:
    bank = data.get("us_bank_account") or {}
    param = "destination_payment_method_data[us_bank_account]"
    fc_account = bank.get("financial_connections_account")
    routing, number = bank.get("routing_number"), bank.get("account_number")
    if fc_account:
        if not fc_account.startswith("fca_"):
            raise errors.resource_missing(
                BAD_FC_ACCOUNT.format(id=fc_account), fc_account, f"{param}[financial_connections_account]"
            )
        routing, number = routing or TEST_ROUTING, number or "000123456789"
    if not routing or not number:
        raise StripeError(BANK_DETAILS_MISSING, param=param, code="parameter_missing")
    if not _ROUTING.fullmatch(routing) or not aba_checksum_ok(routing):
        raise StripeError(
            BAD_ROUTING.format(value=routing[:40]), param=f"{param}[routing_number]", code="parameter_invalid"
        )
    if not _ACCOUNT_NUMBER.fullmatch(number):
        raise StripeError(
            BAD_ACCOUNT_NUMBER.format(value=number[:40]), param=f"{param}[account_number]", code="parameter_invalid"
        )
    return {
        "billing_details": _billing(data.get("billing_details")),
        "type": "us_bank_account",
        "us_bank_account": _bank(
            network,
            routing=routing,
            last4=number[-4:],
            seed=f"{routing}:{number}",
            holder=bank.get("account_holder_type") or "individual",
            kind=bank.get("account_type") or "checking",
        ),
    }


def _target_account(
    ctx: Ctx, source: Obj, fa_id: str | None, currency: str, *, same_account: bool
) -> tuple[Scope, Obj]:
    param = "destination_payment_method_data[financial_account]"
    if not fa_id:
        raise errors.missing(param)
    found: tuple[Scope, Obj] | None
    if same_account:
        obj = ctx.scope.get(FINANCIAL_ACCOUNT, fa_id)
        found = (ctx.scope, obj) if obj is not None else None
    else:
        found = ctx.platform.find(fa_id)
        if found is not None and found[1].get("object") != FINANCIAL_ACCOUNT:
            found = None
    if found is None:
        raise errors.no_such(common.noun(FINANCIAL_ACCOUNT), fa_id, param=param)
    target = found[1]
    if target["id"] == source["id"]:
        raise StripeError(SAME_ACCOUNT.format(fa=source["id"]), param=param)
    if target["status"] != "open":
        raise StripeError(DESTINATION_CLOSED.format(fa=target["id"]), param=param)
    if currency not in target["supported_currencies"]:
        raise StripeError(DESTINATION_CURRENCY.format(fa=target["id"], currency=currency), param="currency")
    from emulator.resources.treasury import financial_accounts

    if not financial_accounts.allows_intra_stripe(ctx.in_scope(found[0]), target, "inbound_flows"):
        # Stripe: "Both financial accounts (originator and recipient) need this feature enabled"
        status = _feature_status(target, INTRA_STRIPE)
        raise StripeError(DESTINATION_FEATURE.format(fa=target["id"], status=status), param=param)
    return found


def _feature_status(fa: Obj, feature: str) -> str:
    if feature in fa.get("restricted_features", []):
        return "restricted"
    if feature in fa.get("pending_features", []):
        return "pending"
    return "not requested"


def balance_details() -> Obj:
    """What a credit from the account's Stripe balance (a payout) shows of where it came from: the
    spec's ``balance`` type, whose one value is ``payments`` (also in the 2026 SDKs' types)."""
    return {"balance": "payments", "billing_details": _billing(None), "type": "balance"}


def financial_account_details(target: Obj, billing: dict[str, Any] | None = None) -> Obj:
    return {
        "billing_details": _billing(billing),
        "financial_account": {"id": target["id"], "network": "stripe"},
        "type": "financial_account",
    }


def resolve(
    ctx: Ctx, params: dict[str, Any], source: Obj, currency: str, *, bank_data: bool, same_account: bool
) -> Destination:
    """The destination of an OutboundTransfer (``bank_data=False``, ``same_account=True``) or an
    OutboundPayment (``bank_data=True``, ``same_account=False``)."""
    pm_id = params.get("destination_payment_method")
    data = params.get("destination_payment_method_data")
    if pm_id and data:
        raise StripeError(PM_AND_DATA, param="destination_payment_method")
    network = bank_network(params)
    if pm_id:
        return Destination(saved_method(ctx, pm_id, network, "destination_payment_method"), network, pm_id)
    if not data:
        raise StripeError(PM_OR_DATA, param="destination_payment_method", code="parameter_missing")
    if data.get("type") == "us_bank_account" and bank_data:
        return Destination(_inline_bank(data, network), network, None)
    target = _target_account(ctx, source, data.get("financial_account"), currency, same_account=same_account)
    return Destination(financial_account_details(target[1], data.get("billing_details")), "stripe", None, target)


def origin_details(ctx: Ctx, pm_id: str) -> Obj:
    """``origin_payment_method_details`` of an InboundTransfer (always pulled over ACH)."""
    return saved_method(ctx, pm_id, "ach", "origin_payment_method")
