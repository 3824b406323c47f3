"""Issuing network tokens through the real SDK.

Stripe's test mode never makes tokens (wallet provisioning is live mode only), so through the API a
card's token list is empty. The lifecycle rules are exercised on tokens made in-process with
:func:`emulator.resources.issuing.tokens.provision`, the outcome of a wallet provisioning.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.resources.issuing import tokens
from tests.support.cards import create_cardholder
from tests.support.errors import error_of
from tests.support.events import events_of
from tests.support.sdk_fields import check, declared, sdk_class

DAY = 86_400


def new_card(client: stripe.StripeClient, account_id: str) -> stripe.issuing.Card:
    holder = create_cardholder(client, account_id)
    return client.v1.issuing.cards.create(
        {"cardholder": holder.id, "currency": "usd", "type": "virtual", "status": "active"},
        {"stripe_account": account_id},
    )


def provision(server: EmulatorServer, api_key: str, account_id: str, card_id: str, age: int = 0, **kw: Any) -> Obj:
    """What adding the card to a wallet does at Stripe (live mode): a token, ``age`` seconds old."""
    platform = server.state.platform(api_key)
    scope = platform.scope(account_id)
    ctx = Ctx(server.state, platform, scope, server.app.representation)
    ctx.now -= age
    card = scope.get("issuing.card", card_id)
    assert card is not None
    return tokens.provision(ctx, card, **kw)


# --- what test mode shows -------------------------------------------------------------------------------


def test_test_mode_cards_have_no_tokens(
    client: stripe.StripeClient, account: stripe.Account, http: httpx.Client
) -> None:
    card = new_card(client, account.id)
    opts: Any = {"stripe_account": account.id}
    listed = client.v1.issuing.tokens.list({"card": card.id}, opts)
    assert listed.data == [] and listed.has_more is False and listed.url == "/v1/issuing/tokens"
    err = error_of(lambda: client.v1.issuing.tokens.retrieve("intok_1MzDbE2eZvKYlo2C26a98MDg", options=opts))
    assert err.http_status == 404 and err.code == "resource_missing" and err.param == "token"
    assert err.user_message == "No such issuing token: 'intok_1MzDbE2eZvKYlo2C26a98MDg'"
    err = error_of(lambda: client.v1.issuing.tokens.update("intok_nope", {"status": "suspended"}, opts))
    assert err.http_status == 404 and err.param == "token"


def test_list_needs_a_card_of_the_account(
    client: stripe.StripeClient, account: stripe.Account, http: httpx.Client
) -> None:
    r = http.get("/v1/issuing/tokens")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "parameter_missing" and r.json()["error"]["param"] == "card"
    err = error_of(lambda: client.v1.issuing.tokens.list({"card": "ic_nope"}))
    assert err.http_status == 400 and err.param == "card"  # named in the query: 400
    theirs = new_card(client, account.id)  # a connected account's card, asked for by the platform
    err = error_of(lambda: client.v1.issuing.tokens.list({"card": theirs.id}))
    assert err.http_status == 400 and err.param == "card"
    r = http.get(
        "/v1/issuing/tokens", params={"card": theirs.id, "status": "expired"}, headers={"Stripe-Account": account.id}
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "status"


@pytest.mark.parametrize(
    ("data", "code", "param"),
    [
        ({}, "parameter_missing", "status"),
        ({"status": "requested"}, "parameter_invalid", "status"),
        ({"status": "active", "wallet": "x"}, "parameter_unknown", "wallet"),
    ],
)
def test_update_parameters(http: httpx.Client, data: dict[str, str], code: str, param: str) -> None:
    r = http.post("/v1/issuing/tokens/intok_nope", data=data)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code and r.json()["error"]["param"] == param


# --- provisioned tokens ----------------------------------------------------------------------------------------


def test_provisioned_tokens_list_and_retrieve(
    client: stripe.StripeClient, account: stripe.Account, server: EmulatorServer, api_key: str
) -> None:
    opts: Any = {"stripe_account": account.id}
    card, other = new_card(client, account.id), new_card(client, account.id)
    old = provision(server, api_key, account.id, card.id, age=3 * DAY, wallet_provider="google_pay")
    new = provision(server, api_key, account.id, card.id, device_fingerprint="intd_1MzDbE2eZvKYcp3095svdf")
    provision(server, api_key, account.id, other.id, status="requested")
    listed = client.v1.issuing.tokens.list({"card": card.id}, opts)
    assert [t.id for t in listed.data] == [new["id"], old["id"]]
    token = listed.data[0]
    assert isinstance(token, stripe.issuing.Token)
    assert token.id.startswith("intok_") and token.object == "issuing.token"
    assert token.card == card.id and token.network == "visa" and token.status == "active"
    assert token.wallet_provider == "apple_pay" and token.device_fingerprint == "intd_1MzDbE2eZvKYcp3095svdf"
    assert token.last4 is not None and len(token.last4) == 4 and token.livemode is False
    assert token.network_updated_at == token.created
    assert "network_data" not in token.to_dict()
    assert client.v1.issuing.tokens.list({"card": other.id}, opts).data[0].status == "requested"
    assert client.v1.issuing.tokens.list({"card": other.id, "status": "active"}, opts).data == []
    recent = client.v1.issuing.tokens.list({"card": card.id, "created": {"gte": old["created"] + DAY}}, opts)
    assert [t.id for t in recent.data] == [new["id"]]
    assert client.v1.issuing.tokens.retrieve(new["id"], options=opts).to_dict() == token.to_dict()
    created = events_of(server, api_key, account.id, "issuing_token.created")
    assert [e["data"]["object"]["id"] for e in created][:2] == [old["id"], new["id"]]


def test_expansions(
    client: stripe.StripeClient, account: stripe.Account, server: EmulatorServer, api_key: str, http: httpx.Client
) -> None:
    opts: Any = {"stripe_account": account.id}
    card = new_card(client, account.id)
    fresh = provision(server, api_key, account.id, card.id)
    stale = provision(server, api_key, account.id, card.id, age=2 * DAY)
    got = client.v1.issuing.tokens.retrieve(fresh["id"], {"expand": ["network_data", "card"]}, opts)
    assert isinstance(got.card, stripe.issuing.Card) and got.card.id == card.id
    assert got.network_data is not None and got.network_data.type == "visa"
    assert got.network_data.visa is not None and got.network_data.visa.token_requestor_id == "40010030273"
    assert "mastercard" not in got.network_data  # what the network did not report is left out, not null
    raw = http.get(
        f"/v1/issuing/tokens/{fresh['id']}", params={"expand[]": "network_data"}, headers={"Stripe-Account": account.id}
    ).json()
    cls = sdk_class("issuing.token")
    assert cls is not None and check(raw) == [] and set(raw) == set(declared(cls))
    assert "network_data" not in client.v1.issuing.tokens.retrieve(stale["id"], {"expand": ["network_data"]}, opts)
    updated = client.v1.issuing.tokens.update(fresh["id"], {"status": "suspended", "expand": ["network_data"]}, opts)
    assert updated.network_data is not None
    listed = client.v1.issuing.tokens.list({"card": card.id, "expand": ["data.card"]}, opts)
    assert all(isinstance(t.card, stripe.issuing.Card) for t in listed.data)
    # network_data only on retrieve and update
    r = http.get(
        "/v1/issuing/tokens",
        params={"card": card.id, "expand[]": "data.network_data"},
        headers={"Stripe-Account": account.id},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "expand"


# status -> target -> allowed
LIFECYCLE: dict[str, dict[str, bool]] = {
    "active": {"active": True, "suspended": True, "deleted": True},
    "suspended": {"active": True, "suspended": True, "deleted": True},
    "requested": {"active": False, "suspended": False, "deleted": True},
    "deleted": {"active": False, "suspended": False, "deleted": False},
}


@pytest.mark.parametrize("start", sorted(LIFECYCLE))
@pytest.mark.parametrize("target", ["active", "suspended", "deleted"])
def test_status_lifecycle(
    client: stripe.StripeClient,
    account: stripe.Account,
    server: EmulatorServer,
    api_key: str,
    start: str,
    target: str,
) -> None:
    opts: Any = {"stripe_account": account.id}
    card = new_card(client, account.id)
    token = provision(server, api_key, account.id, card.id, status=start, age=60)
    provisioned_at = token["network_updated_at"]  # (the stored token: read before it changes)
    if LIFECYCLE[start][target]:
        updated = client.v1.issuing.tokens.update(token["id"], {"status": target}, opts)
        assert updated.status == target
        changed = events_of(server, api_key, account.id, "issuing_token.updated")
        if start == target:
            assert changed == [] and updated.network_updated_at == provisioned_at
        else:
            assert [e["data"]["previous_attributes"]["status"] for e in changed] == [start]
            assert updated.network_updated_at > provisioned_at
    else:
        err = error_of(lambda: client.v1.issuing.tokens.update(token["id"], {"status": target}, opts))
        assert err.http_status == 400 and err.code == "status_transition_invalid" and err.param == "status"
        assert client.v1.issuing.tokens.retrieve(token["id"], options=opts).status == start
