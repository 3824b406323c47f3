"""The API's answers written in one piece (``emulator.http.one_write``) say the same as uvicorn's own
``send``: over raw sockets, on both HTTP implementations, with keep-alive, ``Connection: close``,
``HEAD`` and pipelined requests."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import EmulatorServer
from emulator import server as server_module
from emulator.http.one_write import TRUSTED, OneWrite
from emulator.settings import Settings

IMPLEMENTATIONS = [
    "h11",
    pytest.param(
        "httptools",
        marks=pytest.mark.skipif(importlib.util.find_spec("httptools") is None, reason="httptools not installed"),
    ),
]
KEY = "sk_test_one_write"
API_HEADERS = {
    b"content-type",
    b"content-length",
    b"request-id",
    b"stripe-version",
    b"cache-control",
    b"access-control-allow-origin",
    b"access-control-allow-credentials",
    b"access-control-expose-headers",
}


@pytest.fixture(params=IMPLEMENTATIONS)
def srv(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    monkeypatch.setattr(server_module, "HTTP_IMPLEMENTATION", request.param)
    emulator = EmulatorServer(settings=Settings(host="127.0.0.1", port=0))
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def get(path: str, method: str = "GET", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\n{extra}\r\n".encode()


def post(path: str, body: str, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n{extra}\r\n{body}"
    ).encode()


class Reader:
    """Whole responses, one after another, from one connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.data = b""

    def response(self, head_only: bool = False) -> tuple[int, dict[bytes, list[bytes]], bytes]:
        while b"\r\n\r\n" not in self.data:
            chunk = self.sock.recv(65536)
            assert chunk, f"closed before a whole head: {self.data!r}"
            self.data += chunk
        head, _, self.data = self.data.partition(b"\r\n\r\n")
        status_line, *lines = head.split(b"\r\n")
        headers: dict[bytes, list[bytes]] = {}
        for line in lines:
            name, _, value = line.partition(b": ")
            headers.setdefault(name.lower(), []).append(value)
        length = 0 if head_only else int(headers[b"content-length"][0])
        while len(self.data) < length:
            chunk = self.sock.recv(65536)
            assert chunk, "closed before the whole body"
            self.data += chunk
        body, self.data = self.data[:length], self.data[length:]
        return int(status_line.split(b" ")[1]), headers, body

    def closed(self) -> bool:
        self.sock.settimeout(5)
        return self.sock.recv(65536) == b"" and not self.data


def test_kept_alive_answers_carry_every_header_once(srv: EmulatorServer) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        for _ in range(3):
            sock.sendall(get("/v1/accounts"))
            status, headers, body = reader.response()
            assert status == 200
            assert body.startswith(b'{"object":"list"')
            assert API_HEADERS <= set(headers)
            assert all(len(values) == 1 for values in headers.values()), headers
            assert int(headers[b"content-length"][0]) == len(body)
            assert b"date" in headers and b"server" in headers
            assert b"connection" not in headers


def test_a_post_echoes_its_idempotency_key(srv: EmulatorServer) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(post("/v1/accounts", "country=US", "Idempotency-Key: one-write-key\r\n"))
        status, headers, body = reader.response()
        assert status == 200, body
        assert headers[b"idempotency-key"] == [b"one-write-key"]
        assert headers[b"original-request"] == headers[b"request-id"]
        sock.sendall(post("/v1/accounts", "country=US", "Idempotency-Key: one-write-key\r\n"))
        status, again, replayed = reader.response()
        assert (status, replayed) == (200, body)
        assert again[b"idempotent-replayed"] == [b"true"]


def test_a_non_ascii_idempotency_key_is_answered_through_uvicorns_checks(srv: EmulatorServer) -> None:
    """A key with a latin-1 byte is not one of the API's trusted values: uvicorn's send checks it."""
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(post("/v1/accounts", "country=US").replace(b"\r\n\r\n", b"\r\nIdempotency-Key: cl\xe9\r\n\r\n", 1))
        status, headers, body = reader.response()
        assert status == 200, body
        assert headers[b"idempotency-key"] == [b"cl\xe9"]


def test_connection_close_is_said_and_done(srv: EmulatorServer) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(get("/v1/accounts", extra="Connection: close\r\n"))
        status, headers, _ = reader.response()
        assert status == 200
        assert headers[b"connection"] == [b"close"]
        assert reader.closed()


def test_an_error_answer_is_whole_and_the_connection_stays(srv: EmulatorServer) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(get("/v1/issuing/cards/ic_missing"))
        status, headers, body = reader.response()
        assert status == 404
        assert headers[b"stripe-should-retry"] == [b"false"]
        assert b"resource_missing" in body
        sock.sendall(get("/v1/accounts"))
        assert reader.response()[0] == 200


def test_head_states_the_length_and_sends_no_body(srv: EmulatorServer) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(get("/v1/accounts"))
        _, _, body = reader.response()
        sock.sendall(get("/v1/accounts", method="HEAD"))
        status, headers, nothing = reader.response(head_only=True)
        assert (status, nothing) == (200, b"")
        assert int(headers[b"content-length"][0]) == len(body)
        sock.sendall(get("/v1/accounts"))  # nothing of a body was left on the line
        status, _, again = reader.response()
        assert (status, again) == (200, body)


def test_pipelined_requests_are_answered_in_order(srv: EmulatorServer) -> None:
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)
        sock.sendall(get("/v1/accounts") + get("/v1/issuing/cards/ic_missing") + get("/v1/accounts?limit=1"))
        statuses = [reader.response()[0] for _ in range(3)]
        assert statuses == [200, 404, 200]


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        self.closed = True


class FakeCycle:
    """What OneWrite reads and sets of uvicorn's cycle; its own ``send`` notes the messages it gets."""

    def __init__(self, keep_alive: bool = True) -> None:
        self.transport = FakeTransport()
        self.scope = {"method": "GET"}
        self.default_headers = [(b"server", b"uvicorn")]
        self.keep_alive = keep_alive
        self.response_started = self.response_complete = self.disconnected = self.access_log = False
        self.waiting_for_100_continue = False
        self.chunked_encoding: bool | None = None
        self.expected_content_length = 0
        self.flow = type("Flow", (), {"write_paused": False})()
        self.message_event = asyncio.Event()
        self.completed = 0
        self.passed: list[Any] = []

    def on_response(self) -> None:
        self.completed += 1

    async def send(self, message: Any) -> None:
        self.passed.append(message)


def one_write(cycle: FakeCycle) -> OneWrite:
    return OneWrite(cycle, lambda defaults: b"server: uvicorn\r\n", {200: b"HTTP/1.1 200 OK\r\n"})


def test_a_trusted_answer_is_one_write_with_uvicorns_state() -> None:
    cycle = FakeCycle(keep_alive=False)
    send = one_write(cycle)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]

    async def run() -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers, TRUSTED: True})
        await send({"type": "http.response.body", "body": b"{}"})

    asyncio.run(run())
    assert cycle.transport.written == [
        b"HTTP/1.1 200 OK\r\nserver: uvicorn\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
        b"connection: close\r\n\r\n{}"
    ]
    assert cycle.response_started and cycle.response_complete and cycle.message_event.is_set()
    assert (cycle.completed, cycle.transport.closed, cycle.passed) == (1, True, [])


@pytest.mark.parametrize(
    "start",
    [
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]},  # not marked
        {"type": "http.response.start", "status": 200, "headers": [], TRUSTED: True},  # no length
        {"type": "http.response.start", "status": 299, "headers": [(b"content-length", b"2")], TRUSTED: True},
    ],
)
def test_anything_else_goes_to_uvicorns_send(start: dict[str, Any]) -> None:
    cycle = FakeCycle()
    send = one_write(cycle)

    async def run() -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b"{}"})

    asyncio.run(run())
    assert [m["type"] for m in cycle.passed] == ["http.response.start", "http.response.body"]
    assert cycle.transport.written == []


def test_a_body_in_parts_writes_the_head_then_lets_uvicorn_go_on() -> None:
    cycle = FakeCycle()
    send = one_write(cycle)
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")], TRUSTED: True}

    async def run() -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b"{}", "more_body": True})

    asyncio.run(run())
    assert cycle.transport.written == [b"HTTP/1.1 200 OK\r\nserver: uvicorn\r\ncontent-length: 4\r\n\r\n"]
    assert [m["type"] for m in cycle.passed] == ["http.response.body"]


@pytest.mark.skipif(importlib.util.find_spec("httptools") is None, reason="httptools not installed")
def test_the_default_server_takes_the_one_write_path(monkeypatch: pytest.MonkeyPatch) -> None:
    finished: list[bytes] = []
    original = OneWrite._finish

    async def noted(self: OneWrite, head: bytes, body: bytes) -> None:
        finished.append(body)
        await original(self, head, body)

    monkeypatch.setattr(OneWrite, "_finish", noted)
    emulator = EmulatorServer(settings=Settings(host="127.0.0.1", port=0))
    emulator.start()
    try:
        with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
            reader = Reader(sock)
            sock.sendall(get("/v1/accounts"))
            _, _, body = reader.response()
    finally:
        emulator.stop()
    assert finished == [body]


def test_requests_leave_no_reference_cycles(srv: EmulatorServer) -> None:
    """Per-request garbage must be freed by reference counting: the CLI freezes what survives a
    second (emulator.gc_tuning), so a cycle made per request would stay until a full collection."""
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        reader = Reader(sock)

        def serve(n: int) -> None:
            for _ in range(n):
                sock.sendall(get("/v1/accounts"))
                assert reader.response()[0] == 200

        serve(50)  # caches and first-use objects
        gc.collect()
        gc.disable()
        try:
            serve(200)
            assert gc.collect() == 0
        finally:
            gc.enable()
