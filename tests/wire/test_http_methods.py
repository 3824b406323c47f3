"""HEAD and OPTIONS: HEAD answers like GET without a body, OPTIONS is a CORS preflight."""

from __future__ import annotations

import socket

import httpx

from emulator import EmulatorServer


def test_head_answers_like_get_without_a_body(http: httpx.Client) -> None:
    got = http.get("/v1/accounts")
    head = http.head("/v1/accounts")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["request-id"].startswith("req_")
    assert http.head("/v1/treasury/financial_accounts/fa_missing").status_code == 404
    missing = http.head("/v1/nothing")
    assert (missing.status_code, missing.content) == (404, b"")


def test_head_needs_a_key(server: EmulatorServer) -> None:
    assert httpx.head(server.url + "/v1/accounts").status_code == 401


def test_head_then_get_on_one_connection(server: EmulatorServer, api_key: str) -> None:
    """No body bytes after a HEAD response: the next response on the socket parses."""
    host, port = server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            f"HEAD /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {api_key}\r\n\r\n"
            f"GET /v1/account HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {api_key}\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert data.rstrip().endswith(b"}")


def test_options_is_a_cors_preflight(server: EmulatorServer) -> None:
    r = httpx.options(
        server.url + "/v1/issuing/cards",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, stripe-version",
        },
    )
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"  # the origin, never "*" + credentials
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == "authorization, stripe-version"
