"""Authorization variants through the real SDK: fuel-dispenser status checks (Stripe's 100 USD default
hold), fraud challenges a real-time decline asks for (``send_fraud_challenges``), and partial approvals
of cashback authorizations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

from emulator.resources.issuing import authorizations
from emulator.webhooks import realtime
from tests.support import issuing_flows
from tests.support.receiver import Answer, Received, Receiver, json_answer

VERSION = {"Stripe-Version": "2026-10-28.endive"}
REQUEST = "issuing_authorization.request"
FUEL: dict[str, Any] = {"merchant_data": {"category": "automated_fuel_dispensers"}}
FLEET: dict[str, Any] = {
    "cardholder_prompt_data": {"odometer": 42424},
    "purchase_type": "fuel_purchase",
    "service_type": "self_service",
}


def endpoint(client: stripe.StripeClient, rx: Receiver) -> None:
    client.v1.webhook_endpoints.create({"url": rx.url, "enabled_events": [REQUEST], "connect": True})


def answering(*answers: dict[str, Any]) -> Callable[[Received], Answer]:
    """A real-time endpoint giving ``answers`` in turn (the last one from then on)."""
    queue = list(answers)

    def respond(r: Received) -> Answer:
        return json_answer(200, queue.pop(0) if len(queue) > 1 else queue[0], VERSION)

    return respond


def asked(rx: Receiver) -> dict[str, Any]:
    """The authorization the last ``issuing_authorization.request`` showed."""
    obj: dict[str, Any] = rx.requests[-1].json()["data"]["object"]
    return obj


# --- fuel dispensers: the status check holds Stripe's default ----------------------------------------------


def test_fleet_guide_status_check_holds_the_default_then_finalizes(client: stripe.StripeClient) -> None:
    """The Fleet guide's call (1 USD at a fuel dispenser) authorizes and holds 100 USD (its sample shows
    ``amount: 10000``); ``finalize_amount`` then sets the final amount."""
    s = issuing_flows.spender(client, funds=50_000)
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(100, authorization_method="chip", fleet=FLEET, is_amount_controllable=True, **FUEL)
    assert (auth.status, auth.approved, auth.amount, auth.merchant_amount) == ("pending", True, 10_000, 10_000)
    assert auth.merchant_data.category_code == "5542"
    assert [(h.amount, h.merchant_amount, h.reason) for h in auth.request_history] == [(100, 100, "card_active")]
    assert s.balance() == {"cash": 40_000, "inbound_pending": 0, "outbound_pending": 10_000}
    final = th.finalize_amount(auth.id, {"final_amount": 1000, "fleet": FLEET}, s.opts)
    assert (final.status, final.amount) == ("pending", 1000)
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 1000}
    assert th.capture(auth.id, options=s.opts).transactions[0].amount == -1000
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 0}


def test_status_check_answers_are_capped_by_the_default(client: stripe.StripeClient) -> None:
    """The endpoint sees the 1 USD asked; a controllable answer may approve less than the default (the
    guide's 50 USD) or at most the default; a non-controllable answer's amount is ignored."""
    s = issuing_flows.spender(client, funds=100_000)
    with Receiver(answering({"approved": True, "amount": 5000})) as rx:
        endpoint(client, rx)
        partial = s.authorize(100, is_amount_controllable=True, **FUEL)
        pending = asked(rx)
        rx.respond = answering({"approved": True, "amount": 50_000})
        capped = s.authorize(100, is_amount_controllable=True, **FUEL)
        ignored = s.authorize(100, is_amount_controllable=False, **FUEL)
    assert (pending["amount"], pending["approved"]) == (0, False)
    assert (pending["pending_request"]["amount"], pending["pending_request"]["merchant_amount"]) == (100, 100)
    assert (partial.amount, partial.merchant_amount, partial.request_history[0].amount) == (5000, 5000, 100)
    assert partial.request_history[0].reason == "webhook_approved"
    assert (capped.amount, ignored.amount) == (10_000, 10_000)
    assert s.balance()["outbound_pending"] == 25_000


def test_status_check_approved_in_part_through_the_api(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=50_000)
    calls: list[Any] = []

    def respond(r: Received) -> Answer:
        calls.append(
            client.v1.issuing.authorizations.approve(r.json()["data"]["object"]["id"], {"amount": 5000}, s.opts)
        )
        return 200, {}, b""

    with Receiver(respond) as rx:
        endpoint(client, rx)
        auth = s.authorize(100, is_amount_controllable=True, **FUEL)
    assert calls and calls[0].amount == 5000
    assert (auth.amount, auth.request_history[0].amount) == (5000, 100)
    assert s.balance()["outbound_pending"] == 5000


def test_status_check_funds_and_limits_judge_the_default(client: stripe.StripeClient) -> None:
    """1 USD would pass, 100 USD does not: the funds check and spending limits see the default, and
    a declined status check shows it."""
    poor = issuing_flows.spender(client, funds=5_000)
    short = poor.authorize(100, **FUEL)
    assert (short.approved, short.request_history[0].reason) == (False, "insufficient_funds")
    assert (short.amount, short.request_history[0].amount) == (10_000, 100)
    assert poor.authorize(100).approved  # elsewhere 1 USD is 1 USD
    assert poor.balance() == {"cash": 4_900, "inbound_pending": 0, "outbound_pending": 100}
    limited = issuing_flows.spender(
        client,
        funds=50_000,
        spending_controls={"spending_limits": [{"amount": 5_000, "interval": "per_authorization"}]},
    )
    over = limited.authorize(100, **FUEL)
    assert (over.approved, over.request_history[0].reason) == (False, "spending_controls")
    assert limited.balance()["outbound_pending"] == 0


def test_the_default_only_covers_usd_status_checks_up_to_it(client: stripe.StripeClient) -> None:
    """Above 100 USD, in another merchant currency or at another merchant, the amount asked is held."""
    s = issuing_flows.spender(client, funds=50_000)
    assert s.authorize(10_000, **FUEL).amount == 10_000
    assert s.authorize(15_000, **FUEL).amount == 15_000
    foreign = s.authorize(100, currency="eur", **FUEL)
    assert foreign.merchant_currency == "eur" and foreign.amount < 10_000
    assert s.authorize(100).amount == 100
    # an increment asks for what it asks
    th = s.client.v1.test_helpers.issuing.authorizations
    fuel = s.authorize(500, **FUEL)
    assert th.increment(fuel.id, {"increment_amount": 100}, s.opts).amount == 10_100


# --- fraud challenges asked for by a real-time decline ------------------------------------------------------


def test_decline_with_send_fraud_challenges_opens_a_challenge(client: stripe.StripeClient) -> None:
    """The fraud-challenges guide's answer ``{approved: false, send_fraud_challenges: ['sms']}``: the
    declined authorization is challenged; once confirmed, a retry at the merchant is marked verified
    (the endpoint sees the mark), and answering leaves the challenged one's mark as it was."""
    s = issuing_flows.spender(client, funds=10_000)
    th = s.client.v1.test_helpers.issuing.authorizations
    with Receiver(answering({"approved": False, "send_fraud_challenges": ["sms"]}, {"approved": True})) as rx:
        endpoint(client, rx)
        first = s.authorize(700)
        assert (first.approved, first.status, first.request_history[0].reason) == (False, "closed", "webhook_declined")
        assert first.fraud_challenges is not None
        assert [(c.channel, c.status) for c in first.fraud_challenges] == [("sms", "pending")]
        out = th.respond(first.id, {"confirmed": True}, s.opts)
        assert [c.status for c in out.fraud_challenges or []] == ["verified"]
        assert (out.approved, out.status, out.verified_by_fraud_challenge) == (False, "closed", None)
        (event,) = s.client.v1.events.list({"type": "issuing_authorization.updated", "limit": 1}, s.opts).data
        assert event.data.object["id"] == first.id
        assert event.data.previous_attributes is not None
        assert sorted(event.data.previous_attributes.to_dict()) == ["fraud_challenges"]
        retry = s.authorize(700)
        assert asked(rx)["verified_by_fraud_challenge"] is True
        assert (retry.approved, retry.verified_by_fraud_challenge, retry.fraud_challenges) == (True, True, None)
        elsewhere = s.authorize(100, merchant_data={"name": "Other Shop", "network_id": "999"})
        assert (elsewhere.approved, elsewhere.verified_by_fraud_challenge) == (True, None)
    assert s.balance()["outbound_pending"] == 800


def test_a_cardholder_who_rejects_a_challenge_leaves_a_fraud_warning(client: stripe.StripeClient) -> None:
    """API 2025-11-17: a card "reported as compromised by the cardholder" shows it in
    ``latest_fraud_warning`` (``user_indicated_fraud``), with an ``issuing_card.updated``."""
    s = issuing_flows.spender(client, funds=10_000)
    with Receiver(answering({"approved": False, "send_fraud_challenges": ["sms"]})) as rx:
        endpoint(client, rx)
        first = s.authorize(700)
    assert s.client.v1.issuing.cards.retrieve(s.card, options=s.opts).latest_fraud_warning is None
    s.client.v1.test_helpers.issuing.authorizations.respond(first.id, {"confirmed": False}, s.opts)
    card = s.client.v1.issuing.cards.retrieve(s.card, options=s.opts)
    assert card.latest_fraud_warning is not None
    assert card.latest_fraud_warning.type == "user_indicated_fraud" and card.latest_fraud_warning.started_at
    (event,) = s.client.v1.events.list({"type": "issuing_card.updated", "limit": 1}, s.opts).data
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes.to_dict() == {"latest_fraud_warning": None}


def test_send_fraud_challenges_on_an_approval_or_not_asked(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    answers = ({"approved": True, "send_fraud_challenges": ["sms"]}, {"approved": False, "send_fraud_challenges": []})
    with Receiver(answering(*answers)) as rx:
        endpoint(client, rx)
        approved = s.authorize(100)
        declined = s.authorize(100)
    assert (approved.approved, approved.fraud_challenges) == (True, None)
    assert (declined.approved, declined.fraud_challenges) == (False, None)
    with pytest.raises(stripe.InvalidRequestError):
        s.client.v1.test_helpers.issuing.authorizations.respond(declined.id, {"confirmed": True}, s.opts)


@pytest.mark.parametrize("value", [["email"], "sms", [["sms"]]])
def test_bad_send_fraud_challenges_is_a_webhook_error(client: stripe.StripeClient, value: Any) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    with Receiver(answering({"approved": False, "send_fraud_challenges": value})) as rx:
        endpoint(client, rx)
        auth = s.authorize(100)
    last = auth.request_history[-1]
    assert (auth.approved, last.reason, last.reason_message) == (
        False,
        "webhook_error",
        realtime.FRAUD_CHALLENGES_INVALID,
    )
    assert auth.fraud_challenges is None


# --- cashback: a partial approval covers the cashback ---------------------------------------------------------

CASHBACK: dict[str, Any] = {"amount_details": {"cashback_amount": 2000}, "is_amount_controllable": True}


def test_answer_below_cashback_is_a_webhook_error(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    with Receiver(answering({"approved": True, "amount": 1500}, {"approved": True, "amount": 2000})) as rx:
        endpoint(client, rx)
        below = s.authorize(5000, **CASHBACK)
        covered = s.authorize(5000, **CASHBACK)
    last = below.request_history[-1]
    assert (below.approved, below.status, last.reason) == (False, "closed", "webhook_error")
    assert last.reason_message == realtime.BELOW_CASHBACK.format(amount=1500, cashback=2000)
    assert (covered.approved, covered.amount) == (True, 2000)
    assert s.balance() == {"cash": 8_000, "inbound_pending": 0, "outbound_pending": 2000}


def test_approve_below_cashback_is_refused(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    refused: list[stripe.InvalidRequestError] = []

    def respond(r: Received) -> Answer:
        auth_id = r.json()["data"]["object"]["id"]
        try:
            client.v1.issuing.authorizations.approve(auth_id, {"amount": 1500}, s.opts)
        except stripe.InvalidRequestError as exc:
            refused.append(exc)
        client.v1.issuing.authorizations.approve(auth_id, {"amount": 2000}, s.opts)
        return 200, {}, b""

    with Receiver(respond) as rx:
        endpoint(client, rx)
        auth = s.authorize(5000, **CASHBACK)
    (error,) = refused
    assert error.http_status == 400 and error.param == "amount"
    assert error.user_message == authorizations.BELOW_CASHBACK.format(amount=1500, cashback=2000)
    assert (auth.approved, auth.amount) == (True, 2000)
