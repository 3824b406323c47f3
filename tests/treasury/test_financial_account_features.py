"""Financial accounts as Stripe's financial-accounts and features guides describe them: what each
platform restriction restricts, the capabilities each feature needs, features of an account that
still owes requirements, and the rules of ``supported_currencies``, ``nickname`` and
``forwarding_settings``."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows, money_flows
from tests.support.cards import create_cardholder, new_card
from tests.support.errors import error_json, error_of
from tests.support.money_flows import Mover
from tests.support.onboarding import require_onboarding

OUTBOUND_RESTRICTED = [
    "financial_addresses.aba",
    "intra_stripe_flows",
    "outbound_payments.ach",
    "outbound_payments.us_domestic_wire",
    "outbound_transfers.ach",
    "outbound_transfers.us_domestic_wire",
]


def restricted(client: stripe.StripeClient, m: Mover, fa: str, which: str) -> None:
    client.v1.treasury.financial_accounts.update(fa, {"platform_restrictions": {which: "restricted"}}, m.opts)


# --- 1. outbound_flows: the guide's example response ---------------------------------------------


def test_outbound_restriction_matches_the_guide_example(client: stripe.StripeClient) -> None:
    m = money_flows.mover(client)
    fa = client.v1.treasury.financial_accounts.update(
        m.fa, {"platform_restrictions": {"outbound_flows": "restricted"}}, m.opts
    )
    assert fa.active_features == ["card_issuing", "deposit_insurance", "inbound_transfers.ach"]
    assert fa.pending_features == []
    assert fa.restricted_features == OUTBOUND_RESTRICTED
    features = client.v1.treasury.financial_accounts.features.retrieve(m.fa, options=m.opts).to_dict()
    assert features["card_issuing"] == {"requested": True, "status": "active", "status_details": []}
    assert features["financial_addresses"]["aba"]["status_details"] == [
        {"code": "restricted_by_platform", "resolution": "remove_restriction", "restriction": "outbound_flows"}
    ]
    # "that financial address can still receive ACH or wire transfers"
    assert fa.financial_addresses[0].aba is not None
    assert m.fund(500).status == "succeeded"
    # ... but "prevents debits from the ABA financial address"
    debit = m.th.received_debits.create(
        {"amount": 100, "currency": "usd", "financial_account": m.fa, "network": "ach"}, m.opts
    )
    assert debit.status == "failed" and debit.failure_code == "account_frozen"
    # cards can still be created on it
    holder = create_cardholder(client, m.account)
    assert new_card(client, m.account, cardholder=holder.id, financial_account=m.fa).financial_account == m.fa


@pytest.mark.parametrize("restriction", ["outbound_flows", "inbound_flows"])
def test_an_account_made_restricted_gets_its_aba_address(client: stripe.StripeClient, restriction: str) -> None:
    acct = money_flows.account(client)
    opts: Any = {"stripe_account": acct}
    made = client.v1.treasury.financial_accounts.create(
        {
            "supported_currencies": ["usd"],
            "features": money_flows.FEATURES,
            "platform_restrictions": {restriction: "restricted"},
        },
        opts,
    )
    assert made.financial_addresses == []  # the address is made asynchronously, as for an unrestricted one
    assert "card_issuing" in made.active_features
    assert "financial_addresses.aba" in made.restricted_features
    now = client.v1.treasury.financial_accounts.retrieve(made.id, options=opts)
    assert len(now.financial_addresses) == 1 and now.financial_addresses[0].type == "aba"
    updated = [
        e
        for e in client.v1.events.list({"type": "treasury.financial_account.features_status_updated"}, opts).data
        if e.data.object["id"] == made.id
    ]
    assert updated and updated[0].data.previous_attributes is not None
    assert updated[0].data.previous_attributes["financial_addresses"] == []


# --- 2. intra_stripe_flows: restricted only in the restricted direction ---------------------------


def _to(fa: str) -> dict[str, Any]:
    return {"destination_payment_method_data": {"type": "financial_account", "financial_account": fa}}


def _transfer(m: Mover, source: str, destination: str, amount: int) -> stripe.treasury.OutboundTransfer:
    """An OutboundTransfer between two financial accounts of ``m``'s account."""
    body: dict[str, Any] = {"amount": amount, "currency": "usd", "financial_account": source, **_to(destination)}
    return m.treasury.outbound_transfers.create(body, m.opts)  # type: ignore[no-any-return]


def test_an_outbound_restricted_account_can_still_receive_over_stripe(client: stripe.StripeClient) -> None:
    m = money_flows.mover(client)
    dst = m.another_account()
    restricted(client, m, dst, "outbound_flows")
    assert (
        "intra_stripe_flows" in client.v1.treasury.financial_accounts.retrieve(dst, options=m.opts).restricted_features
    )
    obt = _transfer(m, m.fa, dst, 300)
    obp = m.outbound_payment(200, **_to(dst))
    assert (obt.status, obp.status) == ("posted", "posted")  # over the stripe network: at once
    assert m.balance(dst)["cash"] == 500
    # and it cannot send
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _transfer(m, dst, m.fa, 100)
    assert "`intra_stripe_flows` feature is restricted" in error_json(exc)["message"]


def test_an_inbound_restricted_account_can_still_send_over_stripe(client: stripe.StripeClient) -> None:
    m = money_flows.mover(client)
    dst = m.another_account()
    restricted(client, m, m.fa, "inbound_flows")
    assert m.outbound_payment(400, **_to(dst)).status == "posted"
    assert m.balance(dst)["cash"] == 400 and m.balance()["cash"] == 50_000 - 400
    # and it cannot receive
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_payment(100, financial_account=dst, **_to(m.fa))
    body = error_json(exc)
    assert body["param"] == "destination_payment_method_data[financial_account]"
    assert f"The destination FinancialAccount {m.fa} cannot receive funds" in body["message"]


# --- 3. inbound wires pass an inbound_flows restriction --------------------------------------------


def test_inbound_restriction_does_not_block_wires(client: stripe.StripeClient) -> None:
    m = money_flows.mover(client, funds=0)
    restricted(client, m, m.fa, "inbound_flows")
    wire = m.fund(700, network="us_domestic_wire")
    assert wire.status == "succeeded" and wire.failure_code is None
    ach = m.fund(100)
    assert ach.status == "failed" and ach.failure_code == "account_frozen"
    assert m.balance()["cash"] == 700


# --- 4. ACH outbound features need us_bank_account_ach_payments ----------------------------------


def test_ach_outbound_features_need_the_ach_capability(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client)  # card_issuing, transfers, treasury: no us_bank_account_ach_payments
    fa = flows.funded_financial_account(client, acct.id, features=money_flows.FEATURES)
    assert fa.restricted_features == ["inbound_transfers.ach", "outbound_payments.ach", "outbound_transfers.ach"]
    features = client.v1.treasury.financial_accounts.features.retrieve(fa.id, options={"stripe_account": acct.id})
    not_requested = [{"code": "capability_not_requested", "resolution": "provide_information"}]
    assert features.to_dict()["outbound_transfers"]["ach"]["status_details"] == not_requested
    assert features.to_dict()["outbound_payments"]["ach"]["status_details"] == not_requested
    m = Mover(client, acct.id, fa.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(100)
    assert "`outbound_transfers.ach` feature is restricted" in error_json(exc)["message"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_payment(100)
    message = error_json(exc)["message"]
    assert "`outbound_payments.ach` feature is restricted" in message
    assert "`status_details` say why: `capability_not_requested`" in message  # requested, but held back
    wire = {"destination_payment_method_options": {"us_bank_account": {"network": "us_domestic_wire"}}}
    assert m.outbound_transfer(100, **wire).status == "processing"  # wires need only treasury


# --- 5. an account that still owes requirements -----------------------------------------------------


def test_features_of_an_account_owing_requirements_are_restricted(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    require_onboarding(server, api_key)
    acct = flows.connected_account(client, capabilities=money_flows.CAPABILITIES, business_type="individual")
    assert acct.capabilities is not None and acct.capabilities.treasury == "inactive"
    opts: Any = {"stripe_account": acct.id}
    fa = client.v1.treasury.financial_accounts.create(
        {"supported_currencies": ["usd"], "features": money_flows.FEATURES}, opts
    )
    assert fa.active_features == [] and fa.pending_features == []
    assert len(fa.restricted_features) == 9
    features = client.v1.treasury.financial_accounts.features.retrieve(fa.id, options=opts).to_dict()
    past_due = [{"code": "requirements_past_due", "resolution": "provide_information"}]
    assert features["deposit_insurance"] == {"requested": True, "status": "restricted", "status_details": past_due}
    assert features["card_issuing"]["status_details"] == past_due


# --- 8 and 9. supported_currencies and nickname ------------------------------------------------------


@pytest.mark.parametrize("currencies", [["eur"], ["usd", "eur"]])
def test_only_usd_is_supported(client: stripe.StripeClient, account: stripe.Account, currencies: list[str]) -> None:
    err = error_of(
        lambda: client.v1.treasury.financial_accounts.create(
            {"supported_currencies": currencies}, {"stripe_account": account.id}
        )
    )
    assert err.http_status == 400 and err.code == "parameter_invalid" and err.param == "supported_currencies"
    assert "support only usd" in str(err.user_message)
    assert client.v1.treasury.financial_accounts.list(options={"stripe_account": account.id}).data == []


@pytest.mark.parametrize("nickname", ["   ", "\t", "n" * 250, "n" * 1000])
def test_nickname_rules(client: stripe.StripeClient, account: stripe.Account, nickname: str) -> None:
    opts: Any = {"stripe_account": account.id}
    create = client.v1.treasury.financial_accounts.create
    err = error_of(lambda: create({"supported_currencies": ["usd"], "nickname": nickname}, opts))
    assert err.http_status == 400 and err.code == "parameter_invalid" and err.param == "nickname"
    fa = create({"supported_currencies": ["usd"], "nickname": "n" * 249}, opts)
    assert fa.nickname == "n" * 249
    update = client.v1.treasury.financial_accounts.update
    err = error_of(lambda: update(fa.id, {"nickname": nickname, "metadata": {"k": "v"}}, opts))
    assert err.param == "nickname"
    kept = client.v1.treasury.financial_accounts.retrieve(fa.id, options=opts)
    assert kept.nickname == "n" * 249 and kept.metadata.to_dict() == {}  # type: ignore[union-attr]
    assert update(fa.id, {"nickname": ""}, opts).nickname is None  # an empty string unsets it


# --- 7. forwarding_settings on close -------------------------------------------------------------------


def test_close_checks_forwarding_settings(client: stripe.StripeClient) -> None:
    m = money_flows.mover(client, funds=0)
    close = client.v1.treasury.financial_accounts.close
    other = m.another_account()
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"type": "financial_account"}, 400, "parameter_missing", "forwarding_settings[financial_account]"),
        (
            {"type": "financial_account", "financial_account": "fa_nope"},
            400,
            "resource_missing",
            "forwarding_settings[financial_account]",
        ),
        ({"type": "financial_account", "financial_account": m.fa}, 400, "", "forwarding_settings[financial_account]"),
        (
            {"type": "payment_method", "payment_method": "pm_usBankAccount"},
            400,
            "",
            "forwarding_settings[payment_method]",
        ),
        ({"type": "payment_method"}, 400, "parameter_missing", "forwarding_settings[payment_method]"),
    ]
    for settings, status, code, param in cases:
        err = error_of(lambda: close(m.fa, {"forwarding_settings": settings}, m.opts))  # noqa: B023
        assert (err.http_status, err.code or "", err.param) == (status, code, param), settings
    err = error_of(
        lambda: close(m.fa, {"forwarding_settings": {"type": "payment_method", "payment_method": "pm_x"}}, m.opts)
    )
    assert "no PaymentMethod objects" in str(err.user_message)
    # another account's financial account is not found
    stranger = money_flows.mover(client, funds=0)
    err = error_of(
        lambda: close(
            m.fa, {"forwarding_settings": {"type": "financial_account", "financial_account": stranger.fa}}, m.opts
        )
    )
    assert err.code == "resource_missing"
    # a closed one is refused
    third = m.another_account()
    close(third, options=m.opts)
    err = error_of(
        lambda: close(m.fa, {"forwarding_settings": {"type": "financial_account", "financial_account": third}}, m.opts)
    )
    assert f"{third} is closed" in str(err.user_message)
    assert client.v1.treasury.financial_accounts.retrieve(m.fa, options=m.opts).status == "open"
    done = close(m.fa, {"forwarding_settings": {"type": "financial_account", "financial_account": other}}, m.opts)
    assert done.status == "closed"
