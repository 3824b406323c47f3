"""Payouts through the real SDK: status machine, Stripe's failing test numbers, cancel, reverse."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator.resources.connect import bank_accounts, payouts
from tests.support import flows
from tests.support.errors import error_json
from tests.support.onboarding import require_onboarding

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def _opts(account_id: str) -> Any:
    return {"stripe_account": account_id}


def _funded(client: stripe.StripeClient, account: stripe.Account, amount: int) -> None:
    client.v1.topups.create({"amount": amount, "currency": "usd"})
    client.v1.transfers.create({"amount": amount, "currency": "usd", "destination": account.id})


def _bank(
    client: stripe.StripeClient, account_id: str, number: str, default: bool = True, country: str = "US"
) -> stripe.BankAccount:
    gb = country == "GB"  # a GB bank account in usd (the emulator's top-ups are usd only)
    bank = client.v1.accounts.external_accounts.create(
        account_id,
        {
            "external_account": {
                "object": "bank_account",
                "country": country,
                "currency": "usd",
                "routing_number": "108800" if gb else "110000000",
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


def _events(client: stripe.StripeClient, account_id: str, prefix: str) -> list[tuple[str, str, Any]]:
    events = client.v1.events.list({"limit": 100}, _opts(account_id)).data
    return [
        (e.type, e.data.object.to_dict().get("id"), e.data.to_dict().get("previous_attributes"))
        for e in reversed(events)
        if e.type.startswith(prefix)
    ]


def test_reverse_a_paid_payout(client: stripe.StripeClient, account: stripe.Account) -> None:
    _funded(client, account, 700)
    _bank(client, account.id, "000123456789")
    payout = client.v1.payouts.create({"amount": 700, "currency": "usd"}, _opts(account.id))
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.cancel(payout.id, options=_opts(account.id))
    reversal = client.v1.payouts.reverse(payout.id, {"metadata": {"r": "1"}}, _opts(account.id))
    assert reversal.original_payout == payout.id
    assert reversal.amount == -700  # Stripe's reversing payout is a debit (API example: -1100)
    txn = client.v1.balance_transactions.retrieve(reversal.balance_transaction, options=_opts(account.id))  # type: ignore[arg-type]
    assert (txn.type, txn.amount, txn.available_on) == ("payout", 700, reversal.arrival_date)
    # Stripe: "a payout.updated event is sent for the original payout. Then, events for the payout reversal"
    after = [(t, i) for t, i, _ in _events(client, account.id, "payout.")][3:]
    assert after == [
        ("payout.updated", payout.id),
        ("payout.created", reversal.id),
        ("payout.updated", reversal.id),
        ("payout.paid", reversal.id),
    ]
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
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.create({"amount": 1_001, "currency": "usd"}, _opts(account.id))
    assert error_json(exc)["message"] == payouts.BALANCE_INSUFFICIENT
    assert "too low.  You can use" in payouts.BALANCE_INSUFFICIENT  # Stripe's two spaces (stripe-node#1147)
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


def test_failed_payout_errors_its_bank_account_until_its_details_are_updated(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    _funded(client, account, 2_000)
    bank = _bank(client, account.id, "000111111116")
    assert bank.status == "new"
    first = client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    assert client.v1.payouts.retrieve(first.id, options=_opts(account.id)).status == "failed"
    errored = client.v1.accounts.external_accounts.retrieve(account.id, bank.id)
    assert errored.status == "errored"
    embedded = client.v1.accounts.retrieve(account.id).external_accounts
    assert embedded is not None and [b.status for b in embedded.data] == ["errored"]
    events = _events(client, account.id, "")
    updated = [e for e in events if e[0] == "account.external_account.updated"]
    assert updated == [("account.external_account.updated", bank.id, {"status": "new"})]
    kinds = [t for t, _, _ in events]
    assert kinds.index("payout.failed") < kinds.index("account.external_account.updated")
    # a manual payout to an errored bank account is accepted (Stripe stops scheduled payouts only)
    second = client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    assert client.v1.payouts.retrieve(second.id, options=_opts(account.id)).failure_code == "no_account"
    assert len([e for e in _events(client, account.id, "account.external_account.updated")]) == 1
    # metadata is not "account details": it stays errored; a new holder name clears it
    kept = client.v1.accounts.external_accounts.update(account.id, bank.id, {"metadata": {"k": "v"}})
    assert kept.status == "errored"
    fixed = client.v1.accounts.external_accounts.update(account.id, bank.id, {"account_holder_name": "Jenny Rosen"})
    assert fixed.status == "new"
    assert _events(client, account.id, "account.external_account.updated")[-1][2] == {
        "account_holder_name": None,
        "status": "errored",
    }


def test_payout_balance_transactions_carry_arrival_and_description(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    _funded(client, account, 3_000)
    _bank(client, account.id, "000123456789")
    payout = client.v1.payouts.create({"amount": 1_000, "currency": "usd", "description": "weekly"}, _opts(account.id))
    txn = client.v1.balance_transactions.retrieve(payout.balance_transaction, options=_opts(account.id))  # type: ignore[arg-type]
    assert (txn.available_on, txn.description, txn.status) == (payout.arrival_date, "weekly", "available")
    plain = client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    assert (
        client.v1.balance_transactions.retrieve(plain.balance_transaction, options=_opts(account.id)).description
        is None
    )  # type: ignore[arg-type]
    _bank(client, account.id, bank_accounts.PENDING_NUMBER)
    held = client.v1.payouts.create({"amount": 500, "currency": "usd", "description": "held"}, _opts(account.id))
    canceled = client.v1.payouts.cancel(held.id, options=_opts(account.id))
    back = client.v1.balance_transactions.retrieve(canceled.failure_balance_transaction, options=_opts(account.id))  # type: ignore[arg-type]
    assert (back.type, back.description) == ("payout_cancel", "REFUND FOR PAYOUT (held)")
    _bank(client, account.id, "000111111113")
    failing = client.v1.payouts.create({"amount": 500, "currency": "usd", "description": "nope"}, _opts(account.id))
    failed = client.v1.payouts.retrieve(failing.id, options=_opts(account.id))
    back = client.v1.balance_transactions.retrieve(failed.failure_balance_transaction, options=_opts(account.id))  # type: ignore[arg-type]
    assert (back.type, back.description) == ("payout_failure", "REFUND FOR PAYOUT (nope)")


def test_reversal_requirements(client: stripe.StripeClient, account: stripe.Account, http: httpx.Client) -> None:
    platform = client.v1.accounts.retrieve_current()
    client.v1.topups.create({"amount": 2_000, "currency": "usd"})
    _bank(client, platform.id, "000123456789")
    own = client.v1.payouts.create({"amount": 500, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.reverse(own.id)
    assert error_json(exc)["message"] == payouts.REVERSE_OWN_PAYOUT
    _funded(client, account, 2_000)
    _bank(client, account.id, "00012345", country="GB")
    gb = client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.reverse(gb.id, options=_opts(account.id))
    assert error_json(exc)["message"] == payouts.REVERSE_COUNTRY.format(country="GB")
    _bank(client, account.id, "000123456789", country="CA")
    ca = client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    assert client.v1.payouts.reverse(ca.id, options=_opts(account.id)).amount == -500
    _bank(client, account.id, "000123456789")
    old = client.v1.payouts.create({"amount": 800, "currency": "usd"}, _opts(account.id))
    assert http.post("/_emulator/clock", data={"advance": str(89 * 86_400)}).status_code == 200
    recent = client.v1.payouts.create({"amount": 100, "currency": "usd"}, _opts(account.id))  # 89 days: allowed
    # old arrived (next midnight after creation) at least 90 days ago now
    assert http.post("/_emulator/clock", data={"advance": str(2 * 86_400)}).status_code == 200
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.reverse(old.id, options=_opts(account.id))
    assert error_json(exc)["message"] == payouts.REVERSE_TOO_OLD
    assert client.v1.payouts.reverse(recent.id, options=_opts(account.id)).amount == -100
    assert flows.available(client, account.id) == 700  # 2000 - 500 (GB) - 500 + 500 (CA) - 800 - 100 + 100


def test_payouts_refused_while_payouts_are_disabled(server: Any, client: stripe.StripeClient, api_key: str) -> None:
    require_onboarding(server, api_key)
    account = flows.connected_account(client)
    assert account.payouts_enabled is False
    _bank(client, account.id, "000123456789")
    client.v1.topups.create({"amount": 1_000, "currency": "usd"}, _opts(account.id))
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.create({"amount": 500, "currency": "usd"}, _opts(account.id))
    body = error_json(exc)
    assert body["message"] == (
        "Cannot create payouts; please contact us via https://support.stripe.com/contact with details for assistance."
    )
    # Stripe's error codes: "payouts_not_allowed: Payouts have been disabled on the connected account"
    assert body["code"] == "payouts_not_allowed" and "param" not in body
    assert flows.available(client, account.id) == 1_000
    assert client.v1.payouts.list(options=_opts(account.id)).data == []


def _issuing(client: stripe.StripeClient, account_id: str | None = None) -> int:
    balance = client.v1.balance.retrieve(options=_opts(account_id) if account_id else {})
    return sum(a.amount for a in (balance.issuing.available if balance.issuing else []) if a.currency == "usd")


def test_pay_out_an_issuing_balance(client: stripe.StripeClient, account: stripe.Account, http: httpx.Client) -> None:
    """docs.stripe.com/issuing/connect/funding, "Pay out an Issuing balance to an external account":
    ``POST /v1/payouts`` with ``source_balance=issuing`` (what hackclub/hcb does with won dispute money)."""
    opts = _opts(account.id)
    client.v1.topups.create({"amount": 5_000, "currency": "usd", "destination_balance": "issuing"}, opts)
    _bank(client, account.id, "000123456789")
    # the doc's own request, sent as curl would
    r = http.post(
        "/v1/payouts",
        data={"source_balance": "issuing", "amount": "100", "currency": "usd"},
        headers={"Stripe-Account": account.id},
    )
    assert r.status_code == 200, r.text
    payout = client.v1.payouts.retrieve(r.json()["id"], options=opts)
    assert payout.status == "paid" and _issuing(client, account.id) == 4_900
    txn = client.v1.balance_transactions.retrieve(payout.balance_transaction, options=opts)  # type: ignore[arg-type]
    assert (txn.type, txn.amount, txn.balance_type) == ("payout", -100, "issuing")
    # the payments balance is not touched, and the Issuing balance bounds the amount
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.create({"amount": 100, "currency": "usd"}, opts)
    assert error_json(exc)["code"] == "balance_insufficient" and "param" not in error_json(exc)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.create(
            {"amount": 5_000, "currency": "usd", "source_balance": "issuing"},  # type: ignore[typeddict-unknown-key]
            opts,
        )
    assert error_json(exc)["code"] == "balance_insufficient"
    # a failing bank account gives the money back to the Issuing balance
    failing = _bank(client, account.id, "000111111116", default=True)
    failed = client.v1.payouts.create(
        {"amount": 300, "currency": "usd", "source_balance": "issuing", "destination": failing.id},  # type: ignore[typeddict-unknown-key]
        opts,
    )
    assert client.v1.payouts.retrieve(failed.id, options=opts).status == "failed"
    assert _issuing(client, account.id) == 4_900


def test_a_payout_to_a_financial_account_arrives_as_a_received_credit(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    """docs.stripe.com/treasury/moving-money/payouts: set the financial account as an external account
    (its ABA routing and account number), then pay out to it: the money lands as a ReceivedCredit."""
    opts = _opts(account.id)
    fa = flows.financial_account(client, account.id)
    shown = client.v1.treasury.financial_accounts.retrieve(
        fa.id, {"expand": ["financial_addresses.aba.account_number"]}, opts
    )
    aba = shown.financial_addresses[0].aba
    assert aba is not None and aba.account_number is not None
    bank = client.v1.accounts.external_accounts.create(
        account.id,
        {
            "external_account": {
                "object": "bank_account",
                "country": "US",
                "currency": "usd",
                "routing_number": aba.routing_number,
                "account_number": aba.account_number,
            },
            "default_for_currency": True,
        },
    )
    _funded(client, account, 5_000)
    payout = client.v1.payouts.create({"amount": 5_000, "currency": "usd", "destination": bank.id}, opts)
    assert client.v1.payouts.retrieve(payout.id, options=opts).status == "paid"
    after = client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts)
    assert after.balance.cash["usd"] == fa.balance.cash["usd"] + 5_000
    (credit,) = client.v1.treasury.received_credits.list({"financial_account": fa.id}, opts).data
    assert (credit.amount, credit.status, credit.network) == (5_000, "succeeded", "stripe")
    assert (credit.linked_flows.source_flow, credit.linked_flows.source_flow_type) == (payout.id, "payout")
    origin = credit.initiating_payment_method_details  # the Stripe payments balance, not a bank
    assert (origin.type, origin.balance) == ("balance", "payments") and "us_bank_account" not in origin
    # a financial account that cannot take it (inbound flows restricted): the payout fails, its money goes back
    client.v1.treasury.financial_accounts.update(
        fa.id, {"platform_restrictions": {"inbound_flows": "restricted"}}, opts
    )
    _funded(client, account, 1_000)
    failed = client.v1.payouts.create({"amount": 1_000, "currency": "usd", "destination": bank.id}, opts)
    failed = client.v1.payouts.retrieve(failed.id, options=opts)
    assert (failed.status, failed.failure_code) == ("failed", "account_closed")


def test_no_payouts_on_behalf_of_a_standard_account(client: stripe.StripeClient) -> None:
    standard = client.v1.accounts.create({"type": "standard", "external_account": "btok_us_verified"})
    client.v1.topups.create({"amount": 5_000, "currency": "usd"}, _opts(standard.id))
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.payouts.create({"amount": 1_000, "currency": "usd"}, _opts(standard.id))
    assert error_json(exc)["code"] == "not_allowed_on_standard_account"  # Stripe's error codes
    assert client.v1.payouts.list(options=_opts(standard.id)).data == []
