"""Issuing authorizations through the real SDK: Stripe's testing flows, every decline reason, the
lifecycle (capture, increment, reverse, expire, finalize) and the money each step moves."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.core.store import Obj
from tests.support import issuing_flows
from tests.support.issuing_flows import Spender
from tests.support.receiver import Receiver, json_answer

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

TH = "/v1/test_helpers/issuing/authorizations"


@pytest.fixture
def spender(client: stripe.StripeClient) -> Spender:
    return issuing_flows.spender(client, funds=50_000)


def stored(server: EmulatorServer, api_key: str, s: Spender, obj_id: str) -> Obj:
    found = server.state.platform(api_key).find(obj_id)
    assert found is not None
    return found[1]


def events_of(s: Spender, type_: str) -> list[stripe.Event]:
    return list(s.client.v1.events.list({"type": type_, "limit": 100}, s.opts).data)


# --- approval and the hold ----------------------------------------------------------------------------


def test_approved_purchase_holds_funds(spender: Spender) -> None:
    s = spender
    auth = s.authorize(1000)
    assert auth.object == "issuing.authorization"
    assert auth.id.startswith("iauth_")
    assert (auth.status, auth.approved, auth.amount, auth.merchant_amount) == ("pending", True, 1000, 1000)
    assert auth.pending_request is None
    assert auth.card.id == s.card and auth.card.object == "issuing.card"
    assert auth.card.cardholder.id == s.cardholder
    assert auth.cardholder == s.cardholder
    (entry,) = auth.request_history
    assert (entry.approved, entry.reason, entry.amount) == (True, "card_active", 1000)
    assert entry.authorization_code is not None and entry.authorization_code.startswith("S")
    assert auth.merchant_data.category == "taxicabs_limousines" and auth.merchant_data.category_code == "4121"
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 1000}
    assert auth.treasury is not None
    trxn = s.client.v1.treasury.transactions.retrieve(auth.treasury.transaction, {"expand": ["entries"]}, s.opts)
    assert (trxn.flow_type, trxn.flow, trxn.status, trxn.amount) == ("issuing_authorization", auth.id, "open", -1000)
    assert [e.type for e in trxn.entries.data] == ["issuing_authorization_hold"]
    assert trxn.balance_impact.cash == -1000 and trxn.balance_impact.outbound_pending == 1000
    created = events_of(s, "issuing_authorization.created")
    assert [e.data.object["id"] for e in created] == [auth.id]


def test_capture_posts_a_received_debit(spender: Spender) -> None:
    s = spender
    auth = s.authorize(1000)
    captured = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts)
    assert captured.status == "closed"
    (tx,) = captured.transactions
    assert (tx.object, tx.type, tx.amount, tx.merchant_amount) == ("issuing.transaction", "capture", -1000, -1000)
    assert tx.authorization == auth.id and tx.card == s.card and tx.cardholder == s.cardholder
    rd_id = tx.treasury.received_debit
    assert captured.treasury.received_debits == [rd_id]
    rd = s.client.v1.treasury.received_debits.retrieve(rd_id, options=s.opts)
    assert (rd.network, rd.status, rd.amount) == ("card", "succeeded", 1000)
    assert rd.linked_flows.issuing_transaction == tx.id and rd.linked_flows.issuing_authorization == auth.id
    assert rd.initiating_payment_method_details.issuing_card == s.card
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 0}
    hold = s.client.v1.treasury.transactions.retrieve(captured.treasury.transaction, {"expand": ["entries"]}, s.opts)
    assert hold.status == "void"
    assert [e.type for e in hold.entries.data] == ["issuing_authorization_hold", "issuing_authorization_release"]
    assert events_of(s, "issuing_transaction.created")[0].data.object["id"] == tx.id
    updated = events_of(s, "issuing_authorization.updated")[0]
    assert updated.data.previous_attributes["status"] == "pending"


def test_partial_capture_releases_the_rest(spender: Spender) -> None:
    s = spender
    auth = s.authorize(1000)
    out = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, {"capture_amount": 600}, s.opts)
    assert out.status == "closed" and out.transactions[0].amount == -600
    assert s.balance() == {"cash": 49_400, "inbound_pending": 0, "outbound_pending": 0}


def test_over_capture_goes_beyond_the_hold(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=1_000)
    auth = s.authorize(1000)
    out = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, {"capture_amount": 1500}, s.opts)
    assert out.transactions[0].amount == -1500
    assert s.balance() == {"cash": -500, "inbound_pending": 0, "outbound_pending": 0}


def test_multi_capture_keeps_the_authorization_open(spender: Spender) -> None:
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(1000)
    first = th.capture(auth.id, {"capture_amount": 300, "close_authorization": False}, s.opts)
    assert first.status == "pending" and len(first.transactions) == 1
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 700}
    second = th.capture(auth.id, {"capture_amount": 200, "close_authorization": False}, s.opts)
    assert [t.amount for t in second.transactions] == [-300, -200]
    assert s.balance()["outbound_pending"] == 500
    last = th.capture(auth.id, options=s.opts)  # the default captures what is left
    assert last.status == "closed" and [t.amount for t in last.transactions] == [-300, -200, -500]
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 0}
    assert len(last.treasury.received_debits) == 3


def test_increment_adds_to_the_hold(spender: Spender) -> None:
    s = spender
    auth = s.authorize(1000)
    out = s.client.v1.test_helpers.issuing.authorizations.increment(auth.id, {"increment_amount": 500}, s.opts)
    assert out.amount == 1500 and out.status == "pending"
    assert [(r.amount, r.approved, r.reason) for r in out.request_history] == [
        (1000, True, "card_active"),
        (500, True, "card_active"),
    ]
    assert s.balance() == {"cash": 48_500, "inbound_pending": 0, "outbound_pending": 1500}
    trxn = s.client.v1.treasury.transactions.retrieve(out.treasury.transaction, options=s.opts)
    assert trxn.amount == -1500


def test_declined_increment_leaves_the_amount(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=1_200)
    auth = s.authorize(1000)
    out = s.client.v1.test_helpers.issuing.authorizations.increment(auth.id, {"increment_amount": 500}, s.opts)
    assert out.amount == 1000 and out.status == "pending" and out.approved
    assert (out.request_history[-1].approved, out.request_history[-1].reason) == (False, "insufficient_funds")
    assert s.balance() == {"cash": 200, "inbound_pending": 0, "outbound_pending": 1000}


def test_partial_then_full_reversal(spender: Spender) -> None:
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(1000)
    part = th.reverse(auth.id, {"reverse_amount": 400}, s.opts)
    assert (part.status, part.amount) == ("pending", 600)
    assert s.balance() == {"cash": 49_400, "inbound_pending": 0, "outbound_pending": 600}
    full = th.reverse(auth.id, options=s.opts)
    assert (full.status, full.amount) == ("reversed", 0)
    assert s.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    hold = s.client.v1.treasury.transactions.retrieve(full.treasury.transaction, options=s.opts)
    assert hold.status == "void" and hold.balance_impact.cash == 0


def test_reversing_nothing_changes_nothing_and_sends_no_event(spender: Spender) -> None:
    """``reverse_amount=0`` while something is held: answered unchanged, no empty
    ``issuing_authorization.updated`` (docs/issuing.md, Choices)."""
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(1000)
    updates = len(events_of(s, "issuing_authorization.updated"))
    same = th.reverse(auth.id, {"reverse_amount": 0}, s.opts)
    assert (same.status, same.amount, same.merchant_amount) == ("pending", 1000, 1000)
    assert len(events_of(s, "issuing_authorization.updated")) == updates
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 1000}
    hold = s.client.v1.treasury.transactions.retrieve(auth.treasury.transaction, {"expand": ["entries"]}, s.opts)
    assert (hold.status, len(hold.entries.data)) == ("open", 1)
    # everything captured but still open: reversing 0 ends it, with its event
    th.capture(auth.id, {"capture_amount": 1000, "close_authorization": False}, s.opts)
    updates = len(events_of(s, "issuing_authorization.updated"))
    ended = th.reverse(auth.id, {"reverse_amount": 0}, s.opts)
    assert (ended.status, ended.amount) == ("closed", 1000)
    (event, *_) = events_of(s, "issuing_authorization.updated")
    assert len(events_of(s, "issuing_authorization.updated")) == updates + 1
    assert event.data.previous_attributes is not None and event.data.previous_attributes["status"] == "pending"
    with pytest.raises(stripe.InvalidRequestError) as err:
        th.reverse(s.authorize(500).id, {"reverse_amount": -1}, s.opts)
    assert err.value.param == "reverse_amount"


def test_reversal_after_a_partial_capture_closes(spender: Spender) -> None:
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(1000)
    th.capture(auth.id, {"capture_amount": 250, "close_authorization": False}, s.opts)
    out = th.reverse(auth.id, options=s.opts)
    assert (out.status, out.amount) == ("closed", 250)
    assert s.balance() == {"cash": 49_750, "inbound_pending": 0, "outbound_pending": 0}


def test_expire_and_versioned_status(spender: Spender, http: httpx.Client) -> None:
    s = spender
    auth = s.authorize(1000)
    out = s.client.v1.test_helpers.issuing.authorizations.expire(auth.id, options=s.opts)
    assert out.status == "expired"
    assert s.balance()["cash"] == 50_000 and s.balance()["outbound_pending"] == 0
    headers = {"Stripe-Account": s.account}
    old = http.get(f"/v1/issuing/authorizations/{auth.id}", headers={**headers, "Stripe-Version": "2024-06-20"})
    assert old.json()["status"] == "reversed"
    new = http.get(f"/v1/issuing/authorizations/{auth.id}", headers={**headers, "Stripe-Version": "2025-03-31.basil"})
    assert new.json()["status"] == "expired"
    listed = s.client.v1.issuing.authorizations.list({"status": "expired"}, s.opts)
    assert [a.id for a in listed.data] == [auth.id]


def test_an_old_version_request_answers_in_its_version_and_its_event_in_the_accounts(
    spender: Spender, http: httpx.Client
) -> None:
    s = spender
    auth = s.authorize(1000)
    headers = {"Stripe-Account": s.account, "Stripe-Version": "2024-06-20"}
    out = http.post(f"/v1/test_helpers/issuing/authorizations/{auth.id}/expire", headers=headers)
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "reversed"  # the request's version names it so
    (event,) = s.client.v1.events.list({"type": "issuing_authorization.updated", "limit": 1}, s.opts).data
    assert event.api_version == "2026-10-28.endive"
    assert event.data.object["id"] == auth.id and event.data.object["status"] == "expired"
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes["status"] == "pending"


def test_reasons_added_in_2024_06_20_show_as_the_older_ones_before(spender: Spender, http: httpx.Client) -> None:
    """Stripe's 2024-06-20 changelog added ``card_canceled`` (and ``card_expired``,
    ``cardholder_blocked``) to ``request_history[].reason``; older versions see the 2023 spec's
    ``card_inactive`` (``cardholder_inactive``)."""
    s = spender
    s.client.v1.issuing.cards.update(s.card, {"status": "canceled", "cancellation_reason": "lost"}, s.opts)
    auth = s.authorize(1000)
    assert auth.request_history[0].reason == "card_canceled"
    headers = {"Stripe-Account": s.account}
    for version, reason in (("2024-04-10", "card_inactive"), ("2024-06-20", "card_canceled")):
        got = http.get(f"/v1/issuing/authorizations/{auth.id}", headers={**headers, "Stripe-Version": version})
        assert got.json()["request_history"][0]["reason"] == reason, version


def test_finalize_amount_adjusts_the_hold(spender: Spender) -> None:
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(10_000, merchant_data={"category": "automated_fuel_dispensers"})
    out = th.finalize_amount(
        auth.id,
        {
            "final_amount": 4_520,
            "fuel": {"type": "diesel", "unit": "us_gallon", "quantity_decimal": "11.3", "unit_cost_decimal": "400"},
            "fleet": {"purchase_type": "fuel_purchase", "cardholder_prompt_data": {"odometer": 12_345}},
        },
        s.opts,
    )
    assert out.amount == 4_520 and out.status == "pending"
    assert out.fuel.type == "diesel" and str(out.fuel.quantity_decimal) == "11.3"
    assert out.fleet.cardholder_prompt_data.odometer == 12_345
    assert s.balance() == {"cash": 45_480, "inbound_pending": 0, "outbound_pending": 4_520}
    closed = th.capture(auth.id, options=s.opts)
    assert closed.transactions[0].amount == -4_520


def test_merchant_currency_is_converted(spender: Spender) -> None:
    auth = spender.authorize(None, merchant_amount=1000, merchant_currency="eur")
    assert (auth.currency, auth.merchant_currency, auth.merchant_amount) == ("usd", "eur", 1000)
    assert auth.amount == 1080
    both = spender.authorize(500, merchant_amount=450, merchant_currency="gbp")
    assert (both.amount, both.merchant_amount) == (500, 450)


def test_amount_in_a_foreign_currency(spender: Spender) -> None:
    """``amount`` "is in the provided currency, or defaults to the card's currency": a ``currency``
    other than the card's is the purchase's (merchant) currency, held in the card's currency."""
    s = spender
    auth = s.authorize(1000, currency="eur")
    assert (auth.currency, auth.amount, auth.merchant_currency, auth.merchant_amount) == ("usd", 1080, "eur", 1000)
    assert auth.pending_request is None and auth.request_history[0].amount == 1080
    assert auth.request_history[0].merchant_amount == 1000 and auth.request_history[0].merchant_currency == "eur"
    assert s.balance()["outbound_pending"] == 1080
    same = s.authorize(1000, currency="EUR", merchant_currency="eur")
    assert (same.amount, same.merchant_amount) == (1080, 1000)
    usd = s.authorize(700, currency="usd")
    assert (usd.amount, usd.merchant_currency, usd.merchant_amount) == (700, "usd", 700)
    tx = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts).transactions[0]
    assert (tx.amount, tx.currency, tx.merchant_amount, tx.merchant_currency) == (-1080, "usd", -1000, "eur")


def test_request_details_are_recorded(spender: Spender) -> None:
    auth = spender.authorize(
        2500,
        authorization_method="chip",
        wallet="apple_pay",
        merchant_data={"category": "eating_places_restaurants", "name": "Cafe", "country": "fr", "city": "Paris"},
        verification_data={"cvc_check": "not_provided", "three_d_secure": {"result": "authenticated"}},
        network_data={"acquiring_institution_id": "123456"},
        amount_details={"atm_fee": 100, "cashback_amount": 0},
        is_amount_controllable=True,
        fraud_disputability_likelihood="neutral",
        risk_assessment={"fraud_risk": {"level": "low", "score": 2.5}},
    )
    assert auth.authorization_method == "chip" and auth.card_presence == "present" and auth.wallet == "apple_pay"
    assert (auth.merchant_data.category_code, auth.merchant_data.country) == ("5812", "FR")
    assert auth.verification_data.three_d_secure.result == "authenticated"
    assert auth.network_data.acquiring_institution_id == "123456"
    assert auth.amount_details.atm_fee == 100


def test_amount_details_is_an_object_in_every_request(client: stripe.StripeClient) -> None:
    """``amount_details`` is an object (null fields when not given) on the authorization, in the
    ``pending_request`` the real-time endpoint sees, and in every ``request_history`` entry
    (increments too), as Stripe's fixtures and a live event show it."""
    s = issuing_flows.spender(client, funds=5_000)
    empty = {"atm_fee": None, "cashback_amount": None}
    with Receiver(lambda r: json_answer(200, {"approved": True}, {"Stripe-Version": "2026-10-28.endive"})) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        auth = s.authorize(1000)
        out = s.client.v1.test_helpers.issuing.authorizations.increment(auth.id, {"increment_amount": 200}, s.opts)
        given = s.authorize(300, amount_details={"atm_fee": 25})
        pending = [r.json()["data"]["object"]["pending_request"] for r in rx.requests]
    assert [p["amount_details"] for p in pending] == [empty, empty, {"atm_fee": 25, "cashback_amount": None}]
    assert out.amount_details.to_dict() == empty
    assert [r.amount_details.to_dict() for r in out.request_history] == [empty, empty]
    assert given.request_history[0].amount_details.to_dict() == {"atm_fee": 25, "cashback_amount": None}
    assert given.amount_details.to_dict() == {"atm_fee": 25, "cashback_amount": None}
    declined_one = s.authorize(99_999)  # declined by Stripe (insufficient funds): recorded the same way
    assert declined_one.request_history[0].amount_details.to_dict() == empty


def test_legacy_card_test_authorizations_path(spender: Spender, http: httpx.Client) -> None:
    r = http.post(
        f"/v1/issuing/cards/{spender.card}/test/authorizations",
        data={"held_amount": "100", "authorization_method": "online", "held_currency": "usd"},
        headers={"Stripe-Account": spender.account},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["object"], body["amount"], body["status"], body["approved"]) == (
        "issuing.authorization",
        100,
        "pending",
        True,
    )


def test_legacy_path_without_held_amount(spender: Spender, http: httpx.Client) -> None:
    r = http.post(
        f"/v1/issuing/cards/{spender.card}/test/authorizations",
        data={"authorization_method": "online"},
        headers={"Stripe-Account": spender.account},
    )
    assert r.status_code == 400
    assert (r.json()["error"]["code"], r.json()["error"]["param"]) == ("parameter_missing", "held_amount")


def test_card_without_financial_account(client: stripe.StripeClient) -> None:
    account = issuing_flows.flows.connected_account(client).id
    holder = issuing_flows.cardholder(client, account)
    card = issuing_flows.card(client, account, holder, None)
    opts = {"stripe_account": account}
    # such a card spends the account's Issuing balance (tests/connect/test_balances.py covers it in depth)
    client.v1.topups.create({"amount": 1_000, "currency": "usd", "destination_balance": "issuing"}, opts)  # type: ignore[typeddict-unknown-key]
    auth = client.v1.test_helpers.issuing.authorizations.create({"card": card, "amount": 700}, opts)
    assert auth.approved and auth.treasury is None
    out = client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=opts)
    assert out.transactions[0].treasury is None and out.transactions[0].amount == -700


# --- Stripe's own declines ------------------------------------------------------------------------------


def declined(auth: stripe.issuing.Authorization, reason: str) -> None:
    assert (auth.status, auth.approved) == ("closed", False)
    assert [(r.approved, r.reason) for r in auth.request_history] == [(False, reason)]
    assert auth.request_history[0].authorization_code is None


def test_inactive_and_canceled_cards(spender: Spender) -> None:
    s = spender
    inactive = s.new_card(status="inactive")
    declined(
        s.client.v1.test_helpers.issuing.authorizations.create({"card": inactive, "amount": 10}, s.opts),
        "card_inactive",
    )
    s.client.v1.issuing.cards.update(inactive, {"status": "canceled"}, s.opts)
    declined(
        s.client.v1.test_helpers.issuing.authorizations.create({"card": inactive, "amount": 10}, s.opts),
        "card_canceled",
    )
    assert s.balance()["outbound_pending"] == 0


def test_expired_card(server: EmulatorServer, api_key: str, spender: Spender) -> None:
    stored(server, api_key, spender, spender.card)["exp_year"] = 2020
    declined(spender.authorize(10), "card_expired")


def test_cardholder_declines(server: EmulatorServer, api_key: str, spender: Spender) -> None:
    s = spender
    s.client.v1.issuing.cardholders.update(s.cardholder, {"status": "inactive"}, s.opts)
    declined(s.authorize(10), "cardholder_inactive")
    s.client.v1.issuing.cardholders.update(s.cardholder, {"status": "active"}, s.opts)
    stored(server, api_key, s, s.cardholder)["status"] = "blocked"
    declined(s.authorize(10), "cardholder_blocked")
    stored(server, api_key, s, s.cardholder)["status"] = "active"
    server.state.platform(api_key).settings.require_terms_acceptance = True
    declined(s.authorize(10), "cardholder_verification_required")
    server.state.platform(api_key).settings.require_terms_acceptance = False
    assert s.authorize(10).approved


def test_rejected_account_is_disabled(spender: Spender) -> None:
    spender.client.v1.accounts.reject(spender.account, {"reason": "fraud_other"})
    declined(spender.authorize(10), "account_disabled")


def test_verification_and_fraud(spender: Spender) -> None:
    declined(spender.authorize(10, verification_data={"cvc_check": "mismatch"}), "verification_failed")
    declined(spender.authorize(10, verification_data={"expiry_check": "mismatch"}), "verification_failed")
    declined(spender.authorize(10, verification_data={"three_d_secure": {"result": "failed"}}), "verification_failed")
    assert spender.authorize(10, verification_data={"address_line1_check": "mismatch"}).approved
    fraud = spender.authorize(10, risk_assessment={"fraud_risk": {"level": "highest"}})
    declined(fraud, "suspected_fraud")
    assert [(c.channel, c.status) for c in fraud.fraud_challenges] == [("sms", "pending")]
    out = spender.client.v1.test_helpers.issuing.authorizations.respond(fraud.id, {"confirmed": True}, spender.opts)
    # the challenged authorization bypassed nothing: its mark stays as it was
    assert out.fraud_challenges[0].status == "verified" and out.verified_by_fraud_challenge is None
    assert (out.approved, out.status) == (False, "closed")
    with pytest.raises(stripe.InvalidRequestError):
        spender.client.v1.test_helpers.issuing.authorizations.respond(fraud.id, {"confirmed": False}, spender.opts)


def test_confirmed_fraud_challenge_lets_the_retry_through(spender: Spender) -> None:
    """Stripe's fraud-challenge flow: the cardholder confirms the declined purchase by SMS and the
    merchant's retry bypasses the fraud check (``verified_by_fraud_challenge: true``)."""
    s = spender
    risky: dict[str, Any] = {"risk_assessment": {"fraud_risk": {"level": "highest"}}}
    th = s.client.v1.test_helpers.issuing.authorizations
    first = s.authorize(700, **risky)
    declined(first, "suspected_fraud")
    th.respond(first.id, {"confirmed": True}, s.opts)
    retry = s.authorize(700, **risky)
    assert (retry.approved, retry.status, retry.verified_by_fraud_challenge) == (True, "pending", True)
    assert retry.request_history[-1].reason == "card_active" and retry.fraud_challenges is None
    assert s.balance()["outbound_pending"] == 700
    # another merchant is not covered by the confirmation
    elsewhere = s.authorize(700, merchant_data={"name": "Other Shop", "network_id": "999"}, **risky)
    declined(elsewhere, "suspected_fraud")
    # a rejected challenge lets nothing through
    th.respond(elsewhere.id, {"confirmed": False}, s.opts)
    declined(s.authorize(700, merchant_data={"name": "Other Shop", "network_id": "999"}, **risky), "suspected_fraud")
    # purchases at merchants without a confirmed challenge are not marked; at the confirmed one they are
    assert (
        s.authorize(10, merchant_data={"name": "Third Shop", "network_id": "333"}).verified_by_fraud_challenge is None
    )
    assert s.authorize(10).verified_by_fraud_challenge is True


def test_card_spending_controls(spender: Spender) -> None:
    s = spender
    card = s.new_card(
        spending_controls={
            "spending_limits": [
                {"amount": 5000, "interval": "per_authorization"},
                {"amount": 8000, "interval": "daily"},
            ],
            "blocked_categories": ["betting_casino_gambling"],
            "allowed_merchant_countries": ["US"],
        }
    )

    def attempt(amount: int, **extra: Any) -> stripe.issuing.Authorization:
        return s.client.v1.test_helpers.issuing.authorizations.create({"card": card, "amount": amount, **extra}, s.opts)

    declined(attempt(5001), "spending_controls")
    assert attempt(5000).approved
    declined(attempt(3001), "spending_controls")  # 5000 + 3001 > 8000 today
    assert attempt(3000).approved
    declined(attempt(1, merchant_data={"category": "betting_casino_gambling"}), "spending_controls")
    declined(attempt(1, merchant_data={"country": "DE"}), "spending_controls")


def test_reversed_amounts_no_longer_count_toward_limits(spender: Spender) -> None:
    s = spender
    card = s.new_card(spending_controls={"spending_limits": [{"amount": 1000, "interval": "all_time"}]})
    th = s.client.v1.test_helpers.issuing.authorizations
    first = th.create({"card": card, "amount": 800}, s.opts)
    declined(th.create({"card": card, "amount": 300}, s.opts), "spending_controls")
    th.reverse(first.id, {"reverse_amount": 500}, s.opts)
    assert th.create({"card": card, "amount": 300}, s.opts).approved
    over = th.increment(first.id, {"increment_amount": 500}, s.opts)  # 300 + 300 + 500 > 1000
    assert over.request_history[-1].reason == "spending_controls" and over.amount == 300


def test_cardholder_spending_controls_cover_all_cards(spender: Spender) -> None:
    s = spender
    s.client.v1.issuing.cardholders.update(
        s.cardholder,
        {
            "spending_controls": {
                "spending_limits": [{"amount": 1500, "interval": "weekly", "categories": ["taxicabs_limousines"]}]
            }
        },
        s.opts,
    )
    other = s.new_card()
    assert s.authorize(1000).approved
    th = s.client.v1.test_helpers.issuing.authorizations
    declined(th.create({"card": other, "amount": 600}, s.opts), "spending_controls")
    assert th.create({"card": other, "amount": 600, "merchant_data": {"category": "bakeries"}}, s.opts).approved


def test_insufficient_funds_and_restricted_account(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=1_000)
    declined(s.authorize(1001), "insufficient_funds")
    assert s.authorize(1000).approved
    declined(s.authorize(1), "insufficient_funds")
    s.client.v1.test_helpers.treasury.received_credits.create(
        {"amount": 5_000, "currency": "usd", "financial_account": s.fa, "network": "ach"}, s.opts
    )
    s.client.v1.treasury.financial_accounts.update(
        s.fa, {"platform_restrictions": {"outbound_flows": "restricted"}}, s.opts
    )
    declined(s.authorize(10), "not_allowed")
    assert s.balance() == {"cash": 5_000, "inbound_pending": 0, "outbound_pending": 1000}


def test_stripe_declines_send_no_request_event(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=100)
    with Receiver(lambda r: json_answer(200, {"approved": True}, {"Stripe-Version": "2026-10-28.endive"})) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        declined(s.authorize(500), "insufficient_funds")
        assert rx.requests == []
        approved = s.authorize(50)
        assert (approved.approved, approved.request_history[0].reason) == (True, "webhook_approved")
        assert len(rx.requests) == 1
    assert len(events_of(s, "issuing_authorization.created")) == 2


# --- real-time decisions and the money --------------------------------------------------------------------


def test_webhook_partial_approval_releases_the_difference(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    answer = {"approved": True, "amount": 400, "metadata": {"rule": "partial"}}
    with Receiver(lambda r: json_answer(200, answer, {"Stripe-Version": "2026-10-28.endive"})) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        auth = s.authorize(1000, is_amount_controllable=True)
        request = rx.requests[0].json()["data"]["object"]
    assert (request["amount"], request["approved"], request["pending_request"]["amount"]) == (0, False, 1000)
    assert (auth.amount, auth.approved, auth.metadata.to_dict()) == (400, True, {"rule": "partial"})
    assert s.balance() == {"cash": 9_600, "inbound_pending": 0, "outbound_pending": 400}


def test_webhook_decline_releases_the_hold(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    with Receiver(lambda r: json_answer(200, {"approved": False}, {"Stripe-Version": "2026-10-28.endive"})) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        declined(s.authorize(1000), "webhook_declined")
    assert s.balance() == {"cash": 10_000, "inbound_pending": 0, "outbound_pending": 0}


def test_approve_via_api_inside_the_window(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    seen: list[Any] = []

    def respond(received: Any) -> Any:
        auth_id = received.json()["data"]["object"]["id"]
        seen.append(client.v1.issuing.authorizations.approve(auth_id, {"amount": 300}, s.opts))
        return 200, {}, b""

    with Receiver(respond) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        auth = s.authorize(1000, is_amount_controllable=True)
    assert seen and seen[0].id == auth.id
    assert (auth.amount, auth.request_history[0].reason) == (300, "webhook_approved")
    assert s.balance()["outbound_pending"] == 300


# --- reading, updating and refusing --------------------------------------------------------------------------


def test_retrieve_update_and_list(spender: Spender) -> None:
    s = spender
    a1 = s.authorize(100)
    a2 = s.authorize(200)
    other = s.new_card()
    a3 = s.client.v1.test_helpers.issuing.authorizations.create({"card": other, "amount": 300}, s.opts)
    assert s.client.v1.issuing.authorizations.retrieve(a1.id, options=s.opts).amount == 100
    updated = s.client.v1.issuing.authorizations.update(a1.id, {"metadata": {"order": "42"}}, s.opts)
    assert updated.metadata["order"] == "42"
    events = events_of(s, "issuing_authorization.updated")
    assert events[0].data.previous_attributes.to_dict() == {"metadata": {"order": None}}
    api = s.client.v1.issuing.authorizations
    assert [a.id for a in api.list(options=s.opts).data] == [a3.id, a2.id, a1.id]
    assert [a.id for a in api.list({"card": s.card}, s.opts).data] == [a2.id, a1.id]
    assert len(api.list({"cardholder": s.cardholder}, s.opts).data) == 3
    assert [a.id for a in api.list({"limit": 1, "starting_after": a2.id}, s.opts).data] == [a1.id]
    assert api.list({"status": "closed"}, s.opts).data == []
    assert len(api.list({"created": {"gte": a1.created}}, s.opts).data) == 3
    assert [a.id for a in api.list({"limit": 2}, s.opts).auto_paging_iter()] == [a3.id, a2.id, a1.id]
    expanded = api.retrieve(a1.id, {"expand": ["cardholder"]}, s.opts)
    assert expanded.cardholder.id == s.cardholder


def test_refusals(spender: Spender, http: httpx.Client) -> None:
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    api = s.client.v1.issuing.authorizations
    auth = s.authorize(1000)
    with pytest.raises(stripe.InvalidRequestError, match="no pending request"):
        api.approve(auth.id, options=s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="no pending request"):
        api.decline(auth.id, options=s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="greater than the amount still held"):
        th.reverse(auth.id, {"reverse_amount": 1001}, s.opts)
    th.capture(auth.id, options=s.opts)
    for call in (
        lambda: th.capture(auth.id, options=s.opts),
        lambda: th.reverse(auth.id, options=s.opts),
        lambda: th.expire(auth.id, options=s.opts),
        lambda: th.increment(auth.id, {"increment_amount": 1}, s.opts),
        lambda: th.finalize_amount(auth.id, {"final_amount": 1}, s.opts),
    ):
        with pytest.raises(stripe.InvalidRequestError, match="only a pending authorization"):
            call()
    with pytest.raises(stripe.InvalidRequestError) as missing:
        th.create({"card": s.card}, s.opts)
    assert missing.value.http_status == 400 and missing.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        th.create({"card": "ic_nope", "amount": 1}, s.opts)
    assert unknown.value.http_status == 400 and unknown.value.param == "card"  # named in the body: 400
    with pytest.raises(stripe.InvalidRequestError) as negative:
        s.authorize(-5)
    assert negative.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as currency:
        s.authorize(10, currency="eur", merchant_currency="gbp")
    assert currency.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError) as currency:
        s.authorize(10, currency="xyz")
    assert (currency.value.param, currency.value.code) == ("currency", "parameter_invalid")
    with pytest.raises(stripe.InvalidRequestError) as not_found:
        api.retrieve("iauth_missing", options=s.opts)
    assert not_found.value.http_status == 404
    bad = http.post(TH, data={"card": s.card, "amount": "ten"}, headers={"Stripe-Account": s.account})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "parameter_invalid_integer"
    assert s.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 0}


def test_objects_of_another_account_are_invisible(spender: Spender, client: stripe.StripeClient) -> None:
    auth = spender.authorize(100)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.issuing.authorizations.retrieve(auth.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.test_helpers.issuing.authorizations.capture(auth.id)


@pytest.mark.parametrize("approves", [False, True])
def test_webhook_timeout_follows_the_platform_setting(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient, approves: bool
) -> None:
    settings = server.state.platform(api_key).settings
    settings.rta_timeout_seconds = 0.2
    settings.rta_timeout_approves = approves
    s = issuing_flows.spender(client, funds=5_000)

    def too_slow(_: Any) -> Any:
        time.sleep(0.5)
        return json_answer(200, {"approved": True}, {"Stripe-Version": "2026-10-28.endive"})

    with Receiver(too_slow) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        auth = s.authorize(1000)
    assert (auth.approved, auth.request_history[0].reason) == (approves, "webhook_timeout")
    assert auth.status == ("pending" if approves else "closed")
    assert s.balance()["outbound_pending"] == (1000 if approves else 0)
    assert s.balance()["cash"] == (4_000 if approves else 5_000)


def test_garbage_answer_is_a_webhook_error(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=5_000)
    with Receiver(lambda r: (200, {"Content-Type": "text/plain"}, b"yes please")) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        auth = s.authorize(1000)
    declined(auth, "webhook_error")
    assert auth.request_history[0].reason_message
    assert s.balance() == {"cash": 5_000, "inbound_pending": 0, "outbound_pending": 0}


def test_increment_asks_the_endpoint_too(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client, funds=5_000)
    answers = iter([True, False])

    def respond(received: Any) -> Any:
        return json_answer(200, {"approved": next(answers)}, {"Stripe-Version": "2026-10-28.endive"})

    with Receiver(respond) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        auth = s.authorize(1000)
        out = s.client.v1.test_helpers.issuing.authorizations.increment(auth.id, {"increment_amount": 700}, s.opts)
        second = rx.requests[1].json()["data"]["object"]
    assert (second["amount"], second["pending_request"]["amount"]) == (1000, 700)
    assert [(r.amount, r.reason) for r in out.request_history] == [
        (1000, "webhook_approved"),
        (700, "webhook_declined"),
    ]
    assert out.amount == 1000 and out.status == "pending"
    assert s.balance() == {"cash": 4_000, "inbound_pending": 0, "outbound_pending": 1000}


def test_an_authorizations_money_stays_where_it_was_made(client: stripe.StripeClient) -> None:
    """The card moves to another financial account while a purchase is pending: the purchase's
    increment is checked against, and its capture and refund settle on, the account it was made on."""
    from tests.support import flows

    s = issuing_flows.spender(client, funds=10_000)
    th = client.v1.test_helpers.issuing
    auth = th.authorizations.create({"card": s.card, "amount": 1_000}, s.opts)
    other = flows.financial_account(client, s.account).id  # nothing on it
    client.v1.issuing.cards.update(s.card, {"financial_account": other}, s.opts)

    grown = th.authorizations.increment(auth.id, {"increment_amount": 500}, s.opts)
    assert grown.amount == 1_500 and grown.request_history[-1].approved
    assert s.balance() == {"cash": 8_500, "inbound_pending": 0, "outbound_pending": 1_500}

    captured = th.authorizations.capture(auth.id, options=s.opts)
    capture = client.v1.issuing.transactions.retrieve(captured.transactions[0].id, options=s.opts)
    assert capture.treasury is not None and capture.treasury.received_debit is not None
    debit = client.v1.treasury.received_debits.retrieve(capture.treasury.received_debit, options=s.opts)
    assert debit.financial_account == s.fa
    assert s.balance() == {"cash": 8_500, "inbound_pending": 0, "outbound_pending": 0}

    th.transactions.refund(capture.id, {"refund_amount": 200}, s.opts)
    assert s.balance()["cash"] == 8_700
    moved = client.v1.treasury.financial_accounts.retrieve(other, options=s.opts)
    assert moved.balance.cash.to_dict().get("usd", 0) == 0

    # a new purchase draws on the card's account as it is now
    refused = th.authorizations.create({"card": s.card, "amount": 100}, s.opts)
    assert not refused.approved and refused.request_history[-1].reason == "insufficient_funds"


def test_lifecycle_controls_cancel_the_card_at_its_payment_count(client: stripe.StripeClient) -> None:
    """Stripe: "After the card reaches this payment count, its status automatically updates to
    `canceled`, and all future authorizations are declined." (approved authorizations over 1 USD)"""
    s = issuing_flows.spender(client, lifecycle_controls={"cancel_after": {"payment_count": 2}})
    assert s.authorize(100).approved is True  # 1 USD: not counted
    assert s.authorize(2_500).approved is True
    assert s.client.v1.issuing.cards.retrieve(s.card, options=s.opts).status == "active"
    assert s.authorize(2_500).approved is True
    card = s.client.v1.issuing.cards.retrieve(s.card, options=s.opts)
    assert card.status == "canceled"
    declined = s.authorize(2_500)
    assert declined.approved is False and declined.request_history[-1].reason == "card_canceled"
    updated = s.client.v1.events.list({"type": "issuing_card.updated"}, s.opts).data
    assert updated[0].data.object["status"] == "canceled"


def test_what_counts_toward_payment_count(client: stripe.StripeClient) -> None:
    """Stripe's lifecycle-controls guide: a captured authorization of 1 USD or less and a force post
    count; uncaptured ones of 1 USD or less do not, and only ``payment_count`` of them are approved."""
    s = issuing_flows.spender(client, lifecycle_controls={"cancel_after": {"payment_count": 2}})
    th = s.client.v1.test_helpers.issuing
    small = [s.authorize(100), s.authorize(50)]
    assert [a.approved for a in small] == [True, True]
    third = s.authorize(75)
    assert (third.approved, third.request_history[-1].reason) == (False, "spending_controls")
    th.authorizations.capture(small[0].id, options=s.opts)  # counts once, and makes room for a small one
    assert s.client.v1.issuing.cards.retrieve(s.card, options=s.opts).status == "active"
    assert s.authorize(60).approved is True
    th.transactions.create_force_capture({"card": s.card, "amount": 500}, s.opts)  # the second payment
    card = s.client.v1.issuing.cards.retrieve(s.card, options=s.opts)
    assert card.status == "canceled"
    (event,) = s.client.v1.events.list({"type": "issuing_card.updated"}, s.opts).data
    assert event.data.previous_attributes is not None and event.data.previous_attributes["status"] == "active"
    single = issuing_flows.spender(client, lifecycle_controls={"cancel_after": {"payment_count": 1}})
    big = single.authorize(2_500)  # counted when approved: its capture does not count again
    assert single.client.v1.issuing.cards.retrieve(single.card, options=single.opts).status == "canceled"
    single.client.v1.test_helpers.issuing.authorizations.capture(big.id, options=single.opts)
    assert len(single.client.v1.events.list({"type": "issuing_card.updated"}, single.opts).data) == 1


def test_an_expired_authorization_can_still_be_captured(spender: Spender) -> None:
    """Stripe's basil changelog: "Authorizations that have been expired by Stripe can be captured
    later" (a reversed one cannot). Nothing is held any more: the late capture moves the money."""
    s = spender
    th = s.client.v1.test_helpers.issuing.authorizations
    auth = s.authorize(1000)
    expired = th.expire(auth.id, options=s.opts)
    assert expired.status == "expired" and s.balance()["cash"] == 50_000
    late = th.capture(auth.id, {"capture_amount": 800}, s.opts)
    assert late.status == "closed" and [t.amount for t in late.transactions] == [-800]
    assert s.balance() == {"cash": 49_200, "inbound_pending": 0, "outbound_pending": 0}
    reversed_one = s.authorize(500)
    th.reverse(reversed_one.id, options=s.opts)
    with pytest.raises(stripe.InvalidRequestError) as err:
        th.capture(reversed_one.id, options=s.opts)
    assert "reversed" in str(err.value.user_message)


def test_risk_level_names_follow_the_api_version() -> None:
    """2026-03-25.dahlia renamed ``risk_level`` to ``level`` in the test helper's card-testing and
    merchant-dispute risk (Stripe's changelog; stripe-node 21's breaking changes). Its own server: the
    session's checks every answer against the 2026 shapes."""
    with issuing_flows.spender_on_own_server() as (s, http):
        base = {"card": s.card, "amount": "100"}

        def ask(version: str, hash_name: str, name: str) -> httpx.Response:
            data = {**base, f"risk_assessment[{hash_name}][{name}]": "normal"}
            return http.post(
                "/v1/test_helpers/issuing/authorizations",
                data=data,
                headers={"Stripe-Version": version, "Stripe-Account": s.account},
            )

        for hash_name in ("card_testing_risk", "merchant_dispute_risk"):
            assert ask("2025-11-17.clover", hash_name, "risk_level").status_code == 200
            assert ask("2026-03-25.dahlia", hash_name, "level").status_code == 200
            for version, wrong in (("2025-11-17.clover", "level"), ("2026-10-28.endive", "risk_level")):
                error = ask(version, hash_name, wrong).json()["error"]
                assert (error["code"], error["param"]) == (
                    "parameter_unknown",
                    f"risk_assessment[{hash_name}][{wrong}]",
                )
        r = http.post(
            "/v1/test_helpers/issuing/authorizations",
            data={**base, "risk_assessment[card_testing_risk][invalid_credentials_decline_rate_past_hour]": "5"},
            headers={"Stripe-Account": s.account},
        )
        assert r.json()["error"]["code"] == "parameter_missing"
        assert r.json()["error"]["param"] == "risk_assessment[card_testing_risk][level]"
