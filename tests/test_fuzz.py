"""Robustness: whatever arrives, the answer is Stripe-shaped, never a 5xx, and a refusal changes nothing.

- every endpoint's parameters, mutated from a valid request (wrong types, empty values,
  negative/huge/decimal numbers, unknown currencies, unknown keys, deep nesting, odd unicode),
  sent with real ids from the guide flow so the resource rules run, in both SDKs' encodings;
- any bytes as a body or query string, invalid UTF-8, deep bracket nesting;
- bodies over the 1 MB limit get 413 without the server reading them (declared length, or
  chunked without a length);
- negative amounts and unknown currencies are refused (4xx).
After every 4xx the platform's objects are byte-for-byte what they were before.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from emulator.app import create_app
from tests import guide as guide_flow
from tests import spec_requests
from tests.spec_requests import Endpoint, Sampler

APP = create_app()
ENDPOINTS = spec_requests.endpoints(APP)
SAMPLER = Sampler(APP.specs.compiler)
STRIPE_ERROR_TYPES = {"api_error", "card_error", "idempotency_error", "invalid_request_error"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

BAD_SCALARS = st.one_of(
    st.sampled_from(
        [
            "",
            "-1",
            "0",
            "-0",
            "1.5",
            "1e3",
            "NaN",
            "-99999999999999999999",
            "99999999999999999999",
            "9223372036854775808",
            "true",
            "null",
            "xyz",
            "ZZZ",
            "usd ",
            "USD",
            "\x00",
            "a" * 5001,
            "ic_doesnotexist",
            "acct_doesnotexist",
            "[",
            "]",
            "%",
            "+",
            "\ud7ff\ue000",
            "🙂🙂🙂",
        ]
    ),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
BAD_VALUES = st.recursive(
    BAD_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


def fingerprint(server: EmulatorServer, key: str) -> str:
    """Everything a platform holds, as one string (compared around refused requests). Stores and
    scopes are made lazily on first look, so empty ones do not count."""
    platform = server.state.platforms.get(key)
    if platform is None:
        return ""
    scopes = {}
    for sid, scope in platform.scopes.items():
        stores = {t: list(s.values()) for t, s in scope.stores.items() if len(s)}
        meta = {k: v for k, v in scope.meta.items() if v}
        if stores or meta:
            scopes[sid] = {"stores": stores, "meta": meta}
    dump = {"account": platform.account, "accounts": list(platform.accounts.values()), "scopes": scopes}
    return json.dumps(dump, sort_keys=True, default=repr)


def state_diff(before: str, after: str) -> str:
    """Where two fingerprints first differ (for the failure message)."""
    i = next((n for n, (x, y) in enumerate(zip(before, after, strict=False)) if x != y), min(len(before), len(after)))
    return f"before: ...{before[max(i - 300, 0) : i + 200]}...\nafter:  ...{after[max(i - 300, 0) : i + 200]}..."


def assert_stripe_shaped(r: httpx.Response) -> None:
    assert r.status_code < 500, r.text[:800]
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    if r.status_code >= 400:
        err = body["error"]
        assert err["type"] in STRIPE_ERROR_TYPES, body
        assert isinstance(err["message"], str) and err["message"], body


def leaves(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaves(v, (*prefix, k))] or [prefix]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaves(v, (*prefix, str(i)))] or [prefix]
    return [prefix]


def replace(value: Any, path: tuple[str, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        i = int(head)
        return [replace(v, rest, new) if j == i else v for j, v in enumerate(value)]
    return {k: (replace(v, rest, new) if k == head else v) for k, v in value.items()}


@pytest.fixture(scope="module")
def spender(server: EmulatorServer) -> tuple[str, guide_flow.Guide]:
    key = "sk_test_" + uuid.uuid4().hex
    return key, guide_flow.run(stripe.StripeClient(key, base_addresses={"api": server.url}))


@pytest.fixture(scope="module")
def spender_http(server: EmulatorServer, spender: tuple[str, guide_flow.Guide]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {spender[0]}"}) as client:
        yield client


def _real_path(ep: Endpoint, ids: dict[str, str]) -> str:
    filled = {
        name: ids[name]
        for name in ("account", "financial_account", "cardholder", "card", "authorization", "transaction", "dispute")
        if name in ids
    }
    filled["capability"] = "card_issuing"
    return ep.path(filled)


def _send(client: httpx.Client, ep: Endpoint, path: str, encoded: str, headers: dict[str, str]) -> httpx.Response:
    if ep.method == "POST":
        return client.post(path, content=encoded.encode(), headers={**FORM, **headers})
    return client.request(ep.method, f"{path}?{encoded}" if encoded else path, headers=headers)


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.label)
def test_mutated_parameters(
    server: EmulatorServer, spender: tuple[str, guide_flow.Guide], spender_http: httpx.Client, ep: Endpoint
) -> None:
    key, guide = spender
    path = _real_path(ep, guide.ids)
    valid = SAMPLER.value(ep.schema)
    spots = leaves(valid)
    client = spender_http

    @settings(max_examples=8, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        spot=st.sampled_from(spots),
        bad=BAD_VALUES,
        extra=st.one_of(st.none(), st.tuples(st.text(min_size=1, max_size=8), BAD_VALUES)),
        node=st.booleans(),
        scoped=st.booleans(),
    )
    def run(spot: tuple[str, ...], bad: Any, extra: tuple[str, Any] | None, node: bool, scoped: bool) -> None:
        params = replace(valid, spot, bad) if spot else {"x": bad}
        if extra is not None and isinstance(params, dict):
            params = {**params, extra[0]: extra[1]}
        encoded = (
            spec_requests.node_encode(params)
            if node
            else spec_requests.python_encode(params, query=ep.method != "POST")
        )
        headers = {"Stripe-Account": guide.account} if scoped else {}
        before = fingerprint(server, key)
        r = _send(client, ep, path, encoded, headers)
        assert_stripe_shaped(r)
        after = fingerprint(server, key) if r.status_code >= 400 else before
        assert after == before, (
            f"{ep.label} changed state and answered {r.status_code}: {r.text[:300]}\n{state_diff(before, after)}"
        )

    run()


def test_any_bytes_as_a_body(server: EmulatorServer, http: httpx.Client, api_key: str) -> None:
    # the key's first request makes its platform, whatever the answer: make it before comparing states
    assert http.get("/v1/account").status_code == 200

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=st.binary(max_size=300), ep=st.sampled_from([e for e in ENDPOINTS if e.method == "POST"]))
    def run(body: bytes, ep: Endpoint) -> None:
        before = fingerprint(server, api_key)
        r = http.post(ep.path(), content=body, headers=FORM)
        assert_stripe_shaped(r)
        if r.status_code >= 400:
            assert fingerprint(server, api_key) == before

    run()


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(query=st.binary(max_size=200), ep=st.sampled_from([e for e in ENDPOINTS if e.method == "GET"]))
def test_any_bytes_as_a_query(server: EmulatorServer, query: bytes, ep: Endpoint) -> None:
    raw = ep.path().encode() + b"?" + bytes(b for b in query if b > 0x20 and b not in b"#\x7f")
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(
            b"GET "
            + raw
            + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_fuzz_query\r\nConnection: close\r\n\r\n"
        )
        data = _read_all(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status == 400 and b"application/json" not in head:
        return  # the HTTP parser refused the request line itself (not a valid HTTP request)
    assert status < 500, data[:500]
    parsed = json.loads(body)
    if status >= 400:
        assert parsed["error"]["type"] in STRIPE_ERROR_TYPES


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.mark.parametrize(
    "body",
    [
        b"\xc3\x28=1",
        b"name=%C3%28",
        b"metadata" + b"[a]" * 200 + b"=1",
        b"a" + b"[" * 10_000 + b"=1",
        b"metadata[k]=" + b"%FF" * 1000,
        b"expand[]=" + b"data." * 2000,
        b"%" * 5000,
    ],
    ids=[
        "invalid-utf8",
        "invalid-utf8-escaped",
        "deep-nesting",
        "bracket-flood",
        "bad-escapes",
        "deep-expand",
        "percent",
    ],
)
def test_pathological_bodies(http: httpx.Client, body: bytes) -> None:
    for path in ("/v1/accounts", "/v1/issuing/cards", "/v1/test_helpers/treasury/received_credits"):
        r = http.post(path, content=body, headers=FORM)
        assert_stripe_shaped(r)
        assert 400 <= r.status_code < 500


@pytest.mark.parametrize("body", [b"&" * 100_000, b"=" * 100_000], ids=["ampersands", "equals"])
def test_empty_forms_are_empty(http: httpx.Client, body: bytes) -> None:
    """Nothing but separators is an empty form: the same answer as no body at all."""
    for path in ("/v1/issuing/cards", "/v1/test_helpers/treasury/received_credits"):
        r = http.post(path, content=body, headers=FORM)
        assert_stripe_shaped(r)
        empty = http.post(path, content=b"", headers=FORM)
        assert r.status_code == empty.status_code == 400
        seen, want = r.json()["error"], empty.json()["error"]
        assert (seen.get("code"), seen.get("param"), seen["message"]) == (
            want.get("code"),
            want.get("param"),
            want["message"],
        )


def _raw_post(server: EmulatorServer, head: bytes, first: bytes) -> tuple[int, bytes]:
    """Send the head and the first part of a body, then read the answer without sending the rest."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head + first)
        sock.shutdown(socket.SHUT_WR)
        data = _read_all(sock)
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def test_declared_huge_body_is_refused_before_it_is_read(server: EmulatorServer) -> None:
    head = (
        b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_huge\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\n"
    )
    status, body = _raw_post(server, head, b"country=US&" + b"x" * 1000)
    assert status == 413
    assert json.loads(body)["error"]["type"] == "invalid_request_error"


def test_chunked_huge_body_is_cut_at_the_limit(server: EmulatorServer) -> None:
    head = (
        b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_huge\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"a" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 20  # 1.3 MB, no terminating chunk
    status, answer = _raw_post(server, head, body)
    assert status == 413
    assert json.loads(answer)["error"]["type"] == "invalid_request_error"


AMOUNT_NAMES = (
    "amount",
    "refund_amount",
    "capture_amount",
    "increment_amount",
    "reverse_amount",
    "final_amount",
    "merchant_amount",
)


def _money_cases() -> list[tuple[Endpoint, tuple[str, ...], str]]:
    cases = []
    for ep in ENDPOINTS:
        if ep.method != "POST":
            continue
        sample = SAMPLER.value(ep.schema)
        for spot in leaves(sample):
            if spot and spot[-1] in AMOUNT_NAMES and len(spot) == 1:
                cases.extend((ep, spot, v) for v in ("-1", "-100000"))
            if spot and spot[-1] == "currency" and len(spot) == 1:
                cases.extend((ep, spot, v) for v in ("xyz", "usdd"))
    return cases


MONEY = _money_cases()


@pytest.mark.parametrize(("ep", "spot", "value"), MONEY, ids=[f"{e.label} {s[-1]}={v}" for e, s, v in MONEY])
def test_negative_amounts_and_unknown_currencies_are_refused(
    server: EmulatorServer,
    spender: tuple[str, guide_flow.Guide],
    spender_http: httpx.Client,
    ep: Endpoint,
    spot: tuple[str, ...],
    value: str,
) -> None:
    key, guide = spender
    params = replace(SAMPLER.value(ep.schema), spot, value)
    if "card" in params:
        params["card"] = guide.ids.get("card", "ic_missing")
    if "financial_account" in params:
        params["financial_account"] = guide.ids.get("financial_account", "fa_missing")
    before = fingerprint(server, key)
    r = spender_http.post(
        _real_path(ep, guide.ids),
        content=spec_requests.python_encode(params).encode(),
        headers={**FORM, "Stripe-Account": guide.account},
    )
    assert_stripe_shaped(r)
    assert 400 <= r.status_code < 500, f"{ep.label} accepted {spot[-1]}={value}: {r.text[:300]}"
    assert fingerprint(server, key) == before
