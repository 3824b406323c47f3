"""Rules of Treasury money movement from Stripe's docs: which ReceivedCredits a CreditReversal may
reverse ("Moving money with Treasury using CreditReversal objects") and the shape of refusals."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.support import flows, money_flows
from tests.support.errors import error_json
from tests.support.money_flows import Mover


@pytest.fixture
def m(client: stripe.StripeClient) -> Mover:
    return money_flows.mover(client, funds=50_000)


def test_stripe_credit_from_an_outbound_transfer_is_source_flow_restricted(m: Mover) -> None:
    """Stripe: "A Stripe network ReceivedCredit that's the result of a flow other than an
    OutboundPayment. Stripe restricts users from reversing such ReceivedCredits." """
    other = m.another_account()
    obt = m.outbound_transfer(
        1200,
        destination_payment_method=None,
        destination_payment_method_data={"type": "financial_account", "financial_account": other},
    )
    assert obt.status == "posted"  # over the stripe network: at once
    rc = m.treasury.received_credits.list({"financial_account": other}, m.opts).data[0]
    assert (rc.network, rc.linked_flows.source_flow_type, rc.linked_flows.source_flow) == (
        "stripe",
        "outbound_transfer",
        obt.id,
    )
    assert rc.reversal_details is not None and rc.reversal_details.restricted_reason == "source_flow_restricted"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.treasury.credit_reversals.create({"received_credit": rc.id}, m.opts)
    assert exc.value.http_status == 400
    assert error_json(exc)["param"] == "received_credit" and "source_flow_restricted" in error_json(exc)["message"]
    assert m.balance(other)["cash"] == 1200  # nothing moved
    assert m.treasury.credit_reversals.list({"financial_account": other}, m.opts).data == []


def test_credit_paid_back_by_a_reversal_cannot_be_reversed_again(m: Mover) -> None:
    payee = money_flows.mover(m.client, funds=0)
    rc = m.pay(payee, 700)
    assert rc.linked_flows.source_flow_type == "outbound_payment"
    assert rc.reversal_details is not None and rc.reversal_details.restricted_reason is None
    rev = payee.treasury.credit_reversals.create(
        {"received_credit": rc.id}, payee.opts
    )  # allowed: an OutboundPayment sent it
    back = m.treasury.received_credits.list({"financial_account": m.fa}, m.opts).data[0]
    assert (back.linked_flows.source_flow_type, back.linked_flows.source_flow) == ("credit_reversal", rev.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.treasury.credit_reversals.create({"received_credit": back.id}, m.opts)
    assert "source_flow_restricted" in error_json(exc)["message"]
    assert m.balance()["cash"] == 50_000


def test_destination_financial_account_needs_intra_stripe_flows(m: Mover) -> None:
    """Stripe: "Both financial accounts (originator and recipient) need this feature enabled for
    stripe network outbound payments to work." """
    without = flows.financial_account(m.client, m.account, features={"card_issuing": {"requested": True}}).id
    payee = money_flows.mover(m.client, funds=0)
    payee.treasury.financial_accounts.update(
        payee.fa, {"platform_restrictions": {"inbound_flows": "restricted"}}, payee.opts
    )
    cases = [
        (
            lambda: m.outbound_transfer(
                100,
                destination_payment_method=None,
                destination_payment_method_data={"type": "financial_account", "financial_account": without},
            ),
            "not requested",
        ),
        (
            lambda: m.outbound_payment(
                100, destination_payment_method_data={"type": "financial_account", "financial_account": without}
            ),
            "not requested",
        ),
        (
            lambda: m.outbound_payment(
                100, destination_payment_method_data={"type": "financial_account", "financial_account": payee.fa}
            ),
            "restricted",
        ),
    ]
    for create, status in cases:
        with pytest.raises(stripe.InvalidRequestError) as exc:
            create()
        body = error_json(exc)
        assert exc.value.http_status == 400 and body["type"] == "invalid_request_error"
        assert body["param"] == "destination_payment_method_data[financial_account]"
        assert f"`intra_stripe_flows` feature is {status}" in body["message"]
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    assert m.treasury.outbound_payments.list({"financial_account": m.fa}, m.opts).data == []


def test_card_payment_methods_cannot_move_treasury_money(m: Mover) -> None:
    for create, param in (
        (lambda: m.outbound_transfer(100, destination_payment_method="pm_card_visa"), "destination_payment_method"),
        (
            lambda: m.outbound_payment(
                100, destination_payment_method_data=None, destination_payment_method="pm_card_visa", customer="cus_1"
            ),
            "destination_payment_method",
        ),
        (lambda: m.inbound_transfer(100, origin_payment_method="pm_card_mastercard"), "origin_payment_method"),
    ):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            create()
        assert exc.value.http_status == 400 and error_json(exc)["param"] == param
        assert "us_bank_account" in error_json(exc)["message"]
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}


def test_inactive_inbound_feature_message(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client)  # no us_bank_account_ach_payments capability
    fa = flows.funded_financial_account(client, acct.id, features={"inbound_transfers": {"ach": {"requested": True}}})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.treasury.inbound_transfers.create(
            {"amount": 100, "currency": "usd", "financial_account": fa.id, "origin_payment_method": "pm_usBankAccount"},
            {"stripe_account": acct.id},
        )
    body = error_json(exc)
    assert body["param"] == "financial_account"
    assert body["message"].startswith(f"The FinancialAccount {fa.id} cannot be used for this InboundTransfer")
    assert "`inbound_transfers.ach` feature is restricted" in body["message"]


def test_inline_routing_numbers_need_a_valid_check_digit(m: Mover) -> None:
    bank = {
        "type": "us_bank_account",
        "us_bank_account": {"routing_number": "123456789", "account_number": "000123456789"},
    }
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_payment(100, destination_payment_method_data=bank)
    assert error_json(exc)["param"] == "destination_payment_method_data[us_bank_account][routing_number]"
    assert error_json(exc)["code"] == "parameter_invalid"
    bank["us_bank_account"]["routing_number"] = "021000021"  # a real ABA number
    obp = m.outbound_payment(100, destination_payment_method_data=bank)
    assert obp.destination_payment_method_details.us_bank_account.routing_number == "021000021"
    assert m.balance() == {"cash": 49_900, "inbound_pending": 0, "outbound_pending": 100}


def test_reversal_details_follow_stripes_table(client: stripe.StripeClient) -> None:
    """ACH credits carry a deadline; wires are network_restricted; stripe credits not sent by an
    OutboundPayment are source_flow_restricted (Stripe's CreditReversal guide)."""
    account = flows.connected_account(client)
    fa = flows.funded_financial_account(client, account.id, amount=10_000)
    opts: Any = {"stripe_account": account.id}
    ach = client.v1.test_helpers.treasury.received_credits.create(
        {"financial_account": fa.id, "amount": 100, "currency": "usd", "network": "ach"}, opts
    )
    assert ach.reversal_details is not None and ach.reversal_details.deadline is not None
    assert ach.reversal_details.restricted_reason is None
    wire = client.v1.test_helpers.treasury.received_credits.create(
        {"financial_account": fa.id, "amount": 100, "currency": "usd", "network": "us_domestic_wire"}, opts
    )
    assert wire.reversal_details is not None
    assert (wire.reversal_details.deadline, wire.reversal_details.restricted_reason) == (None, "network_restricted")
    # "Credit reversals for RTP received credits are blocked, with reversal_details.restricted_reason set to
    # network_restricted" (Stripe's 2026-09-30 changelog)
    rtp = client.v1.test_helpers.treasury.received_credits.create(
        {"financial_account": fa.id, "amount": 100, "currency": "usd", "network": "rtp"}, opts
    )
    assert rtp.reversal_details is not None
    assert (rtp.reversal_details.deadline, rtp.reversal_details.restricted_reason) == (None, "network_restricted")


def test_source_flow_details_expand_to_the_flow_that_sent_the_credit(m: Mover) -> None:
    """Stripe: ``linked_flows.source_flow_details`` is "the expandable object of the source flow"."""
    payee = money_flows.mover(m.client, funds=0)
    rc = m.pay(payee, 700)
    assert rc.linked_flows.source_flow_details is None  # not expanded
    details = payee.treasury.received_credits.retrieve(
        rc.id, {"expand": ["linked_flows.source_flow_details"]}, payee.opts
    ).linked_flows.source_flow_details
    assert details is not None and details.type == "outbound_payment"
    assert details.outbound_payment is not None
    assert details.outbound_payment.id == rc.linked_flows.source_flow
    assert details.outbound_payment.object == "treasury.outbound_payment" and details.outbound_payment.amount == 700
    listed = payee.treasury.received_credits.list(
        {"financial_account": payee.fa, "expand": ["data.linked_flows.source_flow_details"]}, payee.opts
    ).data[0]
    assert listed.linked_flows.source_flow_details is not None
    assert listed.linked_flows.source_flow_details.type == "outbound_payment"
    unexpanded = payee.treasury.received_credits.list({"financial_account": payee.fa}, payee.opts).data
    assert all(c.linked_flows.source_flow_details is None for c in unexpanded)
    # a credit that no flow sent (the test helper's ACH credit) has nothing to expand
    helper_credit = m.treasury.received_credits.list({"financial_account": m.fa}, m.opts).data[-1]
    assert helper_credit.linked_flows.source_flow is None
    again = m.treasury.received_credits.retrieve(
        helper_credit.id, {"expand": ["linked_flows.source_flow_details"]}, m.opts
    )
    assert again.linked_flows.source_flow_details is None
