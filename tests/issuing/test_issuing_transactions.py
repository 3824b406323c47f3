"""Issuing transactions through the real SDK: captures, refunds, force captures, unlinked refunds,
their links to Treasury objects, list filters and purchase details."""

from __future__ import annotations

import pytest
import stripe

from tests.support import issuing_flows
from tests.support.issuing_flows import Spender

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


@pytest.fixture
def spender(client: stripe.StripeClient) -> Spender:
    return issuing_flows.spender(client, funds=50_000)


def capture(s: Spender, amount: int = 1000, **params: object) -> stripe.issuing.Transaction:
    auth = s.authorize(amount)
    out = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, params, s.opts)  # type: ignore[arg-type]
    tx: stripe.issuing.Transaction = out.transactions[-1]
    return tx


def test_refund_posts_a_received_credit(spender: Spender) -> None:
    s = spender
    tx = capture(s, 1000)
    back = s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 300}, s.opts)
    assert back.id == tx.id and back.type == "capture"  # Stripe answers with the capture
    auth = s.client.v1.issuing.authorizations.retrieve(tx.authorization, options=s.opts)
    assert [t.type for t in auth.transactions] == ["capture", "refund"]
    refund = auth.transactions[1]
    assert (refund.amount, refund.merchant_amount, refund.authorization) == (300, 300, auth.id)
    rc = s.client.v1.treasury.received_credits.retrieve(refund.treasury.received_credit, options=s.opts)
    assert (rc.network, rc.amount, rc.status) == ("card", 300, "succeeded")
    assert rc.linked_flows.issuing_transaction == refund.id
    assert auth.treasury.received_credits == [rc.id]
    assert s.balance() == {"cash": 49_300, "inbound_pending": 0, "outbound_pending": 0}
    rest = s.client.v1.test_helpers.issuing.transactions.refund(tx.id, options=s.opts)  # the rest: 700
    assert rest.id == tx.id
    assert s.balance()["cash"] == 50_000
    with pytest.raises(stripe.InvalidRequestError, match="fully refunded"):
        s.client.v1.test_helpers.issuing.transactions.refund(tx.id, options=s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="Only transactions of type capture"):
        s.client.v1.test_helpers.issuing.transactions.refund(refund.id, options=s.opts)


def test_refund_never_exceeds_the_capture(spender: Spender) -> None:
    s = spender
    tx = capture(s, 500)
    with pytest.raises(stripe.InvalidRequestError) as err:
        s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 501}, s.opts)
    assert err.value.param == "refund_amount"
    s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 400}, s.opts)
    with pytest.raises(stripe.InvalidRequestError, match=r"has not been refunded yet \(100\)"):
        s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 101}, s.opts)
    with pytest.raises(stripe.InvalidRequestError):
        s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 0}, s.opts)
    assert s.balance()["cash"] == 49_900


def test_force_capture_and_unlinked_refund(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=1_000)
    th = s.client.v1.test_helpers.issuing.transactions
    forced = th.create_force_capture(
        {
            "card": s.card,
            "amount": 2_500,
            "currency": "usd",
            "merchant_data": {
                "category": "taxicabs_limousines",
                "name": "Rocket Rides",
                "city": "San Francisco",
                "country": "US",
                "network_id": "1234567890",
                "postal_code": "94107",
            },
            "purchase_details": {
                "receipt": [{"description": "Ride", "quantity": "1", "unit_cost": 2500, "total": 2500}],
                "reference": "foo",
            },
        },
        s.opts,
    )
    assert (forced.type, forced.amount, forced.authorization) == ("capture", -2_500, None)
    assert s.balance()["cash"] == -1_500  # captures always succeed
    rd = s.client.v1.treasury.received_debits.retrieve(forced.treasury.received_debit, options=s.opts)
    assert rd.linked_flows.issuing_transaction == forced.id and rd.linked_flows.issuing_authorization is None
    assert "purchase_details" not in forced
    full = s.client.v1.issuing.transactions.retrieve(forced.id, {"expand": ["purchase_details"]}, s.opts)
    assert full.purchase_details.reference == "foo"
    assert full.purchase_details.receipt[0].description == "Ride"
    refund = th.create_unlinked_refund({"card": s.card, "amount": 2_000}, s.opts)
    assert (refund.type, refund.amount, refund.authorization) == ("refund", 2_000, None)
    assert refund.treasury.received_credit is not None
    assert s.balance()["cash"] == 500
    again = th.refund(forced.id, {"refund_amount": 1}, s.opts)
    assert again.id == forced.id
    with pytest.raises(stripe.InvalidRequestError) as err:
        th.create_force_capture({"card": s.card, "amount": 0}, s.opts)
    assert err.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as err:
        th.create_force_capture({"card": "ic_missing", "amount": 10}, s.opts)
    assert err.value.http_status == 400 and err.value.code == "resource_missing"


def test_capture_purchase_details(spender: Spender) -> None:
    s = spender
    tx = capture(
        s,
        1000,
        purchase_details={
            "flight": {
                "departure_at": 1_700_000_000,
                "passenger_name": "Jenny Rosen",
                "refundable": True,
                "segments": [
                    {
                        "arrival_airport_code": "SFO",
                        "carrier": "UA",
                        "departure_airport_code": "JFK",
                        "flight_number": "UA100",
                        "service_class": "economy",
                        "stopover_allowed": False,
                    }
                ],
                "travel_agency": "Acme",
            },
            "fuel": {"type": "diesel", "unit": "liter", "unit_cost_decimal": "150", "quantity_decimal": "10"},
            "lodging": {"check_in_at": 1_700_000_000, "nights": 2},
            "fleet": {"purchase_type": "fuel_purchase", "service_type": "self_service"},
        },
    )
    full = s.client.v1.issuing.transactions.retrieve(tx.id, {"expand": ["purchase_details"]}, s.opts)
    details = full.purchase_details
    assert details.flight.segments[0].arrival_airport_code == "SFO"
    assert details.fuel.type == "diesel" and details.lodging.nights == 2
    assert details.fleet.purchase_type == "fuel_purchase"
    listed = s.client.v1.issuing.transactions.list({"expand": ["data.purchase_details"]}, s.opts)
    assert listed.data[0].purchase_details.lodging.nights == 2


def test_list_filters_update_and_events(spender: Spender) -> None:
    s = spender
    t1 = capture(s, 100)
    other = s.new_card()
    auth = s.client.v1.test_helpers.issuing.authorizations.create({"card": other, "amount": 200}, s.opts)
    t2 = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts).transactions[0]
    s.client.v1.test_helpers.issuing.transactions.refund(t1.id, {"refund_amount": 50}, s.opts)
    api = s.client.v1.issuing.transactions
    everything = api.list(options=s.opts).data
    assert [t.type for t in everything] == ["refund", "capture", "capture"]
    assert [t.id for t in api.list({"card": other}, s.opts).data] == [t2.id]
    assert len(api.list({"cardholder": s.cardholder}, s.opts).data) == 3
    assert [t.id for t in api.list({"type": "capture"}, s.opts).data] == [t2.id, t1.id]
    assert api.list({"card": "ic_none"}, s.opts).data == []
    updated = api.update(t1.id, {"metadata": {"order_id": "6735"}}, s.opts)
    assert updated.metadata["order_id"] == "6735"
    events = s.client.v1.events.list({"type": "issuing_transaction.*"}, s.opts).data
    assert [e.type for e in events][:1] == ["issuing_transaction.updated"]
    assert len([e for e in events if e.type == "issuing_transaction.created"]) == 3
    expanded = api.retrieve(t1.id, {"expand": ["authorization", "card", "cardholder"]}, s.opts)
    assert expanded.authorization.object == "issuing.authorization" and expanded.card.id == s.card
    assert expanded.network_data.authorization_code == expanded.authorization.request_history[0].authorization_code
    with pytest.raises(stripe.InvalidRequestError) as err:
        api.retrieve("ipi_missing", options=s.opts)
    assert err.value.http_status == 404


def test_receipt_data_sends_purchase_details_receipt_updated(spender: Spender) -> None:
    """What ``stripe trigger issuing_transaction.purchase_details_receipt_updated`` relies on."""
    s = spender
    receipt = [{"description": "Ride from SFO to downtown", "quantity": "1", "unit_cost": 10000}]
    forced = s.client.v1.test_helpers.issuing.transactions.create_force_capture(
        {"card": s.card, "amount": 100, "purchase_details": {"receipt": receipt}},
        s.opts,  # type: ignore[typeddict-item]
    )
    captured = capture(s, 500, purchase_details={"receipt": receipt})
    capture(s, 200, purchase_details={"reference": "no receipt"})
    capture(s, 300)
    events = s.client.v1.events.list({"type": "issuing_transaction.purchase_details_receipt_updated"}, s.opts).data
    assert [e.data.object["id"] for e in events] == [captured.id, forced.id]
    shown = s.client.v1.issuing.transactions.retrieve(forced.id, {"expand": ["purchase_details"]}, s.opts)
    assert shown.purchase_details.receipt[0].description == "Ride from SFO to downtown"


def test_force_capture_and_unlinked_refund_in_a_foreign_currency(spender: Spender) -> None:
    s = spender
    th = s.client.v1.test_helpers.issuing.transactions
    forced = th.create_force_capture({"card": s.card, "amount": 1000, "currency": "eur"}, s.opts)
    assert (forced.amount, forced.currency, forced.merchant_amount, forced.merchant_currency) == (
        -1080,
        "usd",
        -1000,
        "eur",
    )
    back = th.create_unlinked_refund({"card": s.card, "amount": 500, "currency": "gbp"}, s.opts)
    assert (back.amount, back.merchant_amount, back.merchant_currency) == (635, 500, "gbp")
    assert s.balance()["cash"] == 50_000 - 1080 + 635
    with pytest.raises(stripe.InvalidRequestError) as err:
        th.create_force_capture({"card": s.card, "amount": 10, "currency": "xyz"}, s.opts)
    assert (err.value.http_status, err.value.param) == (400, "currency")


def test_captures_and_refunds_carry_their_authorizations_network_ids(spender: Spender) -> None:
    """``network_data.transaction_id`` is the card network's id "for the authorization", used to match
    later messages and transactions: every capture and refund of an authorization carries it."""
    s = spender
    th = s.client.v1.test_helpers
    auth = s.authorize(1000)
    network_id = auth.network_data.transaction_id
    assert network_id is not None and len(network_id) == 15
    th.issuing.authorizations.capture(auth.id, {"capture_amount": 400, "close_authorization": False}, s.opts)
    closed = th.issuing.authorizations.capture(auth.id, {"capture_amount": 600}, s.opts)
    th.issuing.transactions.refund(closed.transactions[0].id, {"refund_amount": 100}, s.opts)
    linked = s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts).transactions
    assert [t.type for t in linked] == ["capture", "capture", "refund"]
    assert {t.network_data.transaction_id for t in linked} == {network_id}
    code = closed.request_history[-1].authorization_code
    assert {t.network_data.authorization_code for t in linked} == {code}
    listed = s.client.v1.issuing.transactions.list({"limit": 10}, s.opts).data
    assert {t.network_data.transaction_id for t in listed} == {network_id}
    # without an authorization: an id of their own, each
    forced = th.issuing.transactions.create_force_capture({"card": s.card, "amount": 300}, s.opts)
    unlinked = th.issuing.transactions.create_unlinked_refund({"card": s.card, "amount": 200}, s.opts)
    own = [forced.network_data.transaction_id, unlinked.network_data.transaction_id]
    assert all(i is not None and len(i) == 15 and i.isdigit() for i in own)
    assert len({network_id, *own}) == 3
    assert forced.network_data.authorization_code is None and unlinked.network_data.authorization_code is None


def test_fuel_volume_decimal_before_2024_06_20() -> None:
    """API 2024-06-20 renamed the fuel quantity ``volume_decimal`` -> ``quantity_decimal`` (stripe-node
    16's breaking changes): older versions send and see the old name, newer ones may not send it.
    Its own server: the session's checks every answer against the 2026 shapes."""
    with issuing_flows.spender_on_own_server() as (s, http):
        old = {"Stripe-Version": "2023-08-16", "Stripe-Account": s.account}
        new = {"Stripe-Version": "2026-10-28.endive", "Stripe-Account": s.account}
        fuel = {"purchase_details[fuel][volume_decimal]": "6.5", "purchase_details[fuel][type]": "diesel"}
        auth = s.authorize(1000)
        r = http.post(f"/v1/test_helpers/issuing/authorizations/{auth.id}/capture", data=fuel, headers=new)
        assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"
        assert r.json()["error"]["param"] == "purchase_details[fuel][volume_decimal]"
        r = http.post(f"/v1/test_helpers/issuing/authorizations/{auth.id}/capture", data=fuel, headers=old)
        assert r.status_code == 200, r.text
        tx_id = r.json()["transactions"][-1]["id"]
        shown = {"expand[]": "purchase_details"}
        as_old = http.get(f"/v1/issuing/transactions/{tx_id}", params=shown, headers=old).json()
        as_new = http.get(f"/v1/issuing/transactions/{tx_id}", params=shown, headers=new).json()
        assert as_old["purchase_details"]["fuel"]["volume_decimal"] == "6.5"
        assert "quantity_decimal" not in as_old["purchase_details"]["fuel"]
        assert as_new["purchase_details"]["fuel"]["quantity_decimal"] == "6.5"
        assert "volume_decimal" not in as_new["purchase_details"]["fuel"]
