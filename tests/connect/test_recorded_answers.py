"""Connect answers as Stripe gave them in test mode, recorded in antiwork/gumroad's public VCR cassettes
(stripe-ruby, ``Stripe-Version: 2023-10-16``): ``bank_account`` on account create, the ``company``
hash of a company account given no details, and what Stripe fills in from the account's country
(phones in E.164, an address's country, ``ssn_last_4_provided`` from a full US id number)."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.connect import external_accounts
from tests.support.errors import error_of
from tests.support.onboarding import card_issuing_individual, require_onboarding

RECORDED_VERSION: Any = {"stripe_version": "2023-10-16"}
# gumroad's account create sends its bank details this way: no ``object``
GUMROAD_BANK = {
    "country": "US",
    "currency": "usd",
    "account_number": "000123456789",
    "routing_number": "110000000",
}
EMPTY_DOCUMENT = {"back": None, "details": None, "details_code": None, "front": None}


def bare_company(country: str) -> dict[str, Any]:
    """``company`` of a company account created without ``company[...]`` (Stripe's recorded answer,
    with the ``phone: null`` the emulator shows until a phone is given)."""
    return {
        "address": {
            "city": None,
            "country": country,
            "line1": None,
            "line2": None,
            "postal_code": None,
            "state": None,
        },
        "directors_provided": False,
        "executives_provided": False,
        "name": None,
        "owners_provided": False,
        "phone": None,
        "tax_id_provided": False,
        "verification": {"document": EMPTY_DOCUMENT},
    }


def custom(client: stripe.StripeClient, **extra: Any) -> stripe.Account:
    """A custom account (gumroad's ``type=custom``) requesting transfers, with ``extra``."""
    params: Any = {"type": "custom", "country": "US", "capabilities": {"transfers": {"requested": True}}}
    params.update(extra)
    return client.v1.accounts.create(params, RECORDED_VERSION)


def events_of(client: stripe.StripeClient, account: str, kind: str) -> list[stripe.Event]:
    return list(client.v1.events.list({"type": kind}, {"stripe_account": account}).data)


# --- bank_account on account create ---------------------------------------------------------------


def test_bank_account_hash_on_account_create_is_attached(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """gumroad's create: a ``bank_account`` hash without ``object`` becomes the default external account."""
    require_onboarding(server, api_key)
    account = custom(client, bank_account=GUMROAD_BANK)
    embedded = account["external_accounts"]
    assert len(embedded["data"]) == 1
    bank = embedded["data"][0]
    recorded = {
        "object": "bank_account",
        "bank_name": "STRIPE TEST BANK",
        "routing_number": "110000000",
        "last4": "6789",
        "default_for_currency": True,
        "status": "new",
        "country": "US",
        "currency": "usd",
        "account": account.id,
    }
    assert {k: bank[k] for k in recorded} == recorded
    assert account.requirements is not None
    assert "external_account" not in (account.requirements.currently_due or [])
    listed = client.v1.accounts.external_accounts.list(account.id)
    assert [b.id for b in listed.data] == [bank["id"]]
    assert len(events_of(client, account.id, "account.external_account.created")) == 1


def test_bank_account_token_on_account_create_is_attached(client: stripe.StripeClient) -> None:
    """``bank_account`` may be a token, as ``external_account``: Stripe's test token, or a ``btok_``
    from ``/v1/tokens`` (used up by it)."""
    test_token = custom(client, bank_account="btok_us_verified")
    assert [b["last4"] for b in test_token["external_accounts"]["data"]] == ["6789"]
    token_params: Any = {"bank_account": {**GUMROAD_BANK, "account_number": "000222222227"}}
    token = client.v1.tokens.create(token_params)
    account = custom(client, bank_account=token.id)
    assert [b["last4"] for b in account["external_accounts"]["data"]] == ["2227"]
    assert client.v1.tokens.retrieve(token.id).used is True
    again = error_of(lambda: custom(client, bank_account=token.id))
    assert again.param == "bank_account" and again.code == "token_already_used"


def test_a_bad_bank_account_names_the_bank_account_parameter(client: stripe.StripeClient) -> None:
    """The hash is checked as ``external_account``'s, before the account exists, and the error names
    ``bank_account[...]``."""
    err = error_of(lambda: custom(client, bank_account={**GUMROAD_BANK, "routing_number": "110000001"}))
    assert err.param == "bank_account[routing_number]" and err.code == "routing_number_invalid"
    err = error_of(lambda: custom(client, bank_account={"country": "US", "account_number": "000123456789"}))
    assert err.param == "bank_account[routing_number]" and err.code == "parameter_missing"
    assert client.v1.accounts.list().data == []


def test_bank_account_and_external_account_together_are_refused(client: stripe.StripeClient) -> None:
    err = error_of(lambda: custom(client, bank_account=GUMROAD_BANK, external_account="btok_us_verified"))
    assert str(err.user_message) == external_accounts.ONE_BANK_PARAM
    assert err.param == "bank_account"
    assert client.v1.accounts.list().data == []


def test_account_update_replaces_the_bank_account_even_with_the_same_numbers(client: stripe.StripeClient) -> None:
    """gumroad's "bank account changed" save: ``bank_account`` on account update (the spec lists it
    on create only) replaces the default bank account by a new one, the same numbers included."""
    account = custom(client, bank_account=GUMROAD_BANK)
    (first,) = client.v1.accounts.external_accounts.list(account.id).data
    params: Any = {"bank_account": GUMROAD_BANK, "metadata": {"user_id": "9931632278892"}}
    updated = client.v1.accounts.update(account.id, params, RECORDED_VERSION)
    assert updated.metadata is not None and updated.metadata.to_dict() == {"user_id": "9931632278892"}
    (second,) = client.v1.accounts.external_accounts.list(account.id).data
    assert second.id != first.id and second.fingerprint == first.fingerprint  # type: ignore[union-attr]
    assert second.default_for_currency is True and second.status == "new"  # type: ignore[union-attr]
    deleted = events_of(client, account.id, "account.external_account.deleted")
    assert [e.data.object["id"] for e in deleted] == [first.id]
    # the external accounts endpoint still refuses the same numbers twice
    again: Any = {"external_account": {"object": "bank_account", **GUMROAD_BANK}}
    err = error_of(lambda: client.v1.accounts.external_accounts.create(account.id, again))
    assert err.code == "bank_account_exists"


# --- company --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("business_type", "country"), [("company", "US"), ("non_profit", "DE")])
def test_company_account_without_company_details_shows_the_company_hash(
    client: stripe.StripeClient, business_type: str, country: str
) -> None:
    """gumroad's bare company account: Stripe answers the whole ``company`` hash, in the account's country."""
    account = custom(client, country=country, business_type=business_type)
    assert account.to_dict()["company"] == bare_company(country)
    assert client.v1.accounts.retrieve(account.id).to_dict()["company"] == bare_company(country)


def test_company_hash_appears_when_the_business_type_becomes_company_like(client: stripe.StripeClient) -> None:
    account = custom(client)
    assert "company" not in account
    updated = client.v1.accounts.update(account.id, {"business_type": "government_entity"})
    assert updated.to_dict()["company"] == bare_company("US")
    assert events_of(client, account.id, "account.updated")[0].data.to_dict()["previous_attributes"]["company"] is None


def test_company_details_keep_the_same_shape(client: stripe.StripeClient) -> None:
    """Given a name (and a phone, answered in E.164), the hash is the same one with those filled in."""
    account = custom(client, business_type="company", company={"name": "Acme", "phone": "0000000000"})
    assert account.to_dict()["company"] == {**bare_company("US"), "name": "Acme", "phone": "+10000000000"}


# --- what Stripe fills in from the account's country ----------------------------------------------


def test_individual_phone_and_id_number_as_recorded(client: stripe.StripeClient) -> None:
    """gumroad's US individual: ``phone`` ``0000000000`` answers ``+10000000000``, and a full
    ``id_number`` makes ``ssn_last_4_provided`` true too."""
    account = custom(
        client,
        business_type="individual",
        individual={"first_name": "Chuck", "phone": "0000000000", "id_number": "000000000"},
    )
    individual = account.individual
    assert individual is not None
    assert individual.phone == "+10000000000"
    assert individual.id_number_provided is True and individual.ssn_last_4_provided is True
    assert individual.address is not None and individual.address.country == "US"
    person = client.v1.accounts.persons.retrieve(account.id, individual.id)
    assert person.to_dict() == individual.to_dict()


def test_persons_api_phone_in_e164(client: stripe.StripeClient) -> None:
    """gumroad's person update (the individual, through the Persons API) answers ``+10000000000``,
    and the account shows it."""
    account = custom(client, business_type="individual", individual={"first_name": "Chuck"})
    assert account.individual is not None
    person_id = account.individual.id
    params: Any = {"email": "chuck@example.com", "phone": "0000000000", "relationship": {"representative": True}}
    changed = client.v1.accounts.persons.update(account.id, person_id, params, RECORDED_VERSION)
    assert changed.phone == "+10000000000"
    shown = client.v1.accounts.retrieve(account.id).individual
    assert shown is not None and shown.phone == "+10000000000"
    previous = events_of(client, account.id, "account.updated")[0].data.to_dict()["previous_attributes"]
    assert previous["individual"]["phone"] is None
    updated = events_of(client, account.id, "person.updated")[0].data.object
    assert updated["phone"] == "+10000000000"
    # already in E.164, or written with spaces and brackets: the same number
    again = client.v1.accounts.persons.update(account.id, person_id, {"phone": "+1 (000) 000-0000"})
    assert again.phone == "+10000000000"
    assert len(events_of(client, account.id, "person.updated")) == 1  # nothing changed the second time


@pytest.mark.parametrize(
    ("country", "given", "shown"),
    [
        ("US", "8888675309", "+18888675309"),
        ("CA", "416 555 0199", "+14165550199"),
        ("GB", "07700 900123", "+447700900123"),
        ("DE", "+49 30 1234567", "+49301234567"),
        # Stripe's test phone is a US number wherever it is given (its KR, GM and PH answers)
        ("KR", "0000000000", "+10000000000"),
        ("PH", "000-000-0000", "+10000000000"),
        # what the rules cannot read is kept as given, as before (never refused)
        ("DE", "030 1234567", "030 1234567"),
        ("US", "12345", "12345"),
        ("US", "not a phone", "not a phone"),
    ],
)
def test_person_phone_takes_the_account_countrys_calling_code(
    client: stripe.StripeClient, country: str, given: str, shown: str
) -> None:
    account = custom(client, country=country, business_type="company")
    person = client.v1.accounts.persons.create(account.id, {"first_name": "Jenny", "phone": given})
    assert person.phone == shown


def test_person_without_an_address_gets_the_account_country(client: stripe.StripeClient) -> None:
    """gumroad's person create on a bare US company: ``address.country`` is ``US``."""
    account = custom(client, business_type="company")
    person = client.v1.accounts.persons.create(
        account.id, {"first_name": "Jenny", "last_name": "Rosen", "relationship": {"representative": True}}
    )
    assert person.address is not None
    assert person.address.to_dict() == {
        "city": None,
        "country": "US",
        "line1": None,
        "line2": None,
        "postal_code": None,
        "state": None,
    }
    created = events_of(client, account.id, "person.created")[0].data.object
    assert created["address"]["country"] == "US"
    # a country given stays as given
    abroad = client.v1.accounts.persons.create(account.id, {"first_name": "Max", "address": {"country": "DE"}})
    assert abroad.address is not None and abroad.address.country == "DE"


def test_full_us_id_number_through_the_persons_api_provides_ssn_last_4(client: stripe.StripeClient) -> None:
    account = custom(client, business_type="company")
    person = client.v1.accounts.persons.create(account.id, {"first_name": "Jenny", "id_number": "000-00-0000"})
    assert person.id_number_provided is True and person.ssn_last_4_provided is True


def test_a_us_accounts_id_numbers_have_nine_digits(client: stripe.StripeClient) -> None:
    """Stripe's answer quoted by antiwork/gumroad (PRs 5344/5345): a foreign 10-digit national id
    for a US account's representative is "US tax IDs must have 9 digits"; other countries keep theirs."""
    account = custom(client, business_type="company")
    for bad in ("1234567890", "0000", "12345678a"):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.accounts.persons.create(account.id, {"first_name": "Max", "id_number": bad})
        assert (exc.value.user_message, exc.value.param) == ("US tax IDs must have 9 digits", "id_number")
    assert len(client.v1.accounts.persons.list(account.id).data) == 0  # nothing was kept
    with pytest.raises(stripe.InvalidRequestError) as exc:
        custom(client, business_type="individual", individual={"id_number": "1234567890"})
    assert exc.value.param == "individual[id_number]"
    abroad = custom(client, country="CA", business_type="individual", individual={"id_number": "1234567890"})
    assert abroad.individual is not None and abroad.individual.id_number_provided is True


def test_owners_hold_at_most_one_hundred_percent(client: stripe.StripeClient) -> None:
    """Stripe's answer quoted by antiwork/gumroad (PR 5041 and its spec): with three owners of 33.33 %,
    a fourth (or one of them updated) at 100 % is refused on relationship[percent_ownership]."""
    account = custom(client, business_type="company")
    owners = [
        client.v1.accounts.persons.create(
            account.id, {"first_name": f"D{i}", "relationship": {"owner": True, "percent_ownership": 33.33}}
        )
        for i in range(3)
    ]
    over = "The total combined ownership of the company would exceed 100 percent."
    for attempt in (
        lambda: client.v1.accounts.persons.create(account.id, {"relationship": {"percent_ownership": 100}}),
        lambda: client.v1.accounts.persons.update(
            account.id, owners[0].id, {"relationship": {"percent_ownership": 100}}
        ),
    ):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            attempt()
        assert (exc.value.user_message, exc.value.param) == (over, "relationship[percent_ownership]")
    with pytest.raises(stripe.InvalidRequestError) as exc:  # a negative share would make room for more
        client.v1.accounts.persons.create(account.id, {"relationship": {"percent_ownership": -50}})
    assert (exc.value.user_message, exc.value.param) == (
        "This value must be greater than or equal to 0.",
        "relationship[percent_ownership]",
    )
    last = client.v1.accounts.persons.create(account.id, {"relationship": {"owner": True, "percent_ownership": 0.01}})
    assert last.relationship is not None and last.relationship.percent_ownership == 0.01
    moved = client.v1.accounts.persons.update(account.id, owners[0].id, {"relationship": {"percent_ownership": 33.33}})
    assert moved.relationship is not None and moved.relationship.percent_ownership == 33.33  # its own share counts once


def test_a_nine_digit_id_number_outside_the_us_is_no_ssn(client: stripe.StripeClient) -> None:
    account = custom(client, country="CA", business_type="individual", individual={"id_number": "000000000"})
    assert account.individual is not None
    assert account.individual.id_number_provided is True and account.individual.ssn_last_4_provided is False


def _individual(client: stripe.StripeClient, **details: Any) -> stripe.Account:
    """A date of birth that is a no-match: only a matching id number (or SSN) verifies the account."""
    return card_issuing_individual(client, dob={"day": 10, "month": 11, "year": 1980}, **details)


def test_the_last_4_of_a_full_id_number_count_as_the_ssn_last_4_given(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """A date-of-birth no-match verifies with the matching test ``ssn_last_4`` (``0000``): a full id
    number ending in it counts as that ``ssn_last_4``; one ending otherwise does not."""
    require_onboarding(server, api_key)
    matched = _individual(client, id_number="123450000")
    assert matched.requirements is not None and matched.requirements.currently_due == []
    assert matched.individual is not None and matched.individual.verification is not None
    assert matched.individual.verification.status == "verified"
    assert matched.individual.ssn_last_4_provided is True
    other = _individual(client, id_number="123451234")
    assert other.requirements is not None
    assert other.requirements.currently_due == ["individual.verification.document"]
    assert [e.code for e in other.requirements.errors or []] == ["verification_failed_keyed_identity"]
    # an ssn_last_4 given with it is the one that counts
    both = _individual(client, id_number="123450000", ssn_last_4="1234")
    assert both.requirements is not None
    assert both.requirements.currently_due == ["individual.verification.document"]
    # given later, the id number's last 4 replace an earlier ssn_last_4
    fixed = client.v1.accounts.update(other.id, {"individual": {"id_number": "987650000"}})
    assert fixed.requirements is not None and fixed.requirements.currently_due == []


def test_no_bank_account_holds_back_payouts_not_transfers(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """gumroad's cassette polls such an account for two minutes: ``transfers`` active, ``external_account``
    due, payouts disabled. The platform can fund it (what an Issuing program does) before any bank account."""
    require_onboarding(server, api_key)
    account = card_issuing_individual(
        client,
        dob={"day": 1, "month": 1, "year": 1901},
        ssn_last_4="0000",
        id_number="000000000",
    )
    account = client.v1.accounts.update(account.id, {"capabilities": {"transfers": {"requested": True}}})
    assert account.requirements is not None and account.requirements.currently_due == ["external_account"]
    assert account.capabilities is not None and account.capabilities.transfers == "active"
    assert account.payouts_enabled is False and account.details_submitted is False
    client.v1.topups.create({"amount": 5_000, "currency": "usd"})  # settles before the next request
    transfer = client.v1.transfers.create({"amount": 1_000, "currency": "usd", "destination": account.id})
    assert transfer.destination == account.id
    bank = {"object": "bank_account", **GUMROAD_BANK}
    done = client.v1.accounts.update(account.id, {"external_account": bank})  # type: ignore[typeddict-item]
    assert done.requirements is not None and done.requirements.currently_due == []
    assert done.payouts_enabled is True
