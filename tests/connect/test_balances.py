"""The balance ledger: ``GET /v1/balance`` and balance transactions (list, retrieve, history aliases)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.core import objects
from emulator.core.context import Ctx
from emulator.resources.balance import ledger
from tests.support import flows
from tests.support.errors import error_of

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def _ctx(server: EmulatorServer, api_key: str, account: str | None = None) -> Ctx:
    platform = server.state.platform(api_key)
    return Ctx(server.state, platform, platform.scope(account), server.app.representation)


def test_fresh_platform_has_zero_balances_in_its_currency(client: stripe.StripeClient) -> None:
    balance = client.v1.balance.retrieve()
    assert balance.object == "balance" and balance.livemode is False
    assert [(a.amount, a.currency) for a in balance.available] == [(0, "usd")]
    assert [(a.amount, a.currency) for a in balance.pending] == [(0, "usd")]
    assert [(a.amount, a.currency) for a in balance.connect_reserved or []] == [(0, "usd")]
    assert balance.issuing is not None  # the platform issues cards
    assert [(a.amount, a.currency) for a in balance.issuing.available] == [(0, "usd")]


def test_connected_account_balance_is_its_own(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    acct = flows.connected_account(client, country="GB")
    ctx = _ctx(server, api_key, acct.id)
    ledger.post(ctx, type="topup", amount=5_000, currency="gbp", source=None, balance="issuing")
    theirs = client.v1.balance.retrieve(options={"stripe_account": acct.id})
    assert theirs.issuing is not None
    assert [(a.amount, a.currency) for a in theirs.issuing.available] == [(5_000, "gbp")]
    assert [(a.amount, a.currency) for a in theirs.available] == [(0, "gbp")]
    mine = client.v1.balance.retrieve()
    assert mine.issuing is not None and [a.amount for a in mine.issuing.available] == [0]


def test_post_moves_one_balance_by_net_and_lists_newest_first(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    ctx = _ctx(server, api_key)
    first = ledger.post(ctx, type="topup", amount=10_000, currency="usd", source=None)
    second = ledger.post(ctx, type="adjustment", amount=-2_500, currency="usd", source=None, fee=100)
    pending = ledger.post(ctx, type="payment", amount=700, currency="usd", source=None, balance="pending")
    assert second["net"] == -2_600 and second["fee_details"][0]["amount"] == 100
    assert pending["status"] == "pending" and pending["reporting_category"] == "charge"
    assert ledger.available(ctx.scope, "usd") == 7_400
    assert ledger.available(ctx.scope, "usd", "pending") == 700
    balance = client.v1.balance.retrieve()
    assert balance.available[0].amount == 7_400 and balance.pending[0].amount == 700
    listed = client.v1.balance_transactions.list()
    assert [t.id for t in listed.data] == [pending["id"], second["id"], first["id"]]
    assert listed.url == "/v1/balance_transactions"
    got = client.v1.balance_transactions.retrieve(first["id"])
    assert got.type == "topup" and got.reporting_category == "topup" and got.net == 10_000
    ledger.make_available(ctx, pending)
    assert client.v1.balance.retrieve().available[0].amount == 8_100
    ledger.check_invariant(ctx.scope)


def test_list_filters_and_history_alias(
    client: stripe.StripeClient, http: httpx.Client, server: EmulatorServer, api_key: str
) -> None:
    ctx = _ctx(server, api_key)
    a = ledger.post(ctx, type="topup", amount=1_000, currency="usd", source="tu_x")
    b = ledger.post(ctx, type="topup", amount=2_000, currency="eur", source=None, balance="issuing")
    c = ledger.post(ctx, type="adjustment", amount=-300, currency="usd", source=None)
    assert [t.id for t in client.v1.balance_transactions.list({"type": "topup"}).data] == [b["id"], a["id"]]
    assert [t.id for t in client.v1.balance_transactions.list({"currency": "USD"}).data] == [c["id"], a["id"]]
    assert [t.id for t in client.v1.balance_transactions.list({"source": "tu_x"}).data] == [a["id"]]
    assert ledger.transactions_of(ctx.scope, "tu_x") == [a]
    history = http.get("/v1/balance/history", params={"limit": 2}).json()
    assert history["url"] == "/v1/balance_transactions" and history["has_more"] is True
    assert [t["id"] for t in history["data"]] == [c["id"], b["id"]]
    one = http.get(f"/v1/balance/history/{a['id']}").json()
    assert one["id"] == a["id"]
    assert b["balance_type"] == "issuing" and a["balance_type"] == "payments"


def test_unknown_ids_and_bad_filters_are_stripe_errors(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.balance_transactions.retrieve("txn_nope")
    assert err.value.http_status == 404 and err.value.code == "resource_missing"
    assert err.value.user_message == "No such balance transaction: 'txn_nope'" and err.value.param == "id"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.balance_transactions.list({"payout": "po_nope"})
    assert err.value.http_status == 400 and err.value.param == "payout"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.balance_transactions.list({"limit": 0})
    assert err.value.param == "limit"


def test_post_refuses_zero_and_unknown_balances(server: EmulatorServer, api_key: str) -> None:
    ctx = _ctx(server, api_key)
    with pytest.raises(ValueError):
        ledger.post(ctx, type="topup", amount=0, currency="usd", source=None)
    with pytest.raises(ValueError):
        ledger.post(ctx, type="topup", amount=1, currency="usd", source=None, balance="reserve")
    assert list(ctx.scope.store(objects.BALANCE_TRANSACTION).scan()) == []


# --- top-ups ---------------------------------------------------------------------------------------


def test_topup_to_the_issuing_balance_succeeds_after_the_response(client: stripe.StripeClient) -> None:
    created = client.v1.topups.create(
        {"amount": 20_000, "currency": "usd", "destination_balance": "issuing", "statement_descriptor": "Top-up"}  # type: ignore[typeddict-unknown-key]
    )
    assert created.status == "pending" and created.balance_transaction is None
    assert created["destination_balance"] == "issuing"
    topup = client.v1.topups.retrieve(created.id, {"expand": ["balance_transaction"]})
    assert topup.status == "succeeded" and topup["destination_balance"] == "issuing"
    txn = topup.balance_transaction
    assert isinstance(txn, stripe.BalanceTransaction)
    assert (txn.type, txn.amount, txn.net, txn.source, txn.reporting_category) == (
        "topup",
        20_000,
        20_000,
        created.id,
        "topup",
    )
    balance = client.v1.balance.retrieve()
    assert balance.issuing is not None and balance.issuing.available[0].amount == 20_000
    assert balance.available[0].amount == 0
    events = client.v1.events.list({"limit": 10}).data
    assert [e.type for e in events[:3]] == ["topup.succeeded", "balance.available", "topup.created"]
    assert [e.data.object["destination_balance"] for e in (events[0], events[2])] == ["issuing", "issuing"]


def test_topup_to_the_payments_balance_and_listing(client: stripe.StripeClient) -> None:
    a = client.v1.topups.create({"amount": 5_000, "currency": "usd"})
    b = client.v1.topups.create(
        {"amount": 7_000, "currency": "usd", "metadata": {"k": "v"}, "destination_balance": "payments"}  # type: ignore[typeddict-unknown-key]
    )
    assert [t["destination_balance"] for t in (a, b)] == ["payments", "payments"]
    assert client.v1.balance.retrieve().available[0].amount == 12_000
    assert [t.id for t in client.v1.topups.list().data] == [b.id, a.id]
    assert [t.id for t in client.v1.topups.list({"amount": {"gt": 6_000}}).data] == [b.id]
    assert [t.id for t in client.v1.topups.list({"status": "succeeded", "amount": 5_000}).data] == [a.id]
    updated = client.v1.topups.update(a.id, {"description": "payroll", "metadata": {"x": "1"}})
    assert updated.description == "payroll" and updated.metadata.to_dict() == {"x": "1"}
    txns = client.v1.balance_transactions.list({"type": "topup", "expand": ["data.source"]}).data
    assert [t.source.id for t in txns if not isinstance(t.source, str) and t.source] == [b.id, a.id]


def test_failing_test_source_fails_and_moves_nothing(client: stripe.StripeClient) -> None:
    created = client.v1.topups.create(
        {"amount": 5_000, "currency": "usd", "source": "btok_us_verified_insufficientFunds"}
    )
    topup = client.v1.topups.retrieve(created.id)
    assert (topup.status, topup.failure_code) == ("failed", "insufficient_funds")
    assert topup.balance_transaction is None
    assert client.v1.balance.retrieve().available[0].amount == 0
    assert client.v1.balance_transactions.list().data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.topups.cancel(created.id)


def test_pending_topup_can_be_canceled_once(client: stripe.StripeClient) -> None:
    created = client.v1.topups.create({"amount": 5_000, "currency": "usd", "source": "btok_emulator_pending"})
    assert client.v1.topups.retrieve(created.id).status == "pending"
    canceled = client.v1.topups.cancel(created.id)
    assert canceled.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.topups.cancel(created.id)
    assert "canceled" in str(err.value.user_message)
    assert client.v1.balance.retrieve().available[0].amount == 0


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"amount": 0, "currency": "usd"}, "amount", "parameter_invalid_integer"),
        ({"amount": -5, "currency": "usd"}, "amount", "parameter_invalid_integer"),
        ({"amount": 100_000_000, "currency": "usd"}, "amount", "amount_too_large"),
        ({"amount": 100, "currency": "xyz"}, "currency", "parameter_invalid"),
        ({"amount": 100, "currency": "usd", "statement_descriptor": "1234"}, "statement_descriptor", None),
        ({"amount": 100, "currency": "usd", "destination_balance": "savings"}, "destination_balance", None),
        ({"amount": 100}, "currency", "parameter_missing"),
    ],
)
def test_bad_topups_are_refused_and_move_nothing(
    client: stripe.StripeClient, params: dict[str, object], param: str, code: str | None
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.topups.create(params)  # type: ignore[arg-type]
    assert err.value.param == param and err.value.http_status == 400
    if code is not None:
        assert err.value.code == code
    assert client.v1.topups.list().data == []
    assert client.v1.balance_transactions.list().data == []


@pytest.mark.parametrize(
    ("country", "currency", "message"),
    [
        (None, "eur", "Top-up creation is not supported for country US and currency EUR."),
        (None, "gbp", "Top-up creation is not supported for country US and currency GBP."),
        ("GB", "gbp", "Top-up creation is not supported for country GB and currency GBP."),
        ("GB", "usd", "Top-up creation is not supported for country GB and currency USD."),
        ("CA", "usd", "Top-up creation is not supported for country CA and currency USD."),
        ("DE", "eur", "Top-up creation is not supported for country DE and currency EUR."),
    ],
)
def test_topups_are_us_usd_only(client: stripe.StripeClient, country: str | None, currency: str, message: str) -> None:
    """Pull funding is offered in the US only: other countries and currencies push funds (fund_balance)."""
    opts: Any = {"stripe_account": flows.connected_account(client, country=country).id} if country else {}
    for destination in ("issuing", "payments"):
        params: Any = {"amount": 900, "currency": currency, "destination_balance": destination}
        err = error_of(lambda params=params: client.v1.topups.create(params, opts))
        assert (err.http_status, err.user_message) == (400, message)
        assert err.json_body is not None and err.json_body["error"]["type"] == "invalid_request_error"
    assert client.v1.topups.list(options=opts).data == []
    assert client.v1.balance_transactions.list(options=opts).data == []


def test_payout_filter_refuses_manual_payouts(client: stripe.StripeClient) -> None:
    platform = client.v1.accounts.retrieve_current()
    client.v1.topups.create({"amount": 2_000, "currency": "usd"})
    bank = {
        "object": "bank_account",
        "country": "US",
        "currency": "usd",
        "routing_number": "110000000",
        "account_number": "000123456789",
    }
    client.v1.accounts.external_accounts.create(platform.id, {"external_account": bank})  # type: ignore[typeddict-item]
    payout = client.v1.payouts.create({"amount": 1_500, "currency": "usd"})
    assert payout.automatic is False
    err = error_of(lambda: client.v1.balance_transactions.list({"payout": payout.id}))
    assert (err.http_status, err.param, err.user_message) == (
        400,
        "payout",
        "Balance transaction history can only be filtered on automatic transfers, not manual.",
    )
    assert [t.type for t in client.v1.balance_transactions.list({"source": payout.id}).data] == ["payout"]


def test_issuing_topup_needs_card_issuing(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client, capabilities={"transfers": {"requested": True}})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.topups.create(
            {"amount": 100, "currency": "usd", "destination_balance": "issuing"},  # type: ignore[typeddict-unknown-key]
            options={"stripe_account": acct.id},
        )
    assert err.value.param == "destination_balance"
    theirs = client.v1.balance.retrieve(options={"stripe_account": acct.id})
    assert "issuing" not in theirs
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.topups.retrieve("tu_nope")
    assert err.value.http_status == 404 and err.value.param == "topup"


# --- products the emulator does not emulate ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "product"),
    [
        ("POST", "/v1/charges", "Charges"),
        ("POST", "/v1/charges/ch_123/capture", "Charges"),
        ("POST", "/v1/payment_intents", "Payment intents"),
        ("GET", "/v1/customers", "Customers"),
        ("POST", "/v1/prices", "Prices"),
        ("POST", "/v1/payment_links", "Payment links"),
        ("POST", "/v1/checkout/sessions", "Checkout sessions"),
    ],
)
def test_products_not_emulated_get_a_404_that_names_them(
    http: httpx.Client, method: str, path: str, product: str
) -> None:
    resp = http.request(method, path)
    assert resp.status_code == 404
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert err["message"].startswith(f"Unrecognized request URL ({method}: {path}).")
    assert f"{product} are not emulated by stripe-issuing-emulator (see docs/balances.md)" in err["message"]


def test_other_unknown_urls_keep_stripes_plain_404(http: httpx.Client) -> None:
    resp = http.get("/v1/chargesx")
    assert resp.status_code == 404 and "not emulated" not in resp.json()["error"]["message"]


def test_foreign_ids_are_not_found_and_move_nothing(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client)
    theirs = client.v1.topups.create(
        {"amount": 900, "currency": "usd", "destination_balance": "issuing"},  # type: ignore[typeddict-unknown-key]
        options={"stripe_account": acct.id},
    )
    [txn] = client.v1.balance_transactions.list(options={"stripe_account": acct.id}).data
    for call in (
        lambda: client.v1.topups.retrieve(theirs.id),
        lambda: client.v1.topups.cancel(theirs.id),
        lambda: client.v1.balance_transactions.retrieve(txn.id),
    ):
        with pytest.raises(stripe.InvalidRequestError) as err:
            call()
        assert err.value.http_status == 404 and err.value.code == "resource_missing"
    assert client.v1.balance_transactions.list().data == []
    assert client.v1.balance_transactions.list({"source": theirs.id}).data == []
    mine = client.v1.balance.retrieve()
    assert mine.issuing is not None and mine.issuing.available[0].amount == 0
