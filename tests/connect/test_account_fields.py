"""Account fields an Issuing platform sends: the service agreement, revenue and workforce,
contact checks and the negative-balance default (through the real SDK)."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator.resources.connect import accounts
from tests.support.errors import error_of

TOS = {"date": 1_700_000_000, "ip": "203.0.113.7"}
CUSTOM: dict[str, Any] = {"type": "custom", "country": "US", "capabilities": {"transfers": {"requested": True}}}


def _param(err: stripe.InvalidRequestError) -> str | None:
    return err.error.param if err.error is not None else None


def test_service_agreement_is_shown_and_full_by_default(client: stripe.StripeClient) -> None:
    default = client.v1.accounts.create({**CUSTOM, "tos_acceptance": TOS})
    assert default.tos_acceptance is not None and default.tos_acceptance.service_agreement == "full"
    recipient = client.v1.accounts.create({**CUSTOM, "tos_acceptance": {**TOS, "service_agreement": "recipient"}})
    assert client.v1.accounts.retrieve(recipient.id).tos_acceptance.service_agreement == "recipient"  # type: ignore[union-attr]
    err = error_of(lambda: client.v1.accounts.create({**CUSTOM, "tos_acceptance": {"service_agreement": "partial"}}))
    assert err.http_status == 400 and _param(err) == "tos_acceptance[service_agreement]"
    assert err.user_message == "Invalid tos_acceptance[service_agreement]: must be one of full or recipient"


def test_recipient_accounts_cannot_request_card_payments(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create({**CUSTOM, "tos_acceptance": {**TOS, "service_agreement": "recipient"}})
    both = {"capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}}
    err = error_of(lambda: client.v1.accounts.update(acct.id, both))
    assert err.http_status == 400 and _param(err) == "capabilities"
    assert err.user_message == accounts.RECIPIENT_CARD_PAYMENTS
    err = error_of(lambda: client.v1.accounts.capabilities.update(acct.id, "card_payments", {"requested": True}))
    assert err.http_status == 400 and err.user_message == accounts.RECIPIENT_CARD_PAYMENTS
    err = error_of(
        lambda: client.v1.accounts.create(
            {**CUSTOM, **both, "tos_acceptance": {**TOS, "service_agreement": "recipient"}}
        )
    )
    assert err.user_message == accounts.RECIPIENT_CARD_PAYMENTS
    assert client.v1.accounts.retrieve(acct.id).capabilities.to_dict() == {"transfers": "active"}  # type: ignore[union-attr]


def test_service_agreement_is_fixed_once_terms_are_accepted(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create(CUSTOM)
    # before acceptance the platform may still choose
    chosen = client.v1.accounts.update(acct.id, {"tos_acceptance": {"service_agreement": "recipient"}})
    assert chosen.tos_acceptance.service_agreement == "recipient"  # type: ignore[union-attr]
    accepted = client.v1.accounts.update(acct.id, {"tos_acceptance": TOS})
    assert accepted.tos_acceptance.service_agreement == "recipient"  # type: ignore[union-attr]
    err = error_of(lambda: client.v1.accounts.update(acct.id, {"tos_acceptance": {"service_agreement": "full"}}))
    assert err.http_status == 400 and _param(err) == "tos_acceptance[service_agreement]"
    assert err.user_message == accounts.SERVICE_AGREEMENT_LOCKED
    same = client.v1.accounts.update(acct.id, {"tos_acceptance": {"service_agreement": "recipient"}})
    assert same.tos_acceptance.service_agreement == "recipient"  # type: ignore[union-attr]


def test_express_accounts_may_be_made_under_the_recipient_agreement(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create({"type": "express", "tos_acceptance": {"service_agreement": "recipient"}})
    assert acct.tos_acceptance.service_agreement == "recipient"  # type: ignore[union-attr]
    assert acct.tos_acceptance.date is None  # type: ignore[union-attr]


def test_revenue_and_workforce_are_kept_once_provided(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create(CUSTOM)
    profile = acct.business_profile.to_dict()  # type: ignore[union-attr]
    assert not {"annual_revenue", "estimated_worker_count", "monthly_estimated_revenue"} & set(profile)
    revenue = {"amount": 5_000_000, "currency": "usd", "fiscal_year_end": "12-31"}
    made = client.v1.accounts.create(
        {**CUSTOM, "business_profile": {"annual_revenue": revenue, "estimated_worker_count": 12}}
    )
    assert made.business_profile.annual_revenue.to_dict() == revenue  # type: ignore[union-attr]
    assert made.business_profile.estimated_worker_count == 12  # type: ignore[union-attr]
    monthly = {"amount": 40_000, "currency": "usd"}
    updated = client.v1.accounts.update(
        acct.id, {"business_profile": {"estimated_worker_count": 7, "monthly_estimated_revenue": monthly}}
    )
    assert updated.business_profile.estimated_worker_count == 7  # type: ignore[union-attr]
    assert updated.business_profile.monthly_estimated_revenue.to_dict() == monthly  # type: ignore[union-attr]
    again = client.v1.accounts.retrieve(acct.id)
    assert again.business_profile.monthly_estimated_revenue.amount == 40_000  # type: ignore[union-attr]


def test_debit_negative_balances_is_off_where_the_platform_collects(client: stripe.StripeClient) -> None:
    def debits(params: dict[str, Any]) -> bool:
        acct = client.v1.accounts.create(params)
        return bool(acct.settings.payouts.debit_negative_balances)  # type: ignore[union-attr]

    assert debits({"type": "custom"}) is False
    assert (
        debits({"controller": {"stripe_dashboard": {"type": "none"}, "requirement_collection": "application"}}) is False
    )
    assert debits({"type": "express"}) is True
    assert debits({"type": "standard"}) is True
    given = {"type": "custom", "settings": {"payouts": {"debit_negative_balances": True}}}
    assert debits(given) is True


@pytest.mark.parametrize("email", ["notanemail", "a@b", "two@@example.com", "x y@example.com"])
def test_account_email_is_checked(client: stripe.StripeClient, email: str) -> None:
    err = error_of(lambda: client.v1.accounts.create({**CUSTOM, "email": email}))
    assert err.http_status == 400 and err.code == "email_invalid" and _param(err) == "email"
    assert err.user_message == f"Invalid email address: {email}"
    acct = client.v1.accounts.create({**CUSTOM, "email": "jenny@example.com"})
    err = error_of(lambda: client.v1.accounts.update(acct.id, {"email": email}))
    assert err.code == "email_invalid"
    assert client.v1.accounts.retrieve(acct.id).email == "jenny@example.com"


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "localhost",
        "example.com",
        "http://localhost:3000",
        "https://127.0.0.1/",
        "ftp://example.com",
        "https://",
    ],
)
def test_business_url_is_checked(client: stripe.StripeClient, url: str) -> None:
    err = error_of(lambda: client.v1.accounts.create({**CUSTOM, "business_profile": {"url": url}}))
    assert err.http_status == 400 and err.code == "url_invalid" and _param(err) == "business_profile[url]"
    assert err.user_message == "Not a valid URL"
    acct = client.v1.accounts.create({**CUSTOM, "business_profile": {"url": "https://shop.example.com/jenny"}})
    err = error_of(lambda: client.v1.accounts.update(acct.id, {"business_profile": {"url": url}}))
    assert err.code == "url_invalid"
    assert client.v1.accounts.retrieve(acct.id).business_profile.url == "https://shop.example.com/jenny"  # type: ignore[union-attr]


def test_issuing_and_treasury_terms_keep_the_user_agent(client: stripe.StripeClient) -> None:
    terms = {"date": 1_700_000_000, "ip": "73.12.4.9"}
    acct = client.v1.accounts.create(
        {**CUSTOM, "settings": {"card_issuing": {"tos_acceptance": {**terms, "user_agent": "Mozilla/5.0"}}}}
    )
    assert acct.settings.card_issuing.tos_acceptance.to_dict() == {**terms, "user_agent": "Mozilla/5.0"}
    assert acct.settings.treasury.tos_acceptance.to_dict() == {"date": None, "ip": None}  # as Stripe shows it unset
    later = client.v1.accounts.update(
        acct.id, {"settings": {"treasury": {"tos_acceptance": {**terms, "user_agent": "curl/8"}}}}
    )
    assert later.settings.treasury.tos_acceptance.to_dict() == {**terms, "user_agent": "curl/8"}
