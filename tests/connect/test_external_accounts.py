"""External accounts (bank accounts) and /v1/tokens through the real SDK."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.connect import bank_accounts, external_accounts
from tests.support import flows
from tests.support.errors import error_json

US_BANK = {
    "object": "bank_account",
    "country": "US",
    "currency": "usd",
    "routing_number": "110000000",
    "account_number": "000123456789",
    "account_holder_name": "Jenny Rosen",
    "account_holder_type": "individual",
}
IBAN = "DE89370400440532013000"  # Stripe's test IBAN: payouts succeed


def _event_types(client: stripe.StripeClient, account_id: str) -> list[str]:
    events = client.v1.events.list({"limit": 100}, {"stripe_account": account_id})
    return [e.type for e in events.data]


def test_bank_account_hash_becomes_the_default_and_is_listed(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    bank = client.v1.accounts.external_accounts.create(account.id, {"external_account": US_BANK})
    assert bank.object == "bank_account"
    assert bank.id.startswith("ba_")
    assert bank["account"] == account.id
    assert bank["last4"] == "6789"
    assert bank["routing_number"] == "110000000"
    assert bank["default_for_currency"] is True
    assert bank["status"] == "new"
    assert bank["bank_name"] == bank_accounts.TEST_BANK_NAME
    listed = client.v1.accounts.external_accounts.list(account.id)
    assert [b.id for b in listed.data] == [bank.id]
    again = client.v1.accounts.external_accounts.retrieve(account.id, bank.id)
    assert again.id == bank.id
    embedded = client.v1.accounts.retrieve(account.id)["external_accounts"]
    assert [b["id"] for b in embedded["data"]] == [bank.id]
    assert "account.external_account.created" in _event_types(client, account.id)


def test_a_bank_hash_without_its_number_names_what_is_missing(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    """A form left without the account number gets ``parameter_missing`` on it, not an unknown
    ``country`` (a card's hash, the other shape the parameter takes, knows no such names)."""
    partial: Any = {k: v for k, v in US_BANK.items() if k != "account_number"}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(account.id, {"external_account": partial})
    assert (exc.value.code, exc.value.param) == ("parameter_missing", "external_account[account_number]")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(account.id, {"external_account": {**partial, "colour": "red"}})
    assert exc.value.code == "parameter_unknown"


def test_second_account_in_a_currency_takes_the_default_only_when_asked(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    first = client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified"})
    second = client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified_noAccount"})
    assert second["default_for_currency"] is False
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.delete(account.id, first.id)
    assert "default external account" in error_json(exc)["message"]
    client.v1.accounts.external_accounts.update(account.id, second.id, {"default_for_currency": True})
    assert client.v1.accounts.external_accounts.retrieve(account.id, first.id)["default_for_currency"] is False
    deleted = client.v1.accounts.external_accounts.delete(account.id, first.id)
    assert deleted["deleted"] is True
    assert [b.id for b in client.v1.accounts.external_accounts.list(account.id).data] == [second.id]
    types = _event_types(client, account.id)
    assert "account.external_account.updated" in types
    assert "account.external_account.deleted" in types


def test_btok_us_is_a_test_token_too(client: stripe.StripeClient, account: stripe.Account) -> None:
    """stripe-cli's ``account.external_account.*`` triggers attach ``btok_us``."""
    bank = client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us"})
    assert (bank["object"], bank["last4"], bank["routing_number"]) == ("bank_account", "6789", "110000000")


def test_same_bank_details_twice_is_bank_account_exists(client: stripe.StripeClient, account: stripe.Account) -> None:
    client.v1.accounts.external_accounts.create(account.id, {"external_account": US_BANK})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(account.id, {"external_account": US_BANK})
    assert error_json(exc)["code"] == "bank_account_exists"


def test_a_test_token_may_be_added_twice(client: stripe.StripeClient, account: stripe.Account) -> None:
    """stripe-cli's account.external_account.deleted trigger: btok_us twice, the second the default, then
    the first deleted."""
    first = client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us"})
    second = client.v1.accounts.external_accounts.create(
        account.id, {"external_account": "btok_us", "default_for_currency": True}
    )
    assert first.id != second.id
    deleted = client.v1.accounts.external_accounts.delete(account.id, first.id)
    assert deleted.deleted is True


@pytest.mark.parametrize(
    ("change", "param", "code"),
    [
        ({"routing_number": "12345"}, "external_account[routing_number]", "routing_number_invalid"),
        ({"routing_number": "110000001"}, "external_account[routing_number]", "routing_number_invalid"),
        ({"account_number": "12ab"}, "external_account[account_number]", "account_number_invalid"),
        ({"currency": "xyz"}, "external_account[currency]", "parameter_invalid"),
        ({"country": "ZZ"}, "external_account[country]", "parameter_invalid"),
    ],
)
def test_bad_bank_details_are_refused_and_nothing_is_stored(
    client: stripe.StripeClient, account: stripe.Account, change: dict[str, str], param: str, code: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(account.id, {"external_account": {**US_BANK, **change}})
    err = error_json(exc)
    assert (err["param"], err["code"]) == (param, code)
    assert client.v1.accounts.external_accounts.list(account.id).data == []


def test_card_external_accounts_are_refused(client: stripe.StripeClient, account: stripe.Account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(account.id, {"external_account": "tok_visa_debit"})
    assert "not emulated" in error_json(exc)["message"]


def test_foreign_account_and_unknown_bank_account(client: stripe.StripeClient, account: stripe.Account) -> None:
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.external_accounts.list("acct_1nothinghere0000000000")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.retrieve(account.id, "ba_nothing")
    assert error_json(exc)["code"] == "resource_missing"


def test_bank_account_token_is_used_once_and_keeps_its_id(client: stripe.StripeClient, account: stripe.Account) -> None:
    token = client.v1.tokens.create({"bank_account": {k: v for k, v in US_BANK.items() if k != "object"}})
    assert token.id.startswith("btok_")
    assert token.type == "bank_account"
    assert token.used is False
    assert token.bank_account is not None and token.bank_account.last4 == "6789"
    bank = client.v1.accounts.external_accounts.create(account.id, {"external_account": token.id})
    assert bank.id == token.bank_account.id
    assert client.v1.tokens.retrieve(token.id).used is True
    other = flows.connected_account(client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(other.id, {"external_account": token.id})
    assert error_json(exc)["code"] == "token_already_used"


def test_account_and_person_tokens_keep_their_parameters(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    ct = client.v1.tokens.create(
        {
            "account": {
                "business_type": "individual",
                "individual": {"first_name": "Jenny"},
                "tos_shown_and_accepted": True,
            }
        }
    )
    cpt = client.v1.tokens.create({"person": {"first_name": "Jenny", "relationship": {"representative": True}}})
    assert ct.id.startswith("ct_") and ct.type == "account" and ct.used is False
    assert cpt.id.startswith("cpt_") and cpt.type == "person"
    platform = server.state.platforms[api_key]
    meta = platform.scope().meta_of(ct.id)["params"]
    assert meta["account"]["individual"]["first_name"] == "Jenny"
    assert platform.scope().meta_of(cpt.id)["params"]["person"]["relationship"]["representative"] is True


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"pii": {"id_number": "000000000"}},
        {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030"}},
        {"account": {"business_type": "individual"}, "person": {"first_name": "x"}},
    ],
)
def test_token_refusals(client: stripe.StripeClient, params: dict[str, Any]) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.tokens.create(params)


def test_unknown_token(client: stripe.StripeClient, http: httpx.Client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.tokens.retrieve("btok_nothing")
    assert error_json(exc)["code"] == "resource_missing"


def test_test_numbers_pick_the_payout_outcome() -> None:
    assert bank_accounts._outcome("000111111116") == "no_account"
    assert bank_accounts._outcome("000123456789") is None
    assert bank_accounts._outcome("DE89370400440532013003") == "insufficient_funds"
    assert bank_accounts._outcome("FR1420041010050500013M02606") is None


def test_account_create_and_update_take_an_external_account(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client, external_account=US_BANK)
    [first] = client.v1.accounts.external_accounts.list(account.id).data
    assert first["default_for_currency"] is True and first["last4"] == "6789"
    assert [b["id"] for b in client.v1.accounts.retrieve(account.id)["external_accounts"]["data"]] == [first.id]
    client.v1.accounts.update(account.id, {"external_account": "btok_us_verified_noAccount"})
    [second] = client.v1.accounts.external_accounts.list(account.id).data
    assert second.id != first.id and second["last4"] == "1116" and second["default_for_currency"] is True
    assert "account.external_account.deleted" in _event_types(client, account.id)


def test_a_bad_external_account_creates_no_account(client: stripe.StripeClient) -> None:
    before = len(client.v1.accounts.list().data)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        flows.connected_account(client, external_account={**US_BANK, "routing_number": "123"})
    assert error_json(exc)["param"] == "external_account[routing_number]"
    assert len(client.v1.accounts.list().data) == before


def test_the_default_in_the_accounts_default_currency_cannot_be_deleted(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    """Stripe: "You cannot delete a bank account if ... The bank account's currency is the same as the
    connected account's default_currency" (even when it is the only one)."""
    assert account.default_currency == "usd"
    only = client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.delete(account.id, only.id)
    err = error_json(exc)
    assert (err["message"], err["param"]) == (external_accounts.DELETE_DEFAULT, "id")
    assert [b.id for b in client.v1.accounts.external_accounts.list(account.id).data] == [only.id]


def test_the_only_bank_account_of_another_currency_can_be_deleted(client: stripe.StripeClient) -> None:
    gb = client.v1.accounts.create(
        {
            "country": "GB",
            "controller": {"requirement_collection": "application", "stripe_dashboard": {"type": "none"}},
            "capabilities": {"transfers": {"requested": True}},
        }
    )
    assert gb.default_currency == "gbp"
    eur = client.v1.accounts.external_accounts.create(
        gb.id,
        {"external_account": {"object": "bank_account", "country": "DE", "currency": "eur", "account_number": IBAN}},
    )
    assert eur["default_for_currency"] is True
    assert client.v1.accounts.external_accounts.delete(gb.id, eur.id)["deleted"] is True
    assert client.v1.accounts.external_accounts.list(gb.id).data == []


@pytest.mark.parametrize(
    "params",
    [
        {"type": "express", "capabilities": {"transfers": {"requested": True}}},
        {"type": "standard"},
        {"controller": {"requirement_collection": "stripe", "stripe_dashboard": {"type": "express"}}},
    ],
)
def test_stripe_collected_accounts_bank_accounts_are_not_the_platforms_to_change(
    client: stripe.StripeClient, params: dict[str, Any]
) -> None:
    """Stripe: "You can only specify connected accounts where account.controller.requirement_collection
    is application" (create; update and delete say the same)."""
    managed = client.v1.accounts.create({"country": "US", **params})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.external_accounts.create(managed.id, {"external_account": "btok_us_verified"})
    assert error_json(exc)["message"] == external_accounts.STRIPE_MANAGES
    for call in (
        lambda: client.v1.accounts.external_accounts.update(managed.id, "ba_any", {"metadata": {"a": "b"}}),
        lambda: client.v1.accounts.external_accounts.delete(managed.id, "ba_any"),
    ):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            call()
        assert error_json(exc)["message"] == external_accounts.STRIPE_MANAGES
    assert client.v1.accounts.external_accounts.list(managed.id).data == []  # reading is allowed


def test_the_platforms_own_account_keeps_its_bank_accounts(client: stripe.StripeClient) -> None:
    """The platform's own account (a Standard account) is not refused: the emulator lets it add a payout account."""
    platform = client.v1.accounts.retrieve_current()
    bank = client.v1.accounts.external_accounts.create(platform.id, {"external_account": "btok_us_verified"})
    updated = client.v1.accounts.external_accounts.update(platform.id, bank.id, {"metadata": {"a": "b"}})
    assert updated.metadata is not None and updated.metadata["a"] == "b"


def test_tokens_carry_the_callers_address(client: stripe.StripeClient) -> None:
    """Stripe's responses show the caller's IP in ``client_ip`` (the suite calls from 127.0.0.1)."""
    token = client.v1.tokens.create({"bank_account": {k: v for k, v in US_BANK.items() if k != "object"}})
    assert token.client_ip == "127.0.0.1"
    assert client.v1.tokens.retrieve(token.id).client_ip == "127.0.0.1"
