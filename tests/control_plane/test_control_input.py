"""Hostile input on the control plane: numbers read as ASCII digits only, a Stripe-shaped 400
(never a 500) for what is not one, HEAD that never changes anything, no ghost platforms."""

from __future__ import annotations

import json
import re
import socket
import uuid
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.fixtures.references import lookup
from emulator.http import control_plane
from emulator.http.control_plane import INVALID_LIMIT

NINES = "9" * 5000
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ODD_DIGITS = ["²", "٣", "５００", "1_0", "--5", NINES]


def assert_400(resp: httpx.Response, param: str | None = None) -> dict[str, Any]:
    assert resp.status_code == 400, resp.text
    error: dict[str, Any] = resp.json()["error"]
    assert error["type"] == "invalid_request_error"
    if param is not None:
        assert error.get("param") == param
    return error


# --- F1: one ASCII-only number check -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "٣", "1_0", NINES, "-1", "0", " 5"])
@pytest.mark.parametrize("path", ["/_emulator/state", "/_emulator/requests", "/_emulator/webhooks/deliveries"])
def test_limit_is_ascii_digits_only(http: httpx.Client, path: str, value: str) -> None:
    error = assert_400(http.get(path, params={"limit": value}), "limit")
    assert error["message"] == INVALID_LIMIT
    assert http.get(path, params={"limit": "2"}).status_code == 200


@pytest.mark.parametrize("value", ODD_DIGITS)
@pytest.mark.parametrize("name", ["advance", "to"])
def test_clock_numbers_are_ascii_digits_only(http: httpx.Client, name: str, value: str) -> None:
    error = assert_400(http.post("/_emulator/clock", data={name: value}), name)
    assert error["code"] == "parameter_invalid_integer"
    assert http.get("/_emulator/clock").json()["offset"] == 0


def test_clock_refuses_a_boolean_and_a_huge_json_integer(http: httpx.Client) -> None:
    assert_400(http.post("/_emulator/clock", json={"advance": True}), "advance")
    body = '{"advance": ' + "9" * 30 + "}"
    assert_400(http.post("/_emulator/clock", content=body, headers={"Content-Type": "application/json"}), "advance")
    body = '{"advance": ' + NINES + "}"  # beyond Python's int-string limit: not JSON it reads
    assert_400(http.post("/_emulator/clock", content=body, headers={"Content-Type": "application/json"}))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "５００"),
        ("status", "٥٠٠"),
        ("latency_ms", "٣"),
        ("count", "1_0"),
        ("count", True),
        ("latency_ms", NINES),
        ("probability", "٠.5"),
        ("probability", "0_5"),
        ("probability", True),
    ],
)
def test_fault_numbers_are_ascii_digits_only(http: httpx.Client, field: str, value: Any) -> None:
    rule: dict[str, Any] = {"status": 500, "path": "/v1/nothing", field: value}
    assert_400(http.post("/_emulator/faults", json=rule), field)
    assert http.get("/_emulator/faults").json()["data"] == []


def test_a_probability_too_large_for_a_float_is_a_400(http: httpx.Client) -> None:
    body = '{"status": 500, "path": "/v1/nothing", "probability": 1' + "0" * 400 + "}"
    resp = http.post("/_emulator/faults", content=body, headers={"Content-Type": "application/json"})
    assert_400(resp, "probability")
    ok = http.post("/_emulator/faults", data={"status": "500", "path": "/v1/nothing", "probability": ".5"})
    assert ok.status_code == 200 and ok.json()["probability"] == 0.5


@pytest.mark.parametrize(
    "body",
    [
        {"retry_schedule[²]": "1"},
        {"retry_schedule": "٣,5"},
        {"retry_schedule": "1_0"},
        {"rta_timeout_seconds": "1_0"},
        {"rta_timeout_seconds": "٣"},
    ],
)
def test_webhook_settings_numbers_are_ascii_digits_only(http: httpx.Client, body: dict[str, str]) -> None:
    assert_400(http.post("/_emulator/webhooks/settings", data=body))


@pytest.mark.parametrize("path", ["/_emulator/webhooks/settings", "/_emulator/platform_settings"])
def test_a_boolean_is_not_a_number_of_seconds(http: httpx.Client, path: str) -> None:
    assert_400(http.post(path, json={"rta_timeout_seconds": True}), "rta_timeout_seconds")
    ok = http.post(path, json={"rta_timeout_seconds": "1.5"})
    assert ok.status_code == 200 and ok.json()["rta_timeout_seconds"] == 1.5


def test_the_requests_status_filter_is_ascii_digits_only(http: httpx.Client) -> None:
    assert_400(http.get("/_emulator/requests", params={"status": "٢٠٠"}), "status")


@pytest.mark.parametrize("index", ["²", NINES])
def test_a_fixture_reference_with_odd_digits_finds_nothing(server: EmulatorServer, api_key: str, index: str) -> None:
    assert lookup({"data": [{"id": "ich_1"}]}, f"data.{index}.id") is None
    assert lookup({"data": [{"id": "ich_1"}]}, "data.0.id") == "ich_1"
    doc = {
        "_meta": {"template_version": 0},
        "fixtures": [
            {"name": "l", "path": "/v1/issuing/cardholders", "method": "get"},
            {
                "name": "c",
                "path": "/v1/issuing/cards",
                "method": "get",
                "params": {"cardholder": f"${{l:data.{index}.id|none}}"},
            },
        ],
    }
    resp = httpx.post(server.url + "/_emulator/fixtures", json=doc, headers={"Authorization": f"Bearer {api_key}"})
    assert resp.status_code == 200, resp.text  # the default stood in: the reference found nothing
    assert resp.json()["responses"]["c"]["data"] == []


@pytest.mark.parametrize("name", ["X-Ü😀", "X Space", "X:colon", ""])
def test_a_fixture_header_name_must_be_a_token(server: EmulatorServer, api_key: str, name: str) -> None:
    doc = {
        "_meta": {"template_version": 0},
        "fixtures": [{"name": "b", "path": "/v1/balance", "method": "get", "headers": {name: "v"}}],
    }
    resp = httpx.post(server.url + "/_emulator/fixtures", json=doc, headers={"Authorization": f"Bearer {api_key}"})
    error = assert_400(resp)
    assert "step 1 of 1" in error["message"] and "is not a valid HTTP header name" in error["message"]


def test_the_dashboard_reads_ascii_digits_only(
    server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client
) -> None:
    fa = client.v1.treasury.financial_accounts.create({"supported_currencies": ["usd"], "features": {}})
    with httpx.Client(base_url=server.url) as web:  # a browser: no API key
        handle = web.get("/_emulator/search", params={"q": fa.id}).headers["location"].split("/")[3]
        assert web.get(f"/_emulator/platforms/{handle}/types/issuing.card", params={"page": "²"}).status_code == 400
        page = web.get(f"/_emulator/platforms/{handle}")
        token = TOKEN.search(page.text)
        assert token is not None
        form = {"csrf_token": token.group(1), "object": client.v1.accounts.retrieve_current().id, "days": "²"}
        moved = web.post(f"/_emulator/platforms/{handle}/actions/clock", data=form, headers={"Origin": server.url})
        assert moved.status_code == 303
        assert "Invalid days" in web.get(moved.headers["location"]).text
    assert http.get("/_emulator/clock").json()["offset"] == 0


def test_an_unexpected_error_is_a_stripe_500_and_the_connection_stays_usable(
    server: EmulatorServer, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(control_plane.auth, "key_from_header", broken)
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        head = f"GET /_emulator/clock HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer sk_test_x\r\n\r\n"
        sock.sendall(head.encode())
        first = _read_response(sock)
        monkeypatch.undo()
        sock.sendall(f"GET /_emulator/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        second = _read_response(sock)
    status, body = first
    assert status == 500
    error = json.loads(body)["error"]
    assert error["type"] == "api_error" and "RuntimeError" in error["message"]
    assert second[0] == 200  # the same kept-alive connection answers the next request


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split(b" ")[1]), body


# --- F2: HEAD never changes anything -------------------------------------------------------------------


def test_head_on_the_clock_answers_as_get_and_never_moves_it(http: httpx.Client) -> None:
    head = http.request("HEAD", "/_emulator/clock", data={"advance": "3600"})
    get = http.get("/_emulator/clock")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
    assert get.json()["offset"] == 0
    assert http.request("HEAD", "/_emulator/clock").status_code == 200


def test_head_on_faults_never_adds_or_deletes_a_rule(http: httpx.Client) -> None:
    head = http.request("HEAD", "/_emulator/faults", json={"status": 500})
    assert head.status_code == 200 and head.content == b""
    assert http.get("/_emulator/faults").json()["data"] == []
    rule = http.post("/_emulator/faults", json={"status": 500, "path": "/v1/nothing"}).json()
    assert http.request("HEAD", f"/_emulator/faults/{rule['id']}").status_code == 200
    assert [r["id"] for r in http.get("/_emulator/faults").json()["data"]] == [rule["id"]]
    assert http.request("HEAD", "/_emulator/faults/flt_nope").status_code == 404


def test_head_on_fixtures_never_loads_a_document(http: httpx.Client, client: stripe.StripeClient, api_key: str) -> None:
    doc = {
        "_meta": {"template_version": 0},
        "fixtures": [{"name": "h", "path": "/v1/issuing/cardholders", "method": "post", "params": {"name": "x"}}],
    }
    head = http.request("HEAD", "/_emulator/fixtures", json=doc)
    assert head.status_code == 200 and head.content == b""
    assert http.get("/_emulator/fixtures").json()["fixtures"] == []
    assert client.v1.issuing.cardholders.list().data == []


@pytest.mark.parametrize(
    "path",
    [
        "/_emulator/state",
        "/_emulator/requests",
        "/_emulator/platform_settings",
        "/_emulator/webhooks/settings",
        "/_emulator/webhooks/deliveries",
        "/_emulator/health",
    ],
)
def test_head_on_every_other_control_route_answers_as_get(server: EmulatorServer, path: str) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as c:
        head = c.request("HEAD", path, data={"rta_timeout_seconds": "5"})
        assert head.status_code == c.get(path).status_code == 200 and head.content == b""
    assert key not in server.state.platforms  # a look makes no platform


def test_head_does_not_use_up_an_express_login_link(client: stripe.StripeClient) -> None:
    express = client.v1.accounts.create({"type": "express"})
    link = client.v1.accounts.login_links.create(express.id)
    assert httpx.head(link.url).status_code == 200
    page = httpx.get(link.url)
    assert page.status_code == 200 and express.id in page.text
    assert httpx.get(link.url).status_code == 404  # used up by the GET


# --- F4: no ghost platform ---------------------------------------------------------------------------


def test_webhook_settings_make_no_platform_on_a_look_or_a_refusal(server: EmulatorServer) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as c:
        look = c.get("/_emulator/webhooks/settings")
        assert look.status_code == 200
        assert look.json()["retry_schedule_overridden"] is False and look.json()["rta_timeout_approves"] is False
        assert_400(c.post("/_emulator/webhooks/settings", data={"bogus": "1"}))
        assert_400(c.post("/_emulator/webhooks/settings", data={"retry_schedule": "-1"}))
        assert key not in server.state.platforms
        done = c.post("/_emulator/webhooks/settings", data={"retry_schedule": "1,2"})
        assert done.status_code == 200 and done.json()["retry_schedule"] == [1.0, 2.0]
        assert c.get("/_emulator/webhooks/settings").json()["retry_schedule_overridden"] is True
    assert key in server.state.platforms
