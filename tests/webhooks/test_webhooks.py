"""Webhook endpoints and signed, retried delivery (first attempts in order) to a real receiver on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.cli import settings_from_args
from emulator.settings import Settings
from emulator.webhooks import forward, signing
from tests.support import flows, issuing_flows
from tests.support.receiver import Answer, Received, Receiver, json_answer
from tests.support.schema import SchemaValidator
from tests.support.webhooks import FA_PARAMS, deliveries, endpoint, fast_retries, platform_events, wait_until

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


# --- endpoints CRUD --------------------------------------------------------------------------------


def test_endpoint_lifecycle(client: stripe.StripeClient) -> None:
    created = endpoint(client, "https://example.com/hook", ["issuing_card.created"], description="mine")
    assert created.id.startswith("we_")
    assert created.secret.startswith("whsec_")
    assert created.status == "enabled"
    assert created.enabled_events == ["issuing_card.created"]
    assert created.api_version is None
    assert created.application is None
    assert created.livemode is False
    assert created.description == "mine"
    fetched = client.v1.webhook_endpoints.retrieve(created.id)
    assert "secret" not in fetched.to_dict()
    assert fetched.url == "https://example.com/hook"
    updated = client.v1.webhook_endpoints.update(
        created.id,
        {"url": "https://example.com/v2", "enabled_events": ["*"], "metadata": {"a": "1"}, "disabled": True},
    )
    assert (updated.url, updated.enabled_events, updated.status) == ("https://example.com/v2", ["*"], "disabled")
    assert updated.metadata.to_dict() == {"a": "1"}
    assert "secret" not in updated.to_dict()
    again = client.v1.webhook_endpoints.update(created.id, {"disabled": False, "description": ""})
    assert again.status == "enabled"
    assert again.description is None
    deleted = client.v1.webhook_endpoints.delete(created.id)
    assert deleted.deleted is True and deleted.id == created.id
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.webhook_endpoints.retrieve(created.id)
    assert exc.value.http_status == 404
    assert exc.value.user_message == f"No such webhook endpoint: '{created.id}'"


def test_endpoint_list_and_api_version(client: stripe.StripeClient) -> None:
    made = [endpoint(client, f"https://example.com/{i}", api_version="2026-10-28.endive").id for i in range(3)]
    listed = client.v1.webhook_endpoints.list({"limit": 2})
    assert listed.has_more is True
    assert [e.id for e in client.v1.webhook_endpoints.list().auto_paging_iter()] == made[::-1]
    assert all(e.api_version == "2026-10-28.endive" for e in listed.data)
    validator = SchemaValidator()
    for e in listed.data:
        assert validator.check_named(e.to_dict(), "webhook_endpoint") == []


@pytest.mark.parametrize(
    ("params", "fragment", "param"),
    [
        ({"enabled_events": ["*"]}, "Missing required param: url.", "url"),
        ({"url": "https://example.com/h"}, "Missing required param: enabled_events.", "enabled_events"),
        ({"url": "example.com/h", "enabled_events": ["*"]}, "An explicit scheme", "url"),
        ({"url": "ftp://example.com/h", "enabled_events": ["*"]}, "http or https", "url"),
        ({"url": "https://", "enabled_events": ["*"]}, "Invalid URL", "url"),
        (
            {"url": "https://example.com/h", "enabled_events": ["nope.happened"]},
            "Invalid enabled_events[0]: must be one of",
            "enabled_events[0]",
        ),
        ({"url": "https://example.com/h", "enabled_events": ["*"], "secret": "whsec_x"}, "unknown parameter", "secret"),
        (
            {"url": "https://example.com/h", "enabled_events": ["*"], "api_version": "1999-01-01"},
            "Invalid api_version",
            None,
        ),
    ],
)
def test_endpoint_create_refusals(http: httpx.Client, params: dict[str, Any], fragment: str, param: str | None) -> None:
    form: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, list):
            form.update({f"{key}[{i}]": v for i, v in enumerate(value)})
        else:
            form[key] = value
    r = http.post("/v1/webhook_endpoints", data=form)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert fragment in error["message"]
    if param is not None:
        assert error["param"] == param
    assert http.get("/v1/webhook_endpoints").json()["data"] == []


def test_endpoint_limit(client: stripe.StripeClient) -> None:
    for i in range(16):
        endpoint(client, f"https://example.com/{i}")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        endpoint(client, "https://example.com/17")
    assert "maximum of 16" in (exc.value.user_message or "")


def test_newer_event_types_are_accepted(client: stripe.StripeClient) -> None:
    created = endpoint(client, "https://example.com/h", ["issuing_token.created", "issuing_dispute.funds_rescinded"])
    assert created.enabled_events == ["issuing_token.created", "issuing_dispute.funds_rescinded"]


# --- delivery ---------------------------------------------------------------------------------------


def test_delivery_is_signed_and_verifiable(client: stripe.StripeClient, http: httpx.Client, receiver: Receiver) -> None:
    we = endpoint(client, receiver.url)
    (event_id,) = platform_events(client, 1)
    (got,) = receiver.wait_for(1)
    event = got.event(we.secret)  # the real SDK's construct_event verifies the signature
    assert event.id == event_id
    assert event.type == "treasury.financial_account.created"
    assert got.headers["content-type"] == "application/json; charset=utf-8"
    assert got.headers["user-agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    header = got.headers["stripe-signature"]
    assert header.startswith("t=") and ",v1=" in header
    assert signing.verify(got.body, header, we.secret)
    assert not signing.verify(got.body, header, "whsec_wrong")
    with pytest.raises(stripe.SignatureVerificationError):
        got.event("whsec_wrong")
    body = got.json()
    assert body["pending_webhooks"] == 1
    validator = SchemaValidator()
    assert validator.check_named(body, "event") == []
    assert validator.check_object(body["data"]["object"], "data.object") == []
    # the stored event is the same, and counts down once delivered
    wait_until(lambda: client.v1.events.retrieve(event_id).pending_webhooks == 0)
    stored = http.get(f"/v1/events/{event_id}").json()
    assert {k: v for k, v in stored.items() if k != "pending_webhooks"} == {
        k: v for k, v in body.items() if k != "pending_webhooks"
    }
    (record,) = deliveries(http, event=event_id)
    assert record["status"] == "succeeded"
    assert record["endpoint"] == we.id
    (attempt,) = record["attempts"]
    assert attempt["status_code"] == 200 and attempt["error"] is None and attempt["duration_ms"] >= 0


def test_enabled_events_select_what_is_sent(client: stripe.StripeClient, receiver: Receiver) -> None:
    we = endpoint(client, receiver.url, ["treasury.received_credit.created"])
    platform_events(client, 3)  # 1 financial account + 2 received credits
    got = receiver.wait_for(2)
    time.sleep(0.2)
    assert len(receiver.requests) == 2
    assert [r.event(we.secret).type for r in got] == ["treasury.received_credit.created"] * 2


def test_settlement_events_need_explicit_selection(client: stripe.StripeClient, http: httpx.Client) -> None:
    """``issuing_settlement.*`` are gated (Settlement feature) types outside the SDKs' GA event
    list: ``*`` does not cover them, naming them does."""
    settlement_types = ["issuing_settlement.created", "issuing_settlement.updated"]
    with Receiver() as everything, Receiver() as named:
        endpoint(client, everything.url)
        we = endpoint(client, named.url, settlement_types)
        assert we.enabled_events == settlement_types
        spender = issuing_flows.spender(client)
        auth = spender.authorize(1_000)
        client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=spender.opts)  # type: ignore[arg-type]
        assert http.post("/_emulator/clock", data={"advance": "86400"}).status_code == 200
        assert len(http.get("/v1/issuing/settlements").json()["data"]) == 1  # the ended day is settled now
        (got,) = named.wait_for(1)
        assert got.event(we.secret).type == "issuing_settlement.created"
        # deliveries are recorded when the event is made: the "*" endpoint has none for it
        assert [d["endpoint"] for d in deliveries(http, type="issuing_settlement.created")] == [we.id]
        assert "issuing_settlement.created" not in [r.json()["type"] for r in everything.requests]


def test_deliveries_keep_event_order(client: stripe.StripeClient, receiver: Receiver) -> None:
    def slow(received: Received) -> Answer:
        time.sleep(0.02)
        return 200, {}, b""

    receiver.respond = slow
    we = endpoint(client, receiver.url)
    made = platform_events(client, 9)
    got = receiver.wait_for(len(made))
    assert [r.event(we.secret).id for r in got] == made


def test_connect_and_platform_endpoints_are_routed(client: stripe.StripeClient) -> None:
    with Receiver() as own, Receiver() as connect:
        own_we = endpoint(client, own.url)
        connect_we = endpoint(client, connect.url, connect=True)
        account = flows.connected_account(client)
        platform_events(client, 1)
        connected_events = client.v1.events.list(options={"stripe_account": account.id}).data
        assert connected_events
        connect.wait_for(len(connected_events))
        own.wait_for(1)
        time.sleep(0.2)
        platform_side = own.events(own_we.secret)
        connect_side = connect.events(connect_we.secret)
        assert [e.type for e in platform_side] == ["treasury.financial_account.created"]
        assert all("account" not in e.to_dict() for e in platform_side)
        assert {e.account for e in connect_side} == {account.id}
        assert [e.id for e in connect_side] == [e.id for e in reversed(connected_events)]


def test_connected_account_own_endpoint(client: stripe.StripeClient, receiver: Receiver) -> None:
    account = flows.connected_account(client)
    we = client.v1.webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["account.updated"]}, {"stripe_account": account.id}
    )
    assert client.v1.webhook_endpoints.list().data == []  # it belongs to the connected account
    client.v1.accounts.update(account.id, {"metadata": {"x": "1"}})
    (got,) = receiver.wait_for(1)
    event = got.event(str(we.secret))
    assert (event.type, event.account) == ("account.updated", account.id)


def test_disabled_and_deleted_endpoints_get_nothing(client: stripe.StripeClient, receiver: Receiver) -> None:
    we = endpoint(client, receiver.url)
    client.v1.webhook_endpoints.update(we.id, {"disabled": True})
    other = endpoint(client, receiver.url)
    client.v1.webhook_endpoints.delete(other.id)
    platform_events(client, 3)
    time.sleep(0.3)
    assert receiver.requests == []
    assert all(e.pending_webhooks == 0 for e in client.v1.events.list().data)


def test_retries_after_the_receiver_was_down(client: stripe.StripeClient, http: httpx.Client) -> None:
    receiver = Receiver().up()
    try:
        fast_retries(http, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.5, 0.5, 1.0, 1.0)
        we = endpoint(client, receiver.url)
        receiver.down()
        made = platform_events(client, 5)
        wait_until(lambda: any(d["attempts"] for d in deliveries(http)))
        time.sleep(0.4)
        head = deliveries(http)[0]
        assert head["status"] == "pending"
        assert len(head["attempts"]) >= 2
        assert all(a["status_code"] is None and a["error"] for a in head["attempts"])
        assert client.v1.events.retrieve(made[0]).pending_webhooks == 1
        assert [e.id for e in client.v1.events.list({"delivery_success": False}).data] == made[::-1]
        receiver.up()
        receiver.wait_for(len(made), timeout=15)
        wait_until(lambda: all(d["status"] == "succeeded" for d in deliveries(http)), timeout=15)
        got = [r.event(we.secret).id for r in receiver.requests]
        assert sorted(got) == sorted(made) and len(got) == len(made)  # nothing lost, each once
        wait_until(lambda: all(d["status"] == "succeeded" for d in deliveries(http)))
        assert client.v1.events.list({"delivery_success": False}).data == []
        assert all(e.pending_webhooks == 0 for e in client.v1.events.list().data)
    finally:
        receiver.down()


def test_non_2xx_answers_are_retried(client: stripe.StripeClient, http: httpx.Client, receiver: Receiver) -> None:
    answers = iter([500, 404, 302, 200])
    receiver.respond = lambda r: (next(answers), {"Location": "https://example.com"}, b"nope")
    fast_retries(http, 0.05, 0.05, 0.05, 0.05)
    endpoint(client, receiver.url)
    (event_id,) = platform_events(client, 1)
    receiver.wait_for(4)
    wait_until(lambda: deliveries(http)[0]["status"] == "succeeded")
    (record,) = deliveries(http, event=event_id)
    assert [a["status_code"] for a in record["attempts"]] == [500, 404, 302, 200]
    assert record["attempts"][0]["response_body"] == "nope"


def test_exhausted_retries_fail_then_replay(
    client: stripe.StripeClient, http: httpx.Client, receiver: Receiver
) -> None:
    status = {"code": 503}
    receiver.respond = lambda r: json_answer(status["code"], {})
    fast_retries(http, 0.05)
    we = endpoint(client, receiver.url)
    made = platform_events(client, 3)
    receiver.wait_for(2 * len(made))
    wait_until(lambda: all(d["status"] == "failed" for d in deliveries(http)))
    records = deliveries(http)
    assert [len(d["attempts"]) for d in records] == [2, 2, 2]
    assert [e.id for e in client.v1.events.list({"delivery_success": False}).data] == made[::-1]
    status["code"] = 200
    replayed = http.post(f"/_emulator/webhooks/deliveries/{records[0]['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "succeeded"
    assert replayed.json()["attempts"][-1]["trigger"] == "replay"
    assert client.v1.events.retrieve(made[0]).pending_webhooks == 0
    assert [e.id for e in client.v1.events.list({"delivery_success": True}).data] == [made[0]]
    assert receiver.requests[-1].event(str(we.secret)).id == made[0]
    assert len(deliveries(http, status="failed")) == 2
    assert [d["event"] for d in deliveries(http, status="succeeded")] == [made[0]]


def test_replay_of_a_waiting_delivery(client: stripe.StripeClient, http: httpx.Client, receiver: Receiver) -> None:
    status = {"code": 500}
    receiver.respond = lambda r: json_answer(status["code"], {})
    fast_retries(http, 30.0)  # each failed delivery would wait 30 s before its retry
    endpoint(client, receiver.url)
    made = platform_events(client, 3)
    receiver.wait_for(len(made))  # every first attempt is made: none waits behind another's retry
    wait_until(lambda: all(d["next_attempt_at"] is not None for d in deliveries(http)))
    status["code"] = 200
    head = deliveries(http)[0]
    assert head["status"] == "pending" and len(head["attempts"]) == 1
    replayed = http.post(f"/_emulator/webhooks/deliveries/{head['id']}/replay").json()
    assert replayed["status"] == "succeeded" and replayed["next_attempt_at"] is None
    assert client.v1.events.retrieve(made[0]).pending_webhooks == 0
    time.sleep(0.2)
    assert len(receiver.requests) == len(made) + 1  # the replay only: the worker does not send it again
    assert [d["status"] for d in deliveries(http)] == ["succeeded", "pending", "pending"]


def test_a_failing_event_does_not_hold_back_later_ones(
    client: stripe.StripeClient, http: httpx.Client, receiver: Receiver
) -> None:
    """A receiver that refuses one event type (400, as handlers often answer types they do not
    handle) still gets the later events at once; the refused one waits for its retry on its own."""
    receiver.respond = lambda r: json_answer(400 if r.json()["type"] == "issuing_cardholder.created" else 200, {})
    we = endpoint(client, receiver.url)
    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params())  # type: ignore[arg-type]
    card = client.v1.issuing.cards.create({"cardholder": holder.id, "currency": "usd", "type": "virtual"})
    client.v1.issuing.cards.update(card.id, {"metadata": {"a": "1"}})
    got = receiver.wait_for(3, timeout=5)  # the default schedule's first retry is 1 s away, the next 5 s
    assert [r.event(we.secret).type for r in got[:3]] == [
        "issuing_cardholder.created",
        "issuing_card.created",
        "issuing_card.updated",
    ]
    events = {e.type: e for e in client.v1.events.list().data}
    wait_until(lambda: client.v1.events.retrieve(events["issuing_card.updated"].id).pending_webhooks == 0)
    assert client.v1.events.retrieve(events["issuing_card.created"].id).pending_webhooks == 0
    assert client.v1.events.retrieve(events["issuing_cardholder.created"].id).pending_webhooks == 1
    (refused,) = deliveries(http, status="pending")
    assert refused["event_type"] == "issuing_cardholder.created"
    assert [a["status_code"] for a in refused["attempts"]][:1] == [400]
    assert [e.type for e in client.v1.events.list({"delivery_success": False}).data] == ["issuing_cardholder.created"]


def test_a_frozen_clock_holds_back_retries_not_new_events(
    client: stripe.StripeClient, http: httpx.Client, receiver: Receiver
) -> None:
    assert http.post("/_emulator/clock", data={"freeze": "true"}).json()["frozen"] is True
    status = {"code": 503}
    receiver.respond = lambda r: json_answer(status["code"], {})
    we = endpoint(client, receiver.url, ["issuing_cardholder.created"])
    client.v1.issuing.cardholders.create(flows.guide_cardholder_params(name="First One"))  # type: ignore[arg-type]
    receiver.wait_for(1)
    wait_until(lambda: deliveries(http)[0]["next_attempt_at"] is not None)  # due 1 s later on the frozen clock
    status["code"] = 200
    client.v1.issuing.cardholders.create(flows.guide_cardholder_params(name="Second One"))  # type: ignore[arg-type]
    got = receiver.wait_for(2)
    assert got[1].event(we.secret).data.object["name"] == "Second One"
    time.sleep(1.5)  # real time passes the retry's due time; the frozen platform clock does not
    first, second = deliveries(http)
    assert (first["status"], len(first["attempts"]), second["status"]) == ("pending", 1, "succeeded")
    assert len(receiver.requests) == 2
    # the clock runs again (from the frozen instant): the retry falls due a second later and is sent
    assert http.post("/_emulator/clock", data={"freeze": "false"}).json()["frozen"] is False
    wait_until(lambda: deliveries(http)[0]["status"] == "succeeded", timeout=5)
    assert [r.event(we.secret).data.object["name"] for r in receiver.requests] == [
        "First One",
        "Second One",
        "First One",
    ]


def test_api_is_not_blocked_by_a_slow_receiver(client: stripe.StripeClient, receiver: Receiver) -> None:
    release = threading.Event()

    def stuck(received: Received) -> Answer:
        release.wait(5)
        return 200, {}, b""

    receiver.respond = stuck
    endpoint(client, receiver.url)
    try:
        started = time.monotonic()
        platform_events(client, 5)
        client.v1.events.list()
        assert time.monotonic() - started < 2.0
        receiver.wait_for(1)
    finally:
        release.set()
    receiver.wait_for(5)


# --- the control routes ------------------------------------------------------------------------------


def test_control_routes_refuse_bad_input(http: httpx.Client, server: EmulatorServer) -> None:
    assert http.get("/_emulator/webhooks/deliveries/whdel_nope").status_code == 404
    assert http.post("/_emulator/webhooks/deliveries/whdel_nope/replay").status_code == 404
    assert httpx.get(server.url + "/_emulator/webhooks/settings").status_code == 401
    for bad in (
        {"retry_schedule": [-1]},
        {"retry_schedule": ["x"]},
        {"retry_schedule": [1] * 21},
        {"rta_timeout_seconds": 999},
        {"rta_timeout_approves": "maybe"},
        {"bogus": 1},
    ):
        r = http.post("/_emulator/webhooks/settings", json=bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["type"] == "invalid_request_error"
    assert (
        http.post(
            "/_emulator/webhooks/settings", content=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert http.get("/_emulator/webhooks/deliveries", params={"limit": "0"}).status_code == 400
    form = http.post("/_emulator/webhooks/settings", data={"rta_timeout_approves": "true", "retry_schedule": "0.5,1"})
    assert form.status_code == 200
    assert form.json()["rta_timeout_approves"] is True
    assert form.json()["retry_schedule"] == [0.5, 1.0]
    reset = http.post("/_emulator/webhooks/settings", json={"retry_schedule": None}).json()
    assert reset["retry_schedule"] == list(Settings().webhook_retry_schedule)


def test_deliveries_without_a_key_list_every_platform(
    client: stripe.StripeClient, server: EmulatorServer, receiver: Receiver
) -> None:
    endpoint(client, receiver.url)
    (event_id,) = platform_events(client, 1)
    receiver.wait_for(1)
    everything = httpx.get(server.url + "/_emulator/webhooks/deliveries", params={"event": event_id}).json()["data"]
    assert [d["event"] for d in everything] == [event_id]
    assert everything[0]["platform"].startswith("sk_test_")


# --- --forward-to --------------------------------------------------------------------------------------


def test_forward_to_receives_every_event_signed(receiver: Receiver) -> None:
    settings = Settings(port=0, log_level="warning", forward_to=receiver.url, forward_secret="whsec_forwarded")
    srv = EmulatorServer(settings=settings)
    with srv as url:
        client = stripe.StripeClient("sk_test_forward", base_addresses={"api": url})
        account = flows.connected_account(client)
        client.v1.treasury.financial_accounts.create(FA_PARAMS)  # type: ignore[arg-type]
        own = client.v1.events.list().data
        theirs = client.v1.events.list(options={"stripe_account": account.id}).data
        receiver.wait_for(len(own) + len(theirs))
        got = receiver.events("whsec_forwarded")
        assert {e.id for e in got} == {e.id for e in (*own, *theirs)}
        # forwarding does not count as a webhook endpoint
        assert all(e.pending_webhooks == 0 for e in own)


def test_forward_settings_and_cli() -> None:
    assert settings_from_args(["--forward-to", "http://127.0.0.1:9/h"]).forward_to == "http://127.0.0.1:9/h"
    with pytest.raises(ValueError, match="forward-to"):
        forward.from_settings(Settings(forward_to="not a url"))
    seeded = forward.from_settings(Settings(forward_to="http://x.test/h", seed=7))
    assert seeded is not None and seeded.secret.startswith("whsec_")
    assert seeded == forward.from_settings(Settings(forward_to="http://x.test/h", seed=7))
    cli = subprocess.run(
        [sys.executable, "-m", "emulator", "--port", "0", "--forward-to", "ftp://nowhere"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 2
    assert "forward-to" in cli.stderr


def test_cli_prints_the_forward_secret_and_uses_it(receiver: Receiver) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--log-level", "warning", "--forward-to", receiver.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        listening = proc.stdout.readline()
        ready = proc.stdout.readline()
        url = listening.rsplit(" ", 1)[1].strip()
        secret = ready.rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and secret.startswith("whsec_")
        assert receiver.url in ready
        client = stripe.StripeClient("sk_test_cli_forward", base_addresses={"api": url})
        wait_until(lambda: httpx.get(url + "/_emulator/health").status_code == 200)
        client.v1.treasury.financial_accounts.create(FA_PARAMS)  # type: ignore[arg-type]
        (got,) = receiver.wait_for(1)
        assert got.event(secret).type == "treasury.financial_account.created"
    finally:
        proc.terminate()
        proc.wait(10)


NODE_STRIPE = Path(__file__).resolve().parents[1] / "node" / "node_modules" / "stripe"


@pytest.mark.skipif(not NODE_STRIPE.is_dir() or shutil.which("node") is None, reason="stripe-node is not installed")
def test_stripe_node_accepts_the_signature(client: stripe.StripeClient, receiver: Receiver) -> None:
    we = endpoint(client, receiver.url)
    platform_events(client, 1)
    (got,) = receiver.wait_for(1)
    script = (
        "const Stripe = require('stripe');"
        "const [body, header, secret] = JSON.parse(process.argv[1]);"
        "const ev = new Stripe('sk_test_x').webhooks.constructEvent(body, header, secret);"
        "let forged = 'accepted';"
        "try { new Stripe('sk_test_x').webhooks.constructEvent(body, header, 'whsec_forged'); }"
        " catch (e) { forged = 'rejected'; }"
        "console.log(ev.id + ' ' + forged);"
    )
    args = json.dumps([got.body.decode(), got.headers["stripe-signature"], we.secret])
    out = subprocess.run(
        ["node", "-e", script, args], cwd=NODE_STRIPE.parent.parent, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [got.json()["id"], "rejected"]


def test_endpoint_api_version_follows_the_known_releases(http: httpx.Client) -> None:
    """Any release Stripe-Version accepts (a newer named one, a public preview of a release's date), no flags."""
    for version in ("2026-11-18.endive", "2027-01-27.zeta", "2026-10-28.preview"):
        r = http.post(
            "/v1/webhook_endpoints",
            data={"url": "https://example.com/h", "enabled_events[]": "*", "api_version": version},
        )
        assert r.status_code == 200 and r.json()["api_version"] == version, r.text
    for version in ("2026-08-27.basil", "2026-10-28.endive; issuing_beta=v2", "latest"):
        r = http.post(
            "/v1/webhook_endpoints",
            data={"url": "https://example.com/h", "enabled_events[]": "*", "api_version": version},
        )
        error = r.json()["error"]
        assert (r.status_code, error["param"], error["code"]) == (400, "api_version", "parameter_invalid")
