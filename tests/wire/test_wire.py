"""The wire protocol through real sockets: auth, headers, errors, idempotency, scoping, isolation."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows


def test_health_get_and_head(server: EmulatorServer) -> None:
    assert httpx.get(server.url + "/_emulator/health").status_code == 200
    assert httpx.head(server.url + "/_emulator/health").status_code == 200


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (None, "You did not provide an API key"),
        ("Bearer", "You did not provide an API key"),
        ("Bearer sk_live_abcdef123456", "Invalid API Key provided: sk_live_********3456"),
        ("Bearer nonsense", "Invalid API Key provided"),
        ("Bearer pk_test_abc", "publishable API key"),
        ("Token abc", "Invalid API Key provided"),
        ("Basic !!!", "Invalid API Key provided"),
    ],
)
def test_bad_keys_get_401(server: EmulatorServer, header: str | None, fragment: str) -> None:
    headers = {"Authorization": header} if header is not None else {}
    r = httpx.get(server.url + "/v1/account", headers=headers)
    assert r.status_code == 401
    body = r.json()["error"]
    assert body["type"] == "invalid_request_error"
    assert fragment in body["message"]
    assert r.headers["request-id"].startswith("req_")


def test_basic_auth_like_curl(server: EmulatorServer) -> None:
    r = httpx.get(server.url + "/v1/account", auth=("sk_test_curl", ""))
    assert r.status_code == 200
    assert r.json()["object"] == "account"


def test_sdk_maps_401_to_authentication_error(server: EmulatorServer) -> None:
    bad = stripe.StripeClient("sk_live_nope1234", base_addresses={"api": server.url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.accounts.retrieve_current()


def test_response_headers(http: httpx.Client) -> None:
    r = http.get("/v1/account", headers={"Stripe-Version": "2024-06-20"})
    assert r.headers["content-type"] == "application/json"
    assert r.headers["stripe-version"] == "2024-06-20"
    r2 = http.get("/v1/account")
    assert r2.headers["stripe-version"] == "2026-10-28.endive"
    assert r.headers["request-id"] != r2.headers["request-id"]


def test_invalid_stripe_version(http: httpx.Client) -> None:
    r = http.get("/v1/account", headers={"Stripe-Version": "yesterday"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Invalid Stripe API version: yesterday"


def test_unknown_url_and_wrong_method(http: httpx.Client) -> None:
    r = http.post("/v1/nothing_here")
    assert r.status_code == 404
    assert r.json()["error"]["message"].startswith("Unrecognized request URL (POST: /v1/nothing_here)")
    r = http.delete("/v1/treasury/transactions")
    assert r.status_code == 404
    assert "(DELETE: /v1/treasury/transactions)" in r.json()["error"]["message"]


def test_unknown_parameter(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.create({"capabilities": {"transfers": {"requested": True, "bogus": "1"}}})  # type: ignore[dict-item]
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "capabilities[transfers][bogus]"
    assert str(exc.value.user_message) == "Received unknown parameter: capabilities[transfers][bogus]"


def test_missing_and_invalid_params(client: stripe.StripeClient, account: stripe.Account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.treasury.financial_accounts.create({}, {"stripe_account": account.id})  # type: ignore[typeddict-item]
    assert exc.value.code == "parameter_missing"
    assert exc.value.param == "supported_currencies"
    fa = flows.financial_account(client, account.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.test_helpers.treasury.received_credits.create(
            {"amount": "ten", "currency": "usd", "financial_account": fa.id, "network": "ach"},  # type: ignore[typeddict-item]
            {"stripe_account": account.id},
        )
    assert exc.value.code == "parameter_invalid_integer"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.test_helpers.treasury.received_credits.create(
            {"amount": 10, "currency": "usd", "financial_account": fa.id, "network": "carrier_pigeon"},  # type: ignore[typeddict-item]
            {"stripe_account": account.id},
        )
    assert exc.value.param == "network"
    assert str(exc.value.user_message).startswith("Invalid network: must be one of ach, ")


def test_enum_errors_name_the_whole_bracket_path(http: httpx.Client) -> None:
    """Stripe's enum errors name the parameter as sent (``Invalid recurring[interval]: ...``)."""
    r = http.post("/v1/webhook_endpoints", data={"url": "https://example.com/h", "enabled_events[0]": "nope.happened"})
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("Invalid enabled_events[0]: must be one of ")
    r = http.post(
        "/v1/issuing/cardholders",
        data={
            "name": "Jane",
            "type": "individual",
            "billing[address][line1]": "1 A St",
            "billing[address][city]": "X",
            "billing[address][postal_code]": "94111",
            "billing[address][country]": "US",
            "spending_controls[spending_limits][0][amount]": "100",
            "spending_controls[spending_limits][0][interval]": "fortnightly",
        },
    )
    error = r.json()["error"]
    assert (r.status_code, error["param"]) == (400, "spending_controls[spending_limits][0][interval]")
    assert error["message"].startswith("Invalid spending_controls[spending_limits][0][interval]: must be one of ")


def test_json_body_is_rejected(http: httpx.Client) -> None:
    r = http.post("/v1/accounts", json={"country": "US"})
    assert r.status_code == 400
    assert "Content-Type" in r.json()["error"]["message"]


def test_huge_body_is_413(http: httpx.Client) -> None:
    r = http.post(
        "/v1/accounts", content=b"a=" + b"x" * 2_000_000, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413
    assert "error" in r.json()


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe", b"a[b=1", b"a=1&a[b]=2", b"%ZZ=1", b"metadata[" + b"[" * 50 + b"]=1", b"a[b]]=1", b"a[][b]=1&a[]=2"],
)
def test_malformed_bodies_get_4xx(http: httpx.Client, body: bytes) -> None:
    r = http.post("/v1/accounts", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_stripe_account_scoping(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.financial_account(client, account.id)
    # the platform itself cannot see the connected account's financial account
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.treasury.financial_accounts.retrieve(fa.id)
    assert exc.value.http_status == 404
    assert exc.value.code == "resource_missing"
    other = flows.connected_account(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.treasury.financial_accounts.retrieve(fa.id, options={"stripe_account": other.id})
    got = client.v1.treasury.financial_accounts.retrieve(fa.id, options={"stripe_account": account.id})
    assert got.id == fa.id
    # GET /v1/account with Stripe-Account is that account
    assert client.v1.accounts.retrieve_current(options={"stripe_account": account.id}).id == account.id


def test_foreign_stripe_account_is_403(server: EmulatorServer, client: stripe.StripeClient) -> None:
    theirs = flows.connected_account(
        stripe.StripeClient("sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url})
    )
    with pytest.raises(stripe.PermissionError) as exc:
        client.v1.accounts.retrieve_current(options={"stripe_account": theirs.id})
    assert exc.value.json_body["error"]["code"] == "account_invalid"  # type: ignore[index]
    assert theirs.id in str(exc.value.user_message)


def test_keys_are_isolated_platforms(server: EmulatorServer) -> None:
    a = stripe.StripeClient("sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url})
    b = stripe.StripeClient("sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url})
    acct = flows.connected_account(a)
    assert a.v1.accounts.retrieve_current().id != b.v1.accounts.retrieve_current().id
    assert [x.id for x in a.v1.accounts.list().data] == [acct.id]
    assert b.v1.accounts.list().data == []
    with pytest.raises(stripe.PermissionError):  # Stripe's answer for an account the key cannot see
        b.v1.accounts.retrieve(acct.id)


class TestIdempotency:
    def test_replay_is_byte_identical(self, http: httpx.Client) -> None:
        headers = {"Idempotency-Key": "k-" + uuid.uuid4().hex, "Content-Type": "application/x-www-form-urlencoded"}
        first = http.post("/v1/accounts", content=b"country=US&email=a%40b.co", headers=headers)
        second = http.post("/v1/accounts", content=b"country=US&email=a%40b.co", headers=headers)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert second.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert second.headers["original-request"] == first.headers["request-id"]
        assert len(http.get("/v1/accounts").json()["data"]) == 1

    def test_other_params_same_key(self, http: httpx.Client) -> None:
        headers = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        assert http.post("/v1/accounts", data={"country": "US"}, headers=headers).status_code == 200
        r = http.post("/v1/accounts", data={"country": "GB"}, headers=headers)
        assert r.status_code == 400
        assert r.json()["error"]["type"] == "idempotency_error"
        assert "same parameters" in r.json()["error"]["message"]

    def test_other_endpoint_same_key(self, http: httpx.Client, client: stripe.StripeClient) -> None:
        headers = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        acct = http.post("/v1/accounts", data={"country": "US"}, headers=headers).json()
        r = http.post(f"/v1/accounts/{acct['id']}", data={"country": "US"}, headers=headers)
        assert r.status_code == 400
        assert "same endpoint" in r.json()["error"]["message"]

    def test_sdk_raises_idempotency_error(self, client: stripe.StripeClient) -> None:
        key = uuid.uuid4().hex
        client.v1.accounts.create({"country": "US"}, {"idempotency_key": key})
        with pytest.raises(stripe.IdempotencyError):
            client.v1.accounts.create({"country": "GB"}, {"idempotency_key": key})

    def test_errors_are_replayed_too(self, http: httpx.Client) -> None:
        headers = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        first = http.post("/v1/treasury/financial_accounts/fa_missing", data={"nickname": "x"}, headers=headers)
        second = http.post("/v1/treasury/financial_accounts/fa_missing", data={"nickname": "x"}, headers=headers)
        assert first.status_code == second.status_code == 404
        assert first.content == second.content
        assert second.headers["idempotent-replayed"] == "true"

    def test_keys_are_per_platform(self, server: EmulatorServer) -> None:
        key = "shared-" + uuid.uuid4().hex
        for _ in range(2):
            c = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer sk_test_{uuid.uuid4().hex}"})
            r = c.post("/v1/accounts", data={"country": "US"}, headers={"Idempotency-Key": key})
            assert "idempotent-replayed" not in r.headers


def test_reset_one_platform_or_all(server: EmulatorServer) -> None:
    k1, k2 = "sk_test_" + uuid.uuid4().hex, "sk_test_" + uuid.uuid4().hex
    c1 = stripe.StripeClient(k1, base_addresses={"api": server.url})
    c2 = stripe.StripeClient(k2, base_addresses={"api": server.url})
    flows.connected_account(c1)
    flows.connected_account(c2)
    r = httpx.post(server.url + "/_emulator/reset", headers={"Authorization": f"Bearer {k1}"})
    assert r.status_code == 200
    assert c1.v1.accounts.list().data == []
    assert len(c2.v1.accounts.list().data) == 1
    r = httpx.post(server.url + "/_emulator/reset", headers={"Authorization": "Bearer pk_live_x"})
    assert r.status_code == 401


def test_control_plane_is_not_under_v1(server: EmulatorServer) -> None:
    r = httpx.get(server.url + "/_emulator/nope")
    assert r.status_code == 404
    assert "error" in r.json()
    assert httpx.get(server.url + "/_emulator/reset").status_code == 404


# --- authentication, versions, parameter names and numbers ------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer sk_live_abcdef123456", "Bearer pk_test_abc"])
def test_401_bodies_carry_no_request_log(server: EmulatorServer, header: str | None) -> None:
    r = httpx.get(server.url + "/v1/account", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    error = r.json()["error"]
    assert set(error) == {"message", "type"}
    assert error["type"] == "invalid_request_error"
    assert r.headers["request-id"].startswith("req_")


@pytest.mark.parametrize("version", ["2026-10-28.endive; issuing_beta=v2", "2024-06-20", "2025-03-31.basil"])
def test_stripe_version_is_echoed(http: httpx.Client, version: str) -> None:
    r = http.get("/v1/account", headers={"Stripe-Version": version})
    assert r.status_code == 200
    assert r.headers["stripe-version"] == version


@pytest.mark.parametrize("version", ["latest", "2026-10-28.endive;", "2026-10-28 endive"])
def test_malformed_stripe_version_is_400(http: httpx.Client, version: str) -> None:
    r = http.get("/v1/account", headers={"Stripe-Version": version})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == f"Invalid Stripe API version: {version}"


@pytest.mark.parametrize("credentials", [b"\xff\xfe", b"\xc3\xa9t\xc3\xa9", b"////", b"%%%"])
def test_non_ascii_basic_credentials_are_401(server: EmulatorServer, credentials: bytes) -> None:
    host, port = server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic "
            + credentials
            + b"\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 401 ")
    assert b'"Invalid API Key provided: ' in data
    for path in ("/_emulator/state", "/v1/account"):
        assert httpx.get(server.url + path, headers={"Authorization": "Basic ////"}).status_code == 401


def test_unknown_names_are_reported_before_errors_inside_known_values(http: httpx.Client) -> None:
    r = http.post(
        "/v1/accounts",
        content=b"zeta=1&alpha=2&capabilities[bogus][requested]=true&email=",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_unknown", "zeta")
    assert error["message"] == "Received unknown parameters: zeta, alpha"
    nested = http.post("/v1/accounts", data={"capabilities[bogus][requested]": "true", "type": "nope"})
    assert nested.json()["error"]["param"] == "capabilities[bogus]"
    assert http.get("/v1/accounts").json()["data"] == []


@pytest.mark.parametrize("amount", ["\u0663", "\uff11", "1\u00b2"])
def test_only_ascii_digits_make_integers(
    http: httpx.Client, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount, amount: str
) -> None:
    r = http.post(
        "/v1/test_helpers/treasury/received_credits",
        data={"amount": amount, "currency": "usd", "financial_account": financial_account.id, "network": "ach"},
        headers={"Stripe-Account": account.id},
    )
    assert r.status_code == 400
    assert (r.json()["error"]["code"], r.json()["error"]["param"]) == ("parameter_invalid_integer", "amount")


@pytest.mark.parametrize("index", ["\u00b2", "\u2460", "\u0663"])
def test_non_ascii_array_indices_are_invalid_arrays(http: httpx.Client, index: str) -> None:
    r = http.post("/v1/treasury/financial_accounts", data={f"supported_currencies[{index}]": "usd"})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "supported_currencies"
