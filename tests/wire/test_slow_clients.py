"""Slow and numerous clients (issue #19 item 4), over raw sockets: a head or a body that does not
arrive in time is answered 408 and the connection closed; an idle connection is closed; more
connections than ``--max-connections`` get 503. Run with each HTTP implementation installed."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import time
from collections.abc import Iterator

import pytest

from emulator import EmulatorServer
from emulator import server as server_module
from emulator.http import limits
from emulator.settings import Settings

HEADER_TIMEOUT = 0.6
BODY_TIMEOUT = 0.6
IMPLEMENTATIONS = [
    "h11",
    pytest.param(
        "httptools",
        marks=pytest.mark.skipif(importlib.util.find_spec("httptools") is None, reason="httptools not installed"),
    ),
]


@pytest.fixture(params=IMPLEMENTATIONS)
def strict(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    monkeypatch.setattr(server_module, "HTTP_IMPLEMENTATION", request.param)
    settings = Settings(
        host="127.0.0.1",
        port=0,
        header_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
        max_connections=3,
        keep_alive_timeout=5,
    )
    srv = EmulatorServer(settings=settings)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def connect(srv: EmulatorServer) -> socket.socket:
    return socket.create_connection((srv.host, srv.port), timeout=10)


def read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started = time.monotonic()
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data, time.monotonic() - started


def read_response(sock: socket.socket) -> bytes:
    """One whole response (head and its Content-Length body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(v for k, _, v in (line.partition(b": ") for line in head.split(b"\r\n")) if k.lower() == b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def status_and_error(data: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    error: dict[str, str] = json.loads(body)["error"]
    return int(head.split(b" ", 2)[1]), error


def request(path: str = "/v1/accounts", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk_test_slow\r\n{extra}\r\n".encode()


def test_a_body_that_never_comes_is_answered_408(strict: EmulatorServer) -> None:
    with connect(strict) as sock:
        sock.sendall(
            b"POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk_test_slow\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncountry=US"
        )
        data, took = read_until_closed(sock)
    status, error = status_and_error(data)
    assert status == 408 and error == {
        "message": limits.BODY_TIMEOUT.format(seconds=BODY_TIMEOUT),
        "type": "invalid_request_error",
    }
    assert BODY_TIMEOUT * 0.8 < took < BODY_TIMEOUT + 3


def test_a_control_plane_body_that_never_comes_is_answered_408(strict: EmulatorServer) -> None:
    with connect(strict) as sock:
        sock.sendall(b"POST /_emulator/reset HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n")
        data, _ = read_until_closed(sock)
    assert status_and_error(data)[0] == 408


def test_a_head_that_never_ends_is_answered_408(strict: EmulatorServer) -> None:
    with connect(strict) as sock:
        sock.sendall(b"GET /v1/accounts HTTP/1.1\r\nHost: loc")
        data, took = read_until_closed(sock)
    status, error = status_and_error(data)
    assert status == 408 and error["message"] == limits.HEAD_TIMEOUT.format(seconds=HEADER_TIMEOUT)
    assert took < HEADER_TIMEOUT + 3


def test_a_dripping_head_is_cut_at_the_deadline(strict: EmulatorServer) -> None:
    started = time.monotonic()
    with connect(strict) as sock:
        answer = b""
        try:
            for byte in request():
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
                if time.monotonic() - started > HEADER_TIMEOUT + 3:
                    break
        except OSError:
            pass
        try:
            answer, _ = read_until_closed(sock)
        except OSError:
            pass
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_an_idle_connection_is_closed_without_an_answer(strict: EmulatorServer) -> None:
    with connect(strict) as sock:
        data, took = read_until_closed(sock)
    assert data == b"" and took < HEADER_TIMEOUT + 3


def test_a_slow_client_within_the_deadlines_is_served(strict: EmulatorServer) -> None:
    body = b"country=US&type=custom"
    with connect(strict) as sock:
        sock.sendall(b"POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk_test_slow\r\n")
        time.sleep(HEADER_TIMEOUT / 3)
        sock.sendall(b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body))
        time.sleep(BODY_TIMEOUT / 3)
        sock.sendall(body[:5])
        time.sleep(BODY_TIMEOUT / 3)
        sock.sendall(body[5:])
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 ")


def test_a_partial_head_after_a_kept_alive_response_is_answered_408(strict: EmulatorServer) -> None:
    with connect(strict) as sock:
        sock.sendall(request())
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /v1/accounts HTTP/1.1\r\nHo")
        data, took = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408 ") and took < HEADER_TIMEOUT + 3


def test_more_connections_than_the_bound_get_503(strict: EmulatorServer) -> None:
    idle = [connect(strict) for _ in range(3)]
    try:
        time.sleep(0.1)
        with connect(strict) as sock:
            sock.sendall(request())
            data, _ = read_until_closed(sock)
        status, error = status_and_error(data)
        assert status == 503 and error == {"message": limits.BUSY.format(limit=3), "type": "api_error"}
        assert b"stripe-should-retry: true" in data.lower()
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)
    with connect(strict) as sock:
        sock.sendall(request(extra="Connection: close\r\n"))
        data, _ = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 ")


def test_the_body_reader_keeps_other_cancellations_and_stops_sweeping() -> None:
    sent: list[dict[str, object]] = []

    async def never() -> dict[str, object]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: object) -> None:
        sent.append(message)  # type: ignore[arg-type]

    async def main() -> None:
        reader = limits.BodyReader(0.2)
        shutdown = asyncio.create_task(reader.read([], never, send, 100))  # type: ignore[arg-type]
        await asyncio.sleep(0.01)
        shutdown.cancel()  # the server stopping: not a timeout, not swallowed
        with pytest.raises(asyncio.CancelledError):
            await shutdown
        assert not reader.reading and not sent
        slow = await reader.read([], never, send, 100)  # type: ignore[arg-type]
        assert slow is None and sent[0]["status"] == 408
        await asyncio.sleep(0.2)
        assert reader._sweep is None and not reader.reading and not reader.expired

    asyncio.run(main())


def test_a_request_whose_client_leaves_mid_body_never_runs(strict: EmulatorServer) -> None:
    key = "sk_test_leaves_" + str(time.monotonic_ns())
    body = b"type=custom&country=US"
    with connect(strict) as sock:
        sock.sendall(
            f"POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n".encode()
            + body
        )
        time.sleep(0.1)
    time.sleep(0.3)
    with connect(strict) as sock:
        sock.sendall(request(extra="Connection: close\r\n").replace(b"sk_test_slow", key.encode()))
        data, _ = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 ")
    assert json.loads(data.partition(b"\r\n\r\n")[2])["data"] == []  # the half-sent account was not made


# --- the request head's size and malformed requests, on each HTTP implementation -------------------------


def test_a_head_over_the_limit_is_refused_and_its_connection_closed(strict: EmulatorServer) -> None:
    too_long = "x-filler: " + "a" * (2 * server_module.MAX_REQUEST_HEAD) + "\r\n"  # the limit is checked per read
    started = time.monotonic()
    data = b""
    with connect(strict) as sock:
        try:
            sock.sendall(request(extra=too_long))
            data, _ = read_until_closed(sock)
        except ConnectionResetError:
            pass  # closed with part of the head unread: TCP resets, and the 400 may be lost with it
    assert time.monotonic() - started < HEADER_TIMEOUT  # refused for its size, not by the head deadline
    assert data == b"" or (data.startswith(b"HTTP/1.1 400 ") and b"connection: close" in data.lower())


def test_a_long_head_within_the_limit_reaches_the_emulator(strict: EmulatorServer) -> None:
    query = "&".join(f"expand[{i}]=data.cardholder" for i in range(4000))  # about 100 KB
    assert 64_000 < len(query) < server_module.MAX_REQUEST_HEAD
    with connect(strict) as sock:
        sock.sendall(request(f"/v1/issuing/cards?{query}"))
        data = read_response(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"application/json" in head
    assert int(head.split(b" ", 2)[1]) == 200 and json.loads(body)["object"] == "list"


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ],
    ids=["no request line", "bad content-length", "header without colon"],
)
def test_malformed_http_is_a_400_and_a_closed_connection(strict: EmulatorServer, raw: bytes) -> None:
    with connect(strict) as sock:
        sock.sendall(raw)
        data, took = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 400 ") and b"connection: close" in data.lower()
    assert took < HEADER_TIMEOUT


def test_a_body_over_the_limit_is_a_413_before_it_is_read(strict: EmulatorServer) -> None:
    with connect(strict) as sock:
        sock.sendall(
            b"POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk_test_slow\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\ncountry=US"
        )
        data = read_response(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ") and json.loads(body)["error"]["type"] == "invalid_request_error"
