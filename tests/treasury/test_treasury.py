"""Treasury financial accounts, features, funding and the ledger through the real SDK."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.support import flows, money_flows


def opts(account: stripe.Account) -> dict[str, str]:
    return {"stripe_account": account.id}


def test_create_financial_account(client: stripe.StripeClient) -> None:
    # the ACH outbound features need us_bank_account_ach_payments (Stripe's features table)
    account = flows.connected_account(client, capabilities=money_flows.CAPABILITIES)
    fa = flows.financial_account(client, account.id, metadata={"team": "ops"}, nickname="Ops")
    assert fa.object == "treasury.financial_account"
    assert fa.id.startswith("fa_1")
    assert fa.status == "open" and fa.supported_currencies == ["usd"]
    assert fa.balance.to_dict() == {"cash": {"usd": 0}, "inbound_pending": {"usd": 0}, "outbound_pending": {"usd": 0}}
    assert "card_issuing" in fa.active_features and "financial_addresses.aba" in fa.active_features
    assert fa.pending_features == [] and fa.restricted_features == []
    assert fa.financial_addresses[0].aba.bank_name == "STRIPE TEST BANK"  # type: ignore[union-attr]
    assert fa.nickname == "Ops" and fa.metadata.to_dict() == {"team": "ops"}  # type: ignore[union-attr]
    assert "features" not in fa
    expanded = client.v1.treasury.financial_accounts.retrieve(fa.id, {"expand": ["features"]}, opts(account))
    assert expanded.features.object == "treasury.financial_account_features"  # type: ignore[union-attr]
    assert expanded.features.card_issuing.status == "active"  # type: ignore[union-attr]
    assert expanded.features.card_issuing.status_details == []  # type: ignore[union-attr]


def test_features_activate_right_after_the_answer_with_their_event(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    """Stripe's financial-accounts guide: the create answer shows the account processing, and the
    platform waits for ``treasury.financial_account.features_status_updated``."""
    asked = {"card_issuing": {"requested": True}, "financial_addresses": {"aba": {"requested": True}}}
    made = client.v1.treasury.financial_accounts.create(
        {"supported_currencies": ["usd"], "features": asked}, opts(account)
    )
    # the guide's example answer: card_issuing active at once, the address activating asynchronously
    assert made.active_features == ["card_issuing"] and made.pending_features == ["financial_addresses.aba"]
    assert made.financial_addresses == []  # empty until financial_addresses.aba is active
    now = client.v1.treasury.financial_accounts.retrieve(made.id, options=opts(account))
    assert now.pending_features == [] and now.active_features == ["card_issuing", "financial_addresses.aba"]
    assert now.financial_addresses[0].aba is not None
    events = client.v1.events.list({"limit": 10}, opts(account)).data  # type: ignore[arg-type]
    mine = [e for e in events if e.data.object["id"] == made.id]
    assert [e.type for e in mine] == [
        "treasury.financial_account.features_status_updated",
        "treasury.financial_account.created",
    ]
    updated = mine[0]
    assert updated.data.object["active_features"] == ["card_issuing", "financial_addresses.aba"]
    assert updated.data.previous_attributes is not None
    assert updated.data.previous_attributes["pending_features"] == ["financial_addresses.aba"]
    assert updated.data.previous_attributes["active_features"] == ["card_issuing"]


def test_needs_treasury_capability(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create({"type": "custom", "capabilities": {"card_issuing": {"requested": True}}})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        flows.financial_account(client, acct.id)
    assert "treasury" in str(exc.value.user_message)


def test_feature_request_forms(client: stripe.StripeClient, account: stripe.Account, http: httpx.Client) -> None:
    fa = client.v1.treasury.financial_accounts.create({"supported_currencies": ["usd"]}, opts(account))
    assert fa.active_features == []
    # the features endpoint
    features = client.v1.treasury.financial_accounts.features.update(
        fa.id, {"card_issuing": {"requested": True}}, opts(account)
    )
    assert features.card_issuing.requested is True and features.card_issuing.status == "active"  # type: ignore[union-attr]
    assert features.card_issuing.status_details == []  # type: ignore[union-attr]
    assert (
        "card_issuing" in client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts(account)).active_features
    )
    # the guide's form on update
    r = http.post(
        f"/v1/treasury/financial_accounts/{fa.id}",
        content=b"treasury[access][requested]=true&card_issuing[access][requested]=true",
        headers={"Stripe-Account": account.id, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200, r.text
    assert set(r.json()["pending_features"]) >= {"financial_addresses.aba", "deposit_insurance"}
    now = client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts(account))
    assert set(now.active_features) >= {"card_issuing", "financial_addresses.aba", "deposit_insurance"}
    # features[...] on update; requested=false removes it
    updated = client.v1.treasury.financial_accounts.update(
        fa.id, {"features": {"card_issuing": {"requested": False}}}, opts(account)
    )
    assert "card_issuing" not in updated.active_features
    features = client.v1.treasury.financial_accounts.features.retrieve(fa.id, options=opts(account))
    assert "card_issuing" not in features


def test_platform_restrictions(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.financial_account(client, account.id, platform_restrictions={"outbound_flows": "restricted"})
    assert "card_issuing" in fa.active_features  # N/A in Stripe's table of restrictions
    assert "outbound_payments.ach" in fa.restricted_features
    assert "financial_addresses.aba" in fa.restricted_features  # debits stopped; it still receives
    assert fa.financial_addresses[0].aba is not None
    features = client.v1.treasury.financial_accounts.features.retrieve(fa.id, options=opts(account))
    detail = features.financial_addresses.aba.status_details[0]  # type: ignore[union-attr]
    assert (detail.code, detail.resolution, detail.restriction) == (
        "restricted_by_platform",
        "remove_restriction",
        "outbound_flows",
    )
    fa = client.v1.treasury.financial_accounts.update(
        fa.id,
        {"platform_restrictions": {"outbound_flows": "unrestricted", "inbound_flows": "restricted"}},
        opts(account),
    )
    assert "card_issuing" in fa.active_features
    rc = flows.fund(client, account.id, fa.id, 1000)
    assert rc.status == "failed" and rc.failure_code == "account_frozen" and rc.transaction is None
    fa = client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts(account))
    assert fa.balance.cash["usd"] == 0  # type: ignore[index]


def test_funding_and_ledger(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.financial_account(client, account.id)
    rc = flows.fund(client, account.id, fa.id, 50_000)
    assert rc.object == "treasury.received_credit" and rc.status == "succeeded" and rc.network == "ach"
    rd = client.v1.test_helpers.treasury.received_debits.create(
        {"amount": 1_500, "currency": "usd", "financial_account": fa.id, "network": "ach"}, opts(account)
    )
    assert rd.status == "succeeded"
    too_much = client.v1.test_helpers.treasury.received_debits.create(
        {"amount": 10_000_000, "currency": "usd", "financial_account": fa.id, "network": "ach"}, opts(account)
    )
    assert too_much.status == "failed" and too_much.failure_code == "insufficient_funds"
    fa = client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts(account))
    assert fa.balance.cash["usd"] == 48_500  # type: ignore[index]

    txns = client.v1.treasury.transactions.list({"financial_account": fa.id}, opts(account))
    assert txns.url == "/v1/treasury/transactions"
    assert [t.flow_type for t in txns.data] == ["received_debit", "received_credit"]
    assert [t.amount for t in txns.data] == [-1_500, 50_000]
    assert all(t.status == "posted" and t.status_transitions.posted_at for t in txns.data)  # type: ignore[union-attr]
    entries = client.v1.treasury.transaction_entries.list({"financial_account": fa.id}, opts(account))
    assert sum(e.balance_impact.cash for e in entries.data) == 48_500  # type: ignore[union-attr]
    one = client.v1.treasury.transactions.retrieve(
        txns.data[1].id, {"expand": ["entries", "flow_details"]}, opts(account)
    )
    assert one.entries.data[0].type == "received_credit"  # type: ignore[union-attr]
    assert one.flow_details.received_credit.id == rc.id  # type: ignore[union-attr]
    assert client.v1.treasury.received_credits.retrieve(rc.id, options=opts(account)).transaction == txns.data[1].id
    listed = client.v1.treasury.received_credits.list(
        {"financial_account": fa.id, "status": "succeeded"}, opts(account)
    )
    assert [x.id for x in listed.data] == [rc.id]
    debits = client.v1.treasury.received_debits.list({"financial_account": fa.id}, opts(account))
    assert [x.id for x in debits.data] == [too_much.id, rd.id]
    entry = client.v1.treasury.transaction_entries.retrieve(entries.data[0].id, options=opts(account))
    assert entry.object == "treasury.transaction_entry"
    by_trxn = client.v1.treasury.transaction_entries.list(
        {"financial_account": fa.id, "transaction": txns.data[0].id}, opts(account)
    )
    assert [e.type for e in by_trxn.data] == ["received_debit"]


def test_entries_cannot_be_expanded_in_lists(
    client: stripe.StripeClient, financial_account: stripe.treasury.FinancialAccount, account: stripe.Account
) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.treasury.transactions.list(
            {"financial_account": financial_account.id, "expand": ["data.entries"]}, opts(account)
        )


def test_lists_require_financial_account(http: httpx.Client) -> None:
    for path in (
        "/v1/treasury/transactions",
        "/v1/treasury/transaction_entries",
        "/v1/treasury/received_credits",
        "/v1/treasury/received_debits",
    ):
        r = http.get(path)
        assert r.status_code == 400, path
        assert r.json()["error"]["code"] == "parameter_missing"
        assert r.json()["error"]["param"] == "financial_account"


def test_currency_rules(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.financial_account(client, account.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.test_helpers.treasury.received_credits.create(
            {"amount": 100, "currency": "eur", "financial_account": fa.id, "network": "ach"}, opts(account)
        )
    assert exc.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.treasury.financial_accounts.create({"supported_currencies": ["doubloons"]}, opts(account))


def test_close(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.funded_financial_account(client, account.id, amount=500)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.treasury.financial_accounts.close(fa.id, options=opts(account))
    client.v1.test_helpers.treasury.received_debits.create(
        {"amount": 500, "currency": "usd", "financial_account": fa.id, "network": "ach"}, opts(account)
    )
    closed = client.v1.treasury.financial_accounts.close(fa.id, options=opts(account))
    assert closed.status == "closed"
    assert closed.status_details.closed.reasons == ["closed_by_platform"]  # type: ignore[union-attr]
    assert closed.active_features == []
    rc = flows.fund(client, account.id, fa.id, 100)
    assert rc.status == "failed" and rc.failure_code == "account_closed"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.treasury.financial_accounts.update(fa.id, {"nickname": "x"}, opts(account))
    open_only = client.v1.treasury.financial_accounts.list({"status": "open"}, opts(account))
    assert fa.id not in [x.id for x in open_only.data]


def test_at_most_three_open_accounts(client: stripe.StripeClient, account: stripe.Account) -> None:
    for _ in range(3):
        flows.financial_account(client, account.id)
    with pytest.raises(stripe.InvalidRequestError):
        flows.financial_account(client, account.id)
    assert len(client.v1.treasury.financial_accounts.list({"limit": 10}, opts(account)).data) == 3


def test_expand_inside_nested_hashes(client: stripe.StripeClient) -> None:
    """``expand[]`` reaches ids inside hashes that have no ``object`` (``returned_details.transaction``)."""
    from tests.support.money_flows import mover

    m = mover(client)
    obt = m.outbound_transfer(1000)
    m.th.outbound_transfers.return_outbound_transfer(obt.id, {"returned_details": {"code": "declined"}}, options=m.opts)
    got = m.treasury.outbound_transfers.retrieve(obt.id, {"expand": ["returned_details.transaction"]}, m.opts)
    assert got.returned_details.transaction.object == "treasury.transaction"  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.outbound_transfers.retrieve(obt.id, {"expand": ["returned_details.code"]}, m.opts)


@pytest.mark.parametrize(
    "body",
    [b"treasury[access][requested]=true", b"treasury[access][requested]=true&deposit_insurance[requested]=true"],
)
def test_guide_form_on_the_features_endpoint(
    client: stripe.StripeClient, account: stripe.Account, http: httpx.Client, body: bytes
) -> None:
    # The guide's ``treasury[access][requested]`` names a group of features, not a feature path of its own.
    fa = client.v1.treasury.financial_accounts.create({"supported_currencies": ["usd"]}, opts(account))
    headers = {"Stripe-Account": account.id, "Content-Type": "application/x-www-form-urlencoded"}
    r = http.post(f"/v1/treasury/financial_accounts/{fa.id}/features", content=body, headers=headers)
    assert r.status_code == 200, r.text
    activating = [{"code": "activating", "resolution": None}]
    assert r.json()["financial_addresses"]["aba"] == {
        "requested": True,
        "status": "pending",
        "status_details": activating,
    }
    again = client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts(account))
    assert {"deposit_insurance", "financial_addresses.aba", "intra_stripe_flows"} <= set(again.active_features)
    # card_issuing takes only ``requested`` on this endpoint
    r = http.post(
        f"/v1/treasury/financial_accounts/{fa.id}/features",
        content=b"card_issuing[access][requested]=true",
        headers=headers,
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "card_issuing[access]", r.text


# --- received money and financial addresses --------------------------------------------------------


@pytest.mark.parametrize("helper", ["received_credits", "received_debits"])
@pytest.mark.parametrize("amount", [0, -1, -50_000])
def test_received_money_needs_a_positive_amount(
    client: stripe.StripeClient,
    account: stripe.Account,
    financial_account: stripe.treasury.FinancialAccount,
    helper: str,
    amount: int,
) -> None:
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    create = getattr(client.v1.test_helpers.treasury, helper).create
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create({"financial_account": financial_account.id, "amount": amount, "currency": "usd", "network": "ach"}, opts)
    assert exc.value.http_status == 400
    assert exc.value.error is not None
    assert (exc.value.error.param, exc.value.error.code) == ("amount", "parameter_invalid_integer")
    assert exc.value.user_message == "This value must be greater than or equal to 1."
    after = client.v1.treasury.financial_accounts.retrieve(financial_account.id, options=opts)
    assert after.balance.cash.to_dict() == {"usd": 50_000}
    listed = getattr(client.v1.treasury, helper).list({"financial_account": financial_account.id}, opts)
    assert [o.amount for o in listed.data] == ([50_000] if helper == "received_credits" else [])
    trxns = client.v1.treasury.transactions.list({"financial_account": financial_account.id}, opts)
    assert len(trxns.data) == 1


def test_one_cent_is_enough(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.funded_financial_account(client, account.id, amount=1)
    assert fa.balance.cash.to_dict() == {"usd": 1}


def test_received_credit_keeps_the_senders_bank_details(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    rc = client.v1.test_helpers.treasury.received_credits.create(
        {
            "financial_account": financial_account.id,
            "amount": 1234,
            "currency": "usd",
            "network": "ach",
            "initiating_payment_method_details": {
                "type": "us_bank_account",
                "us_bank_account": {
                    "account_holder_name": "Homebox Inc",
                    "account_number": "000999888777",
                    "routing_number": "021000021",
                },
            },
        },
        {"stripe_account": account.id},
    )
    details = rc.initiating_payment_method_details
    assert details.billing_details.name == "Homebox Inc"
    assert details.us_bank_account is not None
    assert (details.us_bank_account.last4, details.us_bank_account.routing_number) == ("8777", "021000021")


@pytest.mark.parametrize(
    ("details", "holder"),
    [
        ({"business_type": "individual", "individual": {"first_name": "Ada", "last_name": "Lovelace"}}, "Ada Lovelace"),
        ({"business_type": "company", "company": {"name": "Homebox Inc"}}, "Homebox Inc"),
        ({"business_profile": {"name": "Homebox"}}, "Homebox"),
        ({}, "Jenny Rosen"),
    ],
)
def test_the_aba_address_holder_is_the_accounts_legal_name(
    client: stripe.StripeClient, details: dict[str, Any], holder: str
) -> None:
    account = flows.connected_account(client, **details)
    fa = flows.financial_account(client, account.id)
    assert fa.financial_addresses[0].aba is not None
    assert fa.financial_addresses[0].aba.account_holder_name == holder


def test_full_aba_account_number_is_includable(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    plain = client.v1.treasury.financial_accounts.retrieve(financial_account.id, options=opts)
    aba = plain.financial_addresses[0].aba
    assert aba is not None and "account_number" not in aba.to_dict()
    full = client.v1.treasury.financial_accounts.retrieve(
        financial_account.id, {"expand": ["financial_addresses.aba.account_number"]}, opts
    )
    full_aba = full.financial_addresses[0].aba
    assert full_aba is not None and full_aba.account_number is not None
    assert len(full_aba.account_number) == 12 and full_aba.account_number.endswith(aba.account_number_last4)
    again = client.v1.treasury.financial_accounts.retrieve(
        financial_account.id, {"expand": ["financial_addresses.aba.account_number"]}, opts
    )
    assert again.financial_addresses[0].aba.account_number == full_aba.account_number  # type: ignore[union-attr]
    # the stored account is untouched, and other endpoints do not include it
    assert (
        "account_number"
        not in client.v1.treasury.financial_accounts.retrieve(financial_account.id, options=opts)
        .financial_addresses[0]
        .aba.to_dict()
    )  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError):  # (the list shows it too: tests/wire/test_request_shapes.py)
        client.v1.treasury.financial_accounts.update(
            financial_account.id, {"expand": ["financial_addresses.aba.account_number"]}, opts
        )
