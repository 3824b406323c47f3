"""Connect rules Stripe enforces on onboarding, through the real SDK: the Issuing/Treasury terms
requirement names, the individual as a person, ``card_payments`` needing ``transfers``, the
capability's ``disabled_reason``, login links and terms acceptance for Stripe-collected accounts,
typed accounts' ``fees.payer``, and an empty ``future_requirements``."""

from __future__ import annotations

from typing import Any

import httpx
import stripe

from emulator import EmulatorServer
from emulator.resources.connect import accounts, links
from tests.support import flows
from tests.support.errors import error_of

US_ADDRESS = {"line1": "address_full_match", "city": "South San Francisco", "state": "CA", "postal_code": "94080"}
TOS = {"date": 1_700_000_000, "ip": "127.0.0.1"}
CARD_PAYMENTS_ERROR = (
    "Accounts do not currently support `card_payments` without `transfers`. Please visit "
    "https://stripe.com/docs/connect/account-capabilities#card-payments for more details."
)
TOS_ERROR = (
    "You cannot accept the Terms of Service on behalf of accounts where controller[requirement_collection]=stripe, "
    "which includes Standard and Express accounts."
)
LOGIN_ERROR = "Cannot create a login link for an account that has not completed onboarding."


def require_onboarding(server: EmulatorServer, api_key: str) -> None:
    resp = httpx.post(
        server.url + "/_emulator/platform_settings",
        data={"onboarding": "required"},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert resp.status_code == 200


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
    assert changed.phone == "0000000000"
    shown = client.v1.accounts.retrieve(account.id).individual
    assert shown is not None and shown.phone == "0000000000" and shown.id == individual.id
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
        business_profile={"mcc": "5734", "url": "https://accessible.stripe.com"},
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
        {"type": "express", "capabilities": {"card_issuing": {"requested": True}, "transfers": {"requested": True}}}
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
    assert done.capabilities is not None and done.capabilities.card_issuing == "active"
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
    assert "fees" not in client.v1.accounts.create({"type": "standard"}).to_dict()["controller"]


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
