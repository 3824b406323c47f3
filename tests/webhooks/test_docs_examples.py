"""Docs examples about events, webhook endpoints and list filters for Issuing on Treasury.

Pages: /api/webhook_endpoints/create, /api/events/list, /issuing/purchases/authorizations ("events"),
/issuing/connect, /api/issuing/cards/list, /api/issuing/cardholders/list, /issuing/testing.
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


def test_cards_list_filters_example(docs: Docs) -> None:
    """/api/issuing/cards/list: limit=3, and filters cardholder/type/status/last4."""
    phys = docs.client.v1.issuing.cards.create(
        {
            "cardholder": docs.cardholder.id,
            "financial_account": docs.fa,
            "currency": "usd",
            "type": "physical",
            "shipping": {
                "name": "Jenny Rosen",
                "address": {
                    "line1": "1234 Main Street",
                    "city": "San Francisco",
                    "state": "CA",
                    "postal_code": "94111",
                    "country": "US",
                },
            },
        },
        docs.opts,
    )
    page = docs.client.v1.issuing.cards.list({"limit": 3}, docs.opts)
    assert page.url == "/v1/issuing/cards"
    assert [c.id for c in page.data] == [phys.id, docs.card.id]
    assert [c.id for c in docs.client.v1.issuing.cards.list({"type": "virtual"}, docs.opts).data] == [docs.card.id]
    assert [c.id for c in docs.client.v1.issuing.cards.list({"status": "inactive"}, docs.opts).data] == [phys.id]
    by_last4 = docs.client.v1.issuing.cards.list({"last4": docs.card.last4}, docs.opts).data
    assert docs.card.id in [c.id for c in by_last4]
    by_holder = docs.client.v1.issuing.cards.list({"cardholder": docs.cardholder.id}, docs.opts).data
    assert len(by_holder) == 2


def test_cardholders_list_filters_example(docs: Docs) -> None:
    """/api/issuing/cardholders/list: email, phone_number, status, type filters."""
    c = docs.client.v1.issuing.cardholders
    assert [h.id for h in c.list({"email": "jenny.rosen@example.com"}, docs.opts).data] == [docs.cardholder.id]
    assert [h.id for h in c.list({"phone_number": "+18888675309"}, docs.opts).data] == [docs.cardholder.id]
    assert [h.id for h in c.list({"type": "individual", "status": "active"}, docs.opts).data] == [docs.cardholder.id]
    assert c.list({"type": "company"}, docs.opts).data == []


def test_company_cardholder_example(docs: Docs) -> None:
    """/issuing/cards/virtual/issue-cards: a company cardholder with a tax id."""
    holder = docs.client.v1.issuing.cardholders.create(
        {
            "type": "company",
            "name": "Company Card",
            "company": {"tax_id": "000000000"},
            "billing": {
                "address": {
                    "line1": "123 Main Street",
                    "city": "San Francisco",
                    "state": "CA",
                    "postal_code": "94111",
                    "country": "US",
                }
            },
        },
        docs.opts,
    )
    assert holder.type == "company"
    assert holder.company is not None and holder.company.tax_id_provided is True
    assert holder.individual is None
    assert holder.status == "active"


def test_cardholder_missing_billing_is_parameter_missing(docs: Docs) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.cardholders.create({"name": "Jenny Rosen", "type": "individual"}, docs.opts)  # type: ignore[typeddict-item]
    assert exc.value.http_status == 400
    assert exc.value.code == "parameter_missing"
    assert exc.value.param == "billing"


def test_card_for_unknown_cardholder_is_404(docs: Docs) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.cards.create(
            {"cardholder": "ich_doesnotexist", "currency": "usd", "type": "virtual"}, docs.opts
        )
    assert exc.value.http_status in (400, 404)
    assert exc.value.param == "cardholder"


def test_authorization_on_inactive_card_declined_card_inactive(docs: Docs) -> None:
    """/issuing/purchases/authorizations: request_history reason card_inactive."""
    docs.client.v1.issuing.cards.update(docs.card.id, {"status": "inactive"}, docs.opts)
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    assert auth.approved is False
    assert auth.request_history[0].reason == "card_inactive"


def test_authorization_insufficient_funds(docs: Docs) -> None:
    auth = docs.th.authorizations.create({"amount": 10_000_000, "card": docs.card.id}, docs.opts)
    assert auth.approved is False
    assert auth.request_history[0].reason == "insufficient_funds"
    assert auth.treasury is None or auth.treasury.transaction is None


def test_authorization_in_other_currency(docs: Docs) -> None:
    """/issuing/purchases/authorizations: merchant_amount/merchant_currency keep the merchant's side."""
    auth = docs.th.authorizations.create({"amount": 1000, "currency": "eur", "card": docs.card.id}, docs.opts)
    assert auth.approved is True
    assert auth.merchant_currency == "eur"
    assert auth.merchant_amount == 1000
    assert auth.currency == "usd"
    assert auth.amount > 0


def test_cvc_mismatch_verification(docs: Docs) -> None:
    """/issuing/testing: verification_data[cvc_check]=mismatch declines with verification_failed."""
    auth = docs.th.authorizations.create(
        {"amount": 1000, "card": docs.card.id, "verification_data": {"cvc_check": "mismatch"}}, docs.opts
    )
    assert auth.verification_data.cvc_check == "mismatch"
    assert auth.approved is False
    assert auth.request_history[0].reason == "verification_failed"


@pytest.mark.parametrize("url", ["not a url", "example.com/my/webhook/endpoint", "ftp://example.com/hook", "https://"])
def test_webhook_endpoint_bad_url_is_url_invalid(client: stripe.StripeClient, url: str) -> None:
    """Stripe answers a refused endpoint URL with code ``url_invalid`` on param ``url``."""
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["issuing_authorization.request"]})
    assert exc.value.http_status == 400
    assert exc.value.code == "url_invalid"
    assert exc.value.param == "url"
    assert client.v1.webhook_endpoints.list().data == []
