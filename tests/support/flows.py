"""Steps of Stripe's "Working with Stripe Issuing cards" guide, reused by many tests."""

from __future__ import annotations

import copy
import io
import struct
import time
import zlib
from typing import Any

import stripe

# The address of Stripe's "Working with Stripe Issuing cards" guide (billing and shipping).
GUIDE_ADDRESS: dict[str, str] = {
    "line1": "1234 Main Street",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94111",
    "country": "US",
}

# Billing addresses in the regions of eur and gbp cards (a card goes only to a cardholder billed there)
ADDRESSES: dict[str, dict[str, str]] = {
    "US": GUIDE_ADDRESS,
    "GB": {"line1": "10 Downing Street", "city": "London", "postal_code": "SW1A 2AA", "country": "GB"},
    "FR": {"line1": "1 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"},
    "IE": {"line1": "1 O'Connell Street", "city": "Dublin", "postal_code": "D01 F5P2", "country": "IE"},
}
COUNTRY_OF_CURRENCY = {"usd": "US", "eur": "FR", "gbp": "GB"}

# Plausible values of free-text parameters by name (the guide's), for requests made up from a
# parameter schema: they get past the parameter checks into the resource rules.
GUIDE_STRINGS: dict[str, str] = {
    "currency": "usd",
    "supported_currencies": "usd",
    "merchant_currency": "usd",
    "email": "jenny.rosen@example.com",
    "phone_number": "+18888675309",
    "name": "Jenny Rosen",
    **GUIDE_ADDRESS,
    "first_name": "Jenny",
    "last_name": "Rosen",
    "ip": "127.0.0.1",
}

# The cardholder of Stripe's "Working with Stripe Issuing cards" guide (no terms acceptance).
GUIDE_CARDHOLDER: dict[str, Any] = {
    "type": "individual",
    "name": "Jenny Rosen",
    "email": "jenny.rosen@example.com",
    "phone_number": "+18888675309",
    "individual": {"first_name": "Jenny", "last_name": "Rosen", "dob": {"day": 1, "month": 11, "year": 1981}},
    "billing": {"address": GUIDE_ADDRESS},
}


def guide_cardholder_params(*, terms_accepted: bool = False, **extra: Any) -> dict[str, Any]:
    """A fresh copy of the guide's cardholder parameters, with ``extra`` on top; ``terms_accepted``
    adds the cardholder's acceptance of the Issuing terms now, from 127.0.0.1."""
    params: dict[str, Any] = copy.deepcopy(GUIDE_CARDHOLDER)
    if terms_accepted:
        acceptance = {"date": int(time.time()), "ip": "127.0.0.1"}
        params["individual"]["card_issuing"] = {"user_terms_acceptance": acceptance}
    return {**params, **extra}


def billed_in(country: str) -> dict[str, Any]:
    """``billing`` for a cardholder of ``country`` (``ADDRESSES``)."""
    return {"address": dict(ADDRESSES[country])}


def minimal_cardholder_params() -> dict[str, Any]:
    """The fewest parameters a cardholder takes: a name, a type and the guide's billing address."""
    return {"name": "Jenny Rosen", "type": "individual", "billing": {"address": dict(GUIDE_ADDRESS)}}


def minimal_cardholder_form() -> dict[str, str]:
    """``minimal_cardholder_params`` as a form body (bracketed keys), for requests sent with httpx."""
    form = {"name": "Jenny Rosen", "type": "individual"}
    form.update({f"billing[address][{key}]": value for key, value in GUIDE_ADDRESS.items()})
    return form


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
    made = client.v1.treasury.financial_accounts.create(params, {"stripe_account": account_id})
    # the answer shows the features activating; they are active right after it (what an integration
    # that waits for treasury.financial_account.features_status_updated then reads)
    return client.v1.treasury.financial_accounts.retrieve(made.id, options={"stripe_account": account_id})


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


def available(client: stripe.StripeClient, account_id: str | None = None, currency: str = "usd") -> int:
    """The account's available balance in ``currency`` (the platform's without ``account_id``)."""
    options: Any = {"stripe_account": account_id} if account_id else {}
    balance = client.v1.balance.retrieve(options=options)
    return sum(a.amount for a in balance.available if a.currency == currency)


def png(width: int = 1000, height: int = 200) -> bytes:
    """A valid 1-bit black-and-white PNG (white), the shape Stripe asks of a card logo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(
    client: stripe.StripeClient,
    purpose: str,
    data: bytes = PDF,
    filename: str = "evidence.pdf",
    account: str | None = None,
) -> stripe.File:
    """A file uploaded through the SDK's files base address (the emulator in these tests)."""
    stream = io.BytesIO(data)
    stream.name = filename
    options: Any = {"stripe_account": account} if account else {}
    return client.v1.files.create({"file": stream, "purpose": purpose}, options)  # type: ignore[typeddict-item]
