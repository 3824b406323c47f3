"""Code examples of Stripe's Treasury docs, as a Stripe user writes them (docs' parameters verbatim).

Pages: /treasury/connect/account-management/financial-accounts, /treasury/connect/examples/financial-accounts
and moving-money (Homebox), /treasury/connect/moving-money/... (outbound payments/transfers, inbound
transfers, received credits/debits, credit reversals), /api/treasury/* request examples.
"""

from __future__ import annotations

import pytest
import stripe

from tests.support import flows, money_flows
from tests.support.money_flows import Mover


@pytest.fixture
def mover(client: stripe.StripeClient) -> Mover:
    return money_flows.mover(client, funds=50_000)


# --- financial accounts ------------------------------------------------------------------------


def test_create_financial_account_example(client: stripe.StripeClient) -> None:
    """Homebox: capabilities treasury + card_issuing + us_bank_account_ach_payments, then the FA."""
    acct = flows.connected_account(client, capabilities=money_flows.CAPABILITIES)
    assert acct.capabilities is not None and acct.capabilities.treasury == "active"
    fa = client.v1.treasury.financial_accounts.create(
        {"supported_currencies": ["usd"], "features": money_flows.FEATURES}, {"stripe_account": acct.id}
    )
    assert fa.object == "treasury.financial_account"
    assert fa.id.startswith("fa_")
    assert fa.status == "open"
    assert fa.supported_currencies == ["usd"]
    assert fa.balance.cash.to_dict() == {"usd": 0}
    requested = set(fa.active_features or []) | set(fa.pending_features or [])
    assert {"card_issuing", "financial_addresses.aba", "outbound_payments.ach", "inbound_transfers.ach"} <= requested


def test_retrieve_financial_address_account_number_with_expand(mover: Mover) -> None:
    """expand[]=financial_addresses.aba.account_number shows the full number; otherwise only last4."""
    plain = mover.treasury.financial_accounts.retrieve(mover.fa, options=mover.opts)
    aba = plain.financial_addresses[0].aba
    assert plain.financial_addresses[0].type == "aba"
    assert aba is not None and aba.to_dict().get("account_number") is None and len(aba.account_number_last4) == 4
    full = mover.treasury.financial_accounts.retrieve(
        mover.fa, {"expand": ["financial_addresses.aba.account_number"]}, mover.opts
    )
    full_aba = full.financial_addresses[0].aba
    assert full_aba is not None and full_aba.account_number is not None
    assert full_aba.account_number.endswith(aba.account_number_last4)
    assert full_aba.routing_number


def test_update_and_retrieve_features_example(mover: Mover) -> None:
    """POST /v1/treasury/financial_accounts/{id}/features card_issuing[requested]=false, GET features."""
    feats = mover.treasury.financial_accounts.features.update(
        mover.fa, {"card_issuing": {"requested": False}}, mover.opts
    )
    assert feats.object == "treasury.financial_account_features"
    # a feature no longer requested drops out of the features object (emulator choice)
    assert feats.to_dict().get("card_issuing") in (
        None,
        {"requested": False, "status": "restricted", "status_details": []},
    )
    assert feats.outbound_payments is not None and feats.outbound_payments.ach is not None
    got = mover.treasury.financial_accounts.features.retrieve(mover.fa, None, mover.opts)
    assert got.to_dict().get("card_issuing") == feats.to_dict().get("card_issuing")
    fa = mover.treasury.financial_accounts.retrieve(mover.fa, options=mover.opts)
    assert "card_issuing" not in (fa.active_features or [])


def test_list_financial_accounts_example(mover: Mover) -> None:
    page = mover.treasury.financial_accounts.list({"limit": 3}, mover.opts)
    assert page.object == "list"
    assert page.url == "/v1/treasury/financial_accounts"
    assert [f.id for f in page.data] == [mover.fa]


# --- received credits / debits (test helpers) --------------------------------------------------


def test_received_credit_test_helper_example(mover: Mover) -> None:
    """/api/treasury/received_credits/test_mode_create: amount, currency, financial_account, network=ach."""
    before = mover.balance()["cash"]
    rc = mover.th.received_credits.create(
        {"amount": 1000, "currency": "usd", "financial_account": mover.fa, "network": "ach"}, mover.opts
    )
    assert rc.object == "treasury.received_credit"
    assert rc.id.startswith("rc_")
    assert rc.status == "succeeded"
    assert rc.network == "ach"
    assert rc.amount == 1000
    assert rc.transaction is not None
    trxn = mover.transaction(rc.transaction)
    assert trxn.flow_type == "received_credit" and trxn.status == "posted"
    assert mover.balance()["cash"] == before + 1000
    listed = mover.treasury.received_credits.list({"financial_account": mover.fa}, mover.opts)
    assert rc.id in [x.id for x in listed.data]


def test_received_debit_test_helper_example(mover: Mover) -> None:
    before = mover.balance()["cash"]
    rd = mover.th.received_debits.create(
        {"amount": 1000, "currency": "usd", "financial_account": mover.fa, "network": "ach"}, mover.opts
    )
    assert rd.object == "treasury.received_debit"
    assert rd.status == "succeeded"
    assert rd.network == "ach"
    assert mover.balance()["cash"] == before - 1000


def test_received_credit_list_requires_financial_account(mover: Mover) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        mover.treasury.received_credits.list(None, mover.opts)
    assert exc.value.http_status == 400
    assert exc.value.param == "financial_account"


# --- credit / debit reversals ------------------------------------------------------------------


def test_credit_reversal_example(mover: Mover) -> None:
    """/api/treasury/credit_reversals/create received_credit=rc_...: status processing, money leaves."""
    rc = mover.fund(1000)
    before = mover.balance()["cash"]
    rev = mover.treasury.credit_reversals.create({"received_credit": rc.id}, mover.opts)
    assert rev.object == "treasury.credit_reversal"
    assert rev.amount == 1000
    assert rev.received_credit == rc.id
    assert rev.network == "ach"
    assert rev.status == "processing"
    assert mover.balance()["cash"] == before - 1000
    again = mover.treasury.received_credits.retrieve(rc.id, None, mover.opts)
    assert again.reversal_details is not None and again.reversal_details.restricted_reason == "already_reversed"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        mover.treasury.credit_reversals.create({"received_credit": rc.id}, mover.opts)
    assert exc.value.http_status == 400


def test_debit_reversal_example(mover: Mover) -> None:
    rd = mover.th.received_debits.create(
        {"amount": 1000, "currency": "usd", "financial_account": mover.fa, "network": "ach"}, mover.opts
    )
    before = mover.balance()["cash"]
    rev = mover.treasury.debit_reversals.create({"received_debit": rd.id}, mover.opts)
    assert rev.object == "treasury.debit_reversal"
    assert rev.amount == 1000
    assert rev.status == "processing"
    assert mover.balance()["cash"] == before + 1000


# --- outbound payments -------------------------------------------------------------------------


def test_outbound_payment_to_bank_account_example(mover: Mover) -> None:
    """destination_payment_method_data[type]=us_bank_account, routing 110000000, account 000000000009."""
    before = mover.balance()
    op = mover.treasury.outbound_payments.create(
        {
            "financial_account": mover.fa,
            "amount": 2000,
            "currency": "usd",
            "statement_descriptor": "payment 1",
            "destination_payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": {
                    "account_holder_type": "individual",
                    "routing_number": "110000000",
                    "account_number": "000000000009",
                },
                "billing_details": {"name": "Jenny Rosen"},
            },
        },
        mover.opts,
    )
    assert op.object == "treasury.outbound_payment"
    assert op.id.startswith("obp_")
    assert op.status == "processing"
    assert op.cancelable is True
    assert op.statement_descriptor == "payment 1"
    details = op.destination_payment_method_details
    assert details is not None and details.type == "us_bank_account"
    assert details.us_bank_account is not None and details.us_bank_account.last4 == "0009"
    assert details.us_bank_account.routing_number == "110000000"
    assert details.billing_details.name == "Jenny Rosen"
    assert op.expected_arrival_date >= op.created
    after = mover.balance()
    assert after["cash"] == before["cash"] - 2000
    assert after["outbound_pending"] == before["outbound_pending"] + 2000


def test_outbound_payment_test_helpers_post_fail_return(mover: Mover) -> None:
    posted = mover.th.outbound_payments.post(mover.outbound_payment(1000).id, None, mover.opts)
    assert posted.status == "posted"
    assert posted.cancelable is False
    returned = mover.th.outbound_payments.return_outbound_payment(
        posted.id, {"returned_details": {"code": "account_closed"}}, mover.opts
    )
    assert returned.status == "returned"
    assert returned.returned_details is not None and returned.returned_details.code == "account_closed"
    before = mover.balance()["cash"]
    failed = mover.th.outbound_payments.fail(mover.outbound_payment(500).id, None, mover.opts)
    assert failed.status == "failed"
    assert mover.balance()["cash"] == before


def test_outbound_payment_cancel_example(mover: Mover) -> None:
    before = mover.balance()["cash"]
    op = mover.outbound_payment(1000)
    canceled = mover.treasury.outbound_payments.cancel(op.id, None, mover.opts)
    assert canceled.status == "canceled"
    assert mover.balance()["cash"] == before
    with pytest.raises(stripe.InvalidRequestError) as exc:
        mover.treasury.outbound_payments.cancel(op.id, None, mover.opts)
    assert exc.value.http_status == 400


def test_outbound_payment_to_financial_account_example(client: stripe.StripeClient, mover: Mover) -> None:
    """destination_payment_method_data[type]=financial_account: the other FA gets a stripe-network credit."""
    other = money_flows.mover(client, funds=0)
    op = mover.treasury.outbound_payments.create(
        {
            "financial_account": mover.fa,
            "amount": 1000,
            "currency": "usd",
            "destination_payment_method_data": {"type": "financial_account", "financial_account": other.fa},
        },
        mover.opts,
    )
    assert op.destination_payment_method_details is not None
    assert op.destination_payment_method_details.type == "financial_account"
    assert op.destination_payment_method_details.financial_account is not None
    assert op.destination_payment_method_details.financial_account.id == other.fa
    assert op.destination_payment_method_details.financial_account.network == "stripe"
    # Stripe's money movement timelines: stripe-network flows "post immediately"
    assert op.status == "posted" and op.status_transitions.posted_at is not None
    credits = other.treasury.received_credits.list({"financial_account": other.fa}, other.opts)
    assert len(credits.data) == 1 and credits.data[0].network == "stripe" and credits.data[0].amount == 1000
    assert other.balance()["cash"] == 1000


def test_outbound_payment_insufficient_funds(mover: Mover) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        mover.outbound_payment(10_000_000)
    assert exc.value.http_status == 400


# --- outbound transfers ------------------------------------------------------------------------


def test_outbound_transfer_example(mover: Mover) -> None:
    """/api/treasury/outbound_transfers/create: destination_payment_method=pm_..., amount=500."""
    before = mover.balance()["cash"]
    ot = mover.treasury.outbound_transfers.create(
        {
            "financial_account": mover.fa,
            "destination_payment_method": "pm_usBankAccount",
            "amount": 500,
            "currency": "usd",
            "description": "OutboundTransfer to my external bank account",
        },
        mover.opts,
    )
    assert ot.object == "treasury.outbound_transfer"
    assert ot.id.startswith("obt_")
    assert ot.status == "processing"
    assert ot.description == "OutboundTransfer to my external bank account"
    assert ot.destination_payment_method == "pm_usBankAccount"
    assert ot.destination_payment_method_details.type == "us_bank_account"
    assert mover.balance()["cash"] == before - 500
    # the transaction's description is Stripe's composed text (its example: "Jane Austen (6789) |
    # Outbound transfer | transfer"), whatever the flow's own description
    trxn = mover.treasury.transactions.retrieve(str(ot.transaction), options=mover.opts)
    name = ot.destination_payment_method_details.billing_details.name
    assert trxn.description == f"{name} (6789) | Outbound transfer | {ot.statement_descriptor}"
    posted = mover.th.outbound_transfers.post(ot.id, None, mover.opts)
    assert posted.status == "posted"
    returned = mover.th.outbound_transfers.return_outbound_transfer(
        ot.id, {"returned_details": {"code": "declined"}}, mover.opts
    )
    assert returned.status == "returned"
    assert mover.balance()["cash"] == before


def test_outbound_transfer_between_own_financial_accounts(mover: Mover) -> None:
    second = mover.another_account()
    ot = mover.treasury.outbound_transfers.create(
        {
            "financial_account": mover.fa,
            "amount": 700,
            "currency": "usd",
            "destination_payment_method_data": {"type": "financial_account", "financial_account": second},
        },
        mover.opts,
    )
    assert ot.destination_payment_method_details.type == "financial_account"
    assert ot.status == "posted"  # over the stripe network: at once
    assert mover.balance(second)["cash"] == 700


# --- inbound transfers -------------------------------------------------------------------------


def test_inbound_transfer_example(mover: Mover) -> None:
    """/api/treasury/inbound_transfers/create: origin_payment_method=pm_..., amount=10000."""
    before = mover.balance()["cash"]
    it = mover.treasury.inbound_transfers.create(
        {
            "financial_account": mover.fa,
            "amount": 10000,
            "currency": "usd",
            "origin_payment_method": "pm_usBankAccount",
            "description": "InboundTransfer from my bank account",
        },
        mover.opts,
    )
    assert it.object == "treasury.inbound_transfer"
    assert it.id.startswith("ibt_")
    assert it.status == "processing"
    assert it.origin_payment_method == "pm_usBankAccount"
    assert it.description == "InboundTransfer from my bank account"
    assert it.cancelable is True
    succeeded = mover.th.inbound_transfers.succeed(it.id, None, mover.opts)
    assert succeeded.status == "succeeded"
    assert mover.balance()["cash"] == before + 10000


def test_inbound_transfer_fail_example(mover: Mover) -> None:
    """test helper fail with failure_details[code]=account_closed."""
    before = mover.balance()["cash"]
    it = mover.inbound_transfer(1000)
    failed = mover.th.inbound_transfers.fail(it.id, {"failure_details": {"code": "account_closed"}}, mover.opts)
    assert failed.status == "failed"
    assert failed.failure_details is not None and failed.failure_details.code == "account_closed"
    assert mover.balance()["cash"] == before


# --- transactions / entries --------------------------------------------------------------------


def test_transactions_and_entries_list_examples(mover: Mover) -> None:
    """GET /v1/treasury/transactions?financial_account=...; entries filtered by transaction."""
    txns = mover.treasury.transactions.list({"financial_account": mover.fa, "limit": 3}, mover.opts)
    assert txns.url == "/v1/treasury/transactions"
    assert len(txns.data) == 1
    trxn = txns.data[0]
    assert trxn.object == "treasury.transaction"
    assert trxn.flow_type == "received_credit"
    entries = mover.treasury.transaction_entries.list(
        {"financial_account": mover.fa, "transaction": trxn.id}, mover.opts
    )
    assert len(entries.data) == 1
    assert entries.data[0].object == "treasury.transaction_entry"
    assert entries.data[0].type == "received_credit"
    assert entries.data[0].balance_impact.cash == 50_000
    with pytest.raises(stripe.InvalidRequestError) as exc:
        mover.treasury.transactions.list(None, mover.opts)
    assert exc.value.param == "financial_account"
