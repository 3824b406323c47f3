"""The card status and shipping state machines: explicit transitions, then Hypothesis-driven sequences."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from emulator import EmulatorServer
from tests.support import flows
from tests.support.cards import SHIPPING, create_cardholder, new_card
from tests.support.errors import error_of
from tests.support.events import events_of

# action -> (shipping statuses it may start from, status it leads to): the documented machine
SHIPPING_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"pending"}), "submitted"),
    "ship": (frozenset({"pending", "submitted"}), "shipped"),
    "deliver": (frozenset({"shipped"}), "delivered"),
    "return": (frozenset({"shipped", "delivered"}), "returned"),
    "fail": (frozenset({"pending", "submitted", "shipped"}), "failure"),
}
SHIPPING_ORDER = {
    "pending": 0,
    "submitted": 1,
    "shipped": 2,
    "delivered": 3,
    "returned": 4,
    "failure": 4,
    "canceled": 4,
}


def ship(client: stripe.StripeClient, card_id: str, action: str) -> stripe.issuing.Card:
    helpers = client.v1.test_helpers.issuing.cards
    method = {
        "submit": helpers.submit_card,
        "ship": helpers.ship_card,
        "deliver": helpers.deliver_card,
        "return": helpers.return_card,
        "fail": helpers.fail_card,
    }[action]
    return method(card_id)


# --- explicit transitions ---------------------------------------------------------------------------


def test_status_machine(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    holder = create_cardholder(client)
    card = new_card(client, cardholder=holder.id)
    assert card.status == "inactive"
    assert client.v1.issuing.cards.update(card.id, {"status": "active"}).status == "active"
    assert client.v1.issuing.cards.update(card.id, {"status": "inactive"}).status == "inactive"
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"cancellation_reason": "lost"}))
    assert err.param == "cancellation_reason"
    canceled = client.v1.issuing.cards.update(card.id, {"status": "canceled", "cancellation_reason": "lost"})
    assert canceled.status == "canceled" and canceled.cancellation_reason == "lost"
    for target in ("active", "inactive"):
        err = error_of(lambda t=target: client.v1.issuing.cards.update(card.id, {"status": t}))
        assert err.http_status == 400 and err.code == "status_transition_invalid" and err.param == "status"
    assert client.v1.issuing.cards.update(card.id, {"status": "canceled"}).status == "canceled"
    # metadata is still editable on a canceled card; funding is not
    assert client.v1.issuing.cards.update(card.id, {"metadata": {"k": "v"}}).metadata["k"] == "v"
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"financial_account": "fa_x"}))
    assert err.param == "financial_account"
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"status": "gone"}))
    assert err.param == "status"
    statuses = [e["data"]["object"]["status"] for e in events_of(server, api_key, None, "issuing_card.updated")]
    assert statuses == ["active", "inactive", "canceled", "canceled"]


def test_shipping_happy_path(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    card = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    submitted = ship(client, card.id, "submit")
    assert submitted.shipping is not None and submitted.shipping.status == "submitted"
    shipped = ship(client, card.id, "ship")
    shipping = shipped.shipping
    assert shipping is not None and shipping.status == "shipped"
    assert shipping.carrier == "usps"
    assert shipping.tracking_number and shipping.tracking_url and shipping.tracking_number in shipping.tracking_url
    assert shipping.shipped_at is not None and shipping.eta is not None and shipping.eta > shipping.shipped_at
    delivered = ship(client, card.id, "deliver")
    assert delivered.shipping is not None and delivered.shipping.status == "delivered"
    assert delivered.shipping.delivered_at is not None
    err = error_of(lambda: ship(client, card.id, "ship"))
    assert err.code == "status_transition_invalid"
    returned = ship(client, card.id, "return")
    assert returned.shipping is not None and returned.shipping.status == "returned"
    # carriers follow the destination and service
    gb = new_card(
        client,
        cardholder=holder.id,
        type="physical",
        shipping={"name": "J", "address": {"line1": "1", "city": "London", "postal_code": "N1", "country": "GB"}},
    )
    assert ship(client, gb.id, "ship").shipping.carrier == "royal_mail"  # type: ignore[union-attr]
    express = new_card(client, cardholder=holder.id, type="physical", shipping={**SHIPPING, "service": "priority"})
    assert ship(client, express.id, "ship").shipping.carrier == "fedex"  # type: ignore[union-attr]


def test_shipping_refusals(client: stripe.StripeClient, http: httpx.Client) -> None:
    holder = create_cardholder(client)
    virtual = new_card(client, cardholder=holder.id)
    err = error_of(lambda: ship(client, virtual.id, "ship"))
    assert err.http_status == 400 and err.param == "card"
    err = error_of(lambda: ship(client, "ic_1nothere", "ship"))
    assert err.http_status == 404
    card = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    for action in ("deliver", "return"):
        err = error_of(lambda a=action: ship(client, card.id, a))
        assert err.code == "status_transition_invalid"
    failed = ship(client, card.id, "fail")
    assert failed.shipping is not None and failed.shipping.status == "failure"
    for action in SHIPPING_MOVES:
        err = error_of(lambda a=action: ship(client, card.id, a))
        assert err.code == "status_transition_invalid"
    # shipping details are fixed once the card is submitted
    second = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    ship(client, second.id, "submit")
    shipping: Any = SHIPPING
    err = error_of(lambda: client.v1.issuing.cards.update(second.id, {"shipping": shipping}))
    assert err.param == "shipping"
    r = http.post(f"/v1/test_helpers/issuing/cards/{second.id}/shipping/ship", data={"bogus": "1"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"


def test_canceling_before_shipping_cancels_the_shipment(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    pending = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    canceled = client.v1.issuing.cards.update(pending.id, {"status": "canceled", "cancellation_reason": "stolen"})
    assert canceled.shipping is not None and canceled.shipping.status == "canceled"
    err = error_of(lambda: ship(client, pending.id, "ship"))
    assert err.code == "status_transition_invalid"
    on_the_way = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    ship(client, on_the_way.id, "ship")
    canceled = client.v1.issuing.cards.update(on_the_way.id, {"status": "canceled"})
    assert canceled.shipping is not None and canceled.shipping.status == "shipped"
    assert canceled.cancellation_reason is None
    assert ship(client, on_the_way.id, "deliver").shipping.status == "delivered"  # type: ignore[union-attr]


# --- random sequences -------------------------------------------------------------------------------


class CardModel:
    """What Stripe's rules say the card must look like after each accepted request."""

    def __init__(self, card_id: str, physical: bool, blocked: bool, status: str) -> None:
        self.card_id = card_id
        self.physical = physical
        self.blocked = blocked  # the cardholder has past-due requirements
        self.status = status
        self.reason: str | None = None
        self.shipping: str | None = "pending" if physical else None
        self.statuses = [status]
        self.shippings = [self.shipping]


def test_random_update_and_shipping_sequences(server: EmulatorServer, api_key: str) -> None:
    client = stripe.StripeClient(api_key, base_addresses={"api": server.url})
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {api_key}"})
    ready = create_cardholder(client).id
    lacking = client.v1.issuing.cardholders.create(
        flows.guide_cardholder_params(individual={"dob": {"day": 1, "month": 1, "year": 1990}})
    ).id

    class CardMachine(RuleBasedStateMachine):
        model: CardModel

        @initialize(physical=st.booleans(), blocked=st.booleans(), active=st.booleans())
        def create(self, physical: bool, blocked: bool, active: bool) -> None:
            body: dict[str, Any] = {"cardholder": lacking if blocked else ready, "currency": "usd"}
            body["type"] = "physical" if physical else "virtual"
            if physical:
                body.update({"shipping[name]": SHIPPING["name"]})
                address: dict[str, str] = SHIPPING["address"]
                body.update({f"shipping[address][{k}]": v for k, v in address.items()})
            if active:
                body["status"] = "active"
            r = http.post("/v1/issuing/cards", data=body)
            if active and blocked:
                assert r.status_code == 400 and r.json()["error"]["param"] == "status"
                body.pop("status")
                r = http.post("/v1/issuing/cards", data=body)
            assert r.status_code == 200, r.text
            card = r.json()
            self.model = CardModel(card["id"], physical, blocked, card["status"])
            assert card["status"] == ("active" if active and not blocked else "inactive")

        @rule(
            goal=st.sampled_from(["active", "inactive", "canceled"]),
            reason=st.sampled_from([None, "lost", "stolen"]),
        )
        def set_status(self, goal: str, reason: str | None) -> None:
            m = self.model
            data = {"status": goal}
            if reason:
                data["cancellation_reason"] = reason
            if m.status == "canceled":
                allowed = goal == "canceled"
            elif reason and goal != "canceled":
                allowed = False
            else:
                allowed = not (goal == "active" and m.status != "active" and m.blocked)
            r = http.post(f"/v1/issuing/cards/{m.card_id}", data=data)
            assert (r.status_code == 200) == allowed, (m.status, data, r.text)
            if r.status_code != 200:
                assert r.status_code == 400
                assert r.json()["error"]["type"] == "invalid_request_error"
                return
            if goal == "canceled" and m.status != "canceled":
                m.reason = reason
                if m.shipping in ("pending", "submitted"):
                    m.shipping = "canceled"
            elif goal == "canceled" and reason:
                m.reason = reason
            m.status = goal
            self._record()

        @rule(action=st.sampled_from(sorted(SHIPPING_MOVES)))
        def move_shipment(self, action: str) -> None:
            m = self.model
            sources, goal = SHIPPING_MOVES[action]
            allowed = m.physical and m.shipping in sources
            r = http.post(f"/v1/test_helpers/issuing/cards/{m.card_id}/shipping/{action}")
            assert (r.status_code == 200) == allowed, (m.shipping, action, r.text)
            if r.status_code != 200:
                assert r.status_code == 400
                return
            m.shipping = goal
            self._record()

        @rule()
        def retrieve_with_number(self) -> None:
            r = http.get(f"/v1/issuing/cards/{self.model.card_id}", params={"expand[]": ["number", "cvc"]})
            assert r.status_code == 200
            body = r.json()
            assert len(body["number"]) == 16 and len(body["cvc"]) == 3  # physical cards too (test mode)

        def _record(self) -> None:
            self.model.statuses.append(self.model.status)
            self.model.shippings.append(self.model.shipping)

        @invariant()
        def server_agrees_with_the_rules(self) -> None:
            m = self.model
            card = http.get(f"/v1/issuing/cards/{m.card_id}").json()
            assert card["status"] == m.status
            assert card["cancellation_reason"] == m.reason
            assert (card["shipping"] or {}).get("status") == m.shipping
            if m.blocked:
                assert card["status"] != "active"
            # canceled is final; shipping never goes backwards
            if "canceled" in m.statuses:
                assert m.statuses[m.statuses.index("canceled") :] == ["canceled"] * (
                    len(m.statuses) - m.statuses.index("canceled")
                )
            ranks = [SHIPPING_ORDER[s] for s in m.shippings if s is not None]
            assert ranks == sorted(ranks)
            if m.shipping == "canceled":
                assert m.status == "canceled"

    try:
        run_state_machine_as_test(  # type: ignore[no-untyped-call]
            CardMachine, settings=settings(max_examples=80, stateful_step_count=20, deadline=None)
        )
    finally:
        http.close()


@pytest.mark.parametrize("action", sorted(SHIPPING_MOVES))
def test_each_helper_emits_card_updated(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str, action: str
) -> None:
    holder = create_cardholder(client)
    card = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    if action in ("deliver", "return"):
        ship(client, card.id, "ship")
    moved = ship(client, card.id, action)
    assert moved.shipping is not None and moved.shipping.status == SHIPPING_MOVES[action][1]
    last = events_of(server, api_key, None, "issuing_card.updated")[-1]
    assert last["data"]["object"]["shipping"]["status"] == SHIPPING_MOVES[action][1]
    assert "status" in last["data"]["previous_attributes"]["shipping"]
