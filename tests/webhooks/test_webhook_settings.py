"""``/_emulator/webhooks/settings``: ``null`` resets a real-time switch to its default, and the
decision window always stays a number (a null setting once made every real-time authorization
decline with ``webhook_error``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from emulator.webhooks import realtime
from tests.support import issuing_flows
from tests.support.receiver import Receiver, json_answer

VERSION = {"Stripe-Version": "2026-10-28.endive"}
REQUEST = "issuing_authorization.request"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(lambda r: json_answer(200, {"approved": True}, VERSION)) as r:
        yield r


def settings(http: httpx.Client, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST ``body`` (GET without one); the settings afterwards."""
    if body is None:
        r = http.get("/_emulator/webhooks/settings")
    else:
        r = http.post("/_emulator/webhooks/settings", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_null_resets_real_time_settings_to_their_defaults(http: httpx.Client) -> None:
    changed = settings(http, {"rta_timeout_seconds": 0.5, "rta_timeout_approves": True})
    assert (changed["rta_timeout_seconds"], changed["rta_timeout_approves"]) == (0.5, True)
    reset = settings(http, {"rta_timeout_seconds": None, "rta_timeout_approves": None})
    assert (reset["rta_timeout_seconds"], reset["rta_timeout_approves"]) == (2.0, False)
    assert settings(http)["rta_timeout_seconds"] == 2.0


def test_empty_form_value_resets_too(http: httpx.Client) -> None:
    settings(http, {"rta_timeout_seconds": 1.25})
    r = http.post(
        "/_emulator/webhooks/settings",
        content=b"rta_timeout_seconds=&rta_timeout_approves=true",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["rta_timeout_seconds"], r.json()["rta_timeout_approves"]) == (2.0, True)


def test_bad_values_are_still_refused(http: httpx.Client) -> None:
    for body in ({"rta_timeout_seconds": -1}, {"rta_timeout_seconds": "soon"}, {"rta_timeout_approves": "maybe"}):
        r = http.post("/_emulator/webhooks/settings", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["param"] == next(iter(body))


def test_real_time_decision_works_after_a_null_reset(
    client: stripe.StripeClient, http: httpx.Client, receiver: Receiver
) -> None:
    spender = issuing_flows.spender(client)
    client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": [REQUEST], "connect": True})
    settings(http, {"rta_timeout_seconds": None})
    auth = spender.authorize(900)
    assert (auth.approved, auth.status, auth.amount) == (True, "pending", 900)
    assert auth.request_history[-1].reason == "webhook_approved"


@pytest.mark.parametrize(("value", "window"), [(None, 2.0), ("x", 2.0), (float("nan"), 2.0), (-3, 0.0), (0.25, 0.25)])
def test_window_is_always_a_usable_number(value: Any, window: float) -> None:
    assert realtime._window(value) == window
