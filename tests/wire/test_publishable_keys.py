"""What a publishable key (``pk_test_``) may do: what Stripe.js and the mobile SDKs do with it.

Ephemeral key nonces (tests/issuing/test_card_reveal.py), account, person and bank account tokens
(``stripe.createToken``) and file uploads (the mobile SDKs' ``createFile``); anything else is
Stripe's 401 for publishable keys."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.http import errors
from emulator.resources.connect import tokens
from tests.support import flows

BANK = {
    "bank_account[country]": "US",
    "bank_account[currency]": "usd",
    "bank_account[routing_number]": "110000000",
    "bank_account[account_number]": "000123456789",
    "bank_account[account_holder_name]": "Jenny Rosen",
    "bank_account[account_holder_type]": "individual",
}


def _publishable(api_key: str) -> str:
    return "pk_test_" + api_key[len("sk_test_") :]


def _browser(server: EmulatorServer, api_key: str, account: str | None = None) -> httpx.Client:
    """What Stripe.js sends: a form body with the publishable key (and ``Stripe-Account`` when set)."""
    headers = {"Authorization": f"Bearer {_publishable(api_key)}"}
    if account:
        headers["Stripe-Account"] = account
    return httpx.Client(base_url=server.url, headers=headers)


def test_publishable_key_makes_account_person_and_bank_account_tokens(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    """stripe.createToken('account' | 'person' | 'bank_account', ...): the secret key then uses them."""
    with _browser(server, api_key) as browser:
        made = {
            "account": browser.post(
                "/v1/tokens",
                data={
                    "account[business_type]": "individual",
                    "account[individual][first_name]": "Jenny",
                    "account[tos_shown_and_accepted]": "true",
                },
            ),
            "person": browser.post(
                "/v1/tokens", data={"person[first_name]": "Bob", "person[relationship][owner]": "true"}
            ),
            "bank_account": browser.post("/v1/tokens", data=BANK),
        }
    for kind, r in made.items():
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["object"], body["type"], body["used"]) == ("token", kind, False)
        assert body["id"].startswith(tokens.PREFIXES[kind] + "_")
        assert body["client_ip"] == "127.0.0.1"
        assert client.v1.tokens.retrieve(body["id"]).id == body["id"]  # the platform's scope, as sk-made ones

    account = flows.connected_account(client, account_token=made["account"].json()["id"])
    assert account.business_type == "individual"
    assert account.individual is not None and account.individual.first_name == "Jenny"
    person = client.v1.accounts.persons.create(account.id, {"person_token": made["person"].json()["id"]})
    assert person.first_name == "Bob"
    bank = client.v1.accounts.external_accounts.create(
        account.id, {"external_account": made["bank_account"].json()["id"]}
    )
    assert bank.id == made["bank_account"].json()["bank_account"]["id"]
    assert all(client.v1.tokens.retrieve(r.json()["id"]).used for r in made.values())


def test_publishable_key_tokens_honour_stripe_account(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    """A connected account's Stripe.js (``stripeAccount``) makes tokens the platform's key can use."""
    account = flows.connected_account(client)
    with _browser(server, api_key, account.id) as browser:
        r = browser.post("/v1/tokens", data=BANK)
    assert r.status_code == 200, r.text
    bank = client.v1.accounts.external_accounts.create(account.id, {"external_account": r.json()["id"]})
    assert bank.last4 == "6789"
    with _browser(server, api_key, "acct_1nothinghere0000000000") as browser:
        r = browser.post("/v1/tokens", data=BANK)
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_invalid"


def test_publishable_key_token_refusals_are_the_secret_keys(server: EmulatorServer, api_key: str) -> None:
    with _browser(server, api_key) as browser:
        bad = browser.post("/v1/tokens", data={**BANK, "bank_account[routing_number]": "110000001"})
        card = browser.post(
            "/v1/tokens",
            data={
                "card[number]": "4242424242424242",
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
            },
        )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "bank_account[routing_number]"
    assert card.status_code == 400 and "not emulated" in card.json()["error"]["message"]


def test_publishable_key_uploads_files(server: EmulatorServer, client: stripe.StripeClient, api_key: str) -> None:
    """The mobile SDKs' createFile: the SDK with the publishable key, to the platform or a connected account."""
    account = flows.connected_account(client)
    mobile = stripe.StripeClient(_publishable(api_key), base_addresses={"api": server.url, "files": server.url})
    mine = flows.upload(mobile, "dispute_evidence", flows.PDF, "receipt.pdf")
    assert (mine.purpose, mine.type, mine.filename) == ("dispute_evidence", "pdf", "receipt.pdf")
    assert client.v1.files.retrieve(mine.id).id == mine.id
    theirs = flows.upload(mobile, "identity_document", flows.PDF, "id.pdf", account=account.id)
    assert client.v1.files.retrieve(theirs.id, options={"stripe_account": account.id}).id == theirs.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.files.retrieve(theirs.id)  # the connected account's, not the platform's
    with pytest.raises(stripe.InvalidRequestError) as bad:
        flows.upload(mobile, "issuing_logo", flows.PDF, "logo.pdf")
    assert bad.value.http_status == 400


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/v1/tokens/btok_anything", None),
        ("GET", "/v1/files", None),
        ("GET", "/v1/files/file_anything", None),
        ("POST", "/v1/accounts", {"country": "US"}),
        ("POST", "/v1/issuing/cardholders", {"name": "Jenny"}),
        ("GET", "/v1/balance", None),
    ],
)
def test_everything_else_is_refused_to_a_publishable_key(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str, method: str, path: str, data: Any
) -> None:
    client.v1.accounts.create({"country": "US"})  # the platform exists
    with _browser(server, api_key) as browser:
        r = browser.request(method, path, data=data)
    assert r.status_code == 401
    assert r.json()["error"]["message"] == errors.PUBLISHABLE_KEY


def test_a_publishable_key_token_is_in_the_exported_session(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    """The fixture export (``/_emulator/requests?format=fixture``) keeps it: the secret key makes it again."""
    with _browser(server, api_key) as browser:
        token = browser.post("/v1/tokens", data={"account[business_type]": "individual"}).json()["id"]
    flows.connected_account(client, account_token=token)
    r = httpx.get(f"{server.url}/_emulator/requests?format=fixture", headers={"Authorization": f"Bearer {api_key}"})
    assert r.status_code == 200, r.text
    assert [s["path"] for s in r.json()["fixtures"]][:2] == ["/v1/tokens", "/v1/accounts"]
