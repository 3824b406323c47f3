"""The second validator (``tests/support/schema_2026.py``: the 2026 shapes from stripe-node's types) and the
webhook-payload hook: both must catch what they claim to catch, accept Stripe's own 2026 examples,
and be live on the session server."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import schema_2026
from tests.support.receiver import Receiver
from tests.support.schema import CONFORMANCE, ConformanceRecorder, SchemaValidator

SPEC_DIR = Path(__file__).resolve().parents[2] / "emulator" / "spec"
NEWER = schema_2026.load()
needs_types = pytest.mark.skipif(NEWER is None, reason="tests/node/node_modules missing (run npm ci in tests/node)")


def latest(name: str) -> dict[str, Any]:
    with open(SPEC_DIR / "fixtures-subset-latest.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)["resources"][name]
    copy: dict[str, Any] = json.loads(json.dumps(data))
    return copy


# Stripe's own 2026 example account lacks one field its 2026 types call required.
FIXTURE_QUIRKS = {"account": ["account.business_profile.specified_commercial_transactions_act_url: missing"]}


@needs_types
@pytest.mark.parametrize(
    "name", sorted(json.loads((SPEC_DIR / "fixtures-subset-latest.json").read_text())["resources"])
)
def test_stripe_2026_examples_match_the_2026_types(name: str) -> None:
    assert NEWER is not None
    problems = [p.split(" @ ")[0] for p in NEWER.check_body(latest(name))]
    assert problems == FIXTURE_QUIRKS.get(name, [])


@needs_types
def test_every_object_type_in_scope_has_2026_types() -> None:
    assert NEWER is not None
    for kind in (
        "account",
        "account(deleted)",
        "capability",
        "event",
        "webhook_endpoint",
        "webhook_endpoint(deleted)",
        "issuing.authorization",
        "issuing.card",
        "issuing.cardholder",
        "issuing.dispute",
        "issuing.transaction",
        "issuing.token",
        "issuing.personalization_design",
        "issuing.physical_bundle",
        "treasury.financial_account",
        "treasury.financial_account_features",
        "treasury.transaction",
        "treasury.transaction_entry",
        "treasury.received_credit",
        "treasury.received_debit",
        "treasury.outbound_transfer",
        "treasury.outbound_payment",
        "treasury.inbound_transfer",
        "treasury.credit_reversal",
        "treasury.debit_reversal",
    ):
        assert kind in NEWER.by_object, kind
    assert NEWER.event_objects["issuing_card.updated"] == "Issuing.Card"
    assert NEWER.event_objects["treasury.received_credit.created"] == "Treasury.ReceivedCredit"


def _outbound_transfer() -> dict[str, Any]:
    return latest("treasury.outbound_transfer")


@needs_types
@pytest.mark.parametrize(
    ("name", "change", "fragment"),
    [
        # inside newer fields, which tests/support/schema.py allows without looking into them
        (
            "issuing.card",
            lambda c: c.update(lifecycle_controls={"cancel_after": {}}),
            "issuing.card.lifecycle_controls.cancel_after.payment_count: missing",
        ),
        ("issuing.card", lambda c: c.pop("second_line"), "issuing.card.second_line: missing"),
        (
            "treasury.outbound_transfer",
            lambda o: o["tracking_details"].update(us_domestic_wire=None),
            "treasury.outbound_transfer.tracking_details.us_domestic_wire: null",
        ),
        ("issuing.authorization", lambda a: a.update(status=7), "issuing.authorization.status: type"),
        ("issuing.authorization", lambda a: a.update(fuel={"type": 5}), "issuing.authorization.fuel.type: type"),
        ("issuing.authorization", lambda a: a.update(bogus=1), "issuing.authorization.bogus: unknown"),
        ("issuing.physical_bundle", lambda b: b.update(status=None), "issuing.physical_bundle.status: null"),
        ("issuing.token", lambda t: t.update(network=None), "issuing.token.network: null"),
        (
            "issuing.personalization_design",
            lambda d: d.update(preferences={}),
            "issuing.personalization_design.preferences.is_default: missing",
        ),
        ("event", lambda e: e.update(type="issuing_card.melted"), "event.type: enum"),
    ],
)
def test_2026_violations_are_caught(name: str, change: Any, fragment: str) -> None:
    assert NEWER is not None
    obj = latest(name)
    change(obj)
    problems = NEWER.check_body(obj)
    assert any(p.startswith(fragment) for p in problems), problems


@needs_types
def test_event_type_must_carry_its_object_and_previous_attributes_its_fields() -> None:
    assert NEWER is not None
    event = latest("event")
    event["type"] = "issuing_card.updated"
    event["data"] = {"object": latest("issuing.card"), "previous_attributes": {"status": "inactive"}}
    assert NEWER.check_body(event) == []
    event["type"] = "issuing_cardholder.updated"
    assert any(p.startswith("event.type: mismatch") for p in NEWER.check_body(event))
    event["type"] = "issuing_card.updated"
    event["data"]["previous_attributes"] = {"colour": "red"}
    assert any("'colour' is not a field of Issuing.Card" in p for p in NEWER.check_body(event))
    event["data"]["previous_attributes"] = {}
    event["data"]["object"]["lifecycle_controls"] = {"cancel_after": {}}  # data.object is checked in full
    assert any("data.object.lifecycle_controls.cancel_after.payment_count" in p for p in NEWER.check_body(event))


@needs_types
def test_lists_are_checked_item_by_item() -> None:
    assert NEWER is not None
    bad = latest("issuing.card")
    bad["status"] = None
    page = {"object": "list", "url": "/v1/issuing/cards", "has_more": False, "data": [latest("issuing.card"), bad]}
    assert [p.split(" @ ")[1].split(":")[0] for p in NEWER.check_body(page)] == ["data[1].status"]
    token = latest("issuing.token")
    token["network_data"] = None  # optional, but never null in Stripe's types
    assert [p.split(" @ ")[1].split(":")[0] for p in NEWER.check_body(token)] == ["issuing.token.network_data"]


@needs_types
def test_the_recorder_runs_both_validators() -> None:
    recorder = ConformanceRecorder(SchemaValidator(), lambda method, path: None, NEWER)
    card = latest("issuing.card")
    card["lifecycle_controls"] = {"cancel_after": {}}  # fine for the 2023 validator (a newer field)
    recorder.observe("GET", "/v1/issuing/cards/ic_1", 200, json.dumps(card).encode())
    taken = recorder.take()
    assert len(taken) == 1 and "payment_count: missing" in taken[0], taken


def test_webhook_bodies_are_validated_by_the_recorder() -> None:
    recorder = ConformanceRecorder(SchemaValidator(), lambda method, path: None, NEWER)
    event = latest("event")
    event["type"] = "issuing_card.created"
    event["data"] = {"object": latest("issuing.card")}
    recorder.observe_webhook(json.dumps(event).encode())
    assert recorder.take() == []
    event["data"]["object"]["status"] = "melted"
    recorder.observe_webhook(json.dumps(event).encode())
    recorder.observe_webhook(json.dumps(latest("issuing.card")).encode())  # not an event
    taken = recorder.take()
    assert len(taken) == 2 and all(t.startswith("webhook payload:") for t in taken), taken
    assert "status" in taken[0] and "not an event" in taken[1], taken


def test_webhook_deliveries_of_the_session_server_reach_the_recorder(
    request: pytest.FixtureRequest, server: EmulatorServer, client: stripe.StripeClient
) -> None:
    recorder = request.config.stash[CONFORMANCE]
    seen: list[bytes] = []
    original = recorder.observe_webhook
    lock = threading.Lock()

    def spy(body: bytes) -> None:
        with lock:
            seen.append(body)
        original(body)

    recorder.observe_webhook = spy  # type: ignore[method-assign]
    try:
        with Receiver() as receiver:
            client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
            fa = client.v1.treasury.financial_accounts.create(
                {"supported_currencies": ["usd"], "features": {"card_issuing": {"requested": True}}}
            )
            delivered = receiver.wait_for(1)
            httpx.get(server.url + "/_emulator/health")
    finally:
        recorder.observe_webhook = original  # type: ignore[method-assign]
    with lock:
        bodies = [json.loads(b) for b in seen]
    assert delivered and bodies
    assert any(b["data"]["object"].get("id") == fa.id for b in bodies)


@needs_types
def test_the_session_hook_runs_the_2026_validator(request: pytest.FixtureRequest, server: EmulatorServer) -> None:
    recorder = request.config.stash[CONFORMANCE]
    assert recorder.newer is not None and NEWER is not None
    assert set(recorder.newer.by_object) == set(NEWER.by_object)
