"""Steps shared by the authorization, transaction, dispute and ledger tests: a card to spend with."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import stripe

from emulator import EmulatorServer
from tests.support import flows


@dataclass
class Spender:
    """A connected account with a funded financial account, a cardholder and an active card on it."""

    client: stripe.StripeClient
    account: str
    fa: str
    cardholder: str
    card: str

    @property
    def opts(self) -> dict[str, Any]:
        return {"stripe_account": self.account}

    def authorize(self, amount: int | None = 1000, **params: Any) -> stripe.issuing.Authorization:
        body: dict[str, Any] = {"card": self.card, **params}
        if amount is not None:
            body["amount"] = amount
        return self.client.v1.test_helpers.issuing.authorizations.create(body, self.opts)  # type: ignore[arg-type]

    def balance(self) -> dict[str, int]:
        fa = self.client.v1.treasury.financial_accounts.retrieve(self.fa, options=self.opts)
        return {k: getattr(fa.balance, k)["usd"] for k in ("cash", "inbound_pending", "outbound_pending")}

    def new_card(self, **params: Any) -> str:
        return card(self.client, self.account, self.cardholder, self.fa, **params)


def cardholder(client: stripe.StripeClient, account: str, **extra: Any) -> str:
    params: dict[str, Any] = flows.guide_cardholder_params()
    params.update(extra)
    return client.v1.issuing.cardholders.create(params, {"stripe_account": account}).id  # type: ignore[arg-type]


def card(client: stripe.StripeClient, account: str, holder: str, fa: str | None, **extra: Any) -> str:
    params: dict[str, Any] = {"cardholder": holder, "currency": "usd", "type": "virtual", "status": "active"}
    if fa is not None:
        params["financial_account"] = fa
    params.update(extra)
    return client.v1.issuing.cards.create(params, {"stripe_account": account}).id  # type: ignore[arg-type]


def spender(client: stripe.StripeClient, funds: int = 50_000, **card_params: Any) -> Spender:
    account = flows.connected_account(client).id
    fa = flows.funded_financial_account(client, account, amount=funds).id
    holder = cardholder(client, account)
    return Spender(client, account, fa, holder, card(client, account, holder, fa, **card_params))


@contextmanager
def spender_on_own_server() -> Iterator[tuple[Spender, httpx.Client]]:
    """A spender (and an httpx client with its key) on an emulator of its own: for requests in other API
    versions, whose answers the session server's checks against the 2026 shapes would refuse."""
    server = EmulatorServer()
    server.start()
    try:
        key = "sk_test_" + uuid.uuid4().hex
        s = spender(stripe.StripeClient(key, base_addresses={"api": server.url}))
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:
            yield s, http
    finally:
        server.stop()
