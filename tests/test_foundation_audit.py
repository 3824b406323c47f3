"""Audit fixes of the foundation: HEAD/OPTIONS, idempotency texts, received money amounts."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests import flows


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


def test_other_endpoint_message_names_the_paths(http: httpx.Client) -> None:
    key = "k-" + uuid.uuid4().hex
    acct = http.post("/v1/accounts", data={"country": "US"}, headers={"Idempotency-Key": key}).json()
    r = http.post(f"/v1/accounts/{acct['id']}", data={"country": "US"}, headers={"Idempotency-Key": key})
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "idempotency_error"
    assert r.json()["error"]["message"] == (
        "Keys for idempotent requests can only be used for the same endpoint they were first used for "
        f"('/v1/accounts' vs '/v1/accounts/{acct['id']}'). Try using a key other than '{key}' if you meant "
        "to execute a different request."
    )


@pytest.mark.parametrize("helper", ["received_credits", "received_debits"])
@pytest.mark.parametrize("amount", [0, -1, -50_000])
def test_received_money_needs_a_positive_amount(
    client: stripe.StripeClient,
    account: stripe.Account,
    financial_account: stripe.treasury.FinancialAccount,
    helper: str,
    amount: int,
) -> None:
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    create = getattr(client.v1.test_helpers.treasury, helper).create
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create({"financial_account": financial_account.id, "amount": amount, "currency": "usd", "network": "ach"}, opts)
    assert exc.value.http_status == 400
    assert exc.value.error is not None
    assert (exc.value.error.param, exc.value.error.code) == ("amount", "parameter_invalid_integer")
    assert exc.value.user_message == "This value must be greater than or equal to 1."
    after = client.v1.treasury.financial_accounts.retrieve(financial_account.id, options=opts)
    assert after.balance.cash.to_dict() == {"usd": 50_000}
    listed = getattr(client.v1.treasury, helper).list({"financial_account": financial_account.id}, opts)
    assert [o.amount for o in listed.data] == ([50_000] if helper == "received_credits" else [])
    trxns = client.v1.treasury.transactions.list({"financial_account": financial_account.id}, opts)
    assert len(trxns.data) == 1


def test_one_cent_is_enough(client: stripe.StripeClient, account: stripe.Account) -> None:
    fa = flows.funded_financial_account(client, account.id, amount=1)
    assert fa.balance.cash.to_dict() == {"usd": 1}


def test_reject_reason_must_be_stripes(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.reject(account.id, {"reason": "bored"})
    assert exc.value.error is not None and exc.value.error.param == "reason"
    assert client.v1.accounts.retrieve(account.id).requirements.disabled_reason is None  # type: ignore[union-attr]
    rejected = client.v1.accounts.reject(account.id, {"reason": "terms_of_service"})
    assert rejected.requirements.disabled_reason == "rejected.terms_of_service"  # type: ignore[union-attr]
    assert (rejected.charges_enabled, rejected.payouts_enabled) == (False, False)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.reject(account.id, {"reason": "fraud_other"})
    assert exc.value.user_message == "This account has already been rejected."
    assert client.v1.accounts.retrieve(account.id).requirements.disabled_reason == "rejected.terms_of_service"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("reason", "disabled"),
    [
        ("fraud_other", "rejected.fraud"),
        ("fraud_payment_method_tester", "rejected.fraud"),
        ("credit", "rejected.other"),
        ("fraud", "rejected.fraud"),
        ("other", "rejected.other"),
    ],
)
def test_reject_reasons_of_2026(client: stripe.StripeClient, reason: str, disabled: str) -> None:
    account = flows.connected_account(client)
    rejected = client.v1.accounts.reject(account.id, {"reason": reason})  # type: ignore[typeddict-item]
    assert rejected.requirements is not None and rejected.requirements.disabled_reason == disabled


def test_reject_can_leave_payouts_enabled(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    rejected = client.v1.accounts.reject(account.id, {"reason": "fraud_other", "payouts_action": "none"})
    assert (rejected.charges_enabled, rejected.payouts_enabled) == (False, True)


def test_unknown_country_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.create({"type": "custom", "country": "XX"})
    assert exc.value.http_status == 400
    assert exc.value.error is not None and exc.value.error.param == "country"
    assert client.v1.accounts.list().data == []


@pytest.mark.parametrize(("country", "currency"), [("US", "usd"), ("gb", "gbp"), ("FR", "eur"), ("IE", "eur")])
def test_default_currency_follows_the_country(client: stripe.StripeClient, country: str, currency: str) -> None:
    account = client.v1.accounts.create({"type": "custom", "country": country})
    assert (account.country, account.default_currency) == (country.upper(), currency)


@pytest.mark.parametrize(
    ("kind", "dashboard", "collection"), [("custom", "none", "application"), ("express", "express", "stripe")]
)
def test_an_application_controls_custom_and_express_accounts(
    client: stripe.StripeClient, kind: str, dashboard: str, collection: str
) -> None:
    account = client.v1.accounts.create({"type": kind})  # type: ignore[typeddict-item]
    controller = account.controller
    assert controller is not None
    assert (controller.type, controller.is_controller) == ("application", True)
    assert controller.stripe_dashboard is not None and controller.stripe_dashboard.type == dashboard
    assert controller.requirement_collection == collection
    standard = client.v1.accounts.create({"type": "standard"})
    assert standard.controller is not None and standard.controller.type == "account"


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


def test_received_credit_keeps_the_senders_bank_details(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    rc = client.v1.test_helpers.treasury.received_credits.create(
        {
            "financial_account": financial_account.id,
            "amount": 1234,
            "currency": "usd",
            "network": "ach",
            "initiating_payment_method_details": {
                "type": "us_bank_account",
                "us_bank_account": {
                    "account_holder_name": "Homebox Inc",
                    "account_number": "000999888777",
                    "routing_number": "021000021",
                },
            },
        },
        {"stripe_account": account.id},
    )
    details = rc.initiating_payment_method_details
    assert details.billing_details.name == "Homebox Inc"
    assert details.us_bank_account is not None
    assert (details.us_bank_account.last4, details.us_bank_account.routing_number) == ("8777", "021000021")


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


def test_idempotency_keys_expire_on_the_emulators_clock() -> None:
    srv = EmulatorServer()  # its own server: moving the clock must not disturb the session's
    with srv as url, httpx.Client(base_url=url, headers={"Authorization": "Bearer sk_test_clock"}) as http:
        headers = {"Idempotency-Key": "k-clock"}
        first = http.post("/v1/accounts", data={"country": "US"}, headers=headers)
        srv.state.clock.advance(23 * 3600)
        again = http.post("/v1/accounts", data={"country": "US"}, headers=headers)
        assert again.headers.get("idempotent-replayed") == "true" and again.content == first.content
        srv.state.clock.advance(2 * 3600)  # 25 h after the first use: the key is forgotten
        fresh = http.post("/v1/accounts", data={"country": "GB"}, headers=headers)
        assert fresh.status_code == 200 and "idempotent-replayed" not in fresh.headers
        assert fresh.json()["id"] != first.json()["id"]


def test_unknown_account_is_a_permission_error(client: stripe.StripeClient, api_key: str) -> None:
    """Stripe answers ``/v1/accounts/<unknown>`` with 403 ``account_invalid`` (stripe-ruby-mock#422)."""
    masked = "sk_test_" + "*" * (len(api_key) - 12) + api_key[-4:]
    for call in (
        lambda: client.v1.accounts.retrieve("acct_nope"),
        lambda: client.v1.accounts.update("acct_nope", {"metadata": {"a": "b"}}),
        lambda: client.v1.accounts.delete("acct_nope"),
        lambda: client.v1.accounts.reject("acct_nope", {"reason": "other"}),
        lambda: client.v1.accounts.capabilities.list("acct_nope"),
    ):
        with pytest.raises(stripe.PermissionError) as exc:
            call()
        assert exc.value.http_status == 403
        assert exc.value.error is not None and exc.value.error.code == "account_invalid"
        assert exc.value.user_message == (
            f"The provided key '{masked}' does not have access to account 'acct_nope' (or that account does not "
            "exist). Application access may have been revoked."
        )
    mine = flows.connected_account(client)
    other = flows.connected_account(client)
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.retrieve(other.id, options={"stripe_account": mine.id})
    client.v1.accounts.delete(mine.id)
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.retrieve(mine.id)


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


def test_full_aba_account_number_is_includable(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    plain = client.v1.treasury.financial_accounts.retrieve(financial_account.id, options=opts)
    aba = plain.financial_addresses[0].aba
    assert aba is not None and "account_number" not in aba.to_dict()
    full = client.v1.treasury.financial_accounts.retrieve(
        financial_account.id, {"expand": ["financial_addresses.aba.account_number"]}, opts
    )
    full_aba = full.financial_addresses[0].aba
    assert full_aba is not None and full_aba.account_number is not None
    assert len(full_aba.account_number) == 12 and full_aba.account_number.endswith(aba.account_number_last4)
    again = client.v1.treasury.financial_accounts.retrieve(
        financial_account.id, {"expand": ["financial_addresses.aba.account_number"]}, opts
    )
    assert again.financial_addresses[0].aba.account_number == full_aba.account_number  # type: ignore[union-attr]
    # the stored account is untouched, and other endpoints do not include it
    assert (
        "account_number"
        not in client.v1.treasury.financial_accounts.retrieve(financial_account.id, options=opts)
        .financial_addresses[0]
        .aba.to_dict()
    )  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.treasury.financial_accounts.list({"expand": ["data.financial_addresses.aba.account_number"]}, opts)


def test_no_op_account_update_emits_no_event(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    client.v1.accounts.update(account.id, {"metadata": {}})
    client.v1.accounts.update(account.id, {"email": account.email or ""})
    client.v1.accounts.update(account.id, {"capabilities": {"transfers": {"requested": True}}})
    assert client.v1.events.list({"type": "account.updated"}, opts).data == []
    client.v1.accounts.update(account.id, {"metadata": {"a": "1"}})
    (event,) = client.v1.events.list({"type": "account.updated"}, opts).data
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes.to_dict() == {"metadata": {"a": None}}
