"""A shop for real-time authorization tests: a funded card on a connected account and a real-time endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import stripe

from tests.support import flows
from tests.support.receiver import Answer, Received, Receiver

VERSION = {"Stripe-Version": "2026-10-28.endive"}


REQUEST = "issuing_authorization.request"


class Shop:
    """A connected account with a funded financial account, an active card and a real-time endpoint."""

    def __init__(self, client: stripe.StripeClient, http: httpx.Client, receiver: Receiver) -> None:
        self.client = client
        self.http = http
        self.receiver = receiver
        self.account = flows.connected_account(client)
        self.options: dict[str, Any] = {"stripe_account": self.account.id}
        self.fa = flows.funded_financial_account(client, self.account.id, amount=10_000)
        holder_params: Any = flows.guide_cardholder_params(terms_accepted=True)
        holder = client.v1.issuing.cardholders.create(holder_params, self.options)  # type: ignore[arg-type]
        self.card = client.v1.issuing.cards.create(
            {
                "cardholder": holder.id,
                "currency": "usd",
                "type": "virtual",
                "status": "active",
                "financial_account": self.fa.id,
            },
            self.options,  # type: ignore[arg-type]
        )
        self.endpoint = client.v1.webhook_endpoints.create(
            {"url": receiver.url, "enabled_events": [REQUEST], "connect": True}
        )

    def decide_by_call(self, verb: str) -> list[stripe.issuing.Authorization]:
        """Answer each real-time request by calling ``/approve`` or ``/decline`` (``verb``) through
        the API, then 200 with no body; the list fills with what those calls answered."""
        calls: list[stripe.issuing.Authorization] = []

        def respond(received: Received) -> Answer:
            decide = getattr(self.client.v1.issuing.authorizations, verb)
            calls.append(decide(received.json()["data"]["object"]["id"], options=self.options))
            return 200, {}, b""

        self.receiver.respond = respond
        return calls

    def settings(self, **values: Any) -> None:
        r = self.http.post("/_emulator/webhooks/settings", json=values)
        assert r.status_code == 200, r.text

    def buy(self, amount: int, **extra: Any) -> stripe.issuing.Authorization:
        params: dict[str, Any] = {"card": self.card.id, "amount": amount, "currency": "usd", **extra}
        return self.client.v1.test_helpers.issuing.authorizations.create(params, self.options)  # type: ignore[arg-type]

    def cash(self) -> int:
        fa = self.client.v1.treasury.financial_accounts.retrieve(self.fa.id, options=self.options)  # type: ignore[arg-type]
        return int(fa.balance.cash["usd"])

    def asked(self) -> stripe.Event:
        return self.receiver.requests[-1].event(str(self.endpoint.secret))
