"""The requirements table and Stripe's test values, without HTTP (``requirements.evaluate``)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.core.store import Obj
from emulator.resources.connect import legal_entity, requirements, test_values

REQUIRED = {"onboarding": "required"}


def account(country: str = "US", business_type: str | None = None, **extra: Any) -> Obj:
    return {
        "id": "acct_1Test",
        "country": country,
        "business_type": business_type,
        "business_profile": {"mcc": None, "url": None, "product_description": None},
        "external_accounts": {"data": []},
        "settings": {"card_issuing": {"tos_acceptance": {}}, "treasury": {"tos_acceptance": {}}},
        "tos_acceptance": {"date": None, "ip": None},
        **extra,
    }


def due_for(acct: Obj, capability: str, persons: list[Obj] | None = None, **meta: Any) -> list[str]:
    outcome = requirements.evaluate(acct, persons or [], {}, {**REQUIRED, **meta})
    return outcome.for_capability(capability)


def test_instant_accounts_owe_nothing() -> None:
    assert requirements.evaluate(account(), [], {}, {}).due == {}


def test_an_untyped_account_is_asked_its_type_first() -> None:
    due = due_for(account(), "card_issuing")
    assert "business_type" in due and "settings.card_issuing.tos_acceptance.date" in due
    assert "card_issuing.tos_acceptance.date" not in due  # Stripe's name has the settings. prefix
    assert "external_account" not in due  # card_issuing does not pay out
    # a bank account is due for transfers but holds back only payouts (Stripe's recorded answers)
    outcome = requirements.evaluate(account(), [], {}, REQUIRED)
    assert "external_account" not in outcome.for_capability("transfers")
    assert "external_account" in outcome.for_capability("transfers", outcome.payouts_only)


@pytest.mark.parametrize(
    ("country", "state", "id_field"),
    [("US", True, "individual.ssn_last_4"), ("CA", True, "individual.id_number"), ("GB", False, None)],
)
def test_individual_fields_follow_the_country(country: str, state: bool, id_field: str | None) -> None:
    due = due_for(account(country, "individual"), "card_payments")
    assert ("individual.address.state" in due) is state
    if id_field:
        assert id_field in due
    assert {"individual.first_name", "individual.dob.year", "business_profile.url"} <= set(due)


def test_treasury_asks_the_full_id_number() -> None:
    assert "individual.id_number" in due_for(account("US", "individual"), "treasury")
    assert "individual.id_number" not in due_for(account("US", "individual"), "card_issuing")
    eventually = requirements.evaluate(account("US", "individual"), [], {}, REQUIRED).eventually
    assert "individual.id_number" in eventually


def test_company_roles_and_person_fields() -> None:
    acct = account("US", "company", company=legal_entity.new_company())
    due = due_for(acct, "transfers")
    assert {"representative.first_name", "representative.dob.day", "owners.email", "company.tax_id"} <= set(due)
    # Issuing needs no beneficial owners
    assert not [r for r in due_for(acct, "card_issuing") if r.startswith("owners.")]
    rep = legal_entity.new_person("person_1A", acct["id"], 0)
    rep["relationship"]["representative"] = True
    owner = legal_entity.new_person("person_1B", acct["id"], 0)
    owner["relationship"]["owner"] = True
    due = due_for(acct, "transfers", [rep, owner])
    assert not [r for r in due if r.startswith(("representative.", "owners."))]
    assert "person_1A.relationship.title" in due and "person_1A.phone" in due
    assert "person_1B.relationship.title" not in due and "person_1B.phone" not in due
    assert "person_1B.first_name" in due and "person_1B.ssn_last_4" not in due  # an owner's: eventually
    outcome = requirements.evaluate(acct, [rep, owner], {}, REQUIRED)
    assert "person_1B.ssn_last_4" in outcome.for_capability("transfers", outcome.eventually)
    assert not [r for r in due_for(acct, "card_issuing", [rep, owner]) if r.startswith("person_1B.")]
    acct["company"]["owners_provided"] = True
    assert "relationship.owner" not in due_for(acct, "transfers", [rep])


def test_alternatives_meet_requirements() -> None:
    acct = account("US", "individual")
    acct["business_profile"]["product_description"] = "Rides"
    assert "business_profile.url" not in due_for(acct, "card_issuing")
    assert "external_account" not in due_for(acct, "transfers", external_account=True)
    acct["external_accounts"]["data"] = [{"id": "ba_1"}]
    assert "external_account" not in due_for(acct, "transfers")


def person_with(**params: Any) -> tuple[Obj, dict[str, Any]]:
    person = legal_entity.new_person("person_1C", "acct_1Test", 0)
    meta: dict[str, Any] = {}
    legal_entity.apply_person(person, meta, params)
    return person, meta


@pytest.mark.parametrize(
    ("params", "due", "code"),
    [
        ({"dob": {"day": 1, "month": 1, "year": 1901}}, [], None),
        (
            {"dob": {"day": 1, "month": 1, "year": 1900}},
            ["verification.document"],
            "verification_failed_keyed_identity",
        ),
        ({"id_number": "111111111"}, ["verification.document"], "verification_failed_keyed_identity"),
        # any other date of birth is a no-match, unless a test id number matched
        (
            {"dob": {"day": 10, "month": 11, "year": 1980}},
            ["verification.document"],
            "verification_failed_keyed_identity",
        ),
        ({"dob": {"day": 10, "month": 11, "year": 1980}, "ssn_last_4": "0000"}, [], None),
        ({"dob": {"day": 10, "month": 11, "year": 1980}, "id_number": "000000000"}, [], None),
        (
            {
                "dob": {"day": 1, "month": 1, "year": 1900},
                "verification": {"document": {"front": "file_identity_document_success"}},
            },
            [],
            None,
        ),
        (
            {"verification": {"document": {"front": "file_identity_document_failure"}}},
            ["verification.document"],
            "verification_document_failed_test_mode",
        ),
        ({"address": {"line1": "address_no_match"}}, ["address.line1"], "verification_failed_address_match"),
        ({"address": {"line1": "address_full_match"}}, [], None),
    ],
)
def test_test_values(params: dict[str, Any], due: list[str], code: str | None) -> None:
    person, meta = person_with(first_name="J", last_name="R", **params)
    got_due, errors = requirements.check_person(person, meta, (), "p.")
    assert got_due == due
    assert [e["code"] for e in errors] == ([code] if code else [])
    assert all(e["requirement"].startswith("p.") for e in errors)


def test_sensitive_numbers_are_not_stored() -> None:
    person, meta = person_with(id_number="123456789", ssn_last_4="6789")
    assert person["id_number_provided"] and person["ssn_last_4_provided"]
    assert (
        "123456789" not in repr(person)
        and "6789" not in repr(person)
        and meta
        == {
            "id_number_failed": False,
            "id_number_matched": False,
            "ssn_last_4_matched": False,
        }
    )
    company = legal_entity.new_company()
    company_meta: dict[str, Any] = {}
    legal_entity.apply_company(company, company_meta, {"tax_id": "111111112"})
    assert company["tax_id_provided"] and "111111112" not in repr(company)
    assert company_meta["tax_id_failure"] == "verification_failed_tax_id_not_issued"


def test_the_page_provides_every_requirement_it_knows() -> None:
    custom = {"requirement_collection": "application"}
    acct = account("US", "company", company=legal_entity.new_company(), controller=custom)
    due = due_for(acct, "treasury") + due_for(acct, "transfers")
    assert "settings.treasury.tos_acceptance.date" in due
    calls = test_values.calls(acct, sorted(set(due)), 1_700_000_000, "10.0.0.1")
    assert [(path, acting_as) for path, _, acting_as in calls] == [
        ("/v1/accounts/acct_1Test", None),
        ("/v1/accounts/acct_1Test/persons", None),
    ]
    update, person = calls[0][1], calls[1][1]
    assert update["company[tax_id]"] == "000000000" and update["tos_acceptance[ip]"] == "10.0.0.1"
    assert update["settings[treasury][tos_acceptance][date]"] == "1700000000"
    assert update["settings[treasury][tos_acceptance][ip]"] == "10.0.0.1"
    assert person["relationship[representative]"] == "true" and person["dob[year]"] == "1901"
    assert test_values.nest("individual", "address[line1]") == "individual[address][line1]"


def test_the_page_accepts_the_terms_as_the_account_where_stripe_collects() -> None:
    """Stripe refuses a platform's ``tos_acceptance`` for Standard and Express accounts: the page
    sends it as the account itself (``Stripe-Account``), apart from the platform's update."""
    acct = account("US", "individual", controller={"requirement_collection": "stripe"})
    calls = test_values.calls(acct, due_for(acct, "card_issuing"), 1_700_000_000, "10.0.0.1")
    assert [(path, acting_as) for path, _, acting_as in calls] == [
        ("/v1/accounts/acct_1Test", None),
        ("/v1/accounts/acct_1Test", "acct_1Test"),
    ]
    update, terms = calls[0][1], calls[1][1]
    assert "tos_acceptance[date]" not in update and update["settings[card_issuing][tos_acceptance][ip]"] == "10.0.0.1"
    assert terms == {"tos_acceptance[date]": "1700000000", "tos_acceptance[ip]": "10.0.0.1"}


# --- what recorded Stripe answers list (antiwork/gumroad's cassettes, API 2023-10-16) -----------------


def test_a_bare_company_lists_what_stripes_recorded_answer_lists() -> None:
    """A US company asking card_payments and transfers, nothing given: Stripe's 30 requirements."""
    acct = account("US", "company", company=legal_entity.new_company())
    acct["settings"]["payments"] = {"statement_descriptor": None}
    outcome = requirements.evaluate(acct, [], {}, REQUIRED)
    due = sorted(
        {r for name in ("card_payments", "transfers") for r in outcome.for_capability(name)}
        | {r for name in ("card_payments", "transfers") for r in outcome.for_capability(name, outcome.payouts_only)}
    )
    address = ["address.city", "address.line1", "address.postal_code", "address.state"]
    assert due == sorted(
        ["business_profile.mcc", "business_profile.url", "company.name", "company.owners_provided"]
        + ["company.phone", "company.tax_id", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
        + ["settings.payments.statement_descriptor"]
        + [f"company.{a}" for a in address]
        + [f"owners.{n}" for n in ("email", "first_name", "last_name")]
        + [f"representative.{n}" for n in [*address, "dob.day", "dob.month", "dob.year", "email", "first_name"]]
        + [f"representative.{n}" for n in ("last_name", "phone", "relationship.title", "ssn_last_4")]
    )
    later = set(outcome.for_capability("transfers", outcome.eventually))
    assert {"owners.address.city", "owners.dob.day", "owners.phone"} <= later
    shown = requirements.blank(due)
    assert shown["alternatives"] == [
        {
            "alternative_fields_due": ["business_profile.product_description"],
            "original_fields_due": ["business_profile.url"],
        }
    ]
    # an owner person (or the attestation) meets the owners' fields, only the attestation owners_provided
    owner = legal_entity.new_person("person_1B", acct["id"], 0)
    owner["relationship"]["owner"] = True
    with_owner = due_for(acct, "transfers", [owner])
    assert "company.owners_provided" in with_owner and "owners.email" not in with_owner
    acct["company"]["owners_provided"] = True
    assert not [r for r in due_for(acct, "transfers") if r.startswith(("owners.", "company.owners"))]


def test_the_mcc_is_not_a_transfers_requirement() -> None:
    """Recorded answers: ``transfers`` active while ``business_profile.mcc`` is due, a ``recipient``
    account never asked for it."""
    acct = account("US", "individual")
    assert "business_profile.mcc" not in due_for(acct, "transfers")
    assert "business_profile.mcc" in due_for(acct, "card_payments")
    assert "business_profile.mcc" in due_for(acct, "card_issuing")
