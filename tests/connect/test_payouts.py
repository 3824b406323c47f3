"""Payouts through the real SDK: status machine, Stripe's failing test numbers, cancel, reverse."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator.resources.connect import bank_accounts
from tests.support import flows
from tests.support.errors import error_json

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def _opts(account_id: str) -> Any:
    return {"stripe_account": account_id}


def _funded(client: stripe.StripeClient, account: stripe.Account, amount: int) -> None:
    client.v1.topups.create({"amount": amount, "currency": "usd"})
    client.v1.transfers.create({"amount": amount, "currency": "usd", "destination": account.id})


def _bank(client: stripe.StripeClient, account_id: str, number: str, default: bool = True) -> stripe.BankAccount:
    bank = client.v1.accounts.external_accounts.create(
        account_id,
        {
            "external_account": {
                "object": "bank_account",
                "country": "US",
                "currency": "usd",
                "routing_number": "110000000",
                "account_number": number,
            },
            "default_for_currency": default,
        },
    )
    assert isinstance(bank, stripe.BankAccount)
    return bank


def _types(client: stripe.StripeClient, account_id: str, prefix: str) -> list[str]:
    events = client.v1.events.list({"limit": 100}, _opts(account_id)).data
    return [e.type for e in reversed(events) if e.type.startswith(prefix)]


def test_payout_goes_paid_and_debits_the_balance(client: stripe.StripeClient, account: stripe.Account) -> None:
    _funded(client, account, 5_000)
    bank = _bank(client, account.id, "000123456789")
    payout = client.v1.payouts.create({"amount": 3_000, "currency": "usd"}, _opts(account.id))
    assert payout.status == "pending"
    assert payout.destination == bank.id
    assert payout.id.startswith("po_")
    assert flows.available(client, account.id) == 2_000
    paid = client.v1.payouts.retrieve(payout.id, options=_opts(account.id))
    assert paid.status == "paid"
    assert paid.arrival_date >= paid.created
    assert _types(client, account.id, "payout.") == ["payout.created", "payout.updated", "payout.paid"]
    [txn] = client.v1.balance_transactions.list({"source": payout.id}, _opts(account.id)).data
    assert (txn.type, txn.amount, txn.id) == ("payout", -3_000, payout.balance_transaction)
    listed = client.v1.payouts.list({"status": "paid"}, _opts(account.id)).data
    assert [p.id for p in listed] == [payout.id]
    assert client.v1.payouts.list({"status": "failed"}, _opts(account.id)).data == []
    assert [p.id for p in client.v1.payouts.list({"destination": bank.id}, _opts(account.id)).data] == [payout.id]


FAILING = [n for n, f in bank_accounts.TEST_OUTCOMES.items() if f and f != bank_accounts.STAYS_PENDING and len(n) == 12]


@pytest.mark.parametrize("number", FAILING)
def test_failing_test_numbers_fail_the_payout_and_give_the_money_back(
    client: stripe.StripeClient, account: stripe.Account, number: str
) -> None:
    failure = bank_accounts.TEST_OUTCOMES[number]
    _funded(client, account, 1_000)
    _bank(client, account.id, number)
    payout = client.v1.payouts.create({"amount": 1_000, "currency": "usd"}, _opts(account.id))
    failed = client.v1.payouts.retrieve(payout.id, options=_opts(account.id))
    assert failed.status == "failed"
    assert failed.failure_code == failure
    assert failed.failure_message
    assert flows.available(client, account.id) == 1_000
    back = client.v1.balance_transactions.retrieve(failed.failure_balance_transaction, options=_opts(account.id))  # type: ignore[arg-type]
    assert (back.type, back.amount) == ("payout_failure", 1_000)
    assert _types(client, account.id, "payout.")[-1] == "payout.failed"


def test_btok_token_numbers_fail_too(client: stripe.StripeClient, account: stripe.Account) -> None:
    _funded(client, account, 500)
    client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified_accountClosed"})
    payout = client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    assert client.v1.payouts.retrieve(payout.id, options=_opts(account.id)).failure_code == "account_closed"


def test_cancel_a_pending_payout(client: stripe.StripeClient, account: stripe.Account) -> None:
    _funded(client, account, 800)
    _bank(client, account.id, bank_accounts.PENDING_NUMBER)
    payout = client.v1.payouts.create({"amount": 800, "currency": "usd"}, _opts(account.id))
    assert client.v1.payouts.retrieve(payout.id, options=_opts(account.id)).status == "pending"
    assert flows.available(client, account.id) == 0
    canceled = client.v1.payouts.cancel(payout.id, options=_opts(account.id))
    assert canceled.status == "canceled"
    assert flows.available(client, account.id) == 800
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.cancel(payout.id, options=_opts(account.id))
    assert _types(client, account.id, "payout.") == ["payout.created", "payout.canceled"]
    kinds = [t.type for t in client.v1.balance_transactions.list({"source": payout.id}, _opts(account.id)).data]
    assert sorted(kinds) == ["payout", "payout_cancel"]


def test_reverse_a_paid_payout(client: stripe.StripeClient, account: stripe.Account) -> None:
    _funded(client, account, 700)
    _bank(client, account.id, "000123456789")
    payout = client.v1.payouts.create({"amount": 700, "currency": "usd"}, _opts(account.id))
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.cancel(payout.id, options=_opts(account.id))
    reversal = client.v1.payouts.reverse(payout.id, {"metadata": {"r": "1"}}, _opts(account.id))
    assert reversal.original_payout == payout.id
    assert client.v1.payouts.retrieve(payout.id, options=_opts(account.id)).reversed_by == reversal.id
    assert flows.available(client, account.id) == 700
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.reverse(payout.id, options=_opts(account.id))
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.reverse(reversal.id, options=_opts(account.id))


def test_payout_refusals_move_nothing(client: stripe.StripeClient, account: stripe.Account) -> None:
    _funded(client, account, 1_000)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.create({"amount": 100, "currency": "usd"}, _opts(account.id))
    assert "external accounts in that currency (usd)" in error_json(exc)["message"]
    bank = _bank(client, account.id, "000123456789")
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"amount": 1_001}, "balance_insufficient"),
        ({"amount": 0}, "parameter_invalid_integer"),
        ({"amount": 100, "currency": "xyz"}, "parameter_invalid"),
        ({"amount": 100, "currency": "eur"}, None),
        ({"amount": 100, "destination": "ba_nothing"}, "resource_missing"),
        ({"amount": 100, "method": "instant"}, "instant_payouts_unsupported"),
        ({"amount": 100, "source_type": "bank_account"}, "balance_insufficient"),
    ]
    for params, code in cases:
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.payouts.create({"currency": "usd", **params}, _opts(account.id))
        assert error_json(exc).get("code") == code, params
    assert flows.available(client, account.id) == 1_000
    assert client.v1.payouts.list(options=_opts(account.id)).data == []
    assert bank.id


def test_payout_update_and_platform_payouts(client: stripe.StripeClient) -> None:
    platform = client.v1.accounts.retrieve_current()
    client.v1.topups.create({"amount": 2_000, "currency": "usd"})
    _bank(client, platform.id, "000123456789")
    payout = client.v1.payouts.create({"amount": 1_500, "currency": "usd", "description": "weekly"})
    updated = client.v1.payouts.update(payout.id, {"metadata": {"batch": "7"}})
    assert updated.metadata is not None and updated.metadata.to_dict() == {"batch": "7"}
    balance = client.v1.balance.retrieve()
    assert sum(a.amount for a in balance.available if a.currency == "usd") == 500
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.retrieve("po_nothing")
    assert error_json(exc)["code"] == "resource_missing"
