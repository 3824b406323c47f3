"""Packing after the answer (``emulator.core.store.Cooling``): a frame per answer when no other
request is being served, nothing while others wait (they pack in batches at the hard limit)."""

from __future__ import annotations

import asyncio
import http.client as http_client
from typing import Any

import pytest

from emulator import EmulatorServer
from emulator import server as server_module
from emulator.app import create_app
from emulator.core.state import State
from emulator.http.limits import IN_FLIGHT
from emulator.settings import Settings

KEY = "sk_test_cooling"


def _due_store(state: State) -> Any:
    """A store of the key's platform a frame and a half over its limit of 256: in the line."""
    scope = state.platform(KEY).scope()
    for i in range(256 + 12):
        scope.add({"id": f"ic_{i}", "object": "issuing.card"})
    store = scope.store("issuing.card")
    assert list(state.cooling.due) == [store]
    return store


def _packed(store: Any) -> int:
    return sum(1 for value in store.objects.values() if not isinstance(value, dict))


async def _get(app: Any, in_flight: set[object] | None) -> int:
    scope: dict[str, Any] = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/v1/balance",
        "raw_path": b"/v1/balance",
        "query_string": b"",
        "headers": [(b"authorization", f"Bearer {KEY}".encode())],
        "scheme": "http",
        "server": ("127.0.0.1", 12111),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }
    if in_flight is not None:
        scope[IN_FLIGHT] = in_flight
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status: int = sent[0]["status"]
    return status


@pytest.mark.parametrize("in_flight", [None, {"this request"}])
def test_an_answer_with_nothing_else_in_flight_packs_a_frame(in_flight: set[object] | None) -> None:
    state = State(hot_objects=256)
    app = create_app(state, settings=Settings())
    store = _due_store(state)
    assert asyncio.run(_get(app, in_flight)) == 200
    assert _packed(store) == 8 and not state.cooling.due  # a frame, and 4 over the limit is not due


def test_an_answer_while_other_requests_wait_packs_nothing() -> None:
    state = State(hot_objects=256)
    app = create_app(state, settings=Settings())
    store = _due_store(state)
    assert asyncio.run(_get(app, {"this request", "another"})) == 200
    assert _packed(store) == 0 and list(state.cooling.due) == [store]
    for i in range(300, 330):  # still busy: past the hard limit (256 + 32) the store packs its batch
        state.platform(KEY).scope().add({"id": f"ic_{i}", "object": "issuing.card"})
    assert _packed(store) >= 32 and len(store.objects) - _packed(store) <= 256 + 32


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_the_server_says_which_requests_are_in_flight(http: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip(http)
    monkeypatch.setattr(server_module, "HTTP_IMPLEMENTATION", http)
    state = State(hot_objects=256)
    with EmulatorServer(state=state) as url:
        store = _due_store(state)
        conn = http_client.HTTPConnection(url.removeprefix("http://").split(":")[0], int(url.rsplit(":", 1)[1]))
        conn.request("GET", "/v1/balance", headers={"Authorization": f"Bearer {KEY}"})
        assert conn.getresponse().status == 200
        conn.close()
    assert _packed(store) == 8  # one request, alone: its answer packed a frame
