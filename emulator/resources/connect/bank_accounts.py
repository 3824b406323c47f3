"""Bank accounts as Stripe shows them (``bank_account``), built from submitted details or test tokens.

Used by ``/v1/tokens`` (``bank_account`` tokens), the external accounts of an account and payouts.
Account numbers are never shown: the object keeps ``last4`` and a ``fingerprint``; the payout
outcome that Stripe's test numbers trigger (:data:`TEST_OUTCOMES`) is kept in the bank account's
``meta`` (``payout_failure``).

Checks (all as ``invalid_request_error`` naming the parameter): a supported currency
(:data:`emulator.resources.connect.countries.CURRENCIES`, defaulting to the country's currency), for
US accounts a 9-digit ABA routing number with a valid check digit and 4-17 digit account numbers, for
GB a 6-digit sort code and 8-digit account number, for euro-area countries an IBAN starting with the
country code.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from emulator.core.context import Ctx
from emulator.core.ids import ALPHABET
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.resources.connect import countries
from emulator.resources.issuing.reference import COUNTRY_CODES

BANK_ACCOUNT = "bank_account"
PREFIX = "ba"
TEST_BANK_NAME = "STRIPE TEST BANK"

UNKNOWN_COUNTRY = "Invalid country: {country}"
ROUTING_REQUIRED = "Routing number is required for bank accounts in {country}."
ROUTING_INVALID = "Routing number must have 9 digits"
ROUTING_CHECKSUM = "Invalid routing number: {value}"
SORT_CODE_INVALID = "Sort code must have 6 digits"
ACCOUNT_NUMBER_INVALID = "The account number must contain only digits, and be between 4 and 17 digits long"
GB_ACCOUNT_NUMBER_INVALID = "The account number must have 8 digits"
IBAN_INVALID = "The IBAN you provided ({value}) is invalid."
CURRENCY_COUNTRY = "Bank accounts in {country} cannot use currency {currency}."

# Stripe's Connect testing numbers: account number -> the payout failure code they trigger
# (None: payouts succeed). US (routing 110000000), old 9-digit US, GB (sort code 108800).
FAILURES = ("no_account", "account_closed", "insufficient_funds", "debit_not_authorized", "invalid_currency")
TEST_OUTCOMES: dict[str, str | None] = {
    "000123456789": None,
    "000111111116": "no_account",
    "000111111113": "account_closed",
    "000222222227": "insufficient_funds",
    "000333333335": "debit_not_authorized",
    "000444444440": "invalid_currency",
    "000123456": None,
    "111111116": "no_account",
    "111111113": "account_closed",
    "222222227": "insufficient_funds",
    "333333335": "debit_not_authorized",
    "444444440": "invalid_currency",
    "00012345": None,
    "11111116": "no_account",
    "11111113": "account_closed",
    "22222227": "insufficient_funds",
    "33333335": "debit_not_authorized",
    "44444440": "invalid_currency",
}
# The emulator's own test number (not Stripe's): payouts to it stay ``pending`` until canceled.
PENDING_NUMBER = "000999999996"
STAYS_PENDING = "stays_pending"
TEST_OUTCOMES[PENDING_NUMBER] = STAYS_PENDING
# Stripe's test IBANs (any euro-area country code): the last digit after ...053201300 picks the outcome.
TEST_IBAN_STEM = "37040044053201300"
TEST_IBAN_OUTCOMES: dict[str, str | None] = {"0": None, **{str(i + 1): f for i, f in enumerate(FAILURES)}}

# Stripe's test bank account tokens (usable any number of times): token -> account number (US).
TEST_ROUTING = "110000000"
MAGIC_TOKENS: dict[str, str] = {
    "btok_us": "000123456789",  # what stripe-cli's external-account triggers send
    "btok_us_verified": "000123456789",
    "btok_us_verified_noAccount": "000111111116",
    "btok_us_verified_accountClosed": "000111111113",
    "btok_us_verified_insufficientFunds": "000222222227",
    "btok_us_verified_debitNotAuthorized": "000333333335",
    "btok_us_verified_invalidCurrency": "000444444440",
}

IBAN_COUNTRIES = countries.EURO_AREA  # bank accounts given as an IBAN
_DIGITS = re.compile(r"^[0-9]+$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")


def magic_details(token: str) -> dict[str, Any] | None:
    """The bank details a Stripe test token (``btok_us_verified...``) stands for, or None."""
    number = MAGIC_TOKENS.get(token)
    if number is None:
        return None
    return {"country": "US", "currency": "usd", "routing_number": TEST_ROUTING, "account_number": number}


def _aba_ok(routing: str) -> bool:
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def _outcome(account_number: str) -> str | None:
    if account_number in TEST_OUTCOMES:
        return TEST_OUTCOMES[account_number]
    if account_number[4:-1] == TEST_IBAN_STEM and _IBAN.match(account_number):
        return TEST_IBAN_OUTCOMES.get(account_number[-1])
    return None


def check(details: dict[str, Any], param: str) -> tuple[str, str, str | None, str]:
    """(country, currency, routing number, account number) after Stripe's checks."""
    country = str(details.get("country") or "").upper()
    if country not in COUNTRY_CODES:
        raise StripeError(
            UNKNOWN_COUNTRY.format(country=details.get("country")), param=f"{param}[country]", code="parameter_invalid"
        )
    raw_currency = details.get("currency")
    currency = (
        countries.currency(raw_currency, f"{param}[currency]") if raw_currency else countries.currency_of(country)
    )
    number = str(details.get("account_number") or "").replace(" ", "")
    routing = details.get("routing_number")
    routing = str(routing).replace("-", "") if routing else None
    number_param = f"{param}[account_number]"
    routing_param = f"{param}[routing_number]"
    if country == "US":
        if currency != "usd":
            raise StripeError(
                CURRENCY_COUNTRY.format(country=country, currency=currency),
                param=f"{param}[currency]",
                code="parameter_invalid",
            )
        if routing is None:
            raise StripeError(ROUTING_REQUIRED.format(country=country), param=routing_param, code="parameter_missing")
        if len(routing) != 9 or not _DIGITS.match(routing):
            raise StripeError(ROUTING_INVALID, param=routing_param, code="routing_number_invalid")
        if not _aba_ok(routing):
            raise StripeError(
                ROUTING_CHECKSUM.format(value=routing), param=routing_param, code="routing_number_invalid"
            )
        if not (_DIGITS.match(number) and 4 <= len(number) <= 17):
            raise StripeError(ACCOUNT_NUMBER_INVALID, param=number_param, code="account_number_invalid")
    elif country == "GB":
        if routing is None:
            raise StripeError(ROUTING_REQUIRED.format(country=country), param=routing_param, code="parameter_missing")
        if len(routing) != 6 or not _DIGITS.match(routing):
            raise StripeError(SORT_CODE_INVALID, param=routing_param, code="routing_number_invalid")
        if not (_DIGITS.match(number) and len(number) == 8):
            raise StripeError(GB_ACCOUNT_NUMBER_INVALID, param=number_param, code="account_number_invalid")
    elif country in IBAN_COUNTRIES:
        number = number.upper()
        if not _IBAN.match(number) or not number.startswith(country):
            raise StripeError(IBAN_INVALID.format(value=number), param=number_param, code="account_number_invalid")
    elif not (number and len(number) >= 4):
        raise StripeError(ACCOUNT_NUMBER_INVALID, param=number_param, code="account_number_invalid")
    return country, currency, routing, number


def fingerprint(country: str, routing: str | None, number: str) -> str:
    digest = hashlib.blake2b(f"{country}:{routing or ''}:{number}".encode(), digest_size=16).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest)


def _requirements() -> Obj:
    return {"currently_due": [], "errors": [], "past_due": [], "pending_verification": []}


def build(
    ctx: Ctx, details: dict[str, Any], param: str, *, account_id: str | None, bank_id: str | None = None
) -> tuple[Obj, str | None]:
    """A new bank account object from submitted details (checked), and the payout failure code its
    number triggers (None: payouts succeed). ``account_id`` None makes a token's bank account."""
    country, currency, routing, number = check(details, param)
    obj: Obj = {"id": bank_id or ctx.new_id(PREFIX), "object": BANK_ACCOUNT}
    if account_id is not None:
        obj["account"] = account_id
    obj["account_holder_name"] = details.get("account_holder_name")
    obj["account_holder_type"] = details.get("account_holder_type")
    obj["account_type"] = details.get("account_type")
    if account_id is not None:
        obj["available_payout_methods"] = ["standard"]
    obj["bank_name"] = TEST_BANK_NAME
    obj["country"] = country
    obj["currency"] = currency
    if account_id is not None:
        obj["default_for_currency"] = False
    obj["fingerprint"] = fingerprint(country, routing, number)
    if account_id is not None:
        obj["future_requirements"] = _requirements()
    obj["last4"] = number[-4:]
    if account_id is not None:
        obj["metadata"] = {}
        obj["requirements"] = _requirements()
    obj["routing_number"] = routing
    obj["status"] = "new"
    return obj, _outcome(number)


def payout_failure(ctx: Ctx, bank: Obj) -> str | None:
    """The failure code Stripe's test numbers give a payout to this bank account (None: it pays;
    :data:`STAYS_PENDING` for the emulator's :data:`PENDING_NUMBER`)."""
    scope = ctx.platform.index.get(bank["id"])
    if scope is None:
        return None
    failure: str | None = scope.meta_of(bank["id"]).get("payout_failure")
    return failure


def no_such_bank_account(bank_id: str, param: str) -> StripeError:
    return errors.no_such("external account", bank_id, param=param)
