"""Onboarding in tests: the platform setting that makes new accounts owe Stripe's requirements, and
the test values Stripe's Connect testing page verifies (docs/onboarding.md)."""

from __future__ import annotations

from typing import Any

import httpx
import stripe

from emulator import EmulatorServer
from tests.support import flows

US_ADDRESS = {"line1": "address_full_match", "city": "South San Francisco", "state": "CA", "postal_code": "94080"}
TOS = {"date": 1_700_000_000, "ip": "127.0.0.1"}
PROFILE = {"mcc": "5734", "url": "https://accessible.stripe.com"}
# a person with every detail the test values verify (an individual adds ``id_number`` for treasury)
PERSON: dict[str, Any] = {
    "first_name": "Jenny",
    "last_name": "Rosen",
    "email": "jenny@example.com",
    "phone": "0000000000",
    "dob": {"day": 1, "month": 1, "year": 1901},
    "address": US_ADDRESS,
    "ssn_last_4": "0000",
}


def require_onboarding(server: EmulatorServer, api_key: str, mode: str = "required") -> None:
    """The platform's ``onboarding`` setting (``required``: new accounts owe Stripe's requirements)."""
    resp = httpx.post(
        server.url + "/_emulator/platform_settings",
        data={"onboarding": mode},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert resp.status_code == 200 and resp.json()["onboarding"] == mode


def card_issuing_individual(client: stripe.StripeClient, **individual: Any) -> stripe.Account:
    """An individual's account asking ``card_issuing`` with every detail given but what verifies its
    identity (the date of birth, the SSN or id number: ``individual`` adds them)."""
    return flows.connected_account(
        client,
        business_type="individual",
        capabilities={"card_issuing": {"requested": True}},
        business_profile=PROFILE,
        tos_acceptance=TOS,
        settings={"card_issuing": {"tos_acceptance": TOS}},
        individual={
            "first_name": "Jenny",
            "last_name": "Rosen",
            "email": "jenny@example.com",
            "phone": "0000000000",
            "address": US_ADDRESS,
            **individual,
        },
    )
