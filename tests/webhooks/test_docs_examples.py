"""Docs examples about events and webhook endpoints for Issuing on Treasury.

Pages: /api/webhook_endpoints/create, /api/events/list, /issuing/purchases/authorizations ("events").
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.support.docs import Docs


def _types(docs: Docs, **params: Any) -> list[str]:
    page = docs.client.v1.events.list({"limit": 100, **params}, docs.opts)
    return [e.type for e in reversed(page.data)]


def test_webhook_endpoint_create_example(client: stripe.StripeClient) -> None:
    """/api/webhook_endpoints/create: url + enabled_events (the Issuing ones), connect=true for Connect."""
    ep = client.v1.webhook_endpoints.create(
        {
            "url": "https://example.com/my/webhook/endpoint",
            "enabled_events": ["issuing_authorization.request", "issuing_authorization.created"],
            "connect": True,
        }
    )
    assert ep.object == "webhook_endpoint"
    assert ep.id.startswith("we_")
    assert ep.status == "enabled"
    assert ep.secret is not None and ep.secret.startswith("whsec_")
    assert ep.enabled_events == ["issuing_authorization.request", "issuing_authorization.created"]
    assert ep.url == "https://example.com/my/webhook/endpoint"
    listed = client.v1.webhook_endpoints.list()
    assert [e.id for e in listed.data] == [ep.id]
    assert listed.data[0].to_dict().get("secret") is None  # the secret is only shown on create
    deleted = client.v1.webhook_endpoints.delete(ep.id)
    assert deleted.deleted is True


def test_issuing_events_of_a_purchase(docs: Docs) -> None:
    """Card + cardholder creation, then authorization created/updated and transaction created."""
    types = _types(docs)
    assert "issuing_cardholder.created" in types
    assert "issuing_card.created" in types
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    docs.th.authorizations.capture(auth.id, None, docs.opts)
    types = _types(docs)
    after = types[types.index("issuing_card.created") + 1 :]
    assert "issuing_authorization.created" in after
    assert "issuing_authorization.updated" in after
    assert "issuing_transaction.created" in after
    assert after.index("issuing_authorization.created") < after.index("issuing_transaction.created")


def test_events_list_filter_by_type_and_connected_account_field(docs: Docs) -> None:
    """/api/events/list type=issuing_authorization.created; events of a connected account name it."""
    docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    page = docs.client.v1.events.list({"type": "issuing_authorization.created"}, docs.opts)
    assert len(page.data) == 1
    event = page.data[0]
    assert event.object == "event"
    assert event.type == "issuing_authorization.created"
    assert event.account == docs.account
    assert event.data.object.object == "issuing.authorization"
    assert event.livemode is False
    wildcard = docs.client.v1.events.list({"type": "issuing_authorization.*"}, docs.opts)
    assert {e.type for e in wildcard.data} >= {"issuing_authorization.created"}
    several = docs.client.v1.events.list({"types": ["issuing_card.created", "issuing_cardholder.created"]}, docs.opts)
    assert {e.type for e in several.data} == {"issuing_card.created", "issuing_cardholder.created"}
    got = docs.client.v1.events.retrieve(event.id, None, docs.opts)
    assert got.id == event.id


def test_declined_authorization_emits_created_not_request(docs: Docs) -> None:
    """/issuing/controls/spending-controls: a spending-control decline gives a declined
    issuing_authorization.created (no request)."""
    docs.client.v1.issuing.cards.update(
        docs.card.id,
        {"spending_controls": {"spending_limits": [{"amount": 100, "interval": "per_authorization"}]}},
        docs.opts,
    )
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    assert auth.approved is False
    page = docs.client.v1.events.list({"type": "issuing_authorization.created"}, docs.opts)
    assert len(page.data) == 1
    assert page.data[0].data.object.approved is False
    assert "issuing_authorization.request" not in _types(docs)


def test_treasury_events_of_money_movement(docs: Docs) -> None:
    types = _types(docs)
    assert "treasury.financial_account.created" in types
    assert "treasury.received_credit.created" in types


@pytest.mark.parametrize("url", ["not a url", "example.com/my/webhook/endpoint", "ftp://example.com/hook", "https://"])
def test_webhook_endpoint_bad_url_is_url_invalid(client: stripe.StripeClient, url: str) -> None:
    """Stripe answers a refused endpoint URL with code ``url_invalid`` on param ``url``."""
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["issuing_authorization.request"]})
    assert exc.value.http_status == 400
    assert exc.value.code == "url_invalid"
    assert exc.value.param == "url"
    assert client.v1.webhook_endpoints.list().data == []
