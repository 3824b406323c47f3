"""Real-time authorizations: the synchronous ``issuing_authorization.request`` webhook.

The first part drives :func:`emulator.webhooks.realtime.decide` directly on a small fake
authorization (the contract with the authorization engine); the second drives whole purchases
through the SDK (``POST /v1/test_helpers/issuing/authorizations``) against a real receiver.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import stripe

from emulator.core.context import Ctx
from emulator.core.state import Scope, State
from emulator.core.store import Obj
from emulator.http.render import Representation
from emulator.resources import registry, webhook_endpoints
from emulator.webhooks import realtime
from emulator.webhooks.book import book_of
from emulator.webhooks.realtime import RealtimeDecision
from tests.support.receiver import Answer, Received, Receiver, json_answer
from tests.support.shop import REQUEST, VERSION, Shop

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


# --- decide() on a fake authorization -----------------------------------------------------------------


class World:
    """A State with one platform and one connected account, handled without HTTP."""

    def __init__(self) -> None:
        self.state = State(seed=1)
        registry.catalog().install(self.state)
        self.platform = self.state.platform("sk_test_realtime")
        self.platform.settings.rta_timeout_seconds = 1.0
        self.connected_id = "acct_1connected000001"
        self.platform.accounts.add({"id": self.connected_id, "object": "account"})
        self.representation = Representation({}, {}, {})

    def ctx(self, scope: Scope | None = None, **params: Any) -> Ctx:
        return Ctx(self.state, self.platform, scope or self.platform.scope(), self.representation, params=params)

    def endpoint(
        self, url: str, events: list[str], *, connect: bool = False, scope: Scope | None = None, **extra: Any
    ) -> Obj:
        params: dict[str, Any] = {"url": url, "enabled_events": events, **extra}
        if connect:
            params["connect"] = True
        return webhook_endpoints.create(self.ctx(scope, **params))

    def authorization(self, controllable: bool = False, scope: Scope | None = None) -> Obj:
        auth: Obj = {
            "id": self.state.ids.make("iauth"),
            "object": "issuing.authorization",
            "amount": 0,
            "approved": False,
            "currency": "usd",
            "metadata": {},
            "pending_request": {
                "amount": 1500,
                "amount_details": None,
                "currency": "usd",
                "is_amount_controllable": controllable,
                "merchant_amount": 1500,
                "merchant_currency": "usd",
                "network_risk_score": None,
            },
            "request_history": [],
            "status": "pending",
        }
        (scope or self.platform.scope()).add(auth)
        return auth

    def decide(self, auth: Obj, scope: Scope | None = None) -> RealtimeDecision:
        return asyncio.run(realtime.decide(self.ctx(scope), auth))


@pytest.fixture
def world() -> World:
    return World()


def test_no_endpoint_means_no_request_event(world: World, receiver: Receiver) -> None:
    world.endpoint(receiver.url, ["*"])  # "*" does not cover the real-time request
    auth = world.authorization()
    assert world.decide(auth) == RealtimeDecision("no_endpoint")
    assert len(world.platform.scope().store("event")) == 0
    assert receiver.requests == []


def test_direct_approval_is_signed_and_recorded(world: World, receiver: Receiver) -> None:
    receiver.respond = lambda r: json_answer(200, {"approved": True, "metadata": {"rule": "ok"}}, VERSION)
    we = world.endpoint(receiver.url, [REQUEST])
    auth = world.authorization()
    decision = world.decide(auth)
    assert decision == RealtimeDecision("approved", None, {"rule": "ok"})
    (got,) = receiver.requests
    assert got.headers["accept"] == "application/json"
    event = got.event(we["secret"])
    assert event.type == REQUEST
    assert event.data.object.id == auth["id"]
    assert event.data.object.pending_request.amount == 1500
    assert event.data.object.approved is False
    stored = world.platform.scope().get("event", event.id)
    assert stored is not None and stored["pending_webhooks"] == 0
    (record,) = book_of(world.platform).deliveries.values()
    assert (record.kind, record.status, record.outcome) == ("realtime", "succeeded", "approved")


@pytest.mark.parametrize(
    ("pinned", "accept"),
    [
        ("2024-06-20", "*/*; q=0.5, application/xml"),
        ("2025-03-31.basil", "application/json"),
        (None, "application/json"),
    ],
)
def test_the_request_asks_for_json_from_basil_on(
    world: World, receiver: Receiver, pinned: str | None, accept: str
) -> None:
    """Stripe's changelog (2025-03-31.basil, "issuing-json-webhook"): the request's ``Accept`` is
    ``application/json`` from that version on; an endpoint pinned before it gets the generic one
    (unpinned: the account's version, here the default, newer)."""
    receiver.respond = lambda r: json_answer(200, {"approved": True}, VERSION)
    world.endpoint(receiver.url, [REQUEST], **({"api_version": pinned} if pinned else {}))
    assert world.decide(world.authorization()).outcome == "approved"
    assert receiver.requests[-1].headers["accept"] == accept


def test_direct_answer_metadata_numbers_and_booleans_are_kept_as_strings(world: World, receiver: Receiver) -> None:
    # a live food-card program answers with unquoted postal codes and booleans and reads them back as strings
    meta = {"postal_code": 98245, "found": False, "ok": True, "ratio": 0.5, "name": "COOP"}
    receiver.respond = lambda r: json_answer(200, {"approved": True, "metadata": meta}, VERSION)
    world.endpoint(receiver.url, [REQUEST])
    decision = world.decide(world.authorization())
    expected = {"postal_code": "98245", "found": "false", "ok": "true", "ratio": "0.5", "name": "COOP"}
    assert decision == RealtimeDecision("approved", None, expected)


def test_direct_decline(world: World, receiver: Receiver) -> None:
    receiver.respond = lambda r: json_answer(200, {"approved": False}, VERSION)
    world.endpoint(receiver.url, [REQUEST])
    assert world.decide(world.authorization()) == RealtimeDecision("declined")


@pytest.mark.parametrize(("controllable", "expected"), [(True, 700), (False, None)])
def test_amount_only_counts_when_controllable(
    world: World, receiver: Receiver, controllable: bool, expected: int | None
) -> None:
    receiver.respond = lambda r: json_answer(200, {"approved": True, "amount": 700}, VERSION)
    world.endpoint(receiver.url, [REQUEST])
    decision = world.decide(world.authorization(controllable))
    assert (decision.outcome, decision.amount) == ("approved", expected)


ERRORS: list[tuple[Callable[[Received], Answer], str]] = [
    (lambda r: (200, {"Content-Type": "application/json"}, b'{"approved": true}'), "Invalid Stripe API version: "),
    (lambda r: (200, {"Stripe-Version": "yesterday"}, b'{"approved": true}'), "Invalid Stripe API version: yesterday"),
    (lambda r: (200, VERSION, b"<html>ok</html>"), "not a JSON object"),
    (lambda r: (200, VERSION, b"[true]"), "not a JSON object"),
    (lambda r: (200, VERSION, b"{}"), "missing required field `approved`"),
    (lambda r: json_answer(200, {"approved": "yes"}, VERSION), "`approved` must be a boolean"),
    (lambda r: json_answer(200, {"approved": True, "metadata": {"k": None}}, VERSION), "`metadata`"),
    (lambda r: json_answer(200, {"approved": True, "metadata": {"k": [1]}}, VERSION), "`metadata`"),
    (lambda r: json_answer(200, {"approved": True, "metadata": {"k": {"a": "b"}}}, VERSION), "`metadata`"),
    (lambda r: json_answer(200, {"approved": True, "metadata": ["k"]}, VERSION), "`metadata`"),
    (lambda r: (200, VERSION, b'{"approved": true, "metadata": {"k": NaN}}'), "`metadata`"),
    (
        lambda r: json_answer(200, {"approved": True, "metadata": {"k" * 41: "v"}}, VERSION),
        "Metadata keys can have up to 40 characters",
    ),
    (lambda r: json_answer(200, {"approved": False, "send_fraud_challenges": "sms"}, VERSION), "send_fraud_challenges"),
    (lambda r: json_answer(200, {"approved": False, "send_fraud_challenges": ["email"]}, VERSION), "send_fraud"),
    (lambda r: json_answer(500, {"approved": True}, VERSION), "HTTP status 500"),
    (lambda r: json_answer(204, {}, VERSION), "HTTP status 204"),
]


@pytest.mark.parametrize(("respond", "fragment"), ERRORS)
def test_bad_answers_are_errors(
    world: World, receiver: Receiver, respond: Callable[[Received], Answer], fragment: str
) -> None:
    receiver.respond = respond
    world.endpoint(receiver.url, [REQUEST])
    decision = world.decide(world.authorization())
    assert decision.outcome == "error"
    assert decision.reason_message is not None and fragment in decision.reason_message


def test_bad_amount_is_an_error_when_controllable(world: World, receiver: Receiver) -> None:
    receiver.respond = lambda r: json_answer(200, {"approved": True, "amount": -5}, VERSION)
    world.endpoint(receiver.url, [REQUEST])
    decision = world.decide(world.authorization(controllable=True))
    assert decision.outcome == "error" and "`amount`" in (decision.reason_message or "")


def test_decline_may_ask_for_a_fraud_challenge(world: World, receiver: Receiver) -> None:
    """``send_fraud_challenges: ["sms"]`` counts on a decline (the fraud-challenges guide), not on an approval."""
    answers = [
        {"approved": False, "send_fraud_challenges": ["sms"]},
        {"approved": True, "send_fraud_challenges": ["sms"]},
    ]
    receiver.respond = lambda r: json_answer(200, answers.pop(0), VERSION)
    world.endpoint(receiver.url, [REQUEST])
    assert world.decide(world.authorization()) == RealtimeDecision("declined", fraud_challenge=True)
    assert world.decide(world.authorization()) == RealtimeDecision("approved")


@pytest.mark.parametrize(("amount", "outcome"), [(1999, "error"), (2000, "approved")])
def test_approved_amount_covers_the_cashback(world: World, receiver: Receiver, amount: int, outcome: str) -> None:
    receiver.respond = lambda r: json_answer(200, {"approved": True, "amount": amount}, VERSION)
    world.endpoint(receiver.url, [REQUEST])
    auth = world.authorization(controllable=True)
    auth["pending_request"]["amount_details"] = {"atm_fee": None, "cashback_amount": 2000}
    decision = world.decide(auth)
    assert decision.outcome == outcome
    if outcome == "error":
        assert decision.reason_message == realtime.BELOW_CASHBACK.format(amount=amount, cashback=2000)


def test_unreachable_endpoint_is_an_error(world: World) -> None:
    down = Receiver().up()
    url = down.url
    down.down()
    world.endpoint(url, [REQUEST])
    decision = world.decide(world.authorization())
    assert decision.outcome == "error"
    assert (decision.reason_message or "").startswith("Could not reach the webhook endpoint")


def test_timeout(world: World, receiver: Receiver) -> None:
    release = threading.Event()

    def slow(r: Received) -> Answer:
        release.wait(5)
        return json_answer(200, {"approved": True}, VERSION)

    receiver.respond = slow
    world.platform.settings.rta_timeout_seconds = 0.3
    world.endpoint(receiver.url, [REQUEST])
    started = time.monotonic()
    try:
        decision = world.decide(world.authorization())
    finally:
        release.set()
    assert decision == RealtimeDecision("timeout")
    assert 0.25 < time.monotonic() - started < 2.0
    (record,) = book_of(world.platform).deliveries.values()
    assert record.outcome == "timeout" and record.status == "failed"
    assert "timed out" in record.attempts[0]["error"]


def test_resolve_via_api_inside_the_window(world: World, receiver: Receiver) -> None:
    release = threading.Event()

    def waits(r: Received) -> Answer:
        release.wait(5)
        return 200, {}, b""

    receiver.respond = waits
    world.endpoint(receiver.url, [REQUEST])
    auth = world.authorization(controllable=True)

    async def scenario() -> tuple[RealtimeDecision, bool, bool, bool]:
        ctx = world.ctx()
        task = asyncio.ensure_future(realtime.decide(ctx, auth))
        while not receiver.requests:
            await asyncio.sleep(0.01)
        wrong_account = realtime.resolve_via_api(
            world.ctx(world.platform.scope(world.connected_id)), auth["id"], True, None, None
        )
        first = realtime.resolve_via_api(ctx, auth["id"], True, 900, {"via": "api"})
        second = realtime.resolve_via_api(ctx, auth["id"], False, None, None)
        return await task, wrong_account, first, second

    try:
        decision, wrong_account, first, second = asyncio.run(scenario())
    finally:
        release.set()
    assert (wrong_account, first, second) == (False, True, False)
    assert decision == RealtimeDecision("approved", 900, {"via": "api"})
    # nothing waits any more: a late call is refused
    assert realtime.resolve_via_api(world.ctx(), auth["id"], True, None, None) is False


def test_connected_account_uses_connect_endpoints(world: World) -> None:
    connected = world.platform.scope(world.connected_id)
    with Receiver() as own, Receiver() as connect:
        own.respond = lambda r: json_answer(200, {"approved": False}, VERSION)
        connect.respond = lambda r: json_answer(200, {"approved": True}, VERSION)
        world.endpoint(own.url, [REQUEST])
        we = world.endpoint(connect.url, [REQUEST], connect=True)
        auth = world.authorization(scope=connected)
        assert world.decide(auth, connected).outcome == "approved"
        assert own.requests == []
        (got,) = connect.requests
        assert got.event(we["secret"]).account == world.connected_id
        # and the platform's own authorizations go to the platform endpoint only
        assert world.decide(world.authorization()).outcome == "declined"
        assert len(connect.requests) == 1


def test_disabled_endpoint_is_not_asked(world: World, receiver: Receiver) -> None:
    we = world.endpoint(receiver.url, [REQUEST])
    ctx = world.ctx(disabled=True)
    ctx.path = {"webhook_endpoint": we["id"]}
    assert webhook_endpoints.update(ctx)["status"] == "disabled"
    assert world.decide(world.authorization()).outcome == "no_endpoint"


# --- whole purchases through the SDK ----------------------------------------------------------------------


@pytest.fixture
def shop(client: stripe.StripeClient, http: httpx.Client, receiver: Receiver) -> Shop:
    return Shop(client, http, receiver)


def test_sdk_direct_approval(shop: Shop) -> None:
    shop.receiver.respond = lambda r: json_answer(200, {"approved": True, "metadata": {"rule": "fine"}}, VERSION)
    auth = shop.buy(1200)
    asked = shop.asked()
    assert asked.type == REQUEST and asked.account == shop.account.id
    pending = asked.data.object
    assert (pending.id, pending.amount, pending.approved) == (auth.id, 0, False)
    assert pending.pending_request is not None and pending.pending_request.amount == 1200
    assert auth.approved is True and auth.status == "pending" and auth.amount == 1200
    assert auth.pending_request is None
    assert auth.request_history[-1].reason == "webhook_approved"
    assert auth.metadata.to_dict() == {"rule": "fine"}
    listed = shop.client.v1.events.list({"type": REQUEST}, shop.options)  # type: ignore[arg-type]
    assert [e.id for e in listed.data] == [asked.id]
    assert shop.cash() == 10_000 - 1200


def test_sdk_direct_decline(shop: Shop) -> None:
    shop.receiver.respond = lambda r: json_answer(200, {"approved": False}, VERSION)
    auth = shop.buy(1200)
    assert (auth.approved, auth.status) == (False, "closed")
    assert auth.request_history[-1].reason == "webhook_declined"
    assert shop.cash() == 10_000


def test_sdk_amount_override(shop: Shop) -> None:
    shop.receiver.respond = lambda r: json_answer(200, {"approved": True, "amount": 800}, VERSION)
    auth = shop.buy(1200, is_amount_controllable=True)
    assert shop.asked().data.object.pending_request.is_amount_controllable is True
    assert (auth.approved, auth.amount) == (True, 800)
    assert shop.cash() == 10_000 - 800


def test_sdk_approval_through_the_api(shop: Shop) -> None:
    calls = shop.decide_by_call("approve")
    auth = shop.buy(900)  # the call's decision counts at once: the purchase may end before the call does
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(calls) == 1 and calls[0].id == auth.id
    # the call answers with the decided authorization, as Stripe's approve endpoint does
    assert (calls[0].approved, calls[0].amount, calls[0].pending_request) == (True, 900, None)
    assert calls[0].request_history[-1].reason == "webhook_approved"
    assert (auth.approved, auth.amount) == (True, 900)
    assert auth.request_history[-1].reason == "webhook_approved"
    # outside the window the call is refused
    with pytest.raises(stripe.InvalidRequestError):
        shop.client.v1.issuing.authorizations.approve(auth.id, options=shop.options)  # type: ignore[arg-type]


def test_sdk_decline_through_the_api(shop: Shop) -> None:
    calls = shop.decide_by_call("decline")
    auth = shop.buy(900)
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (calls[0].approved, calls[0].status, calls[0].pending_request) == (False, "closed", None)
    assert (auth.approved, auth.status) == (False, "closed")
    assert auth.request_history[-1].reason == "webhook_declined"


@pytest.mark.parametrize("approves", [False, True])
def test_sdk_timeout_follows_the_platform_setting(shop: Shop, approves: bool) -> None:
    release = threading.Event()

    def too_slow(r: Received) -> Answer:
        release.wait(5)
        return json_answer(200, {"approved": not approves}, VERSION)

    shop.receiver.respond = too_slow
    shop.settings(rta_timeout_seconds=0.4, rta_timeout_approves=approves)
    started = time.monotonic()
    try:
        auth = shop.buy(700)
    finally:
        release.set()
    assert time.monotonic() - started < 3.0
    assert auth.approved is approves
    assert auth.request_history[-1].reason == "webhook_timeout"


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda r: (200, {"Content-Type": "application/json"}, b'{"approved": true}'), "Invalid Stripe API version: "),
        (lambda r: (200, VERSION, b"garbage"), realtime.NOT_JSON),
        (  # Flask returning a string, Express's res.send(JSON.stringify(...)): not application/json
            lambda r: (200, {**VERSION, "Content-Type": "text/html; charset=utf-8"}, b'{"approved": true}'),
            realtime.NOT_JSON_TYPE.format(content_type="text/html; charset=utf-8"),
        ),
        (lambda r: json_answer(503, {"approved": True}, VERSION), realtime.BAD_STATUS.format(status=503)),
    ],
)
def test_sdk_bad_answers_decline_with_webhook_error(
    shop: Shop, respond: Callable[[Received], Answer], message: str
) -> None:
    shop.receiver.respond = respond
    auth = shop.buy(700)
    assert (auth.approved, auth.status) == (False, "closed")
    last = auth.request_history[-1]
    assert last.reason == "webhook_error"
    assert last.reason_message == message
    assert shop.cash() == 10_000


@pytest.mark.parametrize("content_type", [None, "application/json", "Application/JSON; charset=utf-8"])
def test_sdk_answers_as_json_or_without_a_content_type_decide(shop: Shop, content_type: str | None) -> None:
    headers = dict(VERSION) if content_type is None else {**VERSION, "Content-Type": content_type}
    shop.receiver.respond = lambda r: (200, headers, b'{"approved": true}')
    auth = shop.buy(700)
    assert (auth.approved, auth.request_history[-1].reason) == (True, "webhook_approved")


def test_sdk_an_answer_without_a_decision_is_an_error_at_once(shop: Shop) -> None:
    """200 without ``Stripe-Version`` and ``approved`` (an app that acknowledges the event and decides
    later) is ``webhook_error`` at once: a later ``approve`` call finds no decision waiting."""
    shop.receiver.respond = lambda r: json_answer(200, {"received": True, "authorization": {"approved": True}})
    started = time.monotonic()
    auth = shop.buy(700)
    assert time.monotonic() - started < 1.5  # not the 2 s window
    assert (auth.approved, auth.status) == (False, "closed")
    assert auth.request_history[-1].reason == "webhook_error"
    assert auth.request_history[-1].reason_message == realtime.INVALID_VERSION.format(version="")
    with pytest.raises(stripe.InvalidRequestError):
        shop.client.v1.issuing.authorizations.approve(auth.id, options=shop.options)  # type: ignore[arg-type]


def test_sdk_server_keeps_answering_during_a_decision(shop: Shop, server: Any) -> None:
    release = threading.Event()
    arrived = threading.Event()

    def hold(r: Received) -> Answer:
        arrived.set()
        release.wait(5)
        return json_answer(200, {"approved": True}, VERSION)

    shop.receiver.respond = hold
    shop.settings(rta_timeout_seconds=5)
    result: dict[str, Any] = {}
    buyer = threading.Thread(target=lambda: result.update(auth=shop.buy(500)))
    buyer.start()
    try:
        assert arrived.wait(5)
        started = time.monotonic()
        other = stripe.StripeClient("sk_test_bystander", base_addresses={"api": server.url})
        assert other.v1.accounts.retrieve_current().object == "account"
        pending = shop.client.v1.issuing.authorizations.list(options=shop.options).data  # type: ignore[arg-type]
        assert [(a.amount, a.approved, a.status) for a in pending] == [(0, False, "pending")]
        assert time.monotonic() - started < 1.0
        # the hold is already placed: the money cannot be spent twice meanwhile
        assert shop.cash() == 10_000 - 500
    finally:
        release.set()
        buyer.join(10)
    assert result["auth"].approved is True


def test_sdk_no_overspend_while_decisions_are_pending(shop: Shop) -> None:
    def slow_yes(r: Received) -> Answer:
        time.sleep(0.3)
        return json_answer(200, {"approved": True}, VERSION)

    shop.receiver.respond = slow_yes
    results: list[stripe.issuing.Authorization] = []
    lock = threading.Lock()

    def buy() -> None:
        auth = shop.buy(3000)
        with lock:
            results.append(auth)

    threads = [threading.Thread(target=buy) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    approved = [a for a in results if a.approved]
    assert len(results) == 6
    assert len(approved) == 3  # 10_000 covers three holds of 3_000
    assert {a.request_history[-1].reason for a in results if not a.approved} == {"insufficient_funds"}
    assert shop.cash() == 10_000 - 9000


def test_sdk_increment_is_asked_too(shop: Shop) -> None:
    answers = iter([True, False])
    shop.receiver.respond = lambda r: json_answer(200, {"approved": next(answers)}, VERSION)
    auth = shop.buy(1000, is_amount_controllable=True)
    assert auth.approved is True
    after = shop.client.v1.test_helpers.issuing.authorizations.increment(
        auth.id,
        {"increment_amount": 500},
        shop.options,  # type: ignore[arg-type]
    )
    assert len(shop.receiver.requests) == 2
    assert shop.asked().data.object.pending_request.amount == 500
    assert after.amount == 1000
    assert after.request_history[-1].reason == "webhook_declined"


def test_sdk_no_endpoint_auto_approves_without_request_event(client: stripe.StripeClient, http: httpx.Client) -> None:
    with Receiver() as quiet:
        shop = Shop(client, http, quiet)
        client.v1.webhook_endpoints.delete(shop.endpoint.id)
        auth = shop.buy(400)
    assert auth.approved is True
    assert auth.request_history[-1].reason == "card_active"
    assert quiet.requests == []
    assert client.v1.events.list({"type": REQUEST}, shop.options).data == []  # type: ignore[arg-type]
