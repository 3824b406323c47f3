"""Idempotency: the store's rules (expiry, bounds, in-flight) and a real in-flight conflict."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.http.errors import StripeError
from emulator.http.idempotency import IdempotencyStore
from tests.support.receiver import Answer, Received, Receiver, json_answer
from tests.support.shop import VERSION, Shop


def test_replay_after_finish_and_conflicts() -> None:
    store = IdempotencyStore()
    assert store.begin("acct_1", "k", "POST /v1/x", "f1", "req_1", 0.0) is None
    with pytest.raises(StripeError) as exc:
        store.begin("acct_1", "k", "POST /v1/x", "f1", "req_2", 1.0)
    assert (exc.value.status, exc.value.code) == (409, "idempotency_key_in_use")
    store.finish("acct_1", "k", 200, b'{"ok":true}')
    saved = store.begin("acct_1", "k", "POST /v1/x", "f1", "req_3", 2.0)
    assert saved is not None and saved.body == b'{"ok":true}' and saved.request_id == "req_1"
    with pytest.raises(StripeError) as exc:
        store.begin("acct_1", "k", "POST /v1/x", "f2", "req_4", 3.0)
    assert exc.value.type == "idempotency_error" and exc.value.status == 400
    with pytest.raises(StripeError) as exc:
        store.begin("acct_1", "k", "POST /v1/y", "f1", "req_5", 4.0)
    assert "same endpoint" in exc.value.message
    # another account's key space is separate
    assert store.begin("acct_2", "k", "POST /v1/x", "f9", "req_6", 5.0) is None


def test_keys_expire() -> None:
    store = IdempotencyStore(ttl=10)
    store.begin("a", "k", "POST /v1/x", "f", "req_1", 0.0)
    store.finish("a", "k", 200, b"{}")
    assert store.begin("a", "k", "POST /v1/x", "f", "req_2", 5.0) is not None
    # after the ttl the key is forgotten: the same key runs again, even with other params
    assert store.begin("a", "k", "POST /v1/x", "other", "req_3", 20.0) is None


def test_memory_is_bounded() -> None:
    store = IdempotencyStore(max_entries=100)
    for i in range(10_000):
        store.begin("a", f"k{i}", "POST /v1/x", "f", f"req_{i}", float(i) / 1000)
        store.finish("a", f"k{i}", 200, b"{}")
    assert len(store.entries) <= 101
    assert store.begin("a", "k9999", "POST /v1/x", "f", "r", 11.0) is not None  # the newest are kept


def test_released_keys_can_be_reused() -> None:
    store = IdempotencyStore()
    store.begin("a", "k", "POST /v1/x", "f", "req_1", 0.0)
    store.release("a", "k")
    assert store.begin("a", "k", "POST /v1/x", "other", "req_2", 1.0) is None


def test_too_long_key() -> None:
    with pytest.raises(StripeError):
        IdempotencyStore().begin("a", "k" * 256, "POST /v1/x", "f", "r", 0.0)


@pytest.fixture
def slow_receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def test_in_flight_key_is_409_over_the_wire(
    client: stripe.StripeClient, http: httpx.Client, slow_receiver: Receiver
) -> None:
    """While a purchase waits on its real-time webhook, the same key gets a 409; afterwards a replay."""
    shop = Shop(client, http, slow_receiver)
    release = threading.Event()

    def slow(r: Received) -> Answer:
        release.wait(5)
        return json_answer(200, {"approved": True}, VERSION)

    shop.receiver.respond = slow
    key = "inflight-" + uuid.uuid4().hex
    headers = {"Idempotency-Key": key, "Stripe-Account": shop.account.id}
    body = {"card": shop.card.id, "amount": "100", "currency": "usd"}
    first: dict[str, httpx.Response] = {}
    t = threading.Thread(
        target=lambda: first.setdefault(
            "r", http.post("/v1/test_helpers/issuing/authorizations", data=body, headers=headers)
        )
    )
    t.start()
    deadline = time.monotonic() + 5
    while not shop.receiver.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    with httpx.Client(base_url=str(http.base_url), headers=dict(http.headers)) as other:
        second = other.post("/v1/test_helpers/issuing/authorizations", data=body, headers=headers)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "idempotency_key_in_use"
    assert second.json()["error"]["type"] == "invalid_request_error"  # as Stripe's logged 409s show it
    assert second.headers["stripe-should-retry"] == "true"
    release.set()
    t.join(10)
    assert first["r"].status_code == 200
    third = http.post("/v1/test_helpers/issuing/authorizations", data=body, headers=headers)
    assert third.content == first["r"].content and third.headers["idempotent-replayed"] == "true"


# --- the key's endpoint and lifetime ----------------------------------------------------------------


def test_other_endpoint_message_names_the_paths(http: httpx.Client) -> None:
    key = "k-" + uuid.uuid4().hex
    acct = http.post("/v1/accounts", data={"country": "US"}, headers={"Idempotency-Key": key}).json()
    r = http.post(f"/v1/accounts/{acct['id']}", data={"country": "US"}, headers={"Idempotency-Key": key})
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "idempotency_error"
    assert r.json()["error"]["message"] == (
        "Keys for idempotent requests can only be used for the same endpoint they were first used for "
        f"('/v1/accounts' vs '/v1/accounts/{acct['id']}'). Try using a key other than '{key}' if you meant "
        "to execute a different request."
    )


def test_idempotency_keys_expire_on_the_emulators_clock() -> None:
    srv = EmulatorServer()  # its own server: moving the clock must not disturb the session's
    with srv as url, httpx.Client(base_url=url, headers={"Authorization": "Bearer sk_test_clock"}) as http:
        headers = {"Idempotency-Key": "k-clock"}
        first = http.post("/v1/accounts", data={"country": "US"}, headers=headers)
        srv.state.clock.advance(23 * 3600)
        again = http.post("/v1/accounts", data={"country": "US"}, headers=headers)
        assert again.headers.get("idempotent-replayed") == "true" and again.content == first.content
        srv.state.clock.advance(2 * 3600)  # 25 h after the first use: the key is forgotten
        fresh = http.post("/v1/accounts", data={"country": "GB"}, headers=headers)
        assert fresh.status_code == 200 and "idempotent-replayed" not in fresh.headers
        assert fresh.json()["id"] != first.json()["id"]


def test_a_handlers_403_is_saved_and_replayed(http: httpx.Client) -> None:
    """Stripe keeps the result of a request that began executing, "regardless of what [it was]"."""
    first, again = (
        http.post("/v1/accounts/acct_1Unknown00000000", data={"metadata[a]": "1"}, headers={"Idempotency-Key": "k403"})
        for _ in range(2)
    )
    assert (first.status_code, again.status_code) == (403, 403)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["original-request"] == first.headers["request-id"]
    assert again.content == first.content
