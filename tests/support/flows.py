"""Steps of Stripe's "Working with Stripe Issuing cards" guide, reused by many tests."""

from __future__ import annotations

import copy
from typing import Any

import stripe

# The cardholder of Stripe's "Working with Stripe Issuing cards" guide (no terms acceptance).
GUIDE_CARDHOLDER: dict[str, Any] = {
    "type": "individual",
    "name": "Jenny Rosen",
    "email": "jenny.rosen@example.com",
    "phone_number": "+18888675309",
    "individual": {"first_name": "Jenny", "last_name": "Rosen", "dob": {"day": 1, "month": 11, "year": 1981}},
    "billing": {
        "address": {
            "line1": "1234 Main Street",
            "city": "San Francisco",
            "state": "CA",
            "postal_code": "94111",
            "country": "US",
        }
    },
}


def guide_cardholder_params(**extra: Any) -> dict[str, Any]:
    """A fresh copy of the guide's cardholder parameters, with ``extra`` on top."""
    return {**copy.deepcopy(GUIDE_CARDHOLDER), **extra}


def connected_account(client: stripe.StripeClient, **extra: Any) -> stripe.Account:
    params: dict[str, Any] = {
        "country": "US",
        "email": "jenny.rosen@example.com",
        "controller": {
            "stripe_dashboard": {"type": "none"},
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
            "requirement_collection": "application",
        },
        "capabilities": {
            "card_issuing": {"requested": True},
            "transfers": {"requested": True},
            "treasury": {"requested": True},
        },
    }
    params.update(extra)
    return client.v1.accounts.create(params)


def financial_account(client: stripe.StripeClient, account_id: str, **extra: Any) -> stripe.treasury.FinancialAccount:
    params: dict[str, Any] = {
        "supported_currencies": ["usd"],
        "features": {
            "card_issuing": {"requested": True},
            "deposit_insurance": {"requested": True},
            "financial_addresses": {"aba": {"requested": True}},
            "intra_stripe_flows": {"requested": True},
            "outbound_payments": {"ach": {"requested": True}, "us_domestic_wire": {"requested": True}},
            "outbound_transfers": {"ach": {"requested": True}, "us_domestic_wire": {"requested": True}},
        },
    }
    params.update(extra)
    return client.v1.treasury.financial_accounts.create(params, {"stripe_account": account_id})


def fund(client: stripe.StripeClient, account_id: str, fa_id: str, amount: int) -> stripe.treasury.ReceivedCredit:
    return client.v1.test_helpers.treasury.received_credits.create(
        {"amount": amount, "currency": "usd", "financial_account": fa_id, "network": "ach"},
        {"stripe_account": account_id},
    )


def funded_financial_account(
    client: stripe.StripeClient, account_id: str, amount: int = 50_000, **extra: Any
) -> stripe.treasury.FinancialAccount:
    fa = financial_account(client, account_id, **extra)
    if amount:
        fund(client, account_id, fa.id, amount)
    return client.v1.treasury.financial_accounts.retrieve(fa.id, options={"stripe_account": account_id})
