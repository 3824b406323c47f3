"""Issue #19 item 1: a restart never changes what clients were told, however requests interleaved.

Twenty real-time authorizations run at once on a financial account funded for four; the
endpoint answers each after a random 50-1000 ms (approve, decline, or ``/approve`` through the
API). The journal must bring back every object and balance exactly, after a graceful stop and
after ``kill -9`` (also in the middle of the burst, when some purchases are still waiting).
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer, Settings
from emulator.core import ids
from tests.support import flows, issuing_flows
from tests.support import webhooks as hooks
from tests.support.receiver import Answer, Received, Receiver, json_answer
from tests.support.running import new_key, persisted, spawned, state_of
from tests.support.shop import VERSION, Shop

PURCHASE = 2500  # Shop funds 10_000: four purchases
BURST = 20


class Endpoint:
    """The real-time endpoint's behaviour: a seeded random delay and decision per request."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.shop: Shop | None = None

    def __call__(self, received: Received) -> Answer:
        with self.lock:
            delay = self.rng.uniform(0.05, 1.0)
            how = self.rng.choice(["approve"] * 6 + ["decline"] * 2 + ["api"] * 2)
        time.sleep(delay)
        if how == "api" and self.shop is not None:
            auth_id = received.json()["data"]["object"]["id"]
            try:
                self.shop.client.v1.issuing.authorizations.approve(auth_id, options=self.shop.options)  # type: ignore[arg-type]
            except stripe.StripeError:
                pass  # the emulator may have stopped meanwhile (kill -9 in the middle)
            return 200, {}, b""
        return json_answer(200, {"approved": how == "approve"}, VERSION)


def burst(shop: Shop, url: str, key: str, count: int) -> Iterator[Any]:
    """``count`` purchases at once, each from its own SDK client; yields each answer as it comes."""

    def buy(_: int) -> Any:
        client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
        try:
            return client.v1.test_helpers.issuing.authorizations.create(
                {"card": shop.card.id, "amount": PURCHASE, "currency": "usd"},
                shop.options,  # type: ignore[arg-type]
            ).to_dict()
        except stripe.APIConnectionError:
            return None  # the emulator was killed before it answered

    with ThreadPoolExecutor(count) as pool:
        for done in as_completed([pool.submit(buy, i) for i in range(count)]):
            yield done.result()


def books(shop: Shop) -> tuple[int, int]:
    """(cash, what the pending approved authorizations hold): cash = 10_000 - held."""
    cash = shop.cash()
    listed = shop.client.v1.issuing.authorizations.list({"limit": 100}, shop.options)  # type: ignore[arg-type]
    held = sum(a.amount for a in listed.data if a.status == "pending" and a.approved)
    return cash, held


def same_as_told(shop: Shop, told: list[dict[str, Any]]) -> None:
    for answer in told:
        now = shop.client.v1.issuing.authorizations.retrieve(answer["id"], options=shop.options).to_dict()  # type: ignore[arg-type]
        assert now == answer, f"{answer['id']} changed after the restart"


def connect(url: str, key: str, receiver: Receiver, endpoint: Endpoint) -> Shop:
    client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
    http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"})
    shop = Shop(client, http, receiver)
    endpoint.shop = shop
    return shop


def reattach(shop: Shop, url: str, key: str) -> None:
    shop.client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)


@pytest.fixture
def endpoint() -> Iterator[tuple[Receiver, Endpoint]]:
    behaviour = Endpoint(seed=19)
    with Receiver(behaviour) as receiver:
        yield receiver, behaviour


def test_a_graceful_restart_keeps_every_answer_of_a_concurrent_burst(
    tmp_path: Path, endpoint: tuple[Receiver, Endpoint]
) -> None:
    receiver, behaviour = endpoint
    key = new_key()
    settings = Settings(port=0, persist=str(tmp_path / "burst.db"))
    with EmulatorServer(settings=settings) as url:
        shop = connect(url, key, receiver, behaviour)
        told = list(burst(shop, url, key, BURST))
        outcomes = [(a["approved"], a["request_history"][-1]["reason"]) for a in told]
        assert ("insufficient_funds" in {r for _, r in outcomes}) and any(ok for ok, _ in outcomes)
        before, money = state_of(url, key), books(shop)
    with EmulatorServer(settings=settings) as url:
        reattach(shop, url, key)
        assert state_of(url, key) == before
        assert books(shop) == money and money[0] == 10_000 - money[1]
        same_as_told(shop, told)


def test_decisions_made_through_the_api_inside_the_window_come_back(tmp_path: Path) -> None:
    """The endpoint answers every request by calling ``/approve`` (or ``/decline``) and only then
    returning: the call is journaled in two parts around the engine's decision, and the replay
    interleaves it the same way (a replay in answer order would find nothing waiting)."""
    key = new_key()
    settings = Settings(port=0, persist=str(tmp_path / "api.db"))
    calls: list[dict[str, Any]] = []
    holder: list[Shop] = []

    def decide_by_call(received: Received) -> Answer:
        auth = received.json()["data"]["object"]
        shop = holder[0]
        time.sleep(0.05 + 0.1 * (auth["pending_request"]["amount"] % 3))
        verb = shop.client.v1.issuing.authorizations.approve
        if auth["pending_request"]["amount"] % 2:
            verb = shop.client.v1.issuing.authorizations.decline
        calls.append(verb(auth["id"], options=shop.options).to_dict())  # type: ignore[arg-type]
        return 200, {}, b""

    with Receiver(decide_by_call) as receiver:
        with EmulatorServer(settings=settings) as url:
            client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
            shop = Shop(client, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}), receiver)
            holder.append(shop)
            amounts = [1000, 1001, 1002, 1003, 1004, 1005]  # 6,015 together: all fit in 10,000

            def buy(amount: int) -> dict[str, Any]:
                own = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
                params: Any = {"card": shop.card.id, "amount": amount, "currency": "usd"}
                return own.v1.test_helpers.issuing.authorizations.create(params, shop.options).to_dict()  # type: ignore[arg-type]

            with ThreadPoolExecutor(len(amounts)) as pool:
                told = list(pool.map(buy, amounts))
            deadline = time.monotonic() + 5
            while len(calls) < len([a for a in told if a["request_history"][-1]["reason"].startswith("webhook")]):
                assert time.monotonic() < deadline
                time.sleep(0.02)
            assert {a["request_history"][-1]["reason"] for a in told} >= {"webhook_approved", "webhook_declined"}
            before, money = state_of(url, key), books(shop)
        with EmulatorServer(settings=settings) as url:
            reattach(shop, url, key)
            assert state_of(url, key) == before
            assert books(shop) == money
            same_as_told(shop, told)
            for call in calls:  # what /approve and /decline answered is still true too
                now = shop.client.v1.issuing.authorizations.retrieve(call["id"], options=shop.options).to_dict()  # type: ignore[arg-type]
                assert now["request_history"][: len(call["request_history"])] == call["request_history"]


@pytest.mark.parametrize("kill_after", [BURST, BURST // 2])
def test_kill_9_keeps_every_acknowledged_answer(
    tmp_path: Path, endpoint: tuple[Receiver, Endpoint], kill_after: int
) -> None:
    """``kill -9`` once the whole burst was answered, or half-way through it (the other purchases
    are then still waiting for the endpoint: nobody was told their outcome)."""
    receiver, behaviour = endpoint
    key = new_key()
    path = tmp_path / "killed.db"
    told: list[dict[str, Any]] = []
    with spawned(path) as (proc, url):
        shop = connect(url, key, receiver, behaviour)
        for answer in burst(shop, url, key, BURST):
            if answer is not None:
                told.append(answer)
            if len(told) == kill_after and proc.poll() is None:
                if kill_after == BURST:
                    before, money = state_of(url, key), books(shop)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
    assert len(told) >= kill_after
    with spawned(path) as (_, url):
        reattach(shop, url, key)
        same_as_told(shop, told)
        cash, held = books(shop)
        assert cash == 10_000 - held >= 0
        if kill_after == BURST:
            assert state_of(url, key) == before and (cash, held) == money
        restored = state_of(url, key)
    # the purchases that were waiting were finished and journaled at the first restart: a second
    # restart brings back exactly the same
    with spawned(path) as (_, url):
        assert state_of(url, key) == restored
        pending = [
            a
            for account in restored["platforms"].values()
            for scope in account["accounts"].values()
            for a in scope["objects"].get("issuing.authorization", [])
            if a.get("pending_request") is not None
        ]
        assert pending == [], json.dumps(pending)[:500]


# --- webhook deliveries that were not delivered yet ------------------------------------------------


@pytest.mark.parametrize("how", ["graceful", "kill -9"])
def test_pending_webhook_deliveries_survive_a_restart(tmp_path: Path, how: str) -> None:
    """Events whose endpoint was down are delivered after the restart, once each;
    their ``pending_webhooks`` is the same before and after."""
    key = new_key()
    path = tmp_path / "deliveries.db"
    release = threading.Event()

    def held(_: Received) -> Answer:
        release.wait(10)  # until the state after the restart was compared
        return 200, {}, b""

    receiver = Receiver(held)
    receiver.up()
    port = receiver.port
    receiver.down()  # the port is known, nobody listens
    with persisted(path, how) as url:
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"})
        client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
        hooks.fast_retries(http, 0.05, 1.5, 60)
        we = hooks.endpoint(client, f"http://127.0.0.1:{port}/webhook")
        failed = hooks.endpoint(client, "http://127.0.0.1:9/never", ["treasury.financial_account.created"])
        made = hooks.platform_events(client, 3)
        # every delivery was tried twice (a failed one does not hold back the next) and waits 1.5 s
        hooks.wait_until(lambda: sum(len(d["attempts"]) >= 2 for d in hooks.deliveries(http)) == len(made) + 1)
        due: dict[str, float] = {}
        for d in hooks.deliveries(http):
            due[d["endpoint"]] = min(due.get(d["endpoint"], d["next_attempt_at"]), d["next_attempt_at"])
        before = state_of(url, key)
        assert all(e["pending_webhooks"] >= 1 for e in _events(before))
    receiver.port = port
    with receiver, persisted(path, how) as url:
        try:
            (first,) = receiver.wait_for(1)
            assert first.at >= due[we.id] - 0.01  # retried when it was due, not at once
            assert state_of(url, key) == before  # pending_webhooks included
            release.set()
            got = receiver.wait_for(len(made), timeout=10)
            assert sorted(r.event(we.secret).id for r in got) == sorted(made)
            http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"})
            hooks.wait_until(
                lambda: all(e["pending_webhooks"] == (e["id"] == made[0]) for e in _events(state_of(url, key)))
            )
            hooks.wait_until(lambda: any(d["attempts"] for d in hooks.deliveries(http) if d["endpoint"] == failed.id))
            kept = hooks.deliveries(http)
            assert {(d["endpoint"], d["status"]) for d in kept} == {(we.id, "succeeded"), (failed.id, "pending")}
            (waiting,) = [d for d in kept if d["endpoint"] == failed.id]
            # its third attempt (the schedule's second delay) failed too: the next is due in a minute
            assert len(waiting["attempts"]) == 1 and waiting["attempts"][0]["at"] >= due[failed.id] - 0.01
            assert waiting["next_attempt_at"] > time.time() + 30
            time.sleep(0.2)
            assert len(receiver.requests) == len(made)  # delivered once each
        finally:
            release.set()


def _events(dump: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for platform in dump["platforms"].values()
        for scope in platform["accounts"].values()
        for e in scope["objects"].get("event", [])
    ]


# --- the tape's waits (unit) -------------------------------------------------------------------------


def test_a_wait_commits_first_records_its_answer_and_is_never_asked_again() -> None:
    asked: list[str] = []
    committed: list[list[list[Any]]] = []

    async def ask() -> dict[str, Any]:
        asked.append("asked")
        return {"outcome": "approved"}

    async def scenario() -> None:
        live = ids.Tape()

        async def commit(tape: ids.Tape) -> None:
            committed.append(list(tape.drawn))  # what the request drew before the wait
            tape.drawn = []

        live.suspended = commit
        token = ids.CURRENT_TAPE.set(live)
        try:
            live.draw("evt", lambda: "evt_1")
            assert await ids.outside("realtime", ask, {"outcome": "timeout"}) == {"outcome": "approved"}
        finally:
            ids.CURRENT_TAPE.reset(token)
        assert committed == [[["evt", "evt_1"]]] and live.drawn == [["realtime", {"outcome": "approved"}]]

        replay = ids.Tape(live.drawn)
        token = ids.CURRENT_TAPE.set(replay)
        try:
            assert ids.replaying()
            assert await ids.outside("realtime", ask, {"outcome": "timeout"}) == {"outcome": "approved"}
            # a wait the recording does not have gets the abandoned answer, never the outside world
            assert await ids.outside("realtime", ask, {"outcome": "timeout"}) == {"outcome": "timeout"}
        finally:
            ids.CURRENT_TAPE.reset(token)

        cut = ids.Tape()
        cut.abandoned = True
        token = ids.CURRENT_TAPE.set(cut)
        try:
            assert await ids.outside("realtime", ask, {"outcome": "timeout"}) == {"outcome": "timeout"}
        finally:
            ids.CURRENT_TAPE.reset(token)
        assert cut.drawn == [["realtime", {"outcome": "timeout"}]]
        assert await ids.outside("realtime", ask, {"outcome": "timeout"}) == {"outcome": "approved"}  # no tape

    asyncio.run(scenario())
    assert asked == ["asked", "asked"]  # live once, and once without persistence


def test_a_request_made_while_a_clock_move_waits_keeps_its_place(tmp_path: Path) -> None:
    """A clock move waits for the webhook retries it made due, and requests run meanwhile: they ran
    at the moved time, and after a restart they still have (the journal keeps the move first)."""
    key = new_key()
    path = tmp_path / "clock.db"
    calls: list[float] = []

    def answer(_: Received) -> Answer:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return 500, {}, b""  # retried in 600 s: only the clock move makes it due
        time.sleep(1.0)  # the retry holds the move while a request runs
        return 200, {}, b""

    with Receiver(answer) as receiver, persisted(path, "graceful") as url:
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
        hooks.fast_retries(http, 600)
        hooks.endpoint(client, receiver.url, ["treasury.financial_account.created"])
        hooks.platform_events(client, 1)
        hooks.wait_until(lambda: len(calls) == 1)
        moving = threading.Thread(target=lambda: http.post("/_emulator/clock", data={"advance": "3600"}))
        moving.start()
        hooks.wait_until(lambda: len(calls) == 2)  # the move is waiting for the retry
        holder = client.v1.issuing.cardholders.create(
            {"name": "Jenny Rosen", "type": "individual", "billing": {"address": dict(flows.GUIDE_ADDRESS)}}
        )
        moving.join(30)
        before = state_of(url, key)
    with persisted(path, "graceful") as url:
        assert state_of(url, key) == before
        again = stripe.StripeClient(key, base_addresses={"api": url}).v1.issuing.cardholders.retrieve(holder.id)
        assert again.created == holder.created


def test_a_read_that_settles_a_day_is_kept(tmp_path: Path) -> None:
    """Listing settlements after a day ended makes them (and their events): that read is journaled,
    so the restart keeps the very same settlement event instead of making a new one."""
    key = new_key()
    path = tmp_path / "settle.db"
    with persisted(path, "graceful") as url:
        client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"})
        spender = issuing_flows.spender(client)
        auth = spender.authorize(1_000)
        client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=spender.opts)  # type: ignore[arg-type]
        assert http.post("/_emulator/clock", data={"advance": str(86_400)}).status_code == 200
        assert len(http.get("/v1/issuing/settlements").json()["data"]) == 1
        made = [e.id for e in client.v1.events.list({"type": "issuing_settlement.created"}).data]
        before = state_of(url, key)
    with persisted(path, "graceful") as url:
        assert state_of(url, key) == before
        client = stripe.StripeClient(key, base_addresses={"api": url})
        assert [e.id for e in client.v1.events.list({"type": "issuing_settlement.created"}).data] == made


def test_a_saved_error_is_replayed_as_it_was_after_a_restart(tmp_path: Path) -> None:
    """An Idempotency-Key's saved 400 names the emulator as the client called it (its
    ``request_log_url``), after a restart too."""
    key = new_key()
    path = tmp_path / "error.db"
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "bad-card"}
    form = {"cardholder": "ich_nothing", "currency": "usd", "type": "virtual"}
    with persisted(path, "graceful") as url:
        first = httpx.post(url + "/v1/issuing/cards", data=form, headers=headers)
        assert first.status_code == 400 and first.json()["error"]["request_log_url"].startswith(url)
    with persisted(path, "graceful") as url:
        again = httpx.post(url + "/v1/issuing/cards", data=form, headers=headers)
        assert again.headers["original-request"] == first.headers["request-id"]  # the saved answer
        assert again.json() == first.json()
