"""Events: the event object, ``GET /v1/events`` filters and paging, ``GET /v1/events/{id}``."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import stripe

from tests.support import flows
from tests.support.schema import SchemaValidator

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def platform_fa(client: stripe.StripeClient, **options: Any) -> stripe.treasury.FinancialAccount:
    return client.v1.treasury.financial_accounts.create(
        {"supported_currencies": ["usd"]},  # no features: one event (treasury.financial_account.created)
        options or None,  # type: ignore[arg-type]
    )


def events(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    r = http.get("/v1/events", params=params)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def test_event_object_shape(client: stripe.StripeClient, http: httpx.Client) -> None:
    fa = platform_fa(client, idempotency_key="fa-create-1")
    listed = client.v1.events.list()
    assert [e.type for e in listed.data] == ["treasury.financial_account.created"]
    event = listed.data[0]
    assert event.id.startswith("evt_")
    assert event.object == "event"
    assert event.livemode is False
    assert event.pending_webhooks == 0
    assert event.api_version == "2026-10-28.endive"
    assert event.request is not None
    assert fa.last_response is not None
    assert event.request.id == fa.last_response.request_id
    assert event.request.idempotency_key == "fa-create-1"
    assert "account" not in event.to_dict()  # platform events carry no account
    assert event.data.object.id == fa.id
    assert event.data.object.object == "treasury.financial_account"
    assert "previous_attributes" not in event.data.to_dict()
    raw = http.get(f"/v1/events/{event.id}").json()
    validator = SchemaValidator()
    assert validator.check_named(raw, "event") == []
    assert validator.check_object(raw["data"]["object"], "data.object") == []


def test_events_are_in_the_accounts_default_version_whatever_the_request_sent(
    client: stripe.StripeClient, http: httpx.Client
) -> None:
    """Stripe: an event is rendered in the account's default API version, even when the request
    that caused it set another with Stripe-Version (docs.stripe.com/webhooks, versioning)."""
    r = http.post(
        "/v1/treasury/financial_accounts",
        data={"supported_currencies[0]": "usd", "features[deposit_insurance][requested]": "true"},
        headers={"Stripe-Version": "2024-06-20"},
    )
    assert r.status_code == 200, r.text
    activated, event = events(http)  # newest first: the features' activation, then the creation
    assert activated["type"] == "treasury.financial_account.features_status_updated"
    assert event["api_version"] == activated["api_version"] == "2026-10-28.endive"
    assert event["data"]["object"] == r.json()
    assert event["request"]["id"] == r.headers["request-id"]
    assert event["request"]["idempotency_key"] is None
    assert activated["request"]["id"] is None  # the features turn active after the answer


def test_what_happens_after_the_answer_names_no_request(client: stripe.StripeClient, http: httpx.Client) -> None:
    """A top-up answered ``pending`` succeeds after the answer: that, and the balance it makes
    available, is Stripe's own doing, so those events' ``request`` is null (the spec: "If null, the
    event was automatic"); the create's own event names the request and its idempotency key."""
    r = http.post(
        "/v1/topups",
        data={"amount": "3000", "currency": "usd", "destination_balance": "issuing"},
        headers={"Idempotency-Key": "topup-1"},
    )
    assert r.status_code == 200, r.text
    by_type = {e["type"]: e for e in events(http)}
    assert by_type["topup.created"]["request"] == {"id": r.headers["request-id"], "idempotency_key": "topup-1"}
    for later in ("topup.succeeded", "balance.available"):
        assert by_type[later]["request"] == {"id": None, "idempotency_key": None}


def test_connected_account_events_are_scoped(client: stripe.StripeClient, http: httpx.Client) -> None:
    account = flows.connected_account(client)
    platform_fa(client)
    own = client.v1.events.list()
    assert [e.type for e in own.data] == ["treasury.financial_account.created"]
    theirs = client.v1.events.list(options={"stripe_account": account.id})
    assert theirs.data, "capability changes of the connected account emit events"
    for event in theirs.data:
        assert event.account == account.id
        assert event.type in {"account.updated", "capability.updated"}
    # an event of another account is not found from here
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.events.retrieve(theirs.data[0].id)
    assert exc.value.http_status == 404
    assert exc.value.user_message == f"No such event: '{theirs.data[0].id}'"
    same = client.v1.events.retrieve(theirs.data[0].id, options={"stripe_account": account.id})
    assert same.id == theirs.data[0].id


def test_updated_event_has_previous_attributes(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    client.v1.accounts.update(account.id, {"metadata": {"order": "42"}, "email": "new@example.com"})
    listed = client.v1.events.list({"type": "account.updated"}, {"stripe_account": account.id})
    event = listed.data[0]  # the newest: the update's (the create's capabilities had their own)
    assert event.data.object.metadata.to_dict() == {"order": "42"}
    assert event.data.previous_attributes is not None
    previous = event.data.previous_attributes.to_dict()
    assert previous == {"email": "jenny.rosen@example.com", "metadata": {"order": None}}


def test_events_are_immutable_snapshots(client: stripe.StripeClient, http: httpx.Client) -> None:
    account = flows.connected_account(client)
    client.v1.accounts.update(account.id, {"metadata": {"step": "1"}})
    client.v1.accounts.update(account.id, {"metadata": {"step": "2"}})
    scoped = {"Stripe-Account": account.id}
    listed = http.get("/v1/events", params={"type": "account.updated"}, headers=scoped).json()["data"][:2]
    assert [e["data"]["object"]["metadata"]["step"] for e in listed] == ["2", "1"]  # newest first
    first = listed[1]
    again = http.get(f"/v1/events/{first['id']}", headers=scoped).json()
    assert again == first


def test_type_filters_and_wildcards(client: stripe.StripeClient, http: httpx.Client) -> None:
    fa = platform_fa(client)
    flows.fund(client, None, fa.id, 1000)  # type: ignore[arg-type]
    all_types = [e["type"] for e in events(http)]
    assert all_types == [
        "treasury.received_credit.created",  # succeeded/failed are sent for check deposits only
        "treasury.financial_account.created",
    ]
    assert [e["type"] for e in events(http, type="treasury.received_credit.*")] == all_types[:1]
    assert [e["type"] for e in events(http, type="*.created")] == all_types
    assert [e["type"] for e in events(http, type="treasury.financial_account.created")] == [all_types[1]]
    assert events(http, type="treasury.received_credit") == []  # no implicit prefix match
    picked = events(http, **{"types[0]": "treasury.financial_account.created", "types[1]": "nothing.here"})
    assert [e["type"] for e in picked] == [all_types[1]]
    sdk = client.v1.events.list({"types": ["treasury.received_credit.created"]})
    assert [e.type for e in sdk.data] == [all_types[0]]


def test_type_and_types_are_exclusive(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.events.list({"type": "a.b", "types": ["a.b"]})
    assert exc.value.param == "types"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.events.list({"types": [f"t{i}.created" for i in range(21)]})
    assert "at most 20" in (exc.value.user_message or "")


def test_created_filter_and_paging(client: stripe.StripeClient, http: httpx.Client) -> None:
    fa = platform_fa(client)
    for _ in range(6):  # an event each
        flows.fund(client, None, fa.id, 100)  # type: ignore[arg-type]
    everything = events(http, limit=100)
    assert len(everything) == 7
    page1 = client.v1.events.list({"limit": 3})
    assert page1.has_more is True
    page2 = client.v1.events.list({"limit": 3, "starting_after": page1.data[-1].id})
    page3 = client.v1.events.list({"limit": 3, "starting_after": page2.data[-1].id})
    ids = [e.id for e in (*page1.data, *page2.data, *page3.data)]
    assert ids == [e["id"] for e in everything]
    assert page3.has_more is False
    auto = [e.id for e in client.v1.events.list({"limit": 2}).auto_paging_iter()]
    assert auto == ids
    newest = everything[0]["created"]
    assert len(events(http, **{"created[gte]": newest})) >= 1
    assert events(http, **{"created[gt]": newest}) == []
    assert len(events(http, **{"created[lte]": newest, "limit": 100})) == 7


def test_delivery_success_filter(client: stripe.StripeClient, http: httpx.Client) -> None:
    platform_fa(client)
    assert len(events(http, delivery_success="true")) == 1
    assert events(http, delivery_success="false") == []


def test_retrieve_unknown_event(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.events.retrieve("evt_doesnotexist")
    assert exc.value.http_status == 404
    assert exc.value.code == "resource_missing"


def test_event_created_is_emulator_time(client: stripe.StripeClient) -> None:
    before = int(time.time())
    platform_fa(client)
    (event,) = client.v1.events.list().data
    assert event.created >= before - 1


def test_every_event_of_the_guide_flow_validates(client: stripe.StripeClient, http: httpx.Client) -> None:
    """Account, financial account, cardholder, card, purchase, capture: each event's data.object
    is valid against the official schema of its object."""
    account = flows.connected_account(client)
    options: Any = {"stripe_account": account.id}
    fa = flows.funded_financial_account(client, account.id, amount=20_000)
    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params(terms_accepted=True), options)
    card = client.v1.issuing.cards.create(
        {"cardholder": holder.id, "currency": "usd", "type": "virtual", "financial_account": fa.id}, options
    )
    client.v1.issuing.cards.update(card.id, {"status": "active"}, options)
    auth = client.v1.test_helpers.issuing.authorizations.create(
        {"card": card.id, "amount": 2500, "currency": "usd"}, options
    )
    client.v1.test_helpers.issuing.authorizations.capture(auth.id, {}, options)
    r = http.get("/v1/events", params={"limit": 100}, headers={"Stripe-Account": account.id})
    emitted = r.json()["data"]
    types = {e["type"] for e in emitted}
    assert {
        "issuing_cardholder.created",
        "issuing_card.created",
        "issuing_card.updated",
        "issuing_authorization.created",
        "issuing_transaction.created",
        "treasury.received_credit.created",
    } <= types
    validator = SchemaValidator()
    problems: list[str] = []
    for event in emitted:
        assert event["account"] == account.id
        problems += validator.check_named(event, "event", event["type"])
        problems += validator.check_object(event["data"]["object"], f"{event['type']}.data.object")
        if event["type"].startswith("issuing_") and event["type"].endswith(".updated"):
            assert event["data"]["previous_attributes"], event["type"]
    assert problems == []
