"""Safety of a local emulator: only the hosts it serves are answered (DNS rebinding), secrets are
hidden from the request log.

Read deadlines and the connection bound are in ``test_slow_clients.py``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.cli import settings_from_args
from emulator.http import guard
from emulator.http.redaction import REDACTED
from emulator.settings import Settings
from tests.test_cardholders import create_cardholder
from tests.test_cards import new_card

VICTIM = "sk_test_victim_platform"
ATTACKER = "sk_test_attacker_platform"


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    """A server of the test's own: these tests try to reset everything."""
    srv = EmulatorServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def sdk(srv: EmulatorServer, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": srv.url}, max_network_retries=0)


def victim_platform(srv: EmulatorServer) -> str:
    holder = create_cardholder(sdk(srv, VICTIM))
    return holder.id


def victim_alive(srv: EmulatorServer, holder_id: str) -> bool:
    r = httpx.get(f"{srv.url}/v1/issuing/cardholders/{holder_id}", headers={"Authorization": f"Bearer {VICTIM}"})
    return r.status_code == 200


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
            "message": guard.HOST_NOT_SERVED.format(host=f"{REBOUND}:{server.port}"),
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
