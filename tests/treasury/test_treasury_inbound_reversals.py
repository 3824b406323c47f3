"""InboundTransfers, CreditReversals and DebitReversals through the real SDK."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows, money_flows
from tests.support.money_flows import Mover

NO_CHANGE = {"cash": 0, "inbound_pending": 0, "outbound_pending": 0}


@pytest.fixture
def m(client: stripe.StripeClient) -> Mover:
    return money_flows.mover(client, funds=10_000)


def cash(amount: int) -> dict[str, int]:
    return {"cash": amount, "inbound_pending": 0, "outbound_pending": 0}


# --- InboundTransfers -------------------------------------------------------------------------------


def test_inbound_transfer_succeeds_and_returns(m: Mover) -> None:
    ibt = m.inbound_transfer(2500, description="Top up", statement_descriptor="TOPUP")
    assert (ibt.object, ibt.status, ibt.cancelable, ibt.returned) == (
        "treasury.inbound_transfer",
        "processing",
        True,
        False,
    )
    assert ibt.id.startswith("ibt_1") and ibt.failure_details is None and ibt.linked_flows.received_debit is None
    assert (ibt.origin_payment_method, ibt.statement_descriptor) == ("pm_usBankAccount", "TOPUP")
    bank = ibt.origin_payment_method_details.us_bank_account
    assert (bank.network, bank.last4, bank.bank_name) == ("ach", "6789", "STRIPE TEST BANK")
    # test mode: the money is available at once, on an open transaction
    assert m.balance() == cash(12_500)
    trxn = m.transaction(ibt.transaction)
    assert (trxn.flow_type, trxn.flow, trxn.status, trxn.amount) == ("inbound_transfer", ibt.id, "open", 2500)
    assert m.entries(ibt.transaction) == [("inbound_transfer", cash(2500))]

    done = m.th.inbound_transfers.succeed(ibt.id, options=m.opts)
    assert (done.status, done.cancelable) == ("succeeded", False) and done.status_transitions.succeeded_at is not None
    assert m.transaction(ibt.transaction).status == "posted"
    with pytest.raises(stripe.InvalidRequestError):
        m.th.inbound_transfers.succeed(ibt.id, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.inbound_transfers.cancel(ibt.id, options=m.opts)

    back = m.th.inbound_transfers.return_inbound_transfer(ibt.id, options=m.opts)
    assert (back.status, back.returned) == ("succeeded", True)
    rd = m.treasury.received_debits.retrieve(back.linked_flows.received_debit, options=m.opts)
    assert (rd.amount, rd.network, rd.status, rd.linked_flows.inbound_transfer) == (2500, "ach", "succeeded", ibt.id)
    assert (rd.reversal_details.restricted_reason, rd.reversal_details.deadline) == ("source_flow_restricted", None)
    assert m.entries(rd.transaction) == [("inbound_transfer_return", cash(-2500))]
    assert m.balance() == cash(10_000)
    with pytest.raises(stripe.InvalidRequestError):
        m.th.inbound_transfers.return_inbound_transfer(ibt.id, options=m.opts)
    assert m.event_types(ibt.id) == ["treasury.inbound_transfer.created", "treasury.inbound_transfer.succeeded"]
    assert m.event_types(rd.id) == ["treasury.received_debit.created"]


@pytest.mark.parametrize("action", ["fail", "cancel"])
def test_failed_or_canceled_inbound_transfer_takes_the_money_back(m: Mover, action: str) -> None:
    ibt = m.inbound_transfer(2500)
    if action == "fail":
        out = m.th.inbound_transfers.fail(ibt.id, {"failure_details": {"code": "insufficient_funds"}}, m.opts)
        assert (out.status, out.failure_details.code) == ("failed", "insufficient_funds")
        assert out.status_transitions.failed_at is not None
    else:
        out = m.treasury.inbound_transfers.cancel(ibt.id, options=m.opts)
        assert out.status == "canceled" and out.failure_details is None
    assert out.cancelable is False
    assert m.balance() == cash(10_000)
    trxn = m.transaction(ibt.transaction)
    assert trxn.status == "void" and trxn.balance_impact.to_dict() == NO_CHANGE
    assert m.entries(ibt.transaction) == [("inbound_transfer", cash(2500)), ("inbound_transfer_return", cash(-2500))]
    status = "failed" if action == "fail" else "canceled"
    assert m.event_types(ibt.id) == ["treasury.inbound_transfer.created", f"treasury.inbound_transfer.{status}"]
    m.refuses(
        ibt.id,
        m.th.inbound_transfers.succeed,
        m.th.inbound_transfers.fail,
        m.th.inbound_transfers.return_inbound_transfer,
    )


def test_fail_defaults_to_other(m: Mover) -> None:
    ibt = m.inbound_transfer(100)
    assert m.th.inbound_transfers.fail(ibt.id, options=m.opts).failure_details.code == "other"


def test_inbound_transfer_refusals(m: Mover, client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.inbound_transfer(100, origin_payment_method="src_123")
    assert exc.value.http_status == 400 and "PaymentMethod" in str(exc.value.user_message)
    for params in ({"amount": 0}, {"currency": "gbp"}, {"statement_descriptor": "bad!"}):
        with pytest.raises(stripe.InvalidRequestError):
            m.inbound_transfer(**{"amount": 100, **params})
    # the feature needs the us_bank_account_ach_payments capability and a request
    acct = flows.connected_account(client).id
    fa = flows.financial_account(client, acct, features={"inbound_transfers": {"ach": {"requested": True}}})
    assert "inbound_transfers.ach" in fa.restricted_features
    plain = Mover(client, acct, fa.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        plain.inbound_transfer(100)
    assert "inbound_transfers.ach" in str(exc.value.user_message)
    # inbound flows restricted by the platform
    m.treasury.financial_accounts.update(m.fa, {"platform_restrictions": {"inbound_flows": "restricted"}}, m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.inbound_transfer(100)
    assert m.treasury.inbound_transfers.list({"financial_account": m.fa}, m.opts).data == []


def test_list_inbound_transfers(m: Mover) -> None:
    a, b = m.inbound_transfer(100), m.inbound_transfer(200)
    m.th.inbound_transfers.succeed(a.id, options=m.opts)
    listing = m.treasury.inbound_transfers
    assert [o.id for o in listing.list({"financial_account": m.fa}, m.opts).data] == [b.id, a.id]
    assert [o.id for o in listing.list({"financial_account": m.fa, "status": "succeeded"}, m.opts).data] == [a.id]
    assert listing.retrieve(b.id, {"expand": ["transaction"]}, m.opts).transaction.amount == 200  # type: ignore[union-attr]


# --- CreditReversals --------------------------------------------------------------------------------


def test_credit_reversal_posts_after_the_response(m: Mover) -> None:
    rc = m.fund(3000)
    assert m.balance() == cash(13_000)
    rev = m.treasury.credit_reversals.create({"received_credit": rc.id, "metadata": {"why": "duplicate"}}, m.opts)
    assert (rev.object, rev.status, rev.amount, rev.network) == ("treasury.credit_reversal", "processing", 3000, "ach")
    assert rev.id.startswith("credrev_1") and rev.received_credit == rc.id and rev.status_transitions.posted_at is None
    assert rev.metadata.to_dict() == {"why": "duplicate"}
    got = m.treasury.credit_reversals.retrieve(rev.id, options=m.opts)
    assert got.status == "posted" and got.status_transitions.posted_at is not None
    assert m.balance() == cash(10_000)
    trxn = m.transaction(rev.transaction)
    assert (trxn.flow_type, trxn.status, trxn.amount) == ("credit_reversal", "posted", -3000)
    assert [e[0] for e in m.entries(rev.transaction)] == ["credit_reversal", "credit_reversal_posting"]
    rc = m.treasury.received_credits.retrieve(rc.id, options=m.opts)
    assert rc.linked_flows.credit_reversal == rev.id and rc.reversal_details.restricted_reason == "already_reversed"
    assert m.event_types(rev.id) == ["treasury.credit_reversal.created", "treasury.credit_reversal.posted"]
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.credit_reversals.create({"received_credit": rc.id}, m.opts)
    listing = m.treasury.credit_reversals
    assert [r.id for r in listing.list({"financial_account": m.fa}, m.opts).data] == [rev.id]
    assert [r.id for r in listing.list({"financial_account": m.fa, "received_credit": rc.id}, m.opts).data] == [rev.id]
    assert listing.list({"financial_account": m.fa, "status": "processing"}, m.opts).data == []


def test_credit_reversal_refusals(m: Mover) -> None:
    wire = m.fund(500, network="us_domestic_wire")
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.credit_reversals.create({"received_credit": wire.id}, m.opts)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.treasury.credit_reversals.create({"received_credit": "rc_missing"}, m.opts)
    assert exc.value.http_status == 400 and exc.value.code == "resource_missing"
    big = m.fund(5000)
    m.outbound_transfer(15_000)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.treasury.credit_reversals.create({"received_credit": big.id}, m.opts)
    assert exc.value.json_body["error"]["code"] == "insufficient_funds"  # type: ignore[index]
    # after the reversal window
    m.treasury.financial_accounts.update(m.fa, {"platform_restrictions": {"inbound_flows": "restricted"}}, m.opts)
    failed = m.fund(100)
    assert failed.status == "failed"
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.credit_reversals.create({"received_credit": failed.id}, m.opts)


def test_reversal_deadline() -> None:
    # its own server: moving the clock must not disturb the session's
    server = EmulatorServer()
    server.start()
    try:
        client = stripe.StripeClient("sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url})
        m = money_flows.mover(client, funds=10_000)
        rc = m.fund(100)
        rd = m.th.received_debits.create(
            {"amount": 100, "currency": "usd", "financial_account": m.fa, "network": "ach"}, m.opts
        )
        # 00:00 UTC of the second business day after arrival, as Stripe's examples show
        for flow in (rc, rd):
            assert flow.reversal_details is not None
            deadline = flow.reversal_details.deadline
            assert deadline is not None and deadline % 86_400 == 0
            days = [dt.datetime.fromtimestamp(flow.created + d * 86_400, dt.UTC) for d in range(1, 5)]
            business = [d for d in days if d.weekday() < 5]
            assert dt.datetime.fromtimestamp(deadline, dt.UTC).date() == business[1].date()
            assert flow.reversal_details.restricted_reason is None
        server.state.clock.advance(6 * 24 * 3600)
        with pytest.raises(stripe.InvalidRequestError) as exc:
            m.treasury.credit_reversals.create({"received_credit": rc.id}, m.opts)
        assert "deadline" in str(exc.value.user_message)
        with pytest.raises(stripe.InvalidRequestError) as exc:
            m.treasury.debit_reversals.create({"received_debit": rd.id}, m.opts)
        assert "deadline" in str(exc.value.user_message)
        assert m.balance() == cash(10_000)
        later_rc = m.treasury.received_credits.retrieve(rc.id, options=m.opts)
        later_rd = m.treasury.received_debits.retrieve(rd.id, options=m.opts)
        for later in (later_rc, later_rd):
            assert later.reversal_details is not None
            assert later.reversal_details.restricted_reason == "deadline_passed"
    finally:
        server.stop()


def test_reversing_a_stripe_credit_pays_the_sender_back(m: Mover) -> None:
    payee = money_flows.mover(m.client, funds=0)
    rc = m.pay(payee, 700)
    rev = payee.treasury.credit_reversals.create({"received_credit": rc.id}, payee.opts)
    assert rev.network == "stripe"
    assert payee.balance() == cash(0)
    assert m.balance() == cash(10_000)
    back = m.treasury.received_credits.list({"financial_account": m.fa}, m.opts).data[0]
    assert (back.network, back.amount, back.linked_flows.source_flow_type, back.linked_flows.source_flow) == (
        "stripe",
        700,
        "credit_reversal",
        rev.id,
    )


# --- DebitReversals ---------------------------------------------------------------------------------


def test_debit_reversal_of_an_ach_debit(m: Mover) -> None:
    rd = m.th.received_debits.create(
        {"amount": 1500, "currency": "usd", "financial_account": m.fa, "network": "ach"}, m.opts
    )
    assert m.balance() == cash(8500)
    rev = m.treasury.debit_reversals.create({"received_debit": rd.id, "metadata": {"k": "v"}}, m.opts)
    assert (rev.object, rev.status, rev.amount, rev.network, rev.transaction) == (
        "treasury.debit_reversal",
        "processing",
        1500,
        "ach",
        None,
    )
    assert rev.linked_flows.issuing_dispute is None and rev.metadata.to_dict() == {"k": "v"}
    got = m.treasury.debit_reversals.retrieve(rev.id, options=m.opts)
    assert got.status == "succeeded" and got.status_transitions.completed_at is not None
    assert m.balance() == cash(10_000)
    trxn = m.transaction(got.transaction)
    assert (trxn.flow_type, trxn.status, trxn.amount) == ("debit_reversal", "posted", 1500)
    assert m.entries(trxn.id) == [("debit_reversal", cash(1500))]
    rd = m.treasury.received_debits.retrieve(rd.id, options=m.opts)
    assert rd.linked_flows.debit_reversal == rev.id and rd.reversal_details.restricted_reason == "already_reversed"
    assert m.event_types(rev.id) == [
        "treasury.debit_reversal.created",
        "treasury.debit_reversal.initial_credit_granted",
        "treasury.debit_reversal.completed",
    ]
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.debit_reversals.create({"received_debit": rd.id}, m.opts)
    listing = m.treasury.debit_reversals
    assert [r.id for r in listing.list({"financial_account": m.fa, "status": "completed"}, m.opts).data] == [rev.id]


def test_debit_reversal_refusals(m: Mover) -> None:
    failed = m.th.received_debits.create(
        {"amount": 99_999, "currency": "usd", "financial_account": m.fa, "network": "ach"}, m.opts
    )
    assert failed.status == "failed"
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.debit_reversals.create({"received_debit": failed.id}, m.opts)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.treasury.debit_reversals.create({"received_debit": "rd_missing"}, m.opts)
    assert exc.value.http_status == 400 and exc.value.code == "resource_missing"
    # the debit of a returned InboundTransfer cannot be reversed
    ibt = m.inbound_transfer(100)
    m.th.inbound_transfers.succeed(ibt.id, options=m.opts)
    ibt = m.th.inbound_transfers.return_inbound_transfer(ibt.id, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.debit_reversals.create({"received_debit": ibt.linked_flows.received_debit}, m.opts)
    assert m.treasury.debit_reversals.list({"financial_account": m.fa}, m.opts).data == []


def test_card_debits_are_disputed_not_reversed(client: stripe.StripeClient) -> None:
    from tests.support import issuing_flows

    s = issuing_flows.spender(client, funds=5000)
    auth = s.authorize(1000)
    tx = client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts).transactions[0]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.treasury.debit_reversals.create({"received_debit": tx.treasury.received_debit}, s.opts)
    assert "dispute" in str(exc.value.user_message)
