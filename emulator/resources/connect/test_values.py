"""The API requests that satisfy an account's requirements with Stripe's test values.

The hosted onboarding page submits these (in-process, through the API, so events, persistence
and the requirements themselves behave exactly as for a platform's own requests). Each value is
one that Stripe's Connect testing page documents as verifying: date of birth ``1901-01-01``,
address line ``address_full_match``, id numbers ``000000000``, document
``file_identity_document_success``, bank account token ``btok_us_verified`` (outside the US, a
bank account of the account's country in its currency: Stripe's test sort code and account number
in the UK, its paying test IBAN in the euro area, a test account number elsewhere).
"""

from __future__ import annotations

from typing import Any

from emulator.core.store import Obj
from emulator.resources.connect import countries, requirements
from emulator.resources.connect.bank_accounts import IBAN_COUNTRIES, TEST_IBAN_STEM

TEST_URL = "https://accessible.stripe.com"
TEST_MCC = "5734"
TEST_PHONE = "0000000000"
TEST_ID_NUMBER = "000000000"
TEST_SSN_LAST_4 = "0000"
TEST_DOCUMENT = "file_identity_document_success"
TEST_BANK_TOKEN = "btok_us_verified"
TEST_GB_BANK = {"routing_number": "108800", "account_number": "00012345"}
TEST_ACCOUNT_NUMBER = "000123456789"
TEST_DOB = {"day": "1", "month": "1", "year": "1901"}
TEST_ADDRESSES: dict[str, dict[str, str]] = {
    "US": {"line1": "address_full_match", "city": "South San Francisco", "state": "CA", "postal_code": "94080"},
    "CA": {"line1": "address_full_match", "city": "Toronto", "state": "ON", "postal_code": "M5H 2N2"},
    "AU": {"line1": "address_full_match", "city": "Brisbane", "state": "QLD", "postal_code": "4000"},
}
DEFAULT_ADDRESS = {"line1": "address_full_match", "city": "Berlin", "postal_code": "10115"}
TEST_PERSON = {"first_name": "Jenny", "last_name": "Rosen", "email": "jenny.rosen@example.com"}
TEST_COMPANY_NAME = "Rocket Rides Test Company"
TEST_STATEMENT_DESCRIPTOR = "ROCKET RIDES"
UNTYPED_BUSINESS_TYPE = "individual"  # what the page picks for an account without a type (choice)

# (API path, form parameters, the account the request acts as (Stripe-Account) or None: the platform)
Call = tuple[str, dict[str, str], str | None]


def test_bank_account(country: str) -> dict[str, str]:
    """``external_account`` parameters of a bank account that pays, in ``country`` and its currency."""
    if country == "US":
        return {"external_account": TEST_BANK_TOKEN}
    if country == "GB":
        details = dict(TEST_GB_BANK)
    elif country in IBAN_COUNTRIES:
        details = {"account_number": f"{country}89{TEST_IBAN_STEM}0"}  # as DE89370400440532013000
    else:
        details = {"account_number": TEST_ACCOUNT_NUMBER}
    details.update(object="bank_account", country=country, currency=countries.currency_of(country))
    return {f"external_account[{key}]": value for key, value in details.items()}


def _address(country: str) -> dict[str, str]:
    return TEST_ADDRESSES.get(country, DEFAULT_ADDRESS)


def person_field(field: str, country: str) -> dict[str, str]:
    """Form parameters (relative to the person) that provide one person requirement."""
    if field.startswith("address."):
        part = field.split(".", 1)[1]
        return {f"address[{part}]": _address(country).get(part, "")}
    if field.startswith("dob."):
        part = field.split(".", 1)[1]
        return {f"dob[{part}]": TEST_DOB[part]}
    if field in TEST_PERSON:
        return {field: TEST_PERSON[field]}
    if field == "phone":
        return {"phone": TEST_PHONE}
    if field == "ssn_last_4":
        return {"ssn_last_4": TEST_SSN_LAST_4}
    if field == "id_number":
        return {"id_number": TEST_ID_NUMBER}
    if field == "relationship.title":
        return {"relationship[title]": "CEO"}
    if field == "verification.document":
        return {"verification[document][front]": TEST_DOCUMENT}
    return {}


def nest(prefix: str, key: str) -> str:
    """``address[line1]`` under ``individual``: ``individual[address][line1]``."""
    head, sep, tail = key.partition("[")
    return f"{prefix}[{head}]" + (sep + tail if sep else "")


def _full_person(country: str) -> dict[str, str]:
    fields = ("first_name", "last_name", "email", "phone", "ssn_last_4", "id_number", "relationship.title")
    out: dict[str, str] = {}
    for name in fields:
        out.update(person_field(name, country))
    for part in ("day", "month", "year"):
        out.update(person_field(f"dob.{part}", country))
    for part in _address(country):
        out.update(person_field(f"address.{part}", country))
    return out


def calls(account: Obj, due: list[str], now: int, ip: str) -> list[Call]:
    """The requests that provide every requirement in ``due`` (one account update, then persons).
    The account's own terms are accepted by the account itself (``Stripe-Account``) where Stripe
    collects its requirements: the platform may not accept them for it (Standard, Express)."""
    account_id = account["id"]
    country = account.get("country") or "US"
    by_stripe = (account.get("controller") or {}).get("requirement_collection", "stripe") == "stripe"
    update: dict[str, str] = {}
    terms: dict[str, str] = {}
    persons: dict[str, dict[str, str]] = {}
    new_person: dict[str, str] = {}
    for requirement in due:
        head, _, rest = requirement.partition(".")
        if requirement == "business_type":
            update["business_type"] = UNTYPED_BUSINESS_TYPE
        elif requirement == "business_profile.mcc":
            update["business_profile[mcc]"] = TEST_MCC
        elif requirement == "business_profile.url":
            update["business_profile[url]"] = TEST_URL
        elif requirement == "external_account":
            update.update(test_bank_account(country))
        elif requirement in ("tos_acceptance.date", "tos_acceptance.ip"):
            (terms if by_stripe else update).update({"tos_acceptance[date]": str(now), "tos_acceptance[ip]": ip})
        elif requirement == "settings.payments.statement_descriptor":
            update["settings[payments][statement_descriptor]"] = TEST_STATEMENT_DESCRIPTOR
        elif head == "settings" and rest.endswith((".tos_acceptance.date", ".tos_acceptance.ip")):
            product = rest.split(".", 1)[0]  # settings.card_issuing.tos_acceptance.date
            update[f"settings[{product}][tos_acceptance][date]"] = str(now)
            update[f"settings[{product}][tos_acceptance][ip]"] = ip
        elif head == "individual":
            update.update({nest("individual", k): v for k, v in person_field(rest, country).items()})
        elif head == "company":
            update.update(_company_field(rest, country))
        elif requirements.role_of(requirement) == "owner":
            update["company[owners_provided]"] = "true"
        elif requirements.role_of(requirement) == "representative":
            new_person = {
                **_full_person(country),
                "relationship[representative]": "true",
                "relationship[executive]": "true",
                "relationship[owner]": "true",
                "relationship[percent_ownership]": "100",
            }
        elif head.startswith("person_"):
            persons.setdefault(head, {}).update(person_field(rest, country))
    out: list[Call] = []
    if update:
        out.append((f"/v1/accounts/{account_id}", update, None))
    if terms:
        out.append((f"/v1/accounts/{account_id}", terms, account_id))
    if new_person:
        out.append((f"/v1/accounts/{account_id}/persons", new_person, None))
    for person_id, params in sorted(persons.items()):
        if params:
            out.append((f"/v1/accounts/{account_id}/persons/{person_id}", params, None))
    return out


def _company_field(field: str, country: str) -> dict[str, str]:
    if field.startswith("address."):
        part = field.split(".", 1)[1]
        return {f"company[address][{part}]": _address(country).get(part, "")}
    values: dict[str, Any] = {
        "name": TEST_COMPANY_NAME,
        "phone": TEST_PHONE,
        "tax_id": TEST_ID_NUMBER,
        "owners_provided": "true",
    }
    if field in values:
        return {f"company[{field}]": str(values[field])}
    return {}
