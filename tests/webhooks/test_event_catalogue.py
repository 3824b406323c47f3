"""Every action of an Issuing-on-Treasury life cycle, with the events it emits (api-notes section 5):
each type is one of Stripe's event types, each ``data.object`` validates against its official
schema, each event of a connected account carries ``account`` and its request's id and key, and
``previous_attributes`` holds only changed keys (never on ``*.created``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

import emulator
from tests.support import issuing_flows
from tests.support.receiver import Received, Receiver, json_answer
from tests.support.schema import SchemaValidator

REQUEST = "issuing_authorization.request"
VERSION = {"Stripe-Version": "2026-10-28.endive"}


def approve(r: Received) -> tuple[int, dict[str, str], bytes]:
    return json_answer(200, {"approved": True}, VERSION)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(approve) as r:
        yield r


def stripe_event_types() -> set[str]:
    """Stripe's event types: the ``enabled_events`` enum (2023 spec merged with the 2026 SDKs')."""
    overlay = json.loads((Path(emulator.__file__).parent / "spec" / "overlay-webhooks.json").read_text())
    enum = overlay["add_properties"]["post /v1/webhook_endpoints"]["enabled_events"]["items"]["enum"]
    return set(enum) - {"*"}


class Recorder:
    def __init__(self, http: httpx.Client, account: str) -> None:
        self.http = http
        self.account = account
        self.seen: set[str] = set()
        self.validator = SchemaValidator()
        self.problems: list[str] = []
        self.catalogue: dict[str, list[str]] = {}
        self.new()  # everything before the first action

    def new(self) -> list[dict[str, Any]]:
        r = self.http.get("/v1/events", params={"limit": 100}, headers={"Stripe-Account": self.account})
        assert r.status_code == 200, r.text
        fresh = [e for e in reversed(r.json()["data"]) if e["id"] not in self.seen]
        self.seen.update(e["id"] for e in fresh)
        return fresh

    def action(self, name: str, run: Callable[[], Any], expected: set[str]) -> Any:
        result = run()
        events = self.new()
        types = [e["type"] for e in events]
        self.catalogue[name] = types
        assert expected <= set(types), (name, types)
        for event in events:
            self.check(event)
        return result

    def check(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        assert event["account"] == self.account, kind
        request = event["request"]
        if request["id"] is None:  # automatic: what settles after the answer (a reversal completing)
            assert request["idempotency_key"] is None, kind
        else:
            assert request["id"].startswith("req_"), kind
        self.problems += self.validator.check_named(event, "event", kind)
        self.problems += self.validator.check_object(event["data"]["object"], f"{kind}.data.object")
        previous = event["data"].get("previous_attributes")
        if kind.endswith(".created") or kind == REQUEST:
            assert previous is None, kind
        if kind.endswith(".updated"):
            assert previous, f"{kind} with nothing changed"
            current = event["data"]["object"]
            for key, old in previous.items():
                assert current.get(key) != old, (kind, key)


def test_life_cycle_event_catalogue(client: stripe.StripeClient, http: httpx.Client, receiver: Receiver) -> None:
    known = stripe_event_types()
    client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*", REQUEST], "connect": True})
    spender = issuing_flows.spender(client)
    o: Any = spender.opts
    helpers = client.v1.test_helpers.issuing
    rec = Recorder(http, spender.account)

    auth = rec.action("authorize", lambda: spender.authorize(1000), {REQUEST, "issuing_authorization.created"})
    assert auth.approved and auth.request_history[-1].reason == "webhook_approved"
    rec.action(
        "increment",
        lambda: helpers.authorizations.increment(auth.id, {"increment_amount": 500}, o),
        {REQUEST, "issuing_authorization.updated"},
    )
    rec.action(
        "capture",
        lambda: helpers.authorizations.capture(auth.id, {}, o),
        {"issuing_transaction.created", "issuing_authorization.updated"},
    )
    second = rec.action("authorize again", lambda: spender.authorize(700), {"issuing_authorization.created"})
    rec.action("reverse", lambda: helpers.authorizations.reverse(second.id, {}, o), {"issuing_authorization.updated"})
    third = rec.action("authorize a third", lambda: spender.authorize(300), {"issuing_authorization.created"})
    rec.action("expire", lambda: helpers.authorizations.expire(third.id, {}, o), {"issuing_authorization.updated"})
    forced = rec.action(
        "force capture",
        lambda: helpers.transactions.create_force_capture({"card": spender.card, "amount": 300}, o),
        {"issuing_transaction.created"},
    )
    rec.action("refund", lambda: helpers.transactions.refund(forced.id, {}, o), {"issuing_transaction.created"})
    rec.action(
        "unlinked refund",
        lambda: helpers.transactions.create_unlinked_refund({"card": spender.card, "amount": 200}, o),
        {"issuing_transaction.created"},
    )
    capture_tx = client.v1.issuing.transactions.list({"card": spender.card, "type": "capture"}, o).data[-1]
    dispute = rec.action(
        "dispute",
        lambda: client.v1.issuing.disputes.create(
            {"transaction": capture_tx.id, "evidence": {"reason": "fraudulent", "fraudulent": {"explanation": "x"}}},
            o,
        ),
        {"issuing_dispute.created"},
    )
    rec.action("submit", lambda: client.v1.issuing.disputes.submit(dispute.id, {}, o), {"issuing_dispute.submitted"})
    rec.action(
        "card metadata",
        lambda: client.v1.issuing.cards.update(spender.card, {"metadata": {"k": "v"}}, o),
        {"issuing_card.updated"},
    )
    rec.action(
        "cancel card",
        lambda: client.v1.issuing.cards.update(spender.card, {"status": "canceled"}, o),
        {"issuing_card.updated"},
    )
    declined = rec.action("spend on a canceled card", lambda: spender.authorize(100), {"issuing_authorization.created"})
    assert REQUEST not in rec.catalogue["spend on a canceled card"]  # Stripe-side declines ask nobody
    assert declined.request_history[-1].reason == "card_canceled"
    rec.action(
        "cardholder inactive",
        lambda: client.v1.issuing.cardholders.update(spender.cardholder, {"status": "inactive"}, o),
        {"issuing_cardholder.updated"},
    )
    emitted = {t for types in rec.catalogue.values() for t in types}
    assert emitted <= known, emitted - known
    assert rec.problems == []
    # every event reached the Connect endpoint, the real-time ones synchronously, all signed
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(receiver.requests) < len(rec.seen):
        time.sleep(0.05)
    assert {r.json()["id"] for r in receiver.requests} >= rec.seen


def test_no_op_account_update_emits_nothing(client: stripe.StripeClient, http: httpx.Client) -> None:
    spender = issuing_flows.spender(client)
    rec = Recorder(http, spender.account)
    client.v1.accounts.update(spender.account, {"metadata": {}})
    assert [e["type"] for e in rec.new()] == []
