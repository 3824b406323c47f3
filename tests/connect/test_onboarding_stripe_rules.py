"""Connect rules Stripe enforces on onboarding, through the real SDK: the Issuing/Treasury terms
requirement names, the individual as a person, ``card_payments`` needing ``transfers``, the
capability's ``disabled_reason``, login links and terms acceptance for Stripe-collected accounts,
typed accounts' ``fees.payer``, an empty ``future_requirements``; Stripe's testing-verification
walk-through, accounts without capabilities, test dates of birth and company addresses, and
``card_issuing`` without beneficial owners (all under ``onboarding=required``)."""

from __future__ import annotations

from typing import Any

import httpx
import stripe

from emulator import EmulatorServer
from emulator.resources.connect import accounts, links
from tests.support import flows
from tests.support.errors import error_of
from tests.support.onboarding import PERSON, PROFILE, TOS, US_ADDRESS, card_issuing_individual, require_onboarding

# a representative with every detail Stripe's test values verify
REPRESENTATIVE: dict[str, Any] = {**PERSON, "relationship": {"representative": True, "title": "CEO"}}
CARD_PAYMENTS_ERROR = (
    "Accounts do not currently support `card_payments` without `transfers`. Please visit "
    "https://stripe.com/docs/connect/account-capabilities#card-payments for more details."
)
TOS_ERROR = (
    "You cannot accept the Terms of Service on behalf of accounts where controller[requirement_collection]=stripe, "
    "which includes Standard and Express accounts."
)
LOGIN_ERROR = "Cannot create a login link for an account that has not completed onboarding."


def events_of(client: stripe.StripeClient, account: str, kind: str) -> list[stripe.Event]:
    params: Any = {"limit": 100, "type": kind}
    return list(client.v1.events.list(params, {"stripe_account": account}).data)


def onboard_with_hosted_page(client: stripe.StripeClient, account_id: str) -> None:
    link = client.v1.account_links.create(
        {"account": account_id, "type": "account_onboarding", "return_url": "https://p.example/back"}
    )
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(link.url)
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        done = browser.post(link.url, data={"form_token": token})
    assert done.status_code == 303 and done.headers["location"] == "https://p.example/back", done.text


# --- 1. the terms requirements of Issuing and Treasury are settings.<product>.tos_acceptance.* ------


def test_issuing_and_treasury_terms_are_named_as_at_stripe(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    account = flows.connected_account(client, business_type="individual")
    due = account.requirements.past_due or []  # type: ignore[union-attr]
    for product in ("card_issuing", "treasury"):
        for part in ("date", "ip"):
            assert f"settings.{product}.tos_acceptance.{part}" in due
            assert f"{product}.tos_acceptance.{part}" not in due
    accepted = client.v1.accounts.update(
        account.id, {"settings": {"card_issuing": {"tos_acceptance": TOS}, "treasury": {"tos_acceptance": TOS}}}
    )
    still = accepted.requirements.currently_due or []  # type: ignore[union-attr]
    assert not [r for r in still if r.startswith("settings.")]
    assert "tos_acceptance.date" in still  # the account's own terms keep their name


# --- 2. the individual of an individual's account is a person -----------------------------------


def test_the_individual_is_a_person_of_the_account(client: stripe.StripeClient) -> None:
    account = flows.connected_account(
        client, business_type="individual", individual={"first_name": "Jenny", "last_name": "Rosen"}
    )
    individual = account.individual
    assert individual is not None and individual.id.startswith("person_")
    assert individual.relationship is not None and individual.relationship.representative is True
    person = client.v1.accounts.persons.retrieve(account.id, individual.id)
    assert person.to_dict() == individual.to_dict()
    assert [p.id for p in client.v1.accounts.persons.list(account.id).data] == [individual.id]
    reps = client.v1.accounts.persons.list(account.id, {"relationship": {"representative": True}})
    assert [p.id for p in reps.data] == [individual.id]
    # a change through the Persons API shows on the account, with account.updated
    changed = client.v1.accounts.persons.update(account.id, individual.id, {"phone": "0000000000"})
    assert changed.phone == "+10000000000"
    shown = client.v1.accounts.retrieve(account.id).individual
    assert shown is not None and shown.phone == "+10000000000" and shown.id == individual.id
    updated = events_of(client, account.id, "account.updated")[0]
    previous = updated.data.to_dict()["previous_attributes"]
    assert previous["individual"]["phone"] is None
    # and a change through the account shows on the person
    client.v1.accounts.update(account.id, {"individual": {"email": "jenny@example.com"}})
    assert client.v1.accounts.persons.retrieve(account.id, individual.id).email == "jenny@example.com"
    assert len(client.v1.accounts.persons.list(account.id).data) == 1


def test_the_individual_is_verified_through_the_persons_api(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """The usual pattern: the account's details first, then a document on ``individual.id``."""
    require_onboarding(server, api_key)
    account = flows.connected_account(
        client,
        business_type="individual",
        business_profile=PROFILE,
        external_account="btok_us_verified",
        tos_acceptance=TOS,
        settings={"card_issuing": {"tos_acceptance": TOS}, "treasury": {"tos_acceptance": TOS}},
        individual={
            "first_name": "Jenny",
            "last_name": "Rosen",
            "email": "jenny@example.com",
            "phone": "0000000000",
            "dob": {"day": 1, "month": 1, "year": 1901},
            "address": US_ADDRESS,
            "id_number": "111111111",  # a failing test number: a document is due
        },
    )
    assert account.requirements is not None
    assert account.requirements.currently_due == ["individual.verification.document"]
    assert account.individual is not None
    client.v1.accounts.persons.update(
        account.id, account.individual.id, {"verification": {"document": {"front": "file_identity_document_success"}}}
    )
    done = client.v1.accounts.retrieve(account.id)
    assert done.requirements is not None and done.requirements.currently_due == []
    assert done.capabilities is not None and done.capabilities.card_issuing == "active"
    assert done.individual is not None and done.individual.verification is not None
    assert done.individual.verification.status == "verified"
    person = client.v1.accounts.persons.retrieve(account.id, done.individual.id)
    assert person.requirements is not None and person.requirements.currently_due == []


def test_deleting_the_individual_removes_it_from_the_account(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client, business_type="individual", individual={"first_name": "Jenny"})
    assert account.individual is not None
    client.v1.accounts.persons.delete(account.id, account.individual.id)
    assert "individual" not in client.v1.accounts.retrieve(account.id).to_dict()
    assert client.v1.accounts.persons.list(account.id).data == []


# --- 3. card_payments needs transfers -------------------------------------------------------------


def test_card_payments_without_transfers_is_refused(client: stripe.StripeClient) -> None:
    before = len(client.v1.accounts.list({"limit": 100}).data)
    err = error_of(
        lambda: client.v1.accounts.create({"type": "custom", "capabilities": {"card_payments": {"requested": True}}})
    )
    assert err.http_status == 400 and err.user_message == CARD_PAYMENTS_ERROR and err.param == "capabilities"
    assert accounts.CARD_PAYMENTS_WITHOUT_TRANSFERS == CARD_PAYMENTS_ERROR
    assert len(client.v1.accounts.list({"limit": 100}).data) == before  # nothing was created

    account = flows.connected_account(client)  # transfers requested
    plain = client.v1.accounts.create({"type": "custom", "capabilities": {"card_issuing": {"requested": True}}})
    err = error_of(lambda: client.v1.accounts.capabilities.update(plain.id, "card_payments", {"requested": True}))
    assert err.user_message == CARD_PAYMENTS_ERROR and err.param == "capabilities"
    assert client.v1.accounts.capabilities.retrieve(plain.id, "card_payments").status == "unrequested"
    err = error_of(
        lambda: client.v1.accounts.update(
            plain.id, {"capabilities": {"card_payments": {"requested": True}}, "metadata": {"a": "b"}}
        )
    )
    assert err.user_message == CARD_PAYMENTS_ERROR
    assert client.v1.accounts.retrieve(plain.id).metadata.to_dict() == {}  # refused before anything changed

    both = client.v1.accounts.update(account.id, {"capabilities": {"card_payments": {"requested": True}}})
    assert both.capabilities is not None and both.capabilities.card_payments == "active"
    # unrequesting transfers while card_payments stays requested: refused, nothing changes
    err = error_of(lambda: client.v1.accounts.update(account.id, {"capabilities": {"transfers": {"requested": False}}}))
    assert err.user_message == CARD_PAYMENTS_ERROR
    err = error_of(lambda: client.v1.accounts.capabilities.update(account.id, "transfers", {"requested": False}))
    assert err.user_message == CARD_PAYMENTS_ERROR
    again = client.v1.accounts.retrieve(account.id)
    assert again.capabilities is not None and again.capabilities.transfers == "active"
    # both unrequested together is fine
    created = client.v1.accounts.create(
        {"type": "custom", "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}
    )
    dropped = client.v1.accounts.update(
        created.id, {"capabilities": {"card_payments": {"requested": False}, "transfers": {"requested": False}}}
    )
    assert dropped.capabilities is not None and dropped.capabilities.to_dict() == {}


# --- 6. a capability's disabled_reason ------------------------------------------------------------


def test_an_inactive_capability_needs_fields(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    require_onboarding(server, api_key)
    account = flows.connected_account(client, business_type="individual")
    assert account.requirements is not None and account.requirements.disabled_reason == "requirements.past_due"
    cap = client.v1.accounts.capabilities.retrieve(account.id, "card_issuing")
    assert cap.status == "inactive" and cap.requirements is not None
    assert cap.requirements.disabled_reason == "requirements.fields_needed"
    listed = {c.id: c for c in client.v1.accounts.capabilities.list(account.id).data}
    assert listed["transfers"].requirements.disabled_reason == "requirements.fields_needed"  # type: ignore[union-attr]


# --- 7 and 8. Express and Standard accounts: login links and terms acceptance --------------------


def test_terms_cannot_be_accepted_for_accounts_stripe_onboards(client: stripe.StripeClient) -> None:
    assert accounts.TOS_COLLECTED_BY_STRIPE == TOS_ERROR
    stripe_collected: list[dict[str, Any]] = [
        {"type": "express"},
        {"type": "standard"},
        {"controller": {"requirement_collection": "stripe", "stripe_dashboard": {"type": "express"}}},
    ]
    for params in stripe_collected:
        err = error_of(lambda p=params: client.v1.accounts.create({**p, "tos_acceptance": TOS}))
        assert err.http_status == 400 and err.user_message == TOS_ERROR and err.param == "tos_acceptance"
        account = client.v1.accounts.create(params)  # type: ignore[arg-type]
        err = error_of(lambda a=account: client.v1.accounts.update(a.id, {"tos_acceptance": TOS, "email": "x@y.z"}))
        assert err.user_message == TOS_ERROR
        unchanged = client.v1.accounts.retrieve(account.id)
        assert (
            unchanged.email is None and unchanged.tos_acceptance is not None and unchanged.tos_acceptance.date is None
        )
    custom = client.v1.accounts.create({"type": "custom", "tos_acceptance": TOS})
    assert custom.tos_acceptance is not None and custom.tos_acceptance.date == TOS["date"]
    # the account itself (Stripe-Account), as the hosted onboarding page does
    express = client.v1.accounts.create({"type": "express"})
    own = client.v1.accounts.update(express.id, {"tos_acceptance": TOS}, {"stripe_account": express.id})
    assert own.tos_acceptance is not None and own.tos_acceptance.ip == "127.0.0.1"


def test_login_links_need_finished_onboarding(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    assert links.NOT_ONBOARDED == LOGIN_ERROR
    require_onboarding(server, api_key)
    express = client.v1.accounts.create(
        {"type": "express", "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}
    )
    assert express.details_submitted is False
    due = express.requirements.currently_due or []  # type: ignore[union-attr]
    assert "tos_acceptance.date" in due
    err = error_of(lambda: client.v1.accounts.login_links.create(express.id))
    assert err.http_status == 400 and err.user_message == LOGIN_ERROR
    # Stripe's hosted onboarding finishes it (terms included), then the link works
    onboard_with_hosted_page(client, express.id)
    done = client.v1.accounts.retrieve(express.id)
    assert done.details_submitted is True and done.requirements is not None and done.requirements.currently_due == []
    assert done.tos_acceptance is not None and done.tos_acceptance.date is not None
    assert done.capabilities is not None and done.capabilities.card_payments == "active"
    link = client.v1.accounts.login_links.create(express.id)
    assert link.object == "login_link"


def test_hosted_page_onboards_standard_accounts(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    standard = client.v1.accounts.create(
        {"type": "standard", "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}
    )
    assert standard.details_submitted is False
    onboard_with_hosted_page(client, standard.id)
    done = client.v1.accounts.retrieve(standard.id)
    assert done.requirements is not None and done.requirements.currently_due == []
    assert done.capabilities is not None and done.capabilities.card_payments == "active"


# --- 9. fees.payer of typed accounts --------------------------------------------------------------


def test_typed_accounts_show_stripes_fees_payer(client: stripe.StripeClient) -> None:
    def payer(account: stripe.Account) -> str | None:
        controller = account.to_dict()["controller"]
        return controller.get("fees", {}).get("payer")  # type: ignore[no-any-return]

    assert payer(client.v1.accounts.create({"type": "custom"})) == "application_custom"
    assert payer(client.v1.accounts.create({"type": "express"})) == "application_express"
    assert payer(flows.connected_account(client)) == "application"  # controller parameters
    untyped = client.v1.accounts.create({"controller": {"stripe_dashboard": {"type": "none"}}})
    assert payer(untyped) == "application"
    # "Each account type maps to a set of controller properties" (Stripe's controller-properties guide)
    assert payer(client.v1.accounts.create({"type": "standard"})) == "account"


# --- 14. future_requirements ----------------------------------------------------------------------


def test_future_requirements_stay_empty(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    require_onboarding(server, api_key)
    account = flows.connected_account(client, business_type="company")
    assert account.requirements is not None and account.requirements.currently_due
    future = account.to_dict()["future_requirements"]
    assert future == {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }
    person = client.v1.accounts.persons.create(account.id, {"relationship": {"representative": True}})
    assert person.requirements is not None and person.requirements.currently_due
    assert person.future_requirements is not None and person.future_requirements.currently_due == []
    assert person.future_requirements.eventually_due == [] and person.future_requirements.past_due == []


# --- 4. Stripe's testing-verification walk-through completes; owners' details come later ----------

# a US representative's fields, as listed while no person has the role (API 2020-08-27's format)
REPRESENTATIVE_FIELDS = sorted(
    ["address.city", "address.line1", "address.postal_code", "address.state", "dob.day", "dob.month", "dob.year"]
    + ["email", "first_name", "last_name", "phone", "relationship.title", "ssn_last_4"]
)
SCHENECTADY = {"city": "Schenectady", "line1": "123 State St", "postal_code": "12345", "state": "NY"}


def test_stripes_verification_walkthrough_completes(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """docs.stripe.com/connect/testing-verification, request by request."""
    require_onboarding(server, api_key)
    account = client.v1.accounts.create(
        {
            "country": "US",
            "controller": {
                "losses": {"payments": "application"},
                "fees": {"payer": "application"},
                "stripe_dashboard": {"type": "none"},
                "requirement_collection": "application",
            },
            "business_type": "company",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "external_account": "btok_us",
            "tos_acceptance": {"date": 1547923073, "ip": "172.18.80.19"},
        }
    )
    assert account.charges_enabled is False and account.payouts_enabled is False
    account = client.v1.accounts.update(
        account.id,
        {
            "business_profile": {"mcc": "5045", "url": "https://bestcookieco.com"},
            "company": {
                "address": SCHENECTADY,
                "tax_id": "000000000",
                "name": "The Best Cookie Co",
                "phone": "8888675309",
            },
        },
    )
    assert sorted(account.requirements.currently_due or []) == [  # type: ignore[union-attr]
        "company.owners_provided",  # set only by company[owners_provided]=true, below
        *(f"owners.{name}" for name in ("email", "first_name", "last_name")),
        *(f"representative.{name}" for name in REPRESENTATIVE_FIELDS),
    ]
    jenny = client.v1.accounts.persons.create(
        account.id,
        {"first_name": "Jenny", "last_name": "Rosen", "relationship": {"representative": True, "title": "CEO"}},
    )
    jenny = client.v1.accounts.persons.update(
        account.id,
        jenny.id,
        {
            "address": SCHENECTADY,
            "dob": {"day": 10, "month": 11, "year": 1980},  # not 1901-01-01, but ssn_last_4 0000 matches
            "ssn_last_4": "0000",
            "phone": "8888675309",
            "email": "jenny@bestcookieco.com",
            "relationship": {"executive": True},
        },
    )
    assert jenny.requirements is not None and jenny.requirements.currently_due == []
    assert jenny.verification is not None and jenny.verification.status == "verified"
    kathleen = client.v1.accounts.persons.create(
        account.id,
        {
            "first_name": "Kathleen",
            "last_name": "Banks",
            "email": "kathleen@bestcookieco.com",
            "relationship": {"owner": True, "percent_ownership": 80},
        },
    )
    assert kathleen.requirements is not None and kathleen.requirements.currently_due == []
    later = kathleen.requirements.eventually_due or []
    assert {"address.line1", "dob.day", "dob.year", "ssn_last_4"} <= set(later)
    done = client.v1.accounts.update(account.id, {"company": {"owners_provided": True}})
    assert done.requirements is not None and done.requirements.currently_due == []
    assert done.charges_enabled is True and done.payouts_enabled is True and done.details_submitted is True
    assert done.capabilities is not None and done.capabilities.to_dict() == {
        "card_payments": "active",
        "transfers": "active",
    }
    assert f"{kathleen.id}.dob.day" in (done.requirements.eventually_due or [])  # collected later
    assert f"{kathleen.id}.dob.day" not in (done.requirements.past_due or [])
    assert events_of(client, account.id, "account.updated")[0].data.object["charges_enabled"] is True


# --- 11. no requested capability: nothing enabled, details_submitted follows what was given ------


def test_an_account_without_capabilities_cannot_charge_or_pay_out(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    instant = client.v1.accounts.create({"type": "custom"})  # the default mode is unchanged
    assert instant.charges_enabled is True and instant.payouts_enabled is True and instant.details_submitted is True
    require_onboarding(server, api_key)
    bare = client.v1.accounts.create({"type": "custom", "business_type": "individual"})
    assert bare.charges_enabled is False and bare.payouts_enabled is False and bare.details_submitted is False
    assert bare.requirements is not None and bare.requirements.currently_due == []
    assert bare.requirements.disabled_reason == "action_required.requested_capabilities"
    given = client.v1.accounts.update(
        bare.id,
        {
            "business_profile": PROFILE,
            "tos_acceptance": TOS,
            "individual": PERSON,
        },
    )
    assert given.details_submitted is True  # everything every capability asks was given
    assert given.charges_enabled is False and given.payouts_enabled is False
    enabled = client.v1.accounts.update(
        bare.id, {"capabilities": {"transfers": {"requested": True}}, "external_account": "btok_us_verified"}
    )
    assert enabled.charges_enabled is True and enabled.payouts_enabled is True
    assert enabled.requirements is not None and enabled.requirements.disabled_reason is None
    assert enabled.capabilities is not None and enabled.capabilities.transfers == "active"


# --- 12. test dates of birth: 1901-01-01 matches, any other is a no-match ------------------------


def test_only_stripes_test_date_of_birth_matches(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)

    def individual_account(dob: dict[str, int], **more: Any) -> stripe.Account:
        return card_issuing_individual(client, dob=dob, **more)

    # a no-match (an arbitrary date, an SSN that is no test match): the keyed identity fails
    other = individual_account({"day": 2, "month": 3, "year": 1990}, ssn_last_4="1234")
    assert other.requirements is not None
    assert other.requirements.currently_due == ["individual.verification.document"]
    assert [e.code for e in other.requirements.errors or []] == ["verification_failed_keyed_identity"]
    assert other.individual is not None and other.individual.verification is not None
    assert other.individual.verification.status == "unverified"
    assert other.capabilities is not None and other.capabilities.card_issuing == "inactive"
    # the matching test SSN verifies it (as in Stripe's walk-through, whose DOB is 1980-11-10)
    fixed = client.v1.accounts.update(other.id, {"individual": {"ssn_last_4": "0000"}})
    assert fixed.requirements is not None and fixed.requirements.currently_due == []
    assert fixed.capabilities is not None and fixed.capabilities.card_issuing == "active"
    # 1901-01-01 matches whatever the SSN; so does 1902-01-01 (Stripe's "immediate" match)
    for year in (1901, 1902):
        matched = individual_account({"day": 1, "month": 1, "year": year}, ssn_last_4="1234")
        assert matched.requirements is not None and matched.requirements.currently_due == []
        assert matched.individual is not None and matched.individual.verification is not None
        assert matched.individual.verification.status == "verified"
    # 1900-01-01 (an OFAC alert) fails even with the matching SSN
    ofac = individual_account({"day": 1, "month": 1, "year": 1900}, ssn_last_4="0000")
    assert ofac.requirements is not None
    assert ofac.requirements.currently_due == ["individual.verification.document"]


# --- 13. the company's test addresses -------------------------------------------------------------


def test_company_test_addresses(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    require_onboarding(server, api_key)

    def company_account(line1: str) -> stripe.Account:
        account = client.v1.accounts.create(
            {
                "type": "custom",
                "country": "US",
                "business_type": "company",
                "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
                "business_profile": {"mcc": "5045", "url": "https://accessible.stripe.com"},
                "company": {
                    "name": "Co",
                    "phone": "0000000000",
                    "tax_id": "000000000",
                    "owners_provided": True,
                    "address": {**SCHENECTADY, "line1": line1},
                },
                "tos_acceptance": TOS,
                "external_account": "btok_us_verified",
            }
        )
        client.v1.accounts.persons.create(
            account.id,
            {**REPRESENTATIVE, "relationship": {"representative": True, "executive": True, "title": "CEO"}},
        )
        return client.v1.accounts.retrieve(account.id)

    full = company_account("address_full_match")
    assert full.charges_enabled is True and full.payouts_enabled is True
    # address_no_match: only charges are enabled, line1 is listed again
    charges_only = company_account("address_no_match")
    assert charges_only.charges_enabled is True and charges_only.payouts_enabled is False
    reqs = charges_only.requirements
    assert reqs is not None and reqs.currently_due == ["company.address.line1"]
    assert [(e.requirement, e.code) for e in reqs.errors or []] == [
        ("company.address.line1", "verification_failed_address_match")
    ]
    assert charges_only.capabilities is not None and charges_only.capabilities.card_payments == "active"
    # address_line1_no_match: neither, and the address attributes are listed again
    neither = company_account("address_line1_no_match")
    assert neither.charges_enabled is False and neither.payouts_enabled is False
    assert neither.requirements is not None and neither.requirements.currently_due == [
        "company.address.city",
        "company.address.line1",
        "company.address.postal_code",
        "company.address.state",
    ]
    assert neither.capabilities is not None and neither.capabilities.card_payments == "inactive"
    # a matching address clears it
    fixed = client.v1.accounts.update(neither.id, {"company": {"address": {"line1": "address_full_match"}}})
    assert fixed.charges_enabled is True and fixed.payouts_enabled is True
    assert fixed.requirements is not None and fixed.requirements.errors == []


# --- 15. card_issuing alone needs no beneficial owners --------------------------------------------


def test_card_issuing_alone_needs_no_beneficial_owners(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    account = flows.connected_account(
        client,
        business_type="company",
        capabilities={"card_issuing": {"requested": True}},
        business_profile=PROFILE,
        tos_acceptance=TOS,
        settings={"card_issuing": {"tos_acceptance": TOS}},
        company={"name": "Co", "phone": "0000000000", "tax_id": "000000000", "address": US_ADDRESS},
    )
    assert account.requirements is not None
    assert account.requirements.currently_due == [f"representative.{name}" for name in REPRESENTATIVE_FIELDS]
    client.v1.accounts.persons.create(
        account.id,
        REPRESENTATIVE,
    )
    owner = client.v1.accounts.persons.create(account.id, {"relationship": {"owner": True}})
    assert owner.requirements is not None and owner.requirements.currently_due == []  # not for card_issuing
    done = client.v1.accounts.retrieve(account.id)
    assert done.requirements is not None and done.requirements.currently_due == []
    assert done.capabilities is not None and done.capabilities.card_issuing == "active"
    # transfers needs them: the owner's name (and, without owners, the owners' fields)
    more = client.v1.accounts.update(account.id, {"capabilities": {"transfers": {"requested": True}}})
    due = more.requirements.currently_due or []  # type: ignore[union-attr]
    assert f"{owner.id}.first_name" in due and "external_account" in due
    assert more.capabilities is not None and more.capabilities.card_issuing == "active"
    client.v1.accounts.persons.delete(account.id, owner.id)
    assert "owners.first_name" in (client.v1.accounts.retrieve(account.id).requirements.currently_due or [])  # type: ignore[union-attr]
