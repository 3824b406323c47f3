"""Request shapes real Issuing apps send (issue #18): nested includes through lists, the ABA routing
number, ``metadata=""``, ``Stripe-Version`` checked against Stripe's released versions, typo
suggestions on unknown parameters, and ``request_log_url`` pointing at the emulator's own log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.http import versions
from tests.support import flows, issuing_flows


def _fa_with_aba(client: stripe.StripeClient) -> tuple[str, str]:
    account = flows.connected_account(client).id
    return account, flows.financial_account(client, account).id


def test_account_number_expands_through_the_list(client: stripe.StripeClient) -> None:
    account, fa_id = _fa_with_aba(client)
    opts: Any = {"stripe_account": account}
    page = client.v1.treasury.financial_accounts.list({"expand": ["data.financial_addresses.aba.account_number"]}, opts)
    listed = page.data[0].financial_addresses[0].aba
    one = client.v1.treasury.financial_accounts.retrieve(
        fa_id, {"expand": ["financial_addresses.aba.account_number"]}, opts
    )
    assert listed.account_number == one.financial_addresses[0].aba.account_number
    assert listed.account_number.endswith(listed.account_number_last4)
    # without the expansion the list shows only the last 4, as before
    plain = client.v1.treasury.financial_accounts.list(options=opts).data[0].financial_addresses[0].aba
    assert "account_number" not in plain


def test_card_number_stays_retrieve_only(client: stripe.StripeClient) -> None:
    spender = issuing_flows.spender(client)
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        client.v1.issuing.cards.list({"expand": ["data.number"]}, spender.opts)  # type: ignore[arg-type]
    # nested expansions through data. work on lists as on the card itself
    page = client.v1.issuing.cards.list({"expand": ["data.cardholder"]}, spender.opts)  # type: ignore[arg-type]
    assert page.data[0].cardholder.id == spender.cardholder


def test_aba_routing_number_is_stripes_nine_digit_test_number(client: stripe.StripeClient) -> None:
    account, fa_id = _fa_with_aba(client)
    fa = client.v1.treasury.financial_accounts.retrieve(fa_id, options={"stripe_account": account})
    routing = fa.financial_addresses[0].aba.routing_number
    assert routing == "110000000"
    assert len(routing) == 9


@pytest.mark.parametrize("kind", ["cardholder", "card", "financial_account", "account"])
def test_empty_metadata_clears_every_key(client: stripe.StripeClient, kind: str) -> None:
    spender = issuing_flows.spender(client)
    opts: Any = spender.opts
    service: Any
    if kind == "cardholder":
        service, obj_id = client.v1.issuing.cardholders, spender.cardholder
    elif kind == "card":
        service, obj_id = client.v1.issuing.cards, spender.card
    elif kind == "financial_account":
        service, obj_id = client.v1.treasury.financial_accounts, spender.fa
    else:
        service, obj_id, opts = client.v1.accounts, spender.account, {}
    filled = service.update(obj_id, {"metadata": {"a": "1", "b": "2"}}, opts)
    assert filled.metadata.to_dict() == {"a": "1", "b": "2"}
    cleared = service.update(obj_id, {"metadata": ""}, opts)
    assert cleared.metadata.to_dict() == {}
    assert service.retrieve(obj_id, options=opts).metadata.to_dict() == {}


def test_version_list_is_data_and_knows_the_sdk_version() -> None:
    assert versions.is_known(stripe.api_version)
    for good in (
        "2020-03-02",
        "2025-03-31.basil",
        "2024-06-20",
        "2026-10-28.endive; issuing_beta=v2",
        "2031-01-01.zinnia",
        "2026-11-18.endive",
        "2025-07-30.preview",  # the public previews Stripe's changelog publishes beside a release
        "2026-11-18.preview",
        "2026-03-04.preview",  # Stripe's preview SDK builds pin days between releases (stripe-go)
        "2026-08-12.preview; embedded_connect_beta=v2",  # (stripe-ruby's day)
    ):
        assert versions.is_known(good), good
    for bad in (
        "1999-01-01.nonsense",
        "2024-09-30",
        "2025-03-31.acacia",
        "yesterday",
        "2031-02-30.zinnia",
        "2020-03-03",
        "2023-03-03.preview",  # before Stripe's previews, and no release that day
        "2026-02-30.preview",  # no such day
    ):
        assert not versions.is_known(bad), bad


def test_unknown_stripe_version_is_stripes_400(server: EmulatorServer, http: httpx.Client) -> None:
    r = http.get("/v1/issuing/cards", headers={"Stripe-Version": "1999-01-01.nonsense"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["message"] == "Invalid Stripe API version: 1999-01-01.nonsense"
    assert error["type"] == "invalid_request_error"
    assert "param" not in error and "code" not in error  # as Stripe's answer shows it
    # a dated release and a release newer than the newest one known both pass
    assert http.get("/v1/issuing/cards", headers={"Stripe-Version": "2020-08-27"}).status_code == 200
    newer = http.get("/v1/issuing/cards", headers={"Stripe-Version": "2030-01-15.zinnia"})
    assert newer.status_code == 200
    assert newer.headers["stripe-version"] == "2030-01-15.zinnia"


def test_unknown_parameter_suggests_the_closest_one(client: stripe.StripeClient) -> None:
    spender = issuing_flows.spender(client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.issuing.cards.create(
            {"cardholder": spender.cardholder, "currency": "usd", "type": "virtual", "finacial_account": spender.fa},  # type: ignore[typeddict-unknown-key]
            spender.opts,  # type: ignore[arg-type]
        )
    assert exc.value.user_message == ("Received unknown parameter: finacial_account. Did you mean financial_account?")
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "finacial_account"
    # nothing close: no suggestion
    with pytest.raises(stripe.InvalidRequestError) as far:
        client.v1.issuing.cards.list({"zzzz": "1"}, spender.opts)  # type: ignore[typeddict-unknown-key, arg-type]
    assert far.value.user_message == "Received unknown parameter: zzzz"


def test_request_log_url_points_at_the_emulator(server: EmulatorServer, http: httpx.Client) -> None:
    r = http.get("/v1/issuing/cards/ic_missing")
    assert r.status_code == 404
    error = r.json()["error"]
    request_id = r.headers["request-id"]
    assert error["request_log_url"] == f"{server.url}/_emulator/requests/{request_id}"
    logged = httpx.get(error["request_log_url"])
    assert logged.status_code == 200
    record = logged.json()
    assert record["request_id"] == request_id
    assert record["status"] == 404
    assert record["response_body"]["error"]["code"] == "resource_missing"
    gone = httpx.get(f"{server.url}/_emulator/requests/req_nope")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "resource_missing"


@pytest.mark.parametrize(("yes", "no"), [("True", "False"), ("TRUE", "FALSE"), ("true", "false")])
def test_booleans_in_any_case_as_older_stripe_python_sends_them(http: httpx.Client, yes: str, no: str) -> None:
    # stripe-python before 12 encodes a Python bool as `True`/`False`; Stripe's v1 API takes them
    account = http.post("/v1/accounts", data={"type": "custom", "capabilities[card_issuing][requested]": yes})
    assert account.status_code == 200, account.text
    assert account.json()["capabilities"]["card_issuing"] in ("active", "inactive", "pending")
    listed = http.get("/v1/events", params={"delivery_success": no})
    assert listed.status_code == 200, listed.text


@pytest.mark.parametrize("value", ["1", "0", "yes", "t"])
def test_other_spellings_of_a_boolean_are_refused(http: httpx.Client, value: str) -> None:
    r = http.post("/v1/accounts", data={"capabilities[card_issuing][requested]": value})
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["param"], error["message"]) == ("capabilities[card_issuing][requested]", f"Invalid boolean: {value}")


def test_old_bracket_style_spending_limits_through_the_api(http: httpx.Client) -> None:
    # what stripe-ruby before 4.0 (and Rails' to_query) sends for a limit with two categories
    limits = "spending_controls[spending_limits]"
    body = (
        "name=Jenny+Rosen&billing[address][line1]=1&billing[address][city]=SF&billing[address][postal_code]=94111"
        f"&billing[address][country]=US&{limits}[][amount]=5000&{limits}[][categories][]=bakeries"
        f"&{limits}[][categories][]=florists&{limits}[][interval]=daily"
    )
    r = http.post(
        "/v1/issuing/cardholders", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200, r.text
    (limit,) = r.json()["spending_controls"]["spending_limits"]
    assert limit == {"amount": 5000, "categories": ["bakeries", "florists"], "interval": "daily"}
