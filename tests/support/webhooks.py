"""Webhook endpoints, fast retries and delivery records to test with."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import stripe

from tests.support import flows

# an event source: a financial account without features makes one event (with features, their
# activation right after the answer makes a second, features_status_updated)
FA_PARAMS: dict[str, Any] = {"supported_currencies": ["usd"]}


def fast_retries(http: httpx.Client, *delays: float) -> None:
    r = http.post("/_emulator/webhooks/settings", json={"retry_schedule": list(delays)})
    assert r.status_code == 200, r.text
    assert r.json()["retry_schedule"] == list(delays)


def endpoint(client: stripe.StripeClient, url: str, events: list[str] | None = None, **extra: Any) -> Any:
    params: dict[str, Any] = {"url": url, "enabled_events": events or ["*"], **extra}
    return client.v1.webhook_endpoints.create(params)  # type: ignore[arg-type]


def deliveries(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    r = http.get("/_emulator/webhooks/deliveries", params=params)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def platform_events(client: stripe.StripeClient, count: int) -> list[str]:
    """Make ``count`` platform events (a financial account, then received credits: at least ``count``);
    their ids, oldest first."""
    fa = client.v1.treasury.financial_accounts.create(FA_PARAMS)  # type: ignore[arg-type]
    made = 1
    while made < count:
        flows.fund(client, None, fa.id, 100)  # type: ignore[arg-type]
        made += 1  # treasury.received_credit.created
    ids = [e.id for e in client.v1.events.list({"limit": 100}).auto_paging_iter()]
    return list(reversed(ids))
