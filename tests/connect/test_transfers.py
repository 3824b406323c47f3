"""Connect transfers and transfer reversals through the real SDK: money moves on both sides."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows
from tests.support.errors import error_json

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def _fund_platform(client: stripe.StripeClient, amount: int, currency: str = "usd") -> None:
    client.v1.topups.create({"amount": amount, "currency": currency})


def _txns(client: stripe.StripeClient, source: str, account_id: str | None = None) -> list[Any]:
    options: Any = {"stripe_account": account_id} if account_id else {}
    return list(client.v1.balance_transactions.list({"source": source}, options).data)


def test_transfer_moves_money_to_the_connected_account(client: stripe.StripeClient, account: stripe.Account) -> None:
    _fund_platform(client, 10_000)
    transfer = client.v1.transfers.create(
        {"amount": 2_500, "currency": "usd", "destination": account.id, "transfer_group": "ORDER_1"}
    )
    assert transfer.id.startswith("tr_")
    assert transfer.destination == account.id
    assert transfer.amount_reversed == 0 and transfer.reversed is False
    assert isinstance(transfer.destination_payment, str) and transfer.destination_payment.startswith("py_")
    assert flows.available(client) == 7_500
    assert flows.available(client, account.id) == 2_500
    [out] = _txns(client, transfer.id)
    assert (out.type, out.amount, out.id) == ("transfer", -2_500, transfer.balance_transaction)
    [inbound] = _txns(client, transfer.destination_payment, account.id)
    assert (inbound.type, inbound.amount) == ("payment", 2_500)
    assert [t.id for t in client.v1.transfers.list({"transfer_group": "ORDER_1"}).data] == [transfer.id]
    assert [t.id for t in client.v1.transfers.list({"destination": account.id}).data] == [transfer.id]
    assert client.v1.transfers.list({"transfer_group": "other"}).data == []
    events = [e.type for e in client.v1.events.list({"type": "transfer.created"}).data]
    assert events == ["transfer.created"]


def test_a_transfers_destination_payment_and_its_refunds_expand(client: stripe.StripeClient) -> None:
    """The ``py_`` a transfer makes and the ``pyr_`` a reversal makes expand to Stripe's ``charge``
    and ``refund`` (from the platform, on the transfer and the reversal; from the connected account,
    as its balance transactions' sources), in the currency the destination received."""
    gb = _abroad(client, "GB")
    _fund_platform(client, 10_000)
    made = client.v1.transfers.create({"amount": 5_000, "currency": "usd", "destination": gb.id})
    transfer = client.v1.transfers.retrieve(made.id, {"expand": ["destination_payment"]})
    payment: Any = transfer.destination_payment
    assert (payment.object, payment.id, payment.source_transfer) == ("charge", made.destination_payment, made.id)
    assert (payment.amount, payment.currency, payment.status, payment.paid) == (3_937, "gbp", "succeeded", True)
    assert payment.payment_method_details.type == "stripe_account" and payment.amount_refunded == 0
    reversal = client.v1.transfers.reversals.create(
        made.id, {"amount": 1_000, "expand": ["destination_payment_refund"]}
    )
    refund: Any = reversal.destination_payment_refund
    assert (refund.object, refund.charge, refund.source_transfer_reversal) == ("refund", payment.id, reversal.id)
    assert (refund.amount, refund.currency, refund.status) == (787, "gbp", "succeeded")
    on_account = {"stripe_account": gb.id}
    listed = client.v1.balance_transactions.list({"type": "payment", "expand": ["data.source.refunds"]}, on_account)
    [inbound] = listed.data
    source: Any = inbound.source
    assert (source.id, source.amount_refunded, source.refunded, source.balance_transaction) == (
        payment.id,
        787,
        False,
        inbound.id,
    )
    assert [r.id for r in source.refunds.data] == [refund.id]
    [taken] = client.v1.balance_transactions.list(
        {"type": "payment_refund", "expand": ["data.source"]}, on_account
    ).data
    assert (taken.source.id, taken.source.balance_transaction) == (refund.id, taken.id)  # type: ignore[union-attr]
    client.v1.transfers.reversals.create(made.id)
    fully: Any = client.v1.transfers.retrieve(made.id, {"expand": ["destination_payment"]}).destination_payment
    assert (fully.amount_refunded, fully.refunded) == (3_937, True)
    assert "refunds" not in fully  # listed only when expanded (API 2022-11-15)
    # what the payment refers to is expanded on its own account, from the platform too
    deep: Any = client.v1.transfers.retrieve(made.id, {"expand": ["destination_payment.balance_transaction"]})
    assert deep.destination_payment.balance_transaction.id == inbound.id
    refunded = client.v1.events.list({"type": "charge.refunded"}, on_account).data
    assert [e.data.object["amount_refunded"] for e in refunded] == [3_937, 787]  # newest first
    assert refunded[-1].data.previous_attributes.to_dict() == {"amount_refunded": 0}


def test_the_connected_account_retrieves_and_updates_its_destination_payment(client: stripe.StripeClient) -> None:
    """A platform labels the payment its seller sees (Stripe's Connect guides update the
    ``destination_payment`` on the connected account), and reads its refunds the same way."""
    account = flows.connected_account(client)
    _fund_platform(client, 10_000)
    transfer = client.v1.transfers.create({"amount": 1_000, "currency": "usd", "destination": account.id})
    on_account: Any = {"stripe_account": account.id}
    payment_id: Any = transfer.destination_payment
    payment = client.v1.charges.retrieve(payment_id, options=on_account)
    assert (payment.id, payment.amount, payment.source_transfer) == (payment_id, 1_000, transfer.id)
    labelled = client.v1.charges.update(
        payment_id, {"description": "Order 42 payout", "metadata": {"order": "42"}}, on_account
    )
    assert (labelled.description, labelled.metadata.to_dict()) == ("Order 42 payout", {"order": "42"})
    (event,) = client.v1.events.list({"type": "charge.updated"}, on_account).data
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes.to_dict() == {"description": None, "metadata": {"order": None}}
    for bad, param in (({"customer": "cus_nothing"}, "customer"), ({"receipt_email": "nope"}, "receipt_email")):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.charges.update(payment_id, bad, on_account)  # type: ignore[arg-type]
        assert exc.value.param == param
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.charges.retrieve(payment_id)  # the platform's own account has no such charge
    assert exc.value.http_status == 404
    reversal = client.v1.transfers.reversals.create(transfer.id, {"amount": 400})
    refund_id: Any = reversal.destination_payment_refund
    refund = client.v1.refunds.update(refund_id, {"metadata": {"why": "return"}}, on_account)
    assert (refund.amount, refund.charge, refund.metadata.to_dict()) == (400, payment_id, {"why": "return"})
    assert client.v1.refunds.retrieve(refund_id, options=on_account).source_transfer_reversal == reversal.id
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.charges.retrieve("ch_nothing", options=on_account)
    assert (exc.value.http_status, exc.value.code) == (404, "resource_missing")


def test_transfer_over_the_available_balance_is_balance_insufficient(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    _fund_platform(client, 1_000)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.create({"amount": 1_001, "currency": "usd", "destination": account.id})
    assert error_json(exc)["code"] == "balance_insufficient"
    assert flows.available(client) == 1_000
    assert flows.available(client, account.id) == 0
    assert client.v1.transfers.list().data == []


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"amount": 0}, "amount", "parameter_invalid_integer"),
        ({"amount": -5}, "amount", "parameter_invalid_integer"),
        ({"amount": 100_000_000}, "amount", "amount_too_large"),
        ({"currency": "xyz"}, "currency", "parameter_invalid"),
        ({"destination": "acct_1nosuchaccount0000000000"}, "destination", "resource_missing"),
        ({"source_transaction": "ch_nothing"}, "source_transaction", "resource_missing"),
    ],
)
def test_bad_transfers_move_nothing(
    client: stripe.StripeClient, account: stripe.Account, params: dict[str, Any], param: str, code: str
) -> None:
    _fund_platform(client, 1_000)
    base = {"amount": 100, "currency": "usd", "destination": account.id}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.create({**base, **params})
    err = error_json(exc)
    assert (err["param"], err["code"]) == (param, code)
    assert flows.available(client) == 1_000
    assert flows.available(client, account.id) == 0


def test_transfer_needs_the_transfers_capability(client: stripe.StripeClient) -> None:
    _fund_platform(client, 1_000)
    other = client.v1.accounts.create(
        {"country": "US", "type": "custom", "capabilities": {"card_issuing": {"requested": True}}}
    )
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": other.id})
    assert error_json(exc)["code"] == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(
            {"amount": 100, "currency": "usd", "destination": other.id}, {"stripe_account": other.id}
        )


def test_reversals_move_money_back_until_nothing_remains(client: stripe.StripeClient, account: stripe.Account) -> None:
    _fund_platform(client, 5_000)
    transfer = client.v1.transfers.create({"amount": 3_000, "currency": "usd", "destination": account.id})
    partial = client.v1.transfers.reversals.create(transfer.id, {"amount": 1_000, "metadata": {"why": "partial"}})
    assert partial.id.startswith("trr_") and partial.transfer == transfer.id
    assert flows.available(client) == 3_000 and flows.available(client, account.id) == 2_000
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 2_001})
    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 2_000
    after = client.v1.transfers.retrieve(transfer.id)
    assert after.amount_reversed == 3_000 and after.reversed is True
    assert [r.id for r in after.reversals.data] == [rest.id, partial.id]
    assert flows.available(client) == 5_000 and flows.available(client, account.id) == 0
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1})
    assert error_json(exc)["code"] == "transfer_already_reversed"
    # Stripe's text: integrations treat a retried reversal as done when the message ends so
    assert error_json(exc)["message"] == f"The transfer {transfer.id} is already fully reversed."
    listed = client.v1.transfers.reversals.list(transfer.id)
    assert [r.id for r in listed.data] == [rest.id, partial.id]
    got = client.v1.transfers.reversals.retrieve(transfer.id, partial.id)
    assert got.metadata.to_dict() == {"why": "partial"}
    updated = client.v1.transfers.reversals.update(transfer.id, partial.id, {"metadata": {"k": "v"}})
    assert updated.metadata.to_dict() == {"why": "partial", "k": "v"}
    [back] = _txns(client, partial.id)
    assert (back.type, back.amount) == ("transfer_refund", 1_000)
    [refund] = _txns(client, partial.destination_payment_refund, account.id)  # type: ignore[arg-type]
    assert (refund.type, refund.amount) == ("payment_refund", -1_000)
    reversed_events = client.v1.events.list({"type": "transfer.reversed"}).data
    assert len(reversed_events) == 2


def test_reversal_needs_the_money_on_the_connected_account(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    _fund_platform(client, 1_000)
    transfer = client.v1.transfers.create({"amount": 1_000, "currency": "usd", "destination": account.id})
    client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified"})
    client.v1.payouts.create({"amount": 600, "currency": "usd"}, {"stripe_account": account.id})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.reversals.create(transfer.id, {"amount": 500})
    assert error_json(exc)["code"] == "balance_insufficient"
    assert flows.available(client, account.id) == 400


def test_transfer_update_and_unknown_ids(client: stripe.StripeClient, account: stripe.Account) -> None:
    _fund_platform(client, 1_000)
    transfer = client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    updated = client.v1.transfers.update(transfer.id, {"description": "rent", "metadata": {"a": "1"}})
    assert updated.description == "rent" and updated.metadata.to_dict() == {"a": "1"}
    assert client.v1.events.list({"type": "transfer.updated"}).data[0].data.object["description"] == "rent"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.retrieve("tr_nothing")
    assert error_json(exc)["code"] == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.retrieve(transfer.id, "trr_nothing")
    other_platform = flows.connected_account(client)
    assert other_platform.id != account.id


def test_another_platforms_objects_are_not_found(
    server: EmulatorServer, client: stripe.StripeClient, account: stripe.Account
) -> None:
    _fund_platform(client, 1_000)
    transfer = client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    other = stripe.StripeClient("sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        other.v1.transfers.retrieve(transfer.id)
    assert error_json(exc)["code"] == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        other.v1.transfers.reversals.create(transfer.id)
    other.v1.topups.create({"amount": 1_000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        other.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    assert error_json(exc)["param"] == "destination"
    assert flows.available(client) == 900 and flows.available(client, account.id) == 100


# --- cross-border transfers (the platform is a US platform) ---------------------------------------

USD_TO_GBP = 1_000_000 / 1_270_000  # the emulator's fixed rates (emulator/resources/currencies.py)


def _abroad(client: stripe.StripeClient, country: str, **extra: Any) -> stripe.Account:
    """A Custom account in ``country`` with the transfers capability."""
    return flows.connected_account(client, country=country, capabilities={"transfers": {"requested": True}}, **extra)


def _gbp_bank(client: stripe.StripeClient, account_id: str) -> stripe.BankAccount:
    details = {"object": "bank_account", "country": "GB", "routing_number": "108800", "account_number": "00012345"}
    bank = client.v1.accounts.external_accounts.create(account_id, {"external_account": details})
    assert isinstance(bank, stripe.BankAccount)
    return bank


def test_a_usd_transfer_to_a_gb_account_settles_in_gbp(client: stripe.StripeClient) -> None:
    gb = _abroad(client, "GB")
    assert gb.default_currency == "gbp"
    _fund_platform(client, 10_000)
    transfer = client.v1.transfers.create({"amount": 5_000, "currency": "usd", "destination": gb.id})
    assert (transfer.amount, transfer.currency) == (5_000, "usd")
    [out] = _txns(client, transfer.id)
    assert (out.type, out.amount, out.currency, out.exchange_rate) == ("transfer", -5_000, "usd", None)
    [inbound] = _txns(client, transfer.destination_payment, gb.id)  # type: ignore[arg-type]
    assert (inbound.type, inbound.amount, inbound.net, inbound.currency) == ("payment", 3_937, 3_937, "gbp")
    assert inbound.exchange_rate == pytest.approx(USD_TO_GBP)
    assert flows.available(client, gb.id, "gbp") == 3_937 and flows.available(client, gb.id) == 0
    assert flows.available(client) == 5_000
    # the GB account pays out its pounds to its gbp bank account
    bank = _gbp_bank(client, gb.id)
    assert bank.currency == "gbp"
    payout = client.v1.payouts.create({"amount": 3_000, "currency": "gbp"}, {"stripe_account": gb.id})
    assert (payout.destination, payout.currency) == (bank.id, "gbp")
    assert client.v1.payouts.retrieve(payout.id, options={"stripe_account": gb.id}).status == "paid"
    assert flows.available(client, gb.id, "gbp") == 937
    # a full reversal now needs 3,937 pence the account no longer holds; 1,000 cents (787 pence) it has
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.reversals.create(transfer.id)
    assert error_json(exc)["code"] == "balance_insufficient"
    partial = client.v1.transfers.reversals.create(transfer.id, {"amount": 1_000})
    [refund] = _txns(client, partial.destination_payment_refund, gb.id)  # type: ignore[arg-type]
    assert (refund.type, refund.amount, refund.currency) == ("payment_refund", -787, "gbp")
    assert flows.available(client, gb.id, "gbp") == 150 and flows.available(client) == 6_000


def test_partial_then_full_reversal_leave_both_sides_where_they_were(client: stripe.StripeClient) -> None:
    gb = _abroad(client, "GB")
    _fund_platform(client, 10_000)
    transfer = client.v1.transfers.create({"amount": 5_000, "currency": "usd", "destination": gb.id})
    partial = client.v1.transfers.reversals.create(transfer.id, {"amount": 1_000})
    assert (partial.amount, partial.currency) == (1_000, "usd")
    [back] = _txns(client, partial.id)
    assert (back.type, back.amount, back.currency, back.exchange_rate) == ("transfer_refund", 1_000, "usd", None)
    [refund] = _txns(client, partial.destination_payment_refund, gb.id)  # type: ignore[arg-type]
    assert (refund.type, refund.amount, refund.currency) == ("payment_refund", -787, "gbp")
    assert refund.exchange_rate == pytest.approx(USD_TO_GBP)
    assert flows.available(client, gb.id, "gbp") == 3_150 and flows.available(client) == 6_000
    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 4_000
    [last] = _txns(client, rest.destination_payment_refund, gb.id)  # type: ignore[arg-type]
    assert (last.amount, last.currency) == (-3_150, "gbp")  # exactly what was left of the 3,937 settled
    assert flows.available(client, gb.id, "gbp") == 0 and flows.available(client) == 10_000
    assert client.v1.transfers.retrieve(transfer.id).reversed is True
    txns = client.v1.balance_transactions.list({"limit": 100}, {"stripe_account": gb.id}).data
    assert sum(t.net for t in txns if t.currency == "gbp") == 0


def test_reversals_of_a_tiny_transfer_never_take_more_than_was_settled(client: stripe.StripeClient) -> None:
    gb = _abroad(client, "GB")
    _fund_platform(client, 100)
    transfer = client.v1.transfers.create({"amount": 3, "currency": "usd", "destination": gb.id})
    assert flows.available(client, gb.id, "gbp") == 2  # 3 cents are 2.36 pence
    for _ in range(3):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1})
    # 1 cent is 0.79 pence: the first two take a penny each, the last has nothing left to take
    assert flows.available(client, gb.id, "gbp") == 0 and flows.available(client) == 100
    assert [t.type for t in client.v1.balance_transactions.list({}, {"stripe_account": gb.id}).data] == [
        "payment_refund",
        "payment_refund",
        "payment",
    ]


def test_a_transfer_to_a_full_account_outside_the_region_is_refused(client: stripe.StripeClient) -> None:
    mx = _abroad(client, "MX")
    assert mx.default_currency == "mxn"
    _fund_platform(client, 1_000)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": mx.id})
    assert exc.value.http_status == 400
    err = error_json(exc)
    assert err["message"].startswith(
        "Funds can't be sent to accounts located in MX when the account is under the `full` service agreement."
    )
    assert (err["type"], err["param"], err.get("code")) == ("invalid_request_error", "destination", None)
    assert flows.available(client) == 1_000 and client.v1.transfers.list().data == []


def test_recipient_accounts_outside_the_region_and_region_accounts_receive_in_their_currency(
    client: stripe.StripeClient,
) -> None:
    mx = _abroad(client, "MX", tos_acceptance={"service_agreement": "recipient"})
    ca = _abroad(client, "CA")
    ch = _abroad(client, "CH")
    assert (ca.default_currency, ch.default_currency) == ("cad", "chf")
    _fund_platform(client, 10_000)
    expected = {mx.id: ("mxn", 18_182), ca.id: ("cad", 1_370), ch.id: ("chf", 885)}
    for account_id, (currency, amount) in expected.items():
        transfer = client.v1.transfers.create({"amount": 1_000, "currency": "usd", "destination": account_id})
        [inbound] = _txns(client, transfer.destination_payment, account_id)  # type: ignore[arg-type]
        assert (inbound.currency, inbound.amount) == (currency, amount)
        assert inbound.exchange_rate == pytest.approx(amount / 1_000, rel=1e-3)
        assert flows.available(client, account_id, currency) == amount
    assert flows.available(client) == 7_000


def test_a_us_account_keeps_what_it_is_sent(client: stripe.StripeClient) -> None:
    us = _abroad(client, "US", default_currency="eur")
    _fund_platform(client, 1_000)
    transfer = client.v1.transfers.create({"amount": 400, "currency": "usd", "destination": us.id})
    [inbound] = _txns(client, transfer.destination_payment, us.id)  # type: ignore[arg-type]
    assert (inbound.amount, inbound.currency, inbound.exchange_rate) == (400, "usd", None)
