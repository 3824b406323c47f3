"""Safety of a local emulator: deliveries never reach its own control plane, only the hosts it
serves are answered (DNS rebinding), secrets are hidden from the request log, CORS as Stripe.

Read deadlines and the connection bound are in ``test_slow_clients.py``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.cli import settings_from_args
from emulator.http import guard
from emulator.http.redaction import REDACTED
from emulator.settings import Settings
from emulator.webhooks import self_target
from tests.support.cards import create_cardholder, new_card
from tests.support.receiver import Received, Receiver

VICTIM = "sk_test_victim_platform"
ATTACKER = "sk_test_attacker_platform"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    """A server of the test's own: these tests try to reset everything."""
    srv = EmulatorServer()
    with srv:
        yield srv


def sdk(srv: EmulatorServer, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": srv.url}, max_network_retries=0)


def victim_platform(srv: EmulatorServer) -> str:
    holder = create_cardholder(sdk(srv, VICTIM))
    return holder.id


def victim_alive(srv: EmulatorServer, holder_id: str) -> bool:
    r = httpx.get(f"{srv.url}/v1/issuing/cardholders/{holder_id}", headers={"Authorization": f"Bearer {VICTIM}"})
    return r.status_code == 200


def deliveries(srv: EmulatorServer, key: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{srv.url}/_emulator/webhooks/deliveries", headers={"Authorization": f"Bearer {key}"})
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def wait_for_attempt(srv: EmulatorServer, key: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for delivery in deliveries(srv, key):
            if delivery["attempts"]:
                attempt: dict[str, Any] = delivery["attempts"][0]
                return attempt
        time.sleep(0.05)
    raise AssertionError("no delivery attempt was made")


# --- deliveries never reach the control plane (issue #19 item 2) ----------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "2130706433", "0x7f.1", "127.1", "127.0.0.2", "[::ffff:127.0.0.1]"],
)
def test_a_webhook_endpoint_on_the_emulator_itself_is_never_sent_to(own_server: EmulatorServer, host: str) -> None:
    holder = victim_platform(own_server)
    attacker = sdk(own_server, ATTACKER)
    url = f"http://{host}:{own_server.port}/_emulator/reset"
    attacker.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
    create_cardholder(attacker)  # an event: a delivery to the endpoint
    attempt = wait_for_attempt(own_server, ATTACKER)
    assert attempt["status_code"] is None
    assert attempt["error"] == self_target.SELF_TARGET.format(url=url)
    assert victim_alive(own_server, holder)


def test_forward_to_the_emulator_itself_is_never_sent() -> None:
    port = free_port()
    settings = Settings(host="127.0.0.1", port=port, forward_to=f"http://localhost:{port}/_emulator/reset")
    with EmulatorServer(settings=settings, log_level="warning") as url:
        srv_url = url
        holder = create_cardholder(stripe.StripeClient(VICTIM, base_addresses={"api": srv_url}))
        r = httpx.get(f"{srv_url}/v1/issuing/cardholders/{holder.id}", headers={"Authorization": f"Bearer {VICTIM}"})
        assert r.status_code == 200
        deadline = time.monotonic() + 10
        attempts: list[dict[str, Any]] = []
        while not attempts and time.monotonic() < deadline:
            attempts = [a for d in deliveries_of_all(srv_url) for a in d["attempts"]]
            time.sleep(0.05)
        assert attempts and all(a["error"] and "points at this emulator" in a["error"] for a in attempts)
        again = httpx.get(
            f"{srv_url}/v1/issuing/cardholders/{holder.id}", headers={"Authorization": f"Bearer {VICTIM}"}
        )
        assert again.status_code == 200


def deliveries_of_all(url: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = httpx.get(f"{url}/_emulator/webhooks/deliveries").json()["data"]
    return data


def test_another_emulators_control_plane_refuses_deliveries(own_server: EmulatorServer) -> None:
    """Emulator A's endpoint names emulator B's reset: B refuses requests A's deliveries make."""
    holder = victim_platform(own_server)
    with EmulatorServer() as other_url:
        attacker = stripe.StripeClient(ATTACKER, base_addresses={"api": other_url})
        attacker.v1.webhook_endpoints.create({"url": f"{own_server.url}/_emulator/reset", "enabled_events": ["*"]})
        create_cardholder(attacker)
        deadline = time.monotonic() + 10
        attempt = None
        while attempt is None and time.monotonic() < deadline:
            found = [a for d in deliveries_of_all(other_url) for a in d["attempts"]]
            attempt = found[0] if found else None
            time.sleep(0.05)
    assert attempt is not None and attempt["status_code"] == 403
    assert guard.OUTBOUND_REFUSED in attempt["response_body"]
    assert victim_alive(own_server, holder)


def test_the_control_plane_refuses_requests_marked_as_deliveries(own_server: EmulatorServer) -> None:
    holder = victim_platform(own_server)
    for method, path in [("POST", "/_emulator/reset"), ("GET", "/_emulator/state"), ("GET", "/_emulator/")]:
        r = httpx.request(method, own_server.url + path, headers={guard.OUTBOUND_HEADER: "1"})
        assert r.status_code == 403
        assert r.json() == {"error": {"message": guard.OUTBOUND_REFUSED, "type": "invalid_request_error"}}
    assert victim_alive(own_server, holder)
    # the API itself still answers them (a delivery to /v1 is only an unauthenticated request)
    assert httpx.get(own_server.url + "/v1/accounts", headers={guard.OUTBOUND_HEADER: "1"}).status_code == 401


def test_deliveries_carry_the_outbound_mark_and_follow_no_redirect(own_server: EmulatorServer) -> None:
    holder = victim_platform(own_server)
    target = f"{own_server.url}/_emulator/reset"

    def redirect(_: Received) -> tuple[int, dict[str, str], bytes]:
        return 307, {"Location": target}, b""

    with Receiver(redirect) as rx:
        attacker = sdk(own_server, ATTACKER)
        attacker.v1.webhook_endpoints.create({"url": rx.url, "enabled_events": ["*"]})
        create_cardholder(attacker)
        received = rx.wait_for(1)
        attempt = wait_for_attempt(own_server, ATTACKER)
    assert received[0].headers[guard.OUTBOUND_HEADER.lower()] == "1"
    assert attempt["status_code"] == 307  # recorded as a failed attempt, not followed
    assert victim_alive(own_server, holder)


def test_self_target_resolution() -> None:
    import asyncio

    served = {("127.0.0.1", 4242)}

    def refused(url: str, where: set[tuple[str, int]] = served) -> bool:
        return asyncio.run(self_target.refusal(url, where)) is not None

    for host in ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "127.1", "[::1]", "0.0.0.0", "017700000001"]:
        assert refused(f"http://{host}:4242/_emulator/reset"), host
    assert refused("http://LOCALHOST:4242/x")
    assert not refused("http://127.0.0.1:4243/_emulator/reset")  # another port: a receiver
    assert not refused("http://127.0.0.1/_emulator/reset")  # port 80
    assert not refused("http://no-such-host.invalid:4242/")
    assert not refused("http://127.0.0.1:4242/", set())  # never served: nothing to protect
    # listening on every address: any address of this machine is the emulator
    assert refused("http://127.0.0.1:4242/", {("0.0.0.0", 4242)})
    assert refused("https://127.0.0.1/", {("0.0.0.0", 443)})


# --- only served hosts are answered (issue #19 item 3) ----------------------------------------------------


REBOUND = "attacker.example"


@pytest.mark.parametrize("path", ["/_emulator/state", "/_emulator/requests", "/_emulator/", "/v1/accounts"])
def test_a_rebound_host_is_refused_before_routing(server: EmulatorServer, api_key: str, path: str) -> None:
    r = httpx.get(
        server.url + path,
        headers={"Host": f"{REBOUND}:{server.port}", "Authorization": f"Bearer {api_key}"},
    )
    assert r.status_code == 421
    assert r.headers["connection"] == "close"
    assert r.json() == {
        "error": {
            "message": guard.HOST_NOT_SERVED.format(host=f"{REBOUND}:{server.port}", name=REBOUND),
            "type": "invalid_request_error",
        }
    }


def test_a_rebound_page_cannot_reset(own_server: EmulatorServer) -> None:
    holder = victim_platform(own_server)
    origin = f"http://{REBOUND}:{own_server.port}"
    r = httpx.post(
        own_server.url + "/_emulator/reset",
        headers={"Host": f"{REBOUND}:{own_server.port}", "Origin": origin, "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 421
    assert victim_alive(own_server, holder)


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "[::1]", "127.0.0.2", "app.localhost", "LOCALHOST.", socket.gethostname()]
)
def test_served_hosts_are_answered(server: EmulatorServer, host: str) -> None:
    r = httpx.get(server.url + "/_emulator/health", headers={"Host": f"{host}:{server.port}"})
    assert r.status_code == 200
    assert httpx.get(server.url + "/_emulator/health", headers={"Host": host}).status_code == 200


def test_allowed_hosts_setting_adds_names() -> None:
    settings = Settings(host="127.0.0.1", port=0, allowed_hosts=("emulator.test",))
    with EmulatorServer(settings=settings) as url:
        assert httpx.get(url + "/_emulator/health", headers={"Host": "emulator.test:1"}).status_code == 200
        assert httpx.get(url + "/_emulator/health", headers={"Host": "other.test"}).status_code == 421
    with EmulatorServer(settings=Settings(host="127.0.0.1", port=0, allowed_hosts=("*",))) as url:
        assert httpx.get(url + "/_emulator/health", headers={"Host": "other.test"}).status_code == 200


def test_allowed_hosts_flag_and_variable() -> None:
    assert settings_from_args(["--allowed-hosts", "a.test", "--allowed-hosts", "b.test"], {}).allowed_hosts == (
        "a.test",
        "b.test",
    )
    env = {"STRIPE_EMULATOR_ALLOWED_HOSTS": "a.test,b.test"}
    assert settings_from_args([], env).allowed_hosts == ("a.test", "b.test")


def test_host_policy_rules() -> None:
    loopback = guard.HostPolicy("127.0.0.1")
    assert loopback.allows(None)  # no Host: not a browser
    assert all(loopback.allows(h) for h in ["localhost:12111", "127.0.0.1", "[::1]:1", "x.localhost", "127.1"])
    assert not any(loopback.allows(h) for h in [REBOUND, "10.0.0.5", "emulator", "", "a b", "x@localhost", "h:port"])
    named = guard.HostPolicy("emulator.internal", ["more.test"])
    assert named.allows("emulator.internal:80") and named.allows("MORE.TEST") and not named.allows("third.test")
    # a wildcard bind (docker): IP literals and single-label names (compose services), not dotted names
    docker = guard.HostPolicy("0.0.0.0", ["emulator.example"])
    assert all(docker.allows(h) for h in ["172.17.0.2:12111", "[fd00::2]", "stripe-emulator", "emulator.example"])
    assert not docker.allows(REBOUND)
    assert guard.HostPolicy("::").allows("10.1.2.3")
    specific = guard.HostPolicy("192.0.2.7")
    assert specific.allows("192.0.2.7") and not specific.allows("192.0.2.8")


def test_the_refusal_names_what_allowed_hosts_takes() -> None:
    """The 421's advice works as given: the name without the Host header's port, and a name given
    with a port counts without it (ports are not compared)."""
    message = guard.host_refusal("app.example:59159").message
    assert "--allowed-hosts app.example (" in message and "'app.example:59159'" in message
    for given in ["app.example:59159", "App.Example.", "[fd00::7]:80", "fd00::7"]:
        policy = guard.HostPolicy("127.0.0.1", [given])
        wanted = "app.example:1" if "app" in given.lower() else "[fd00::7]:1"
        assert policy.allows(wanted), given


def test_same_origin_posts_still_work_on_a_served_host(server: EmulatorServer, api_key: str) -> None:
    origin = f"http://localhost:{server.port}"
    r = httpx.post(
        server.url + "/_emulator/platform_settings",
        headers={"Host": f"localhost:{server.port}", "Origin": origin, "Authorization": f"Bearer {api_key}"},
        json={"rta_timeout_seconds": 3},
    )
    assert r.status_code == 200
    foreign = httpx.post(
        server.url + "/_emulator/platform_settings",
        headers={"Origin": "http://localhost:1", "Authorization": f"Bearer {api_key}"},
        json={"rta_timeout_seconds": 3},
    )
    assert foreign.status_code == 403 and foreign.json()["error"]["message"] == guard.CROSS_SITE


# --- the request log hides secrets (issue #19 item 3) -------------------------------------------------------


def test_request_log_redacts_secrets_unless_revealed(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    endpoint = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    holder = create_cardholder(client)
    card = new_card(client, cardholder=holder.id)
    full = client.v1.issuing.cards.retrieve(card.id, {"expand": ["number", "cvc"]})
    auth = {"Authorization": f"Bearer {api_key}"}
    records = httpx.get(server.url + "/_emulator/requests", headers=auth).json()["requests"]
    text = str(records)
    assert endpoint.secret is not None and endpoint.secret not in text
    assert full.number is not None and full.number not in text and f"'cvc': '{full.cvc}'" not in text
    shown = [r["response_body"] for r in records if r["path"] == f"/v1/issuing/cards/{card.id}"][0]
    assert shown["number"] == REDACTED and shown["cvc"] == REDACTED and shown["last4"] == card.last4
    created = [r["response_body"] for r in records if r["path"] == "/v1/webhook_endpoints"][0]
    assert created["secret"] == REDACTED and created["url"] == "http://127.0.0.1:9/hook"
    revealed = str(httpx.get(server.url + "/_emulator/requests?reveal=true", headers=auth).json())
    assert endpoint.secret in revealed and full.number in revealed
    # one request by its id: its platform's key sees it, another platform's key does not
    request_id = [r["request_id"] for r in records if r["path"] == "/v1/webhook_endpoints"][0]
    own = httpx.get(f"{server.url}/_emulator/requests/{request_id}?reveal=true", headers=auth)
    assert own.status_code == 200 and own.json()["response_body"]["secret"] == endpoint.secret
    other = {"Authorization": "Bearer sk_test_someone_else"}
    assert httpx.get(f"{server.url}/_emulator/requests/{request_id}?reveal=true", headers=other).status_code == 404


# --- CORS ----------------------------------------------------------------------------------------------------


def test_cors_without_origin_is_stripes(http: httpx.Client) -> None:
    r = http.get("/v1/accounts")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-credentials"] == "true"  # as api.stripe.com answers


def test_cors_with_an_origin_answers_that_origin(http: httpx.Client) -> None:
    origin = "http://localhost:3000"
    preflight = http.options(
        "/v1/issuing/cards",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    for r in (preflight, http.get("/v1/accounts", headers={"Origin": origin})):
        assert r.headers["access-control-allow-origin"] == origin  # never "*" with credentials: browsers refuse
        assert r.headers["access-control-allow-credentials"] == "true"
        assert "Origin" in r.headers["vary"]
    odd = http.get("/v1/accounts", headers={"Origin": "null"})
    assert odd.headers["access-control-allow-origin"] == "*"


def test_a_server_on_a_wildcard_address_serves_ip_literals_and_service_names() -> None:
    with EmulatorServer(host="0.0.0.0", port=0) as url:
        local = url.replace("0.0.0.0", "127.0.0.1")
        for host, status in [("172.17.0.2:12111", 200), ("stripe-emulator", 200), (REBOUND, 421)]:
            assert httpx.get(local + "/_emulator/health", headers={"Host": host}).status_code == status, host
