"""Many simultaneous authorizations on one card / financial account never overspend.

Stripe's checks and the hold happen atomically (no ``await`` between them) before the real-time
webhook is awaited, so with 50 purchases in flight at once on an account that can afford 10,
exactly 10 are approved, also while each approval waits on a slow real-time endpoint.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import issuing_flows
from tests.support.issuing_flows import Spender
from tests.support.receiver import Received, Receiver, json_answer

PATH = "/v1/test_helpers/issuing/authorizations"
VERSION = {"Stripe-Version": "2026-10-28.endive"}


async def fire(server: EmulatorServer, api_key: str, s: Spender, cards: list[str], amount: int) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {api_key}", "Stripe-Account": s.account}
    limits = httpx.Limits(max_connections=len(cards), max_keepalive_connections=len(cards))
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=30) as http:

        async def one(card: str) -> dict[str, Any]:
            r = await http.post(PATH, data={"card": card, "amount": str(amount)})
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        return list(await asyncio.gather(*(one(card) for card in cards)))


def patient(server: EmulatorServer, api_key: str) -> None:
    """A real-time window far wider than the endpoints' answers here take, so that a loaded
    machine (other tests on both cores) cannot turn a slow answer into a timeout."""
    server.state.platform(api_key).settings.rta_timeout_seconds = 30


def reasons(results: list[dict[str, Any]]) -> Counter[str]:
    return Counter(r["request_history"][-1]["reason"] for r in results)


def test_fifty_at_once_on_an_account_that_affords_ten(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    results = asyncio.run(fire(server, api_key, s, [s.card] * 50, 1_000))
    assert sum(r["approved"] for r in results) == 10
    assert reasons(results) == Counter({"card_active": 10, "insufficient_funds": 40})
    assert s.balance() == {"cash": 0, "inbound_pending": 0, "outbound_pending": 10_000}


def test_fifty_at_once_while_a_slow_endpoint_decides(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    patient(server, api_key)
    in_flight = {"now": 0, "max": 0}

    def slow_approval(_: Received) -> Any:
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.3)
        in_flight["now"] -= 1
        return json_answer(200, {"approved": True}, VERSION)

    with Receiver(slow_approval) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        results = asyncio.run(fire(server, api_key, s, [s.card] * 50, 1_000))
        asked = len(rx.requests)
    assert sum(r["approved"] for r in results) == 10
    assert reasons(results) == Counter({"webhook_approved": 10, "insufficient_funds": 40})
    assert asked == 10  # Stripe-side declines never reach the endpoint
    assert in_flight["max"] > 1  # the decisions really overlapped (measured, not timed)
    assert s.balance() == {"cash": 0, "inbound_pending": 0, "outbound_pending": 10_000}


def test_declining_endpoint_gives_the_holds_back(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    s = issuing_flows.spender(client, funds=10_000)
    patient(server, api_key)

    def decline_slowly(_: Received) -> Any:
        time.sleep(0.2)
        return json_answer(200, {"approved": False}, VERSION)

    with Receiver(decline_slowly) as rx:
        client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["issuing_authorization.request"], "connect": True}
        )
        results = asyncio.run(fire(server, api_key, s, [s.card] * 30, 1_000))
    # while the first ten were held the rest were refused; once declined, everything came back
    assert sum(r["approved"] for r in results) == 0
    assert reasons(results)["webhook_declined"] >= 10, reasons(results)
    assert s.balance() == {"cash": 10_000, "inbound_pending": 0, "outbound_pending": 0}


def test_many_cards_share_one_financial_account(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    s = issuing_flows.spender(client, funds=7_000)
    cards = [s.card] + [s.new_card() for _ in range(4)]
    results = asyncio.run(fire(server, api_key, s, cards * 10, 500))
    assert sum(r["approved"] for r in results) == 14
    assert s.balance() == {"cash": 0, "inbound_pending": 0, "outbound_pending": 7_000}


@pytest.mark.parametrize("interval", ["daily", "all_time"])
def test_spending_limit_under_concurrency(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient, interval: str
) -> None:
    s = issuing_flows.spender(client, funds=100_000)
    card = s.new_card(spending_controls={"spending_limits": [{"amount": 5_000, "interval": interval}]})
    results = asyncio.run(fire(server, api_key, s, [card] * 40, 1_000))
    assert sum(r["approved"] for r in results) == 5
    assert reasons(results) == Counter({"card_active": 5, "spending_controls": 35})


def test_cardholder_limit_across_cards_under_concurrency(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """A cardholder's interval limit covers all their cards, also with purchases racing on five cards."""
    s = issuing_flows.spender(client, funds=100_000)
    client.v1.issuing.cardholders.update(
        s.cardholder, {"spending_controls": {"spending_limits": [{"amount": 6_000, "interval": "weekly"}]}}, s.opts
    )
    cards = [s.card] + [s.new_card() for _ in range(4)]
    results = asyncio.run(fire(server, api_key, s, cards * 10, 1_000))
    assert sum(r["approved"] for r in results) == 6
    assert reasons(results) == Counter({"card_active": 6, "spending_controls": 44})
    assert s.balance() == {"cash": 94_000, "inbound_pending": 0, "outbound_pending": 6_000}
