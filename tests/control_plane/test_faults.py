"""``/_emulator/faults``: failed, dropped, delayed and rate-limited ``/v1`` requests, per platform,
and the proof that the SDKs' retries with idempotency keys leave exactly one object."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows, issuing_flows
from tests.support.node import run_node, steps_of
from tests.support.running import Running

FAULTS = "/_emulator/faults"


def add(http: httpx.Client, **rule: Any) -> dict[str, Any]:
    response = http.post(FAULTS, json=rule)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def retrying(server: EmulatorServer, api_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(api_key, base_addresses={"api": server.url}, max_network_retries=2)


def holders(client: stripe.StripeClient, account: str | None = None) -> int:
    options: Any = {"stripe_account": account} if account else {}
    return len(client.v1.issuing.cardholders.list({"limit": 100}, options).data)


# --- the rules themselves ---------------------------------------------------------------------


def test_rules_are_added_listed_and_deleted(http: httpx.Client) -> None:
    first = add(http, method="post", path="/v1/issuing/cards*", status=503)
    assert first["id"].startswith("flt_") and first["object"] == "emulator.fault"
    assert (first["method"], first["when"], first["count"], first["remaining"], first["fired"]) == (
        "POST",
        "before",
        1,
        1,
        0,
    )
    form = http.post(FAULTS, data={"path": "/v1/*", "latency_ms": "20", "probability": "0.5"})
    assert form.status_code == 200, form.text
    second = form.json()
    assert (second["latency_ms"], second["probability"], second["count"], second["remaining"]) == (20, 0.5, None, None)
    listed = http.get(FAULTS).json()
    assert listed["object"] == "list" and [r["id"] for r in listed["data"]] == [first["id"], second["id"]]
    assert http.get(f"{FAULTS}/{first['id']}").json() == first
    assert http.delete(f"{FAULTS}/{first['id']}").json() == {
        "id": first["id"],
        "object": "emulator.fault",
        "deleted": True,
    }
    missing = http.delete(f"{FAULTS}/{first['id']}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_missing"
    assert http.delete(FAULTS).json() == {"object": "emulator.faults", "deleted": 1}
    assert http.get(FAULTS).json()["data"] == []


@pytest.mark.parametrize(
    ("rule", "param"),
    [
        ({"status": 418}, "status"),
        ({"status": "abc"}, "status"),
        ({"status": 500, "when": "sideways"}, "when"),
        ({"status": 500, "when": "drop"}, "status"),
        ({"when": "after"}, "status"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"latency_ms": 60_001}, "latency_ms"),
        ({"status": 500, "count": 0}, "count"),
        ({"status": 500, "count": True}, "count"),
        ({"status": 500, "probability": 1.5}, "probability"),
        ({"status": 500, "probability": "often"}, "probability"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_limit": 5, "status": 500}, "status"),
        ({"status": 500, "method": "PATCH"}, "method"),
        ({"status": 500, "path": "/_emulator/*"}, "path"),
        ({"status": 500, "path": 7}, "path"),
        ({"status": 500, "colour": "red"}, "colour"),
        ({}, "status"),
        ({"method": "POST"}, "status"),
    ],
)
def test_bad_rules_are_refused_like_stripe(http: httpx.Client, rule: dict[str, Any], param: str) -> None:
    response = http.post(FAULTS, json=rule)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]
    assert http.get(FAULTS).json()["data"] == []


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b"a[=1"])
def test_bad_bodies_are_refused(http: httpx.Client, body: bytes) -> None:
    response = http.post(FAULTS, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"


def test_the_fault_endpoints_need_a_key(server: EmulatorServer) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = httpx.request(method, server.url + FAULTS)
        assert response.status_code == 401 and response.json()["error"]["type"] == "invalid_request_error"


# --- what a tripped rule does ------------------------------------------------------------------


def test_before_fails_without_running_the_request(client: stripe.StripeClient, http: httpx.Client) -> None:
    rule = add(http, method="POST", path="/v1/issuing/cardholders", status=503)
    with pytest.raises(stripe.APIError) as caught:
        client.v1.issuing.cardholders.create(flows.guide_cardholder_params())
    assert caught.value.http_status == 503
    assert caught.value.headers is not None and caught.value.headers["stripe-should-retry"] == "true"
    assert caught.value.error is not None and caught.value.error.type == "api_error"
    assert rule["id"] in (caught.value.error.message or "")
    assert str(caught.value.request_id).startswith("req_")
    assert holders(client) == 0
    client.v1.issuing.cardholders.create(flows.guide_cardholder_params())  # count=1: the next one passes
    assert holders(client) == 1
    assert http.get(f"{FAULTS}/{rule['id']}").json()["remaining"] == 0


def test_rules_match_method_and_path_glob(client: stripe.StripeClient, http: httpx.Client) -> None:
    add(http, method="GET", path="/v1/issuing/card*", status=500, count=5)
    client.v1.issuing.cardholders.create(flows.guide_cardholder_params())  # a POST: not matched
    assert client.v1.accounts.list().data is not None  # another path: not matched
    with pytest.raises(stripe.APIError):
        client.v1.issuing.cardholders.list()  # the glob's * crosses the rest of the path
    assert http.get(FAULTS).json()["data"][0]["remaining"] == 4


def test_a_429_is_stripes_rate_limit_error(client: stripe.StripeClient, http: httpx.Client) -> None:
    add(http, path="/v1/issuing/cardholders", status=429)
    with pytest.raises(stripe.RateLimitError) as caught:
        client.v1.issuing.cardholders.list()
    assert caught.value.http_status == 429 and caught.value.error is not None
    assert (caught.value.error.type, caught.value.error.code) == ("invalid_request_error", "rate_limit")
    assert caught.value.headers is not None and "stripe-should-retry" not in caught.value.headers


def test_faults_are_per_platform(server: EmulatorServer, http: httpx.Client) -> None:
    add(http, status=500, count=10)
    other = stripe.StripeClient("sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url})
    assert other.v1.issuing.cardholders.list().data == []


def test_faults_never_touch_the_control_plane(http: httpx.Client) -> None:
    add(http, path="/v1*", status=500, count=10)
    assert http.get("/_emulator/state").status_code == 200
    assert http.get("/_emulator/requests").status_code == 200


def test_after_runs_the_request_and_a_keyed_retry_gets_the_real_answer(http: httpx.Client) -> None:
    add(http, method="POST", path="/v1/issuing/cardholders", status=500, when="after")
    params = flows.minimal_cardholder_form()
    key = {"Idempotency-Key": "faults-" + uuid.uuid4().hex}
    failed = http.post("/v1/issuing/cardholders", data=params, headers=key)
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    retried = http.post("/v1/issuing/cardholders", data=params, headers=key)
    assert retried.status_code == 200 and retried.headers["idempotent-replayed"] == "true"
    assert retried.headers["original-request"] == failed.headers["request-id"]
    listed = http.get("/v1/issuing/cardholders").json()["data"]
    assert [h["id"] for h in listed] == [retried.json()["id"]]


def test_drop_runs_the_request_and_closes_the_connection(http: httpx.Client) -> None:
    add(http, method="POST", path="/v1/issuing/cardholders", when="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/v1/issuing/cardholders", data={"name": "Jenny Rosen", "type": "individual"} | _address())
    assert len(http.get("/v1/issuing/cardholders").json()["data"]) == 1


def _address() -> dict[str, str]:
    return {
        "billing[address][line1]": "1 Main St",
        "billing[address][city]": "San Francisco",
        "billing[address][state]": "CA",
        "billing[address][postal_code]": "94111",
        "billing[address][country]": "US",
    }


def test_latency_delays_the_real_answer(client: stripe.StripeClient, http: httpx.Client) -> None:
    rule = add(http, method="GET", path="/v1/issuing/cardholders", latency_ms=300)
    started = time.monotonic()
    assert client.v1.issuing.cardholders.list().data == []
    assert time.monotonic() - started >= 0.3
    client.v1.issuing.cardholders.list()  # count=1: the next one is not delayed
    assert http.get(f"{FAULTS}/{rule['id']}").json()["fired"] == 1


def test_latency_with_a_status(client: stripe.StripeClient, http: httpx.Client) -> None:
    add(http, path="/v1/issuing/cardholders", latency_ms=200, status=504)
    started = time.monotonic()
    with pytest.raises(stripe.APIError) as caught:
        client.v1.issuing.cardholders.list()
    assert caught.value.http_status == 504 and time.monotonic() - started >= 0.2


def test_probability_and_count(client: stripe.StripeClient, http: httpx.Client) -> None:
    never = add(http, path="/v1/issuing/cardholders", status=500, probability=0)
    always = add(http, path="/v1/issuing/cardholders", status=500, probability=1, count=2)
    outcomes = []
    for _ in range(4):
        try:
            client.v1.issuing.cardholders.list()
            outcomes.append("ok")
        except stripe.APIError:
            outcomes.append("fault")
    assert outcomes == ["fault", "fault", "ok", "ok"]
    rules = {r["id"]: r for r in http.get(FAULTS).json()["data"]}
    assert (rules[never["id"]]["fired"], rules[always["id"]]["fired"], rules[always["id"]]["remaining"]) == (0, 2, 0)


def test_probability_is_seeded(api_key: str) -> None:
    """With --seed, which requests a probability rule trips is the same on every run."""

    def pattern() -> list[int]:
        from emulator import Settings

        with EmulatorServer(settings=Settings(port=0, seed=7)) as url:
            headers = {"Authorization": f"Bearer {api_key}"}
            httpx.post(url + FAULTS, headers=headers, json={"status": 500, "probability": 0.5})
            return [httpx.get(url + "/v1/issuing/cards", headers=headers).status_code for _ in range(16)]

    first = pattern()
    assert first == pattern() and {200, 500} == set(first)


def test_rate_limit_answers_stripes_test_mode_429(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient, http: httpx.Client
) -> None:
    rule = add(http, method="GET", path="/v1/issuing/*", rate_limit=3)
    assert rule["rate_limit"] == 3 and rule["remaining"] is None

    async def burst() -> list[httpx.Response]:
        headers = {"Authorization": f"Bearer {api_key}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as a:
            return list(await asyncio.gather(*(a.get("/v1/issuing/cardholders") for _ in range(8))))

    answers = asyncio.run(burst())  # eight at once: well inside one second
    assert Counter(r.status_code for r in answers) == Counter({200: 3, 429: 5})
    error = next(r for r in answers if r.status_code == 429).json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    assert error["message"].startswith("Testmode request rate limit exceeded")
    assert client.v1.accounts.list().data is not None  # another path is not limited
    time.sleep(1.05)
    assert client.v1.issuing.cardholders.list().data == []  # the window has passed
    assert http.get(f"{FAULTS}/{rule['id']}").json()["fired"] == 5


def test_reset_forgets_the_rules(http: httpx.Client) -> None:
    add(http, status=500)
    assert http.post("/_emulator/reset").status_code == 200
    assert http.get(FAULTS).json()["data"] == []


def test_fixture_loads_never_trip_rules(http: httpx.Client) -> None:
    add(http, path="/v1/*", status=500, count=10)
    document = {"_meta": {"template_version": 0}, "fixtures": [{"name": "a", "path": "/v1/accounts", "method": "post"}]}
    loaded = http.post("/_emulator/fixtures", json=document)
    assert loaded.status_code == 200, loaded.text
    assert http.get(FAULTS).json()["data"][0]["fired"] == 0


# --- the SDKs' retries leave exactly one object ------------------------------------------------


@pytest.mark.parametrize("when", ["after", "drop"])
def test_stripe_python_retries_create_exactly_one_cardholder(
    server: EmulatorServer, api_key: str, http: httpx.Client, when: str
) -> None:
    rule = add(
        http, method="POST", path="/v1/issuing/cardholders", when=when, **({"status": 500} if when == "after" else {})
    )
    client = retrying(server, api_key)
    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params())
    assert holder.id.startswith("ich_")
    assert http.get(f"{FAULTS}/{rule['id']}").json()["fired"] == 1
    assert [h.id for h in client.v1.issuing.cardholders.list().data] == [holder.id]


@pytest.mark.parametrize("when", ["after", "drop"])
def test_stripe_python_retries_create_exactly_one_authorization(
    server: EmulatorServer, api_key: str, http: httpx.Client, when: str
) -> None:
    client = retrying(server, api_key)
    spender = issuing_flows.spender(client)
    rule = add(
        http,
        method="POST",
        path="/v1/test_helpers/issuing/authorizations",
        when=when,
        **({"status": 503} if when == "after" else {}),
    )
    auth = spender.authorize(2500)
    assert auth.id.startswith("iauth_")
    assert http.get(f"{FAULTS}/{rule['id']}").json()["fired"] == 1
    listed = client.v1.issuing.authorizations.list({"card": spender.card}, spender.opts).data
    assert [a.id for a in listed] == [auth.id]
    assert spender.balance()["cash"] == 50_000 - 2500  # held once


def test_stripe_node_retries_create_exactly_one_object(server: EmulatorServer, api_key: str) -> None:
    client = stripe.StripeClient(api_key, base_addresses={"api": server.url})
    spender = issuing_flows.spender(client)
    proc = run_node("faults_flow.mjs", server.url, api_key, spender.account, spender.card)
    assert [s["step"] for s in steps_of(proc)] == [
        "cardholder_after",
        "authorization_after",
        "cardholder_drop",
        "authorization_drop",
        "done",
    ], proc.stdout


def test_a_head_request_gets_the_fault_without_a_body(http: httpx.Client) -> None:
    add(http, method="GET", path="/v1/issuing/cards", status=503)
    response = http.head("/v1/issuing/cards")
    assert response.status_code == 503 and response.content == b""
    assert response.headers["stripe-should-retry"] == "true"


def test_a_request_failed_after_it_ran_is_kept_by_persistence(tmp_path: Path, api_key: str) -> None:
    running = Running(tmp_path / "state.db")
    url = running.start()
    try:
        headers = {"Authorization": f"Bearer {api_key}"}
        httpx.post(url + FAULTS, headers=headers, json={"method": "POST", "status": 500, "when": "after"})
        client = stripe.StripeClient(api_key, base_addresses={"api": url}, max_network_retries=2)
        holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params())
    finally:
        running.stop()
    url = running.start()
    try:
        client = stripe.StripeClient(api_key, base_addresses={"api": url})
        assert [h.id for h in client.v1.issuing.cardholders.list().data] == [holder.id]
        assert httpx.get(url + FAULTS, headers={"Authorization": f"Bearer {api_key}"}).json()["data"] == []
    finally:
        running.stop()
