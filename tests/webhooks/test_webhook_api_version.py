"""An endpoint's pinned ``api_version`` names the version of the events it receives (Stripe renders
each endpoint's copy in it); the stored event, and endpoints without a pin, keep the account's default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from emulator.core import api_changes
from tests.support import issuing_flows
from tests.support.receiver import Receiver

FA_PARAMS: dict[str, Any] = {"supported_currencies": ["usd"], "features": {"card_issuing": {"requested": True}}}
PINNED = "2024-06-20"


@pytest.fixture
def pinned() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def unpinned() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def test_pinned_endpoint_receives_its_api_version(
    client: stripe.StripeClient, pinned: Receiver, unpinned: Receiver
) -> None:
    first = client.v1.webhook_endpoints.create(
        {"url": pinned.url, "enabled_events": ["treasury.financial_account.created"], "api_version": PINNED}
    )
    second = client.v1.webhook_endpoints.create({"url": unpinned.url, "enabled_events": ["*"]})
    assert first.api_version == PINNED and second.api_version is None
    fa = client.v1.treasury.financial_accounts.create(FA_PARAMS)  # type: ignore[arg-type]
    pinned.wait_for(1)
    unpinned.wait_for(1)
    got = pinned.requests[0].event(str(first.secret))
    plain = unpinned.requests[0].event(str(second.secret))
    stored = client.v1.events.retrieve(got.id)
    assert got.id == plain.id == stored.id
    assert got.api_version == PINNED
    assert plain.api_version == stored.api_version == "2026-10-28.endive"
    assert got.data.object["id"] == fa.id
    # everything but the version (and the count-down of pending_webhooks) is the same event
    body, other = pinned.requests[0].json(), unpinned.requests[0].json()
    for field in ("api_version", "pending_webhooks"):
        body.pop(field), other.pop(field)
    assert body == other


def test_a_pinned_endpoint_gets_data_as_its_version_shows_it(
    client: stripe.StripeClient, pinned: Receiver, unpinned: Receiver
) -> None:
    """An authorization Stripe expired is ``reversed`` before 2025-03-31, a platform's rejection is
    ``rejected.fraud`` before 2026-09-30: an endpoint pinned to 2023-08-16 gets them so."""
    old = client.v1.webhook_endpoints.create(
        {
            "url": pinned.url,
            "enabled_events": ["issuing_authorization.updated", "account.updated"],
            "connect": True,
            "api_version": "2023-08-16",
        }  # fmt: skip
    )
    new = client.v1.webhook_endpoints.create(
        {"url": unpinned.url, "enabled_events": ["issuing_authorization.updated", "account.updated"], "connect": True}
    )
    s = issuing_flows.spender(client)
    auth = s.authorize(1000)
    s.client.v1.test_helpers.issuing.authorizations.expire(auth.id, options=s.opts)  # type: ignore[arg-type]
    client.v1.accounts.reject(s.account, {"reason": "fraud_other"})
    pinned.wait_for(3)  # and the account's creation (its capabilities activated): account.updated
    unpinned.wait_for(3)

    def by_type(receiver: Receiver, secret: str) -> dict[str, stripe.Event]:
        events = [r.event(secret) for r in receiver.requests]
        rejected = [
            e for e in events if e.type != "account.updated" or e.data.object["requirements"]["disabled_reason"]
        ]
        return {e.type: e for e in rejected}  # the account's rejection, not its creation

    got_old, got_new = by_type(pinned, str(old.secret)), by_type(unpinned, str(new.secret))
    expired_old, expired_new = got_old["issuing_authorization.updated"], got_new["issuing_authorization.updated"]
    assert (expired_old.api_version, expired_old.data.object["status"]) == ("2023-08-16", "reversed")
    assert expired_new.data.object["status"] == "expired"
    assert expired_old.data.previous_attributes is not None
    assert expired_old.data.previous_attributes["status"] == "pending"
    rejected_old, rejected_new = got_old["account.updated"], got_new["account.updated"]
    assert rejected_old.data.object["requirements"]["disabled_reason"] == "rejected.fraud"
    assert rejected_new.data.object["requirements"]["disabled_reason"] == "rejected.platform_fraud"
    assert (
        client.v1.events.retrieve(expired_old.id, options={"stripe_account": s.account}).data.object["status"]
        == "expired"
    )


@pytest.mark.parametrize(
    ("source", "target"), [("2026-10-28.endive", "2023-08-16"), ("2023-08-16", "2026-10-28.endive")]
)
def test_settlement_names_are_adapted_both_ways(source: str, target: str) -> None:
    old = {"id": "ist_1", "object": "issuing.settlement", "net_total": 5, "transaction_volume": 7}
    new = {
        "id": "ist_1",
        "object": "issuing.settlement",
        "net_total_amount": 5,
        "transaction_amount": 7,
        "status": "complete",
    }
    given, wanted = (new, old) if source > target else (old, new)
    assert api_changes.adapt(given, "issuing.settlement", source, target) == wanted
    assert api_changes.adapt(given, "issuing.settlement", source, source) is given


def test_pinned_copies_of_older_versions() -> None:
    """What an endpoint pinned to an older version gets of the shapes that changed since."""
    endive, old = "2026-10-28.endive", "2020-03-02"
    auth = {"object": "issuing.authorization", "request_history": [{"reason": "cardholder_blocked"}]}
    got = api_changes.adapt(auth, "issuing.authorization", endive, "2024-04-10")
    assert got["request_history"] == [{"reason": "cardholder_inactive"}]
    assert api_changes.adapt(auth, "issuing.authorization", endive, "2024-06-20") is auth
    card = {"object": "issuing.card", "shipping": {"status": "submitted", "carrier": "usps"}}
    assert api_changes.adapt(card, "issuing.card", endive, "2024-06-20")["shipping"] == {
        "status": "pending",
        "carrier": "usps",
    }
    account = {
        "object": "account",
        "requirements": {
            "currently_due": ["company.name", "owners.email", "owners.first_name", "representative.dob.day"],
            "errors": [{"code": "invalid_value_other", "reason": "x", "requirement": "representative.phone"}],
        },
    }
    shown = api_changes.adapt(account, "account", endive, old)["requirements"]
    assert shown["currently_due"] == ["company.name", "relationship.owner", "relationship.representative"]
    assert shown["errors"][0]["requirement"] == "relationship.representative"
    assert api_changes.adapt(account, "account", endive, "2020-08-27") is account
