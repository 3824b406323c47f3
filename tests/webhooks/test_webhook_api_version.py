"""An endpoint's pinned ``api_version`` names the version of the events it receives (Stripe renders
each endpoint's copy in it); the stored event, and endpoints without a pin, keep the account's default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from tests.support.receiver import Receiver

FA_PARAMS: dict[str, Any] = {"supported_currencies": ["usd"], "features": {"card_issuing": {"requested": True}}}
PINNED = "2024-06-20"


@pytest.fixture
def pinned() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def unpinned() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def test_pinned_endpoint_receives_its_api_version(
    client: stripe.StripeClient, pinned: Receiver, unpinned: Receiver
) -> None:
    first = client.v1.webhook_endpoints.create(
        {"url": pinned.url, "enabled_events": ["treasury.financial_account.created"], "api_version": PINNED}
    )
    second = client.v1.webhook_endpoints.create({"url": unpinned.url, "enabled_events": ["*"]})
    assert first.api_version == PINNED and second.api_version is None
    fa = client.v1.treasury.financial_accounts.create(FA_PARAMS)  # type: ignore[arg-type]
    pinned.wait_for(1)
    unpinned.wait_for(1)
    got = pinned.requests[0].event(str(first.secret))
    plain = unpinned.requests[0].event(str(second.secret))
    stored = client.v1.events.retrieve(got.id)
    assert got.id == plain.id == stored.id
    assert got.api_version == PINNED
    assert plain.api_version == stored.api_version == "2026-10-28.endive"
    assert got.data.object["id"] == fa.id
    # everything but the version (and the count-down of pending_webhooks) is the same event
    body, other = pinned.requests[0].json(), unpinned.requests[0].json()
    for field in ("api_version", "pending_webhooks"):
        body.pop(field), other.pop(field)
    assert body == other
