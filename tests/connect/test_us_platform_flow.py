"""A US platform's money, end to end, with both SDKs: fund, transfer, spend, pay out.

1. The platform tops up its payments balance and transfers to a connected account (Issuing and
   transfers capabilities); the connected account tops up its Issuing balance
   (``destination_balance=issuing``, Stripe's US pull funding).
2. Its card (no financial account: it spends the Issuing balance) buys something; the purchase is
   captured; a purchase above what is left is declined ``insufficient_funds``.
3. The connected account adds a bank account (``btok_us_verified``) and pays out the rest of its
   payments balance (the transfer); the payout is paid.
4. Every account's ``GET /v1/balance`` equals the sum of its balance transactions.

Transfers land in the payments balance (Stripe's transfers have no Issuing destination), which is why
the Issuing balance is funded by a top-up on the connected account.
``tests/node/us_platform_flow.mjs`` is the same flow with stripe-node (skipped without node).
"""

from __future__ import annotations

from typing import Any

import stripe

from emulator import EmulatorServer
from tests.support import flows
from tests.support.node import run_node, steps_of


def _sums(client: stripe.StripeClient, opts: Any) -> dict[str, int]:
    """The account's balance transactions summed by balance (payments available / issuing)."""
    out = {"available": 0, "issuing": 0}
    for txn in client.v1.balance_transactions.list({"limit": 100}, opts).auto_paging_iter():
        out["issuing" if txn.balance_type == "issuing" else "available"] += txn.net
    return out


def _shown(client: stripe.StripeClient, opts: Any) -> dict[str, int]:
    balance = client.v1.balance.retrieve(options=opts)
    issuing = balance.issuing.available if balance.issuing else []
    return {
        "available": sum(a.amount for a in balance.available if a.currency == "usd"),
        "issuing": sum(a.amount for a in issuing if a.currency == "usd"),
    }


def test_us_platform_funds_transfers_spends_and_pays_out(client: stripe.StripeClient) -> None:
    connected = flows.connected_account(client).id
    opts: Any = {"stripe_account": connected}

    client.v1.topups.create({"amount": 50_000, "currency": "usd", "description": "platform funding"})
    transfer = client.v1.transfers.create({"amount": 30_000, "currency": "usd", "destination": connected})
    client.v1.topups.create({"amount": 10_000, "currency": "usd", "destination_balance": "issuing"}, opts)  # type: ignore[typeddict-unknown-key]

    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params(), opts)  # type: ignore[arg-type]
    card = client.v1.issuing.cards.create(
        {"cardholder": holder.id, "currency": "usd", "type": "virtual", "status": "active"}, opts
    )
    auth = client.v1.test_helpers.issuing.authorizations.create({"card": card.id, "amount": 4_000}, opts)
    assert auth.approved is True
    client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=opts)
    too_much = client.v1.test_helpers.issuing.authorizations.create({"card": card.id, "amount": 6_001}, opts)
    assert too_much.approved is False
    assert too_much.request_history[-1].reason == "insufficient_funds"

    client.v1.accounts.external_accounts.create(connected, {"external_account": "btok_us_verified"})
    rest = _shown(client, opts)["available"]
    assert rest == 30_000
    payout = client.v1.payouts.create({"amount": rest, "currency": "usd"}, opts)
    assert client.v1.payouts.retrieve(payout.id, options=opts).status == "paid"

    assert _shown(client, opts) == _sums(client, opts) == {"available": 0, "issuing": 6_000}
    assert _shown(client, {}) == _sums(client, {}) == {"available": 20_000, "issuing": 0}
    payment = client.v1.balance_transactions.list({"type": "payment"}, opts).data
    assert [t.source for t in payment] == [transfer.destination_payment]
    platform_events = {e.type for e in client.v1.events.list({"limit": 100}).auto_paging_iter()}
    assert {"topup.succeeded", "transfer.created"} <= platform_events
    connected_events = {e.type for e in client.v1.events.list({"limit": 100}, opts).auto_paging_iter()}
    assert {"payout.created", "payout.paid", "account.external_account.created"} <= connected_events


def test_us_platform_flow_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    proc = run_node("us_platform_flow.mjs", server.url, api_key)
    steps = steps_of(proc)
    assert [s["step"] for s in steps][-1] == "balances add up"
    assert all(s.get("ok") for s in steps)
