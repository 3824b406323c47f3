"""Account and person tokens (``POST /v1/tokens``) consumed by accounts and persons: the SDK sends
``account_token`` / ``person_token``; each token works once."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows

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


def make_token(client: stripe.StripeClient, params: dict[str, Any]) -> str:
    token = client.v1.tokens.create(params)  # type: ignore[arg-type]
    assert token.object == "token" and token.used is False
    return str(token.id)


def test_account_token_fills_the_account_once(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    token_id = make_token(
        client, {"account": {"business_type": "company", "company": COMPANY, "tos_shown_and_accepted": True}}
    )
    assert token_id.startswith("ct_")
    account = flows.connected_account(client, account_token=token_id)
    assert account.business_type == "company"
    assert account.company is not None and account.company.name == "Rocket Rides"
    assert account.company.tax_id_provided is True
    assert account.tos_acceptance is not None and account.tos_acceptance.date is not None
    assert client.v1.tokens.retrieve(token_id).used is True
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": token_id})
    assert err.value.param == "account_token" and "more than once" in str(err.value.user_message)


def test_account_token_errors(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": "ct_1Missing"})
    assert err.value.code == "resource_missing" and err.value.param == "account_token"
    token_id = make_token(client, {"account": {"business_type": "company"}})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": token_id, "business_type": "individual"})
    assert err.value.param == "business_type"
    assert client.v1.tokens.retrieve(token_id).used is False  # a refused request uses nothing
    person_token = make_token(client, {"person": PERSON})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.update(account.id, {"account_token": person_token})
    assert err.value.param == "account_token"


def test_person_token_creates_and_updates_persons(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client, business_type="company")
    first = make_token(client, {"person": PERSON})
    assert first.startswith("cpt_")
    person = client.v1.accounts.persons.create(account.id, {"person_token": first})
    assert person.first_name == "Jenny" and person.ssn_last_4_provided is True
    assert person.relationship is not None and person.relationship.representative is True
    second = make_token(client, {"person": {"last_name": "Appleseed"}})
    person = client.v1.accounts.persons.update(account.id, person.id, {"person_token": second, "metadata": {"n": "1"}})
    assert person.last_name == "Appleseed" and person.first_name == "Jenny"
    third = make_token(client, {"person": {"last_name": "Doe"}})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.create(account.id, {"person_token": third, "first_name": "X"})
    assert err.value.param == "first_name"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.accounts.persons.create(account.id, {"person_token": second})
    assert "more than once" in str(err.value.user_message)
