"""Connect onboarding through the real SDK: requirements under ``onboarding=required``, Stripe's
test values, persons, account/person tokens, account links, account sessions and login links."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.connect import requirements
from tests.support import flows
from tests.support.errors import error_of
from tests.support.onboarding import PERSON, PROFILE, TOS, US_ADDRESS, require_onboarding

INDIVIDUAL = {**PERSON, "id_number": "000000000"}
SETTINGS = {
    "card_issuing": {"tos_acceptance": TOS},
    "treasury": {"tos_acceptance": TOS},
}


def custom_account(client: stripe.StripeClient, **extra: Any) -> stripe.Account:
    return flows.connected_account(client, **extra)


def submit_details(client: stripe.StripeClient, account_id: str, **details: Any) -> stripe.Account:
    """The account's profile, bank account and terms acceptances (the test values), and ``details``
    (``individual=`` or ``company=``)."""
    params: Any = {
        "business_profile": PROFILE,
        **details,
        "external_account": "btok_us_verified",
        "tos_acceptance": TOS,
        "settings": SETTINGS,
    }
    return client.v1.accounts.update(account_id, params)


def events_of(client: stripe.StripeClient, account: str, kind: str | None = None) -> list[stripe.Event]:
    """The connected account's events (Connect events live on the account: Stripe-Account)."""
    params: dict[str, Any] = {"limit": 100}
    if kind:
        params["type"] = kind
    return list(client.v1.events.list(params, {"stripe_account": account}).data)  # type: ignore[arg-type]


def test_default_mode_keeps_accounts_onboarded(client: stripe.StripeClient) -> None:
    account = custom_account(client)
    assert account.requirements is not None and account.requirements.currently_due == []
    assert account.charges_enabled and account.payouts_enabled and account.details_submitted
    assert account.capabilities is not None and account.capabilities.card_issuing == "active"


def test_required_mode_lists_what_stripe_asks_and_blocks_capabilities(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    account = custom_account(client, business_type="individual")
    reqs = account.requirements
    assert reqs is not None
    due = set(reqs.currently_due or [])
    for field in (
        "business_profile.mcc",
        "business_profile.url",
        "individual.first_name",
        "individual.dob.year",
        "individual.address.state",
        "individual.ssn_last_4",
        "individual.id_number",  # treasury asks for the full number
        "external_account",
        "tos_acceptance.date",
        "settings.card_issuing.tos_acceptance.date",
        "settings.treasury.tos_acceptance.ip",
    ):
        assert field in due, field
    assert reqs.past_due == reqs.currently_due
    assert reqs.disabled_reason == "requirements.past_due"
    assert account.charges_enabled is False and account.payouts_enabled is False
    assert account.details_submitted is False
    assert account.capabilities is not None
    assert account.capabilities.card_issuing == "inactive" and account.capabilities.treasury == "inactive"
    cap = client.v1.accounts.capabilities.retrieve(account.id, "card_issuing")
    assert cap.status == "inactive"
    assert "settings.card_issuing.tos_acceptance.date" in (cap.requirements.currently_due or [])
    assert "settings.treasury.tos_acceptance.date" not in (cap.requirements.currently_due or [])
    # a financial account may be made before onboarding (Stripe's issuing-treasury sample does):
    # its features are restricted until the requirements are met (Stripe's features guide)
    fa = client.v1.treasury.financial_accounts.create(
        {"supported_currencies": ["usd"], "features": {"card_issuing": {"requested": True}}},
        {"stripe_account": account.id},
    )
    assert fa.active_features == [] and fa.restricted_features == ["card_issuing"]
    features = client.v1.treasury.financial_accounts.features.retrieve(fa.id, options={"stripe_account": account.id})
    detail = features.card_issuing.status_details[0]  # type: ignore[union-attr]
    assert (detail.code, detail.resolution) == ("requirements_past_due", "provide_information")
    submit_details(client, account.id, individual=INDIVIDUAL)
    after = client.v1.treasury.financial_accounts.retrieve(fa.id, {}, {"stripe_account": account.id})
    assert after.active_features == ["card_issuing"] and after.restricted_features == []


def test_providing_the_test_values_activates_the_account(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    account = custom_account(client, business_type="individual")
    updated = submit_details(client, account.id, individual=INDIVIDUAL)
    assert updated.requirements is not None and updated.requirements.currently_due == []
    assert updated.requirements.disabled_reason is None
    assert updated.charges_enabled and updated.payouts_enabled and updated.details_submitted
    assert updated.capabilities is not None and updated.capabilities.card_issuing == "active"
    assert updated.individual is not None and updated.individual.verification is not None
    assert updated.individual.verification.status == "verified"
    assert updated.individual.id_number_provided is True
    caps = {
        e.data.object["id"]: e.data.object["status"]
        for e in reversed(events_of(client, account.id, "capability.updated"))
    }
    assert caps["card_issuing"] == "active" and caps["treasury"] == "active"
    assert any(e.account == account.id for e in events_of(client, account.id, "account.updated"))


def test_failing_test_values_ask_for_a_document(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    account = custom_account(client, business_type="individual")
    failing = {**INDIVIDUAL, "dob": {"day": 1, "month": 1, "year": 1900}}
    updated = submit_details(client, account.id, individual=failing)
    reqs = updated.requirements
    assert reqs is not None and reqs.currently_due == ["individual.verification.document"]
    assert reqs.errors is not None and reqs.errors[0].code == "verification_failed_keyed_identity"
    assert updated.individual is not None and updated.individual.verification is not None
    assert updated.individual.verification.status == "unverified"
    assert updated.capabilities is not None and updated.capabilities.card_issuing == "inactive"
    fixed = client.v1.accounts.update(
        account.id,
        {"individual": {"verification": {"document": {"front": requirements.DOCUMENT_SUCCESS}}}},
    )
    assert fixed.requirements is not None and fixed.requirements.currently_due == []
    assert fixed.capabilities is not None and fixed.capabilities.card_issuing == "active"
    # an address that does not match, and a failing document, are errors of their own
    again = client.v1.accounts.update(
        account.id,
        {"individual": {"address": {"line1": "address_no_match"}}},
    )
    assert again.requirements is not None
    assert [e.code for e in again.requirements.errors or []] == ["verification_failed_address_match"]
    assert again.requirements.currently_due == ["individual.address.line1"]


def test_company_needs_persons(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    require_onboarding(server, api_key)
    account = custom_account(client, business_type="company")
    due = set(account.requirements.currently_due or [])  # type: ignore[union-attr]
    # no person yet: the roles' fields under their names (API 2020-08-27's format)
    assert {"company.name", "company.tax_id", "representative.first_name", "owners.first_name"} <= due
    assert "representative.relationship.title" in due and "representative.ssn_last_4" in due
    headers = {"Stripe-Version": "2020-03-02"}
    old = httpx.get(f"{server.url}/v1/accounts/{account.id}", auth=(api_key, ""), headers=headers).json()[
        "requirements"
    ]
    assert {"relationship.representative", "relationship.owner"} <= set(old["currently_due"])
    assert not [r for r in old["currently_due"] if r.startswith(("representative.", "owners."))]
    path = f"{server.url}/v1/accounts/{account.id}/capabilities/card_issuing"
    cap = httpx.get(path, auth=(api_key, ""), headers=headers).json()["requirements"]
    assert "relationship.representative" in cap["currently_due"]
    assert (
        "representative.first_name"
        in client.v1.accounts.capabilities.retrieve(account.id, "card_issuing").requirements.currently_due
    )  # type: ignore[union-attr, operator]
    company = {"name": "Rocket Rides", "phone": "0000000000", "tax_id": "111111111", "address": US_ADDRESS}
    account = submit_details(client, account.id, company=company)
    assert account.company is not None and account.company.tax_id_provided is True
    errors = {e.requirement: e.code for e in account.requirements.errors or []}  # type: ignore[union-attr]
    assert errors == {"company.tax_id": "verification_failed_tax_id_match"}
    account = client.v1.accounts.update(account.id, {"company": {"tax_id": "000000000", "owners_provided": True}})
    person = client.v1.accounts.persons.create(
        account.id, {"first_name": "Jenny", "relationship": {"representative": True, "title": "CEO"}}
    )
    assert person.object == "person" and person.id.startswith("person_") and person.account == account.id
    assert person.requirements is not None and "dob.day" in (person.requirements.currently_due or [])
    account = client.v1.accounts.retrieve(account.id)
    due = set(account.requirements.currently_due or [])  # type: ignore[union-attr]
    assert f"{person.id}.dob.day" in due and not [r for r in due if r.startswith("representative.")]
    assert account.capabilities is not None and account.capabilities.card_issuing == "inactive"
    rest = {k: v for k, v in INDIVIDUAL.items() if k != "first_name"}
    person = client.v1.accounts.persons.update(account.id, person.id, rest)  # type: ignore[arg-type]
    assert person.requirements is not None and person.requirements.currently_due == []
    assert person.verification is not None and person.verification.status == "verified"
    account = client.v1.accounts.retrieve(account.id)
    assert account.requirements is not None and account.requirements.currently_due == []
    assert account.capabilities is not None and account.capabilities.card_issuing == "active"
    kinds = [e.type for e in events_of(client, account.id)]
    assert "person.created" in kinds and "person.updated" in kinds


def test_persons_crud_and_relationship_filters(client: stripe.StripeClient) -> None:
    account = custom_account(client, business_type="company")
    rep = client.v1.accounts.persons.create(
        account.id, {"first_name": "Rep", "relationship": {"representative": True}, "metadata": {"k": "v"}}
    )
    owner = client.v1.accounts.persons.create(account.id, {"first_name": "Owner", "relationship": {"owner": True}})
    assert rep.metadata is not None and rep.metadata["k"] == "v" and rep.ssn_last_4_provided is False
    listed = client.v1.accounts.persons.list(account.id)
    assert [p.id for p in listed.data] == [owner.id, rep.id]
    owners = client.v1.accounts.persons.list(account.id, {"relationship": {"owner": True}})
    assert [p.id for p in owners.data] == [owner.id]
    reps = client.v1.accounts.persons.list(account.id, {"relationship": {"representative": True}})
    assert [p.id for p in reps.data] == [rep.id]
    # a new representative takes the role over
    new_rep = client.v1.accounts.persons.update(account.id, owner.id, {"relationship": {"representative": True}})
    assert new_rep.relationship is not None and new_rep.relationship.representative is True
    old = client.v1.accounts.persons.retrieve(account.id, rep.id)
    assert old.relationship is not None and old.relationship.representative is False
    deleted = client.v1.accounts.persons.delete(account.id, rep.id)
    assert deleted.deleted is True and deleted.id == rep.id
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.retrieve(account.id, rep.id)
    assert err.value.http_status == 404 and err.value.code == "resource_missing"
    kinds = {e.type for e in events_of(client, account.id)}
    assert {"person.created", "person.updated", "person.deleted"} <= kinds
    event = events_of(client, account.id, "person.deleted")[0]
    assert event.account == account.id and event.data.object["id"] == rep.id


def test_persons_need_a_known_account(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.persons.create("acct_1Nope000000000", {"first_name": "X"})


def test_account_links_and_their_errors(client: stripe.StripeClient) -> None:
    account = custom_account(client)
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": "https://example.com/refresh",
            "return_url": "https://example.com/return",
        }
    )
    assert link.object == "account_link" and link.expires_at > link.created
    assert "/_emulator/onboarding/" in link.url and account.id not in link.url
    other = client.v1.account_links.create({"account": account.id, "type": "account_update"})
    assert other.url != link.url
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.account_links.create(
            {
                "account": account.id,
                "type": "account_onboarding",
                "collect": "eventually_due",
                "collection_options": {"fields": "eventually_due"},
            }
        )
    assert err.value.code == "parameters_exclusive"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.account_links.create({"account": "acct_1Nope000000000", "type": "account_onboarding"})
    assert err.value.param == "account" and err.value.code is None
    assert err.value.user_message == (  # Stripe's text: apps recognise a stale account id by it
        "You requested an account link for an account that is not connected to your platform or does not exist."
    )
    # account_update only where the platform collects the requirements (Stripe's parameter docs)
    for kind in ("standard", "express"):
        stripe_collects = client.v1.accounts.create({"type": kind})
        with pytest.raises(stripe.InvalidRequestError) as err:
            client.v1.account_links.create({"account": stripe_collects.id, "type": "account_update"})
        assert err.value.param == "type" and stripe_collects.id in str(err.value.user_message)
        onboarding = client.v1.account_links.create({"account": stripe_collects.id, "type": "account_onboarding"})
        assert onboarding.object == "account_link"


def test_account_sessions_list_every_component(client: stripe.StripeClient) -> None:
    account = custom_account(client)
    session = client.v1.account_sessions.create(
        {
            "account": account.id,
            "components": {
                "account_onboarding": {"enabled": True},
                "issuing_card": {"enabled": True, "features": {"card_management": True}},
            },
        }
    )
    assert session.account == account.id and session.client_secret.startswith("accs_secret__")
    assert session.livemode is False and session.expires_at > 0
    assert session.components.account_onboarding.enabled is True
    assert session.components.issuing_card.features.card_management is True
    assert session.components.issuing_card.features.cardholder_management is False
    assert session.components.payments.enabled is False


def test_account_session_defaults_follow_the_account(client: stripe.StripeClient) -> None:
    custom = custom_account(client)  # the platform is liable for losses and collects requirements
    asked: Any = {
        "account": custom.id,
        "components": {
            "payouts": {"enabled": True},
            "payments": {"enabled": True, "features": {"dispute_management": False}},
            "account_onboarding": {"enabled": True, "features": {"external_account_collection": False}},
        },
    }
    session = client.v1.account_sessions.create(asked)
    payouts = session.components.payouts.features
    assert (payouts.edit_payout_schedule, payouts.standard_payouts) == (False, False)
    assert (payouts.external_account_collection, payouts.disable_stripe_user_authentication) == (True, False)
    assert session.components.payments.features.smart_disputes_management is False
    assert session.components.disputes_list.features.smart_disputes_management is True
    onboarding = session.components.account_onboarding.features
    assert (onboarding.external_account_collection, onboarding.disable_stripe_user_authentication) == (False, True)
    stripe_liable = client.v1.accounts.create({"type": "standard"})
    balances: Any = {"account": stripe_liable.id, "components": {"balances": {"enabled": True}}}
    features = client.v1.account_sessions.create(balances).components.balances.features
    assert (features.edit_payout_schedule, features.standard_payouts) == (True, True)


@pytest.mark.parametrize(
    ("component", "feature", "value"),
    [
        ("account_onboarding", "disable_stripe_user_authentication", True),
        ("payouts", "external_account_collection", False),
        ("issuing_cards_list", "disable_stripe_user_authentication", True),
    ],
)
def test_account_session_features_only_for_platform_collected_accounts(
    client: stripe.StripeClient, component: str, feature: str, value: bool
) -> None:
    express = client.v1.accounts.create({"type": "express"})
    asked: Any = {"account": express.id, "components": {component: {"enabled": True, "features": {feature: value}}}}
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.account_sessions.create(asked)
    assert err.value.param == f"components[{component}][features][{feature}]"
    asked["account"] = custom_account(client).id
    assert client.v1.account_sessions.create(asked).components[component].features[feature] is value


@pytest.mark.parametrize("version", ["2025-04-30.preview", "2026-10-28.endive; embedded_connect_beta=v2"])
def test_preview_components_under_a_preview_version(
    client: stripe.StripeClient, http: httpx.Client, version: str
) -> None:
    # Stripe's FurEver demo asks for Capital and tax components with a preview Stripe-Version
    account = custom_account(client).id
    form = {
        "account": account,
        "components[capital_financing][enabled]": "true",
        "components[capital_financing][features][financing_promotion]": "true",
        "components[tax_threshold_monitoring][enabled]": "true",
        "components[payments][enabled]": "true",
    }
    r = http.post("/v1/account_sessions", data=form, headers={"Stripe-Version": version})
    assert r.status_code == 200, r.text
    components = r.json()["components"]
    assert components["capital_financing"] == {"enabled": True, "features": {"financing_promotion": True}}
    assert components["tax_threshold_monitoring"]["enabled"] is True
    assert components["export_tax_transactions"]["enabled"] is False
    assert components["payments"]["enabled"] is True
    # a released version does not know them: Stripe's unknown-parameter refusal
    r = http.post("/v1/account_sessions", data=form, headers={"Stripe-Version": "2026-10-28.endive"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "parameter_unknown"
    assert "components[capital_financing]" in r.json()["error"]["message"]
    released = client.v1.account_sessions.create({"account": account, "components": {"payments": {"enabled": True}}})
    assert "capital_financing" not in released.components


def test_login_links_only_for_express(client: stripe.StripeClient) -> None:
    express = client.v1.accounts.create({"type": "express"})
    link = client.v1.accounts.login_links.create(express.id)
    assert link.object == "login_link" and "/_emulator/express/" in link.url
    page = httpx.get(link.url)
    assert page.status_code == 200 and express.id in page.text
    assert httpx.get(link.url).status_code == 404  # single use
    custom = custom_account(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.login_links.create(custom.id)


def test_onboarding_page_flow_over_http(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    """The page without a browser: usable once, form token and same-origin checks, redirects."""
    require_onboarding(server, api_key)
    account = custom_account(client, business_type="company")
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": "https://platform.example/refresh",
            "return_url": "https://platform.example/return",
        }
    )
    with httpx.Client(follow_redirects=False) as browser:
        assert browser.head(link.url).status_code == 200  # a HEAD does not use the link
        page = browser.get(link.url)
        assert page.status_code == 200 and "company.tax_id" in page.text
        assert api_key not in page.text
        assert "form-action 'self' https://platform.example" in page.headers["content-security-policy"]
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        again = browser.get(link.url)
        assert again.status_code == 303 and again.headers["location"] == "https://platform.example/refresh"
        refused = browser.post(link.url, data={"form_token": token}, headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403
        bad = browser.post(link.url, data={"form_token": "nope"})
        assert bad.status_code == 403
        done = browser.post(link.url, data={"form_token": token})
        assert done.status_code == 303 and done.headers["location"] == "https://platform.example/return"
        assert browser.post(link.url, data={"form_token": token}).headers["location"].endswith("/refresh")
        assert browser.get(server.url + "/_emulator/onboarding/nope").status_code == 404
    account = client.v1.accounts.retrieve(account.id)
    assert account.requirements is not None and account.requirements.currently_due == []
    assert account.capabilities is not None and account.capabilities.card_issuing == "active"
    persons = client.v1.accounts.persons.list(account.id).data
    assert len(persons) == 1 and persons[0].relationship.representative is True  # type: ignore[union-attr]


def test_a_rejected_accounts_link_goes_to_refresh_url(client: stripe.StripeClient) -> None:
    """Stripe's refresh_url takes the user from a link that is expired, visited "or otherwise
    invalid": a rejected account's link cannot onboard it, so it goes there."""
    account = custom_account(client)
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "refresh_url": "https://p.example/r"}
    )
    client.v1.accounts.reject(account.id, {"reason": "fraud_other"})
    resp = httpx.get(link.url, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "https://p.example/r"


def test_expired_link_goes_to_refresh_url(server: EmulatorServer, client: stripe.StripeClient) -> None:
    account = custom_account(client)
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "refresh_url": "https://p.example/r"}
    )
    for platform in server.state.platforms.values():  # as if its five minutes had passed
        for state in platform.extra.get("account_links", {}).values():
            state.expires_at = 0
    resp = httpx.get(link.url, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "https://p.example/r"


@pytest.mark.parametrize("before", [0, 86_400])
def test_a_link_expires_on_its_platforms_time(client: stripe.StripeClient, http: httpx.Client, before: int) -> None:
    """``expires_at`` is the platform's time (``/_emulator/clock`` moves it), so is the page's check:
    five minutes after a link of a platform a day ahead it is spent, one second before it is not."""
    http.post("/_emulator/clock", data={"freeze": "true"})  # no second passes but those moved here
    if before:
        http.post("/_emulator/clock", data={"advance": str(before)})
    account = custom_account(client)
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "refresh_url": "https://p.example/r"}
    )
    assert link.expires_at == link.created + 300
    assert httpx.head(link.url).status_code == 200  # a look does not use it up
    http.post("/_emulator/clock", data={"advance": "299"})
    assert httpx.head(link.url).status_code == 200
    http.post("/_emulator/clock", data={"advance": "1"})
    resp = httpx.get(link.url, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "https://p.example/r"


def test_newer_person_fields(client: stripe.StripeClient) -> None:
    account = custom_account(client, business_type="company")
    person = client.v1.accounts.persons.create(
        account.id,
        {
            "first_name": "Ana",
            "relationship": {"authorizer": True},
            "additional_tos_acceptances": {"account": {"date": 1_700_000_000, "ip": "127.0.0.1"}},
            "us_cfpb_data": {"race_details": {"race": ["asian"]}, "self_identified_gender": "woman"},
        },
    )
    assert person.relationship is not None and person.relationship.authorizer is True
    assert person.relationship.legal_guardian is False
    assert person.additional_tos_acceptances is not None
    assert person.additional_tos_acceptances.account is not None
    assert person.additional_tos_acceptances.account.date == 1_700_000_000
    assert person.us_cfpb_data is not None and person.us_cfpb_data.race_details is not None
    assert person.us_cfpb_data.race_details.race == ["asian"] and person.us_cfpb_data.ethnicity_details is None
    authorizers = client.v1.accounts.persons.list(account.id, {"relationship": {"authorizer": True}})
    assert [p.id for p in authorizers.data] == [person.id]


@pytest.mark.parametrize("country", ["GB", "CA", "FR"])
def test_hosted_page_onboards_accounts_of_other_countries(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient, country: str
) -> None:
    require_onboarding(server, api_key)
    account = client.v1.accounts.create(
        {
            "country": country,
            "controller": {"stripe_dashboard": {"type": "none"}, "requirement_collection": "application"},
            "capabilities": {"card_issuing": {"requested": True}, "transfers": {"requested": True}},
        }
    )
    due = account.requirements.currently_due or []  # type: ignore[union-attr]
    assert "business_type" in due and ("individual.address.state" in due) is False
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "return_url": "https://p.example/back"}
    )
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(link.url)
        token = page.text.split('name="form_token" value="')[1].split('"')[0]
        done = browser.post(link.url, data={"form_token": token})
        assert done.status_code == 303 and done.headers["location"] == "https://p.example/back"
    account = client.v1.accounts.retrieve(account.id)
    assert account.business_type == "individual"
    assert account.requirements is not None and account.requirements.currently_due == []
    assert account.capabilities is not None and account.capabilities.card_issuing == "active"
    assert account.individual is not None and account.individual.address is not None
    assert (account.individual.address.state is not None) == (country == "CA")
    # the bank account the page adds is of the account's country, in its currency: payouts work
    local = {"GB": "gbp", "CA": "cad", "FR": "eur"}[country]
    banks = client.v1.accounts.external_accounts.list(account.id).data
    assert [(b.country, b.currency) for b in banks] == [(country, local)] and account.default_currency == local


def test_identity_documents_are_uploads_or_stripes_test_tokens(client: stripe.StripeClient) -> None:
    """A person's document is a file uploaded with purpose identity_document (by the account or the
    platform) or one of Stripe's test tokens; anything else is refused before anything changes."""
    account = flows.connected_account(client)
    upload = flows.upload(client, "identity_document", flows.png(), "id.png", account.id)
    person = client.v1.accounts.persons.create(
        account.id, {"first_name": "Jenny", "verification": {"document": {"front": upload.id}}}
    )
    assert person.verification.document.front == upload.id
    token = client.v1.accounts.persons.update(
        account.id, person.id, {"verification": {"document": {"back": "file_identity_document_success"}}}
    )
    assert token.verification.document.back == "file_identity_document_success"
    logo = flows.upload(client, "dispute_evidence", flows.PDF, "receipt.pdf", account.id)
    for bad, status in (("file_nope", 400), (logo.id, 400)):
        with pytest.raises(stripe.StripeError) as exc:
            client.v1.accounts.persons.create(account.id, {"verification": {"document": {"front": bad}}})
        assert exc.value.http_status == status
        assert exc.value.error is not None and exc.value.error.param == "verification[document][front]"
    assert [p.id for p in client.v1.accounts.persons.list(account.id).data] == [person.id]
    with pytest.raises(stripe.StripeError) as exc:
        client.v1.accounts.update(account.id, {"individual": {"verification": {"document": {"front": "file_x"}}}})
    assert exc.value.error is not None and exc.value.error.param == "individual[verification][document][front]"
    # the same rule for the documents an account or person token carries, and for branding files
    for token, param in (
        ({"person": {"verification": {"document": {"front": "file_nope"}}}}, "person[verification][document][front]"),
        (
            {"account": {"company": {"verification": {"document": {"front": logo.id}}}}},
            "account[company][verification][document][front]",
        ),
    ):
        with pytest.raises(stripe.StripeError) as exc:
            client.v1.tokens.create(token)  # type: ignore[arg-type]
        assert exc.value.http_status == 400 and exc.value.error is not None and exc.value.error.param == param
    brand = flows.upload(client, "business_logo", flows.png(), "logo.png", account.id)
    for bad, param in (
        ({"logo": "garbage"}, "settings[branding][logo]"),
        ({"icon": brand.id}, "settings[branding][icon]"),
    ):
        with pytest.raises(stripe.StripeError) as exc:
            client.v1.accounts.update(account.id, {"settings": {"branding": bad}})
        assert exc.value.http_status == 400 and exc.value.error is not None and exc.value.error.param == param
    branded = client.v1.accounts.update(account.id, {"settings": {"branding": {"logo": brand.id}}})
    assert branded.settings is not None and branded.settings.branding.logo == brand.id


def test_political_exposure_is_one_of_stripes_values(client: stripe.StripeClient) -> None:
    account = custom_account(client, business_type="company")
    person = client.v1.accounts.persons.create(account.id, {"political_exposure": "none"})
    assert person.political_exposure == "none"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.update(account.id, person.id, {"political_exposure": "sometimes"})
    assert err.value.param == "political_exposure" and err.value.code == "parameter_invalid"


def test_dates_of_birth_are_real_past_dates(client: stripe.StripeClient) -> None:
    """A person's, an account individual's and a token's ``dob`` are bounded as a cardholder's is:
    each part in range, together a calendar date, not in the future; nothing is kept when refused."""
    account = custom_account(client, business_type="company")
    cases = [
        ({"day": 32, "month": 1, "year": 1980}, "dob[day]", "parameter_invalid_integer"),
        ({"day": 0, "month": 1, "year": 1980}, "dob[day]", "parameter_invalid_integer"),
        ({"day": 1, "month": 13, "year": 1980}, "dob[month]", "parameter_invalid_integer"),
        ({"day": 30, "month": 2, "year": 1980}, "dob[day]", "parameter_invalid"),
        ({"day": 1, "month": 1, "year": 2999}, "dob[year]", "parameter_invalid"),
    ]
    for dob, param, code in cases:
        with pytest.raises(stripe.InvalidRequestError) as err:
            client.v1.accounts.persons.create(account.id, {"first_name": "Jo", "dob": dob})
        assert (err.value.param, err.value.code) == (param, code)
    assert client.v1.accounts.persons.list(account.id).data == []
    person = client.v1.accounts.persons.create(account.id, {"dob": {"day": 29, "month": 2, "year": 1980}})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.update(account.id, person.id, {"dob": {"day": 31, "month": 4, "year": 1980}})
    assert err.value.param == "dob[day]"
    kept = client.v1.accounts.persons.retrieve(account.id, person.id).dob
    assert kept is not None and (kept.day, kept.month, kept.year) == (29, 2, 1980)
    with pytest.raises(stripe.InvalidRequestError) as err:
        custom_account(client, business_type="individual", individual={"dob": {"day": 1, "month": 0, "year": 1980}})
    assert err.value.param == "individual[dob][month]"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.tokens.create({"person": {"dob": {"day": 31, "month": 6, "year": 1980}}})
    assert err.value.param == "person[dob][day]"


def test_terms_dates_ips_emails_urls_and_the_business_country_are_checked(client: stripe.StripeClient) -> None:
    """A terms acceptance dated in the future or before 2009 (Stripe's text, as stripe-ruby-mock
    reproduces it), a malformed IP, email or support URL, and a company address abroad
    (``account_country_invalid_address``) are refused before anything changes."""
    company = custom_account(client, business_type="company")
    person = client.v1.accounts.persons.create(company.id, {"first_name": "Jo"})
    now = int(time.time())
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"tos_acceptance": {"date": now + 86_400, "ip": "8.8.8.8"}}, "tos_acceptance[date]", None),
        ({"tos_acceptance": {"date": now * 1000, "ip": "8.8.8.8"}}, "tos_acceptance[date]", None),
        ({"tos_acceptance": {"date": 1_199_145_600, "ip": "8.8.8.8"}}, "tos_acceptance[date]", None),
        ({"tos_acceptance": {"date": now, "ip": "not-an-ip"}}, "tos_acceptance[ip]", "parameter_invalid"),
        (
            {"settings": {"card_issuing": {"tos_acceptance": {"date": now + 86_400, "ip": "8.8.8.8"}}}},
            "settings[card_issuing][tos_acceptance][date]",
            None,
        ),
        ({"business_profile": {"support_email": "help@"}}, "business_profile[support_email]", "email_invalid"),
        ({"business_profile": {"support_url": "http://localhost"}}, "business_profile[support_url]", "url_invalid"),
        (
            {"company": {"address": {"line1": "1 King St W", "city": "Toronto", "country": "CA"}}},
            "company[address][country]",
            "account_country_invalid_address",
        ),
    ]
    for params, param, code in cases:
        with pytest.raises(stripe.InvalidRequestError) as err:
            client.v1.accounts.update(company.id, params)  # type: ignore[arg-type]
        assert (err.value.param, err.value.code) == (param, code), params
    kept = client.v1.accounts.retrieve(company.id)
    assert kept.tos_acceptance is not None and kept.tos_acceptance.date is None
    with pytest.raises(stripe.InvalidRequestError) as err:
        custom_account(client, business_type="individual", individual={"email": "jo@@example"})
    assert (err.value.param, err.value.code) == ("individual[email]", "email_invalid")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.update(company.id, person.id, {"email": "jo at example.com"})
    assert (err.value.param, err.value.code) == ("email", "email_invalid")
    # what an account or person token carries is checked the same, and a refused request leaves it usable
    abroad = client.v1.tokens.create(
        {"account": {"company": {"address": {"line1": "1 King St W", "city": "Toronto", "country": "CA"}}}}  # type: ignore[typeddict-item]
    )
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(company.id, {"account_token": abroad.id})
    assert err.value.code == "account_country_invalid_address"
    assert client.v1.tokens.retrieve(abroad.id).used is False
    bad_mail = client.v1.tokens.create({"person": {"email": "jo at example.com"}})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.create(company.id, {"person_token": bad_mail.id})
    assert (err.value.code, client.v1.tokens.retrieve(bad_mail.id).used) == ("email_invalid", False)
    ok = client.v1.accounts.update(
        company.id,
        {
            "tos_acceptance": {"date": now, "ip": " 2001:db8::1\n"},
            "company": {"address": {"line1": "1 Main St", "city": "Austin", "state": "TX", "country": "us"}},
        },
    )
    assert ok.tos_acceptance is not None and (ok.tos_acceptance.date, ok.tos_acceptance.ip) == (now, "2001:db8::1")


def test_a_card_on_an_account_still_onboarding_is_refused_with_the_reason(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """The capability is requested, so the refusal points at the requirements, not at requesting it
    (for the cardholder as for the card)."""
    require_onboarding(server, api_key)
    account = custom_account(client, business_type="individual")
    err = error_of(
        lambda: client.v1.issuing.cardholders.create(flows.minimal_cardholder_params(), {"stripe_account": account.id})
    )
    assert err.code == "capability_not_active"
    assert "requested but not active yet" in str(err.user_message) and "currently_due" in str(err.user_message)


def test_a_bank_account_added_on_its_own_endpoint_meets_the_requirement(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """``POST /v1/accounts/{id}/external_accounts`` gives what ``external_account`` on the account
    gives: the requirement is met, payouts are enabled, and ``account.updated`` tells the platform."""
    require_onboarding(server, api_key)
    account = client.v1.accounts.create(
        {
            "type": "custom",
            "country": "US",
            "business_type": "individual",
            "capabilities": {"transfers": {"requested": True}},
            "business_profile": PROFILE,
            "tos_acceptance": TOS,
            "individual": {**PERSON, "id_number": "000000000"},
        }
    )
    assert account.requirements is not None and account.requirements.currently_due == ["external_account"]
    assert not account.payouts_enabled
    updates = len(events_of(client, account.id, "account.updated"))
    client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified"})
    account = client.v1.accounts.retrieve(account.id)
    assert account.requirements is not None and account.requirements.currently_due == []
    assert account.payouts_enabled
    events = events_of(client, account.id, "account.updated")
    assert len(events) == updates + 1
    previous = events[0].data.previous_attributes
    assert previous is not None and previous["payouts_enabled"] is False
    assert "external_accounts" not in previous  # the bank account's own event tells of the list


def test_a_new_accounts_event_compares_with_what_it_showed(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """Under ``onboarding=required`` a new account was never enabled: its first ``account.updated``
    does not claim it was (``previous_attributes`` are values the account had)."""
    require_onboarding(server, api_key)
    account = client.v1.accounts.create(
        {"type": "custom", "country": "US", "capabilities": {"card_issuing": {"requested": True}}}
    )
    assert not (account.charges_enabled or account.payouts_enabled or account.details_submitted)
    for event in events_of(client, account.id, "account.updated"):
        assert event.data.previous_attributes is not None
        previous = event.data.previous_attributes.to_dict()
        for flag in ("charges_enabled", "payouts_enabled", "details_submitted"):
            assert previous.get(flag) is not True, (flag, previous)
