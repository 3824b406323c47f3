"""Connect money events reach webhook endpoints like every other event: signed, in order."""

from __future__ import annotations

import stripe

from tests.support import flows
from tests.support.receiver import Receiver


def test_transfer_and_payout_events_are_delivered(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    with Receiver() as rx:
        platform_endpoint = client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["transfer.created", "transfer.reversed"]}
        )
        connect_endpoint = client.v1.webhook_endpoints.create(
            {
                "url": rx.url,
                "connect": True,
                "enabled_events": ["payout.created", "payout.paid", "account.external_account.created"],
            }
        )
        client.v1.topups.create({"amount": 2_000, "currency": "usd"})
        transfer = client.v1.transfers.create({"amount": 1_500, "currency": "usd", "destination": account.id})
        client.v1.transfers.reversals.create(transfer.id, {"amount": 500})
        client.v1.accounts.external_accounts.create(account.id, {"external_account": "btok_us_verified"})
        payout = client.v1.payouts.create({"amount": 1_000, "currency": "usd"}, {"stripe_account": account.id})
        received = rx.wait_for(5)
    assert platform_endpoint.secret and connect_endpoint.secret
    events = []
    for r in received:
        secret = connect_endpoint.secret if r.json().get("account") else platform_endpoint.secret
        events.append(r.event(secret))
    platform = [e.type for e in events if "account" not in e]
    connected = [(e.type, e["account"]) for e in events if "account" in e]
    assert platform == ["transfer.created", "transfer.reversed"]
    assert connected == [
        ("account.external_account.created", account.id),
        ("payout.created", account.id),
        ("payout.paid", account.id),
    ]
    # each endpoint keeps its own order; the two endpoints' deliveries may interleave either way
    [paid] = [e for e in events if e.type == "payout.paid"]
    assert paid.data.object["id"] == payout.id
