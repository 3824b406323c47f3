"""The set-up Stripe's docs examples start from (the docs' cardholder, verbatim)."""

from __future__ import annotations

from typing import Any

import stripe

# /issuing/cards/virtual/issue-cards "Create a cardholder" (API tab), verbatim: its address, then the cardholder
DOCS_ADDRESS: dict[str, str] = {
    "line1": "123 Main Street",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94111",
    "country": "US",
}
DOCS_CARDHOLDER: dict[str, Any] = {
    "name": "Jenny Rosen",
    "email": "jenny.rosen@example.com",
    "phone_number": "+18888675309",
    "status": "active",
    "type": "individual",
    "individual": {"first_name": "Jenny", "last_name": "Rosen", "dob": {"day": 1, "month": 11, "year": 1981}},
    "billing": {"address": DOCS_ADDRESS},
}


class Docs:
    """A connected account with a funded FA-backed card, as the Treasury "issuing cards" page sets up."""

    def __init__(self, client: stripe.StripeClient, account: str, fa: str) -> None:
        self.client = client
        self.account = account
        self.fa = fa
        self.opts: Any = {"stripe_account": account}
        self.cardholder = client.v1.issuing.cardholders.create(DOCS_CARDHOLDER, self.opts)  # type: ignore[arg-type]
        self.card = client.v1.issuing.cards.create(
            {
                "cardholder": self.cardholder.id,
                "financial_account": fa,
                "currency": "usd",
                "type": "virtual",
                "status": "active",
            },
            self.opts,
        )

    @property
    def th(self) -> Any:
        return self.client.v1.test_helpers.issuing

    def cash(self) -> int:
        fa = self.client.v1.treasury.financial_accounts.retrieve(self.fa, options=self.opts)
        return int(fa.balance.cash["usd"])
