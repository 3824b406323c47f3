"""The set-up Stripe's docs examples start from (the docs' cardholder)."""

from __future__ import annotations

from typing import Any

import stripe

from tests.support.flows import GUIDE_CARDHOLDER

# /issuing/cards/virtual/issue-cards "Create a cardholder" (API tab): its billing address, verbatim
DOCS_ADDRESS: dict[str, str] = {
    "line1": "123 Main Street",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94111",
    "country": "US",
}
# the guide's cardholder (tests/support/flows.py), created active, at the docs' address
DOCS_CARDHOLDER: dict[str, Any] = {**GUIDE_CARDHOLDER, "status": "active", "billing": {"address": DOCS_ADDRESS}}


class Docs:
    """A connected account with a funded FA-backed card, as the Treasury "issuing cards" page sets up."""

    def __init__(self, client: stripe.StripeClient, account: str, fa: str) -> None:
        self.client = client
        self.account = account
        self.fa = fa
        self.opts: Any = {"stripe_account": account}
        self.cardholder = client.v1.issuing.cardholders.create(DOCS_CARDHOLDER, self.opts)  # type: ignore[arg-type]
        self.card = self.new_card(status="active")

    def new_card(self, **params: Any) -> stripe.issuing.Card:
        """A virtual usd card of the docs' cardholder on the financial account (``params`` on top)."""
        body = {"cardholder": self.cardholder.id, "financial_account": self.fa, "currency": "usd", "type": "virtual"}
        return self.client.v1.issuing.cards.create({**body, **params}, self.opts)

    @property
    def th(self) -> Any:
        return self.client.v1.test_helpers.issuing

    def cash(self) -> int:
        fa = self.client.v1.treasury.financial_accounts.retrieve(self.fa, options=self.opts)
        return int(fa.balance.cash["usd"])
