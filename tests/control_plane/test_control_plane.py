"""The control plane's debugging endpoints and filters, and its refusal of cross-site POSTs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer, Settings
from emulator.http.guard import CROSS_SITE
from emulator.http.limits import ConnectionGuard
from emulator.server import MAX_REQUEST_HEAD
from tests.support import flows

EVIL = "http://evil.example"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    """A server of this test alone (a regression here could reset everything)."""
    srv = EmulatorServer()
    with srv:
        yield srv


# --- /_emulator/requests and /_emulator/state filters ------------------------------------------------


def test_requests_filter_by_the_account_sent(server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    client.v1.issuing.cardholders.list(options={"stripe_account": account.id})
    url = server.url + "/_emulator/requests"
    connected = httpx.get(url, params={"account": account.id}, headers=auth(api_key)).json()["requests"]
    assert [(r["method"], r["path"], r["account"]) for r in connected] == [
        ("GET", "/v1/issuing/cardholders", account.id)
    ]
    own = httpx.get(url, params={"account": "none"}, headers=auth(api_key)).json()["requests"]
    assert own and all(r["account"] is None for r in own)
    assert httpx.get(url, params={"account": "acct_nope"}, headers=auth(api_key)).json()["requests"] == []


def test_requests_show_the_parameters_each_request_sent(server: EmulatorServer, api_key: str) -> None:
    """The log keeps a request's query and body as sent and shows them decoded: query and body
    together, as the handler saw them; nothing when they could not be decoded."""
    url = server.url + "/v1/issuing/cardholders"
    httpx.get(url, params={"limit": "3", "email": "a+b@example.com"}, headers=auth(api_key))
    httpx.post(
        url + "?expand[]=spending_controls", content=b"name=J%C3%A9r%C3%B4me+Doe&metadata[k]=v", headers=auth(api_key)
    )
    httpx.post(url, content=b"name=%FF", headers=auth(api_key))  # not UTF-8: a 400
    log = server.url + "/_emulator/requests"
    records = httpx.get(log, params={"path": "/v1/issuing/cardholders"}, headers=auth(api_key)).json()["requests"][-3:]
    assert [r["request_body"] for r in records] == [
        {"limit": "3", "email": "a+b@example.com"},
        {"expand": ["spending_controls"], "name": "Jérôme Doe", "metadata": {"k": "v"}},
        None,
    ]
    assert records[2]["status"] == 400


def test_a_request_refused_before_it_was_read_is_logged_as_sent(server: EmulatorServer, api_key: str) -> None:
    """A 403 for an account the key cannot see, and a 404 for an unknown URL, are refused before
    their parameters are read; the log still shows the account, Idempotency-Key and body sent."""
    sent = {"Stripe-Account": "acct_nope", "Idempotency-Key": "refused-1", **auth(api_key)}
    assert httpx.post(server.url + "/v1/issuing/cards", data={"currency": "usd"}, headers=sent).status_code == 403
    unknown = {"Idempotency-Key": "refused-2", **auth(api_key)}
    assert httpx.post(server.url + "/v1/nowhere?x=1", data={"a": "b"}, headers=unknown).status_code == 404
    log = server.url + "/_emulator/requests"
    refused = httpx.get(log, params={"account": "acct_nope"}, headers=auth(api_key)).json()["requests"]
    assert [(r["status"], r["idempotency_key"], r["request_body"]) for r in refused] == [
        (403, "refused-1", {"currency": "usd"})
    ]
    (lost,) = httpx.get(log, params={"path": "/v1/nowhere"}, headers=auth(api_key)).json()["requests"]
    assert (lost["status"], lost["idempotency_key"], lost["request_body"]) == (404, "refused-2", {"x": "1", "a": "b"})


def test_state_limit_keeps_the_newest_of_each_type(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    made = [
        client.v1.webhook_endpoints.create({"url": f"https://example.com/{i}", "enabled_events": ["*"]})
        for i in range(3)
    ]
    url = server.url + "/_emulator/state"
    (platform,) = (
        httpx.get(url, params={"limit": 2, "type": "webhook_endpoint"}, headers=auth(api_key))
        .json()["platforms"]
        .values()
    )
    objects = platform["accounts"][platform["platform_account"]]["objects"]
    assert [o["id"] for o in objects["webhook_endpoint"]] == [e.id for e in made[1:]]  # oldest first, as without limit
    for bad in ("0", "-1", "two"):
        answer = httpx.get(url, params={"limit": bad}, headers=auth(api_key))
        assert answer.status_code == 400 and answer.json()["error"]["param"] == "limit"


def test_keys_that_mask_alike_are_both_in_the_state(own_server: EmulatorServer) -> None:
    tail = uuid.uuid4().hex[:8]
    keys = ["sk_test_aaaa" + tail, "sk_test_bbbb" + tail]
    made = {
        key: stripe.StripeClient(key, base_addresses={"api": own_server.url}).v1.accounts.create({"country": "US"}).id
        for key in keys
    }
    platforms = httpx.get(own_server.url + "/_emulator/state").json()["platforms"]
    masked = "sk_test_" + "*" * 8 + tail[-4:]
    assert set(platforms) == {masked, masked + "#2"}
    found = {
        next(iter(p["accounts"][a] for a in p["accounts"] if a != p["platform_account"]))["account"]["id"]
        for p in platforms.values()
    }
    assert found == set(made.values())


# --- cross-site POSTs ----------------------------------------------------------------------------------


def test_a_web_page_of_another_site_cannot_reset_the_emulator(own_server: EmulatorServer) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    stripe.StripeClient(key, base_addresses={"api": own_server.url}).v1.accounts.create({"country": "US"})
    url = own_server.url + "/_emulator/reset"
    for headers in (
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        answer = httpx.post(url, headers={**headers, "Content-Type": "text/plain"})
        assert answer.status_code == 403, headers
        assert answer.json()["error"] == {"message": CROSS_SITE, "type": "invalid_request_error"}
    assert len(httpx.get(own_server.url + "/_emulator/state").json()["platforms"]) == 1
    # the dashboard's own origin, and clients that are not browsers, may reset
    assert (
        httpx.post(url, headers={**auth(key), "Origin": own_server.url, "Sec-Fetch-Site": "same-origin"}).status_code
        == 200
    )
    assert httpx.post(url).status_code == 200


def test_cross_site_settings_and_fixture_posts_are_refused(own_server: EmulatorServer) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    settings = httpx.post(
        own_server.url + "/_emulator/platform_settings",
        headers={**auth(key), "Origin": EVIL},
        json={"rta_timeout_approves": True},
    )
    assert settings.status_code == 403
    assert (
        httpx.get(own_server.url + "/_emulator/platform_settings", headers=auth(key)).json()["rta_timeout_approves"]
        is False
    )
    document: dict[str, Any] = {
        "fixtures": [{"name": "a", "path": "/v1/accounts", "method": "post", "params": {"country": "US"}}]
    }
    loaded = httpx.post(
        own_server.url + "/_emulator/fixtures", headers={"Origin": EVIL, "Content-Type": "text/plain"}, json=document
    )
    assert loaded.status_code == 403
    assert httpx.get(own_server.url + "/_emulator/state").json()["platforms"] == {}


def test_a_refused_reset_keeps_the_persisted_journal(tmp_path: Path) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    settings = Settings(port=0, persist=str(tmp_path / "state.db"))
    with EmulatorServer(settings=settings) as url:
        account = stripe.StripeClient(key, base_addresses={"api": url}).v1.accounts.create({"country": "US"})
        assert httpx.post(url + "/_emulator/reset", headers={"Origin": EVIL}).status_code == 403
    with EmulatorServer(settings=settings) as url:
        again = stripe.StripeClient(key, base_addresses={"api": url}).v1.accounts.retrieve(account.id)
        assert again.id == account.id


# --- EmulatorServer honours its settings -----------------------------------------------------------------


def test_emulator_server_listens_where_its_settings_say() -> None:
    import socket

    with socket.socket() as probe:  # a port that is free now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    srv = EmulatorServer(settings=Settings(host="127.0.0.1", port=port))
    try:
        assert srv.start() == f"http://127.0.0.1:{port}"
        assert httpx.get(f"http://127.0.0.1:{port}/_emulator/health").status_code == 200
    finally:
        srv.stop()
    explicit = EmulatorServer(port=0, settings=Settings(port=port))  # an argument wins over the settings
    try:
        assert explicit.start() != f"http://127.0.0.1:{port}"
    finally:
        explicit.stop()


# --- platform settings: null means the default -----------------------------------------------------------


def test_null_puts_a_platform_switch_back_to_its_default(server: EmulatorServer, api_key: str) -> None:
    url = server.url + "/_emulator/platform_settings"
    changed = httpx.post(
        url, headers=auth(api_key), json={"rta_timeout_seconds": 5, "rta_timeout_approves": True}
    ).json()
    assert (changed["rta_timeout_seconds"], changed["rta_timeout_approves"]) == (5.0, True)
    back = httpx.post(url, headers=auth(api_key), json={"rta_timeout_seconds": None, "rta_timeout_approves": None})
    assert back.status_code == 200
    assert (back.json()["rta_timeout_seconds"], back.json()["rta_timeout_approves"]) == (2.0, False)
    # the dashboard's platform page shows the switches
    home = httpx.get(server.url + "/_emulator/").text
    pages = re.findall(r'href="(/_emulator/platforms/[^"/]+)"', home)
    assert pages and all(httpx.get(server.url + p).status_code == 200 for p in set(pages))


def test_the_server_runs_httptools_on_uvloop_with_its_limits() -> None:
    srv = EmulatorServer()
    try:
        srv.start()
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        assert srv._server is not None and srv._thread is not None
        http = srv._server.config.http
        assert isinstance(http, type) and issubclass(http, HttpToolsProtocol) and issubclass(http, ConnectionGuard)
        assert http.head_limit == MAX_REQUEST_HEAD  # type: ignore[attr-defined]
        assert srv._server.config.ws == "none"
        assert type(srv.loop).__module__.startswith("uvloop")
    finally:
        srv.stop()


# --- bodies nested too deeply are 400s, not 500s -----------------------------------------------------------


def test_deeply_nested_bodies_are_refused_with_a_400(server: EmulatorServer, api_key: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {**auth(api_key), "Content-Type": "application/json"}
    for path, body in (
        ("/_emulator/fixtures", deep),
        ("/_emulator/fixtures", b'{"fixtures":' + deep + b"}"),
        ("/_emulator/platform_settings", deep),
    ):
        answer = httpx.post(server.url + path, content=body, headers=headers)
        assert answer.status_code == 400, (path, answer.text[:200])
        assert answer.json()["error"]["type"] == "invalid_request_error"
    params: dict[str, Any] = {}
    document = {"fixtures": [{"name": "a", "path": "/v1/accounts", "method": "post", "params": params}]}
    for _ in range(300):  # parses, but nests far deeper than any Stripe parameter
        params["a"] = {}
        params = params["a"]
    answer = httpx.post(server.url + "/_emulator/fixtures", json=document, headers=auth(api_key))
    assert answer.status_code == 400 and "nests deeper than 64 levels" in answer.json()["error"]["message"]


def test_webhook_control_posts_refuse_cross_site_pages(server: EmulatorServer, api_key: str) -> None:
    headers = {"Authorization": f"Bearer {api_key}", "Origin": "https://evil.example"}
    settings = httpx.post(server.url + "/_emulator/webhooks/settings", json={"rta_timeout_seconds": 1}, headers=headers)
    assert settings.status_code == 403 and settings.json()["error"]["type"] == "invalid_request_error"
    replay = httpx.post(server.url + "/_emulator/webhooks/deliveries/wd_x/replay", headers=headers)
    assert replay.status_code == 403
    own = httpx.get(server.url + "/_emulator/webhooks/settings", headers={"Authorization": f"Bearer {api_key}"})
    assert own.json()["rta_timeout_seconds"] == 2.0  # nothing changed


def test_webhook_settings_deeply_nested_json_is_a_400(server: EmulatorServer, api_key: str) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = httpx.post(
        server.url + "/_emulator/webhooks/settings",
        content=body,
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
