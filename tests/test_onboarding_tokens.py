"""Account and person tokens consumed by accounts and persons (the SDK sends ``account_token`` /
``person_token``). The tokens are made here the way ``POST /v1/tokens`` stores them: a ``token``
object in the platform's own scope, its parameters in ``meta_of(token_id)["params"]``."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from tests import flows

COMPANY = {
    "name": "Rocket Rides",
    "phone": "0000000000",
    "tax_id": "000000000",
    "owners_provided": True,
    "address": {"line1": "address_full_match", "city": "San Francisco", "state": "CA", "postal_code": "94107"},
}
PERSON = {
    "first_name": "Jenny",
    "last_name": "Rosen",
    "email": "jenny@example.com",
    "dob": {"day": 1, "month": 1, "year": 1901},
    "ssn_last_4": "0000",
    "relationship": {"representative": True, "title": "CEO"},
}


def make_token(server: EmulatorServer, api_key: str, token_id: str, kind: str, params: dict[str, Any]) -> None:
    scope = server.state.platform(api_key).scope()
    scope.add({"id": token_id, "object": "token", "type": kind, "used": False, "livemode": False, "created": 0})
    scope.meta_of(token_id)["params"] = params


def test_account_token_fills_the_account_once(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    make_token(
        server,
        api_key,
        "ct_1Onboarding00000000000001",
        "account",
        {"account": {"business_type": "company", "company": COMPANY, "tos_shown_and_accepted": True}},
    )
    account = flows.connected_account(client, account_token="ct_1Onboarding00000000000001")
    assert account.business_type == "company"
    assert account.company is not None and account.company.name == "Rocket Rides"
    assert account.company.tax_id_provided is True
    assert account.tos_acceptance is not None and account.tos_acceptance.date is not None
    token = server.state.platform(api_key).scope().get("token", "ct_1Onboarding00000000000001")
    assert token is not None and token["used"] is True
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": "ct_1Onboarding00000000000001"})
    assert err.value.param == "account_token" and "more than once" in str(err.value.user_message)


def test_account_token_errors(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": "ct_1Missing"})
    assert err.value.code == "resource_missing" and err.value.param == "account_token"
    make_token(server, api_key, "ct_1Onboarding00000000000002", "account", {"account": {"business_type": "company"}})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(
            account.id, {"account_token": "ct_1Onboarding00000000000002", "business_type": "individual"}
        )
    assert err.value.param == "business_type"
    make_token(server, api_key, "cpt_1Onboarding0000000000003", "person", {"person": PERSON})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": "cpt_1Onboarding0000000000003"})
    assert err.value.param == "account_token"


def test_person_token_creates_and_updates_persons(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    account = flows.connected_account(client, business_type="company")
    make_token(server, api_key, "cpt_1Onboarding0000000000004", "person", {"person": PERSON})
    person = client.v1.accounts.persons.create(account.id, {"person_token": "cpt_1Onboarding0000000000004"})
    assert person.first_name == "Jenny" and person.ssn_last_4_provided is True
    assert person.relationship is not None and person.relationship.representative is True
    make_token(server, api_key, "cpt_1Onboarding0000000000005", "person", {"person": {"last_name": "Appleseed"}})
    person = client.v1.accounts.persons.update(
        account.id, person.id, {"person_token": "cpt_1Onboarding0000000000005", "metadata": {"n": "1"}}
    )
    assert person.last_name == "Appleseed" and person.first_name == "Jenny"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.create(
            account.id, {"person_token": "cpt_1Onboarding0000000000005", "first_name": "X"}
        )
    assert err.value.param == "first_name"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.create(account.id, {"person_token": "cpt_1Onboarding0000000000005"})
    assert "more than once" in str(err.value.user_message)
