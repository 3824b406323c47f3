"""``Stripe-Context`` (stripe-python's ``stripe_context``, stripe-node's ``stripeContext``): "perform an API
request in the context of a related account"; it "supersedes the Stripe-Account header" (docs.stripe.com/context)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator.core import api_changes
from tests.support import flows


def test_stripe_context_acts_on_the_connected_account(client: stripe.StripeClient, account: stripe.Account) -> None:
    in_context: Any = {"stripe_context": account.id}
    holder = client.v1.issuing.cardholders.create(flows.minimal_cardholder_params(), in_context)
    connected = client.v1.issuing.cardholders.list(options={"stripe_account": account.id})  # type: ignore[arg-type]
    assert [h.id for h in connected.data] == [holder.id]
    assert client.v1.issuing.cardholders.list().data == []  # nothing on the platform
    assert client.v1.issuing.cardholders.retrieve(holder.id, options=in_context).id == holder.id
    # a context path acts on its last account; every account it names must be one the key may act on
    platform_id = client.v1.accounts.retrieve_current().id
    path: Any = {"stripe_context": f"{platform_id}/{account.id}"}
    assert client.v1.issuing.cardholders.retrieve(holder.id, options=path).id == holder.id
    for context in (
        f"acct_1bogus/{account.id}",
        f"acct_platform/{account.id}",
        f"{account.id}/",
        "/",
        f"/{account.id}",
    ):
        with pytest.raises(stripe.PermissionError) as exc:
            client.v1.issuing.cardholders.list(options={"stripe_context": context})
        assert exc.value.error is not None and exc.value.error.code == "account_invalid", context


def test_stripe_context_supersedes_stripe_account(http: httpx.Client, account: stripe.Account) -> None:
    platform_holder = http.post("/v1/issuing/cardholders", data=flows.minimal_cardholder_form()).json()["id"]
    r = http.get(
        f"/v1/issuing/cardholders/{platform_holder}",
        headers={"Stripe-Context": account.id, "Stripe-Account": "acct_nonexistent"},
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "resource_missing"  # looked up on the account


def test_an_unknown_context_account_is_refused(http: httpx.Client) -> None:
    r = http.get("/v1/issuing/cardholders", headers={"Stripe-Context": "acct_1NonExistent000"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "account_invalid"


def test_connected_accounts_events_carry_their_context(client: stripe.StripeClient, account: stripe.Account) -> None:
    """Changelog 2025-04-30.basil: "Connect events include both the context and account fields"."""
    opts: Any = {"stripe_account": account.id}
    client.v1.issuing.cardholders.create(flows.minimal_cardholder_params(), opts)
    client.v1.issuing.cardholders.create(flows.minimal_cardholder_params())
    connected = client.v1.events.list({"type": "issuing_cardholder.created"}, opts).data[0]
    assert (connected.account, connected.context) == (account.id, account.id)
    own = client.v1.events.list({"type": "issuing_cardholder.created"}).data[0]
    assert "context" not in own.to_dict() and "account" not in own.to_dict()


def test_an_older_versions_event_has_no_context() -> None:
    event = {"id": "evt_1", "account": "acct_1", "api_version": "2026-10-28.endive", "context": "acct_1"}
    assert "context" not in api_changes.event_as_shown(event, "2024-06-20")
    old = {"id": "evt_1", "account": "acct_1", "api_version": "2024-06-20"}
    assert api_changes.event_as_shown(old, "2026-10-28.endive")["context"] == "acct_1"
    assert api_changes.event_as_shown({"id": "evt_2"}, "2026-10-28.endive") == {"id": "evt_2"}


def test_connected_answers_name_their_account(http: httpx.Client, account: stripe.Account) -> None:
    """stripe-node fills ``lastResponse.stripeAccount`` (and its ``response`` event's ``account``) from it."""
    for header in ("Stripe-Account", "Stripe-Context"):
        r = http.get("/v1/issuing/cardholders", headers={header: account.id})
        assert r.status_code == 200 and r.headers["stripe-account"] == account.id
    assert "stripe-account" not in http.get("/v1/issuing/cardholders").headers
