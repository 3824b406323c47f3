"""Stripe's own error texts and statuses (docs/api.md): the ``No such …`` noun, metadata limits,
``expand[]`` depth and names, over-long strings, and 400 for a missing object named in a parameter
against 404 for one named in the URL path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.support import flows, issuing_flows
from tests.support.errors import error_of


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["error"]
    return body


# --- the noun of "No such …" ------------------------------------------------------------------


def test_no_such_names_a_namespaced_type_with_a_space(client: stripe.StripeClient, http: httpx.Client) -> None:
    err = error_of(lambda: client.v1.issuing.cards.retrieve("ic_nonexistent123"))
    assert err.http_status == 404 and err.code == "resource_missing" and err.param == "card"
    assert err.user_message == "No such issuing card: 'ic_nonexistent123'"
    err = error_of(lambda: client.v1.issuing.cardholders.retrieve("ich_nope"))
    assert err.user_message == "No such issuing cardholder: 'ich_nope'"
    account = flows.connected_account(client)
    r = http.get("/v1/treasury/financial_accounts/fa_nope", headers={"Stripe-Account": account.id})
    assert _error(r, 404)["message"] == "No such treasury financial_account: 'fa_nope'"
    # a type without a namespace keeps its name as it is
    err = error_of(lambda: client.v1.accounts.persons.retrieve(account.id, "person_nope"))
    assert err.user_message is not None and err.user_message.startswith("No such person: ")


# --- metadata limits ------------------------------------------------------------------------


def test_metadata_limits_use_stripes_sentences(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client)
    opts: Any = s.opts
    cards = client.v1.issuing.cards
    value = "v" * 801
    err = error_of(lambda: cards.update(s.card, {"metadata": {"a": value}}, opts))
    assert err.param == "metadata[a]"
    assert err.user_message == (
        "Metadata values can have up to 500 characters, but you passed in a value that is 801 characters. "
        f"Invalid value: {value}"
    )
    key = "payreality_business_operation_identity_id"  # 41 characters
    err = error_of(lambda: cards.update(s.card, {"metadata": {key: "v"}}, opts))
    assert err.user_message == (
        f"Metadata keys can have up to 40 characters, but you passed in a key that is 41 characters. Invalid key: {key}"
    )
    # the 50 keys are counted after the merge with the keys the card already has
    cards.update(s.card, {"metadata": {f"k{i}": "v" for i in range(49)}}, opts)
    err = error_of(lambda: cards.update(s.card, {"metadata": {"x": "v", "y": "v"}}, opts))
    assert err.param == "metadata"
    assert err.user_message == (
        "Metadata can have up to 50 keys, but you've set 51. Email us at support+metadata@stripe.com for more "
        "information."
    )


# --- expand[] ---------------------------------------------------------------------------------


def test_list_expansions_count_data_as_a_level(client: stripe.StripeClient, http: httpx.Client) -> None:
    s = issuing_flows.spender(client)
    headers = {"Stripe-Account": s.account}
    four = http.get(
        "/v1/issuing/cards", params={"expand[]": "data.replacement_for.replacement_for.cardholder"}, headers=headers
    )
    assert four.status_code == 200 and four.json()["data"][0]["id"] == s.card, four.text
    deep = "data.authorization.card.replacement_for.cardholder"
    for url in ("/v1/issuing/cards", "/v1/issuing/transactions"):  # the second list is empty
        err = _error(http.get(url, params={"expand[]": deep}, headers=headers), 400)
        assert err["code"] == "property_expansion_max_depth" and err["param"] == "expand"
        assert err["message"] == f"You cannot expand more than 4 levels of a property. Property: {deep}"
        assert err["doc_url"].endswith("/property-expansion-max-depth")
    sdk = error_of(lambda: client.v1.issuing.cards.retrieve(s.card, {"expand": ["a.b.c.d.e"]}, s.opts))  # type: ignore[arg-type]
    assert sdk.code == "property_expansion_max_depth"
    assert sdk.user_message == "You cannot expand more than 4 levels of a property. Property: a.b.c.d.e"


@pytest.mark.parametrize(
    ("path", "expand", "named"),
    [
        ("card", "invalid.deep.path", "invalid"),
        ("card", "cardholder.bogus.x", "bogus"),
        ("list", "data.bogus.x.y", "bogus"),
        ("list", "data.cardholder.bogus", "bogus"),
        ("list", "data.number", "number"),
    ],
)
def test_invalid_expand_names_the_segment(
    client: stripe.StripeClient, http: httpx.Client, path: str, expand: str, named: str
) -> None:
    s = issuing_flows.spender(client)
    url = f"/v1/issuing/cards/{s.card}" if path == "card" else "/v1/issuing/cards"
    err = _error(http.get(url, params={"expand[]": expand}, headers={"Stripe-Account": s.account}), 400)
    assert err["message"] == f"This property cannot be expanded ({named})."
    assert err["param"] == "expand"


@pytest.mark.parametrize(("expand", "named"), [("cardholder", "cardholder"), ("cardholder.bogus", "cardholder")])
def test_a_list_expansion_without_data_gets_stripes_hint(
    client: stripe.StripeClient, http: httpx.Client, expand: str, named: str
) -> None:
    """Real answers: "This property cannot be expanded (application). You may want to try expanding
    'data.application' instead." (stripe-python#316, stripe-dotnet#3135)."""
    s = issuing_flows.spender(client)
    err = _error(http.get("/v1/issuing/cards", params={"expand[]": expand}, headers={"Stripe-Account": s.account}), 400)
    assert err["message"] == (
        f"This property cannot be expanded ({named}). You may want to try expanding 'data.{expand}' instead."
    )
    assert err["param"] == "expand"


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "This value must be greater than or equal to 1 (it currently is '0')."),
        ("101", "This value must be less than or equal to 100 (it currently is '101')."),
    ],
)
def test_limit_out_of_range(http: httpx.Client, limit: str, message: str) -> None:
    err = _error(http.get("/v1/issuing/cards", params={"limit": limit}), 400)
    assert (err["message"], err["param"], err["code"]) == (message, "limit", "parameter_invalid_integer")


def test_both_cursors_is_stripes_refusal(client: stripe.StripeClient, http: httpx.Client) -> None:
    """Real answers (stripe-dotnet#1848, async-stripe#753): this text, no code. stripe-python's
    ``previous_page()`` after ``next_page()`` sends both."""
    err = _error(http.get("/v1/issuing/cards", params={"starting_after": "ic_1", "ending_before": "ic_2"}), 400)
    assert err["message"] == "Received both starting_after and ending_before parameters. Please pass in only one."
    assert "code" not in err


# --- over-long strings ----------------------------------------------------------------------------


def test_too_long_string_shows_the_value_shortened(client: stripe.StripeClient) -> None:
    value = "P1_e" + "x" * 5000 + "Gvxg"
    err = error_of(lambda: client.v1.issuing.cards.list({"last4": value}))
    assert err.param == "last4" and err.code == "parameter_invalid"
    assert err.user_message == "Invalid string: P1_e...Gvxg; must be at most 5000 characters"


# --- a missing object: 400 in a parameter, 404 in the URL path --------------------------------------


def test_missing_object_in_a_parameter_is_a_400(client: stripe.StripeClient, http: httpx.Client) -> None:
    s = issuing_flows.spender(client)
    opts: Any = s.opts
    err = error_of(
        lambda: client.v1.issuing.cards.create({"cardholder": "ich_nope", "currency": "usd", "type": "virtual"}, opts)
    )
    assert (err.http_status, err.code, err.param) == (400, "resource_missing", "cardholder")
    assert err.user_message == "No such issuing cardholder: 'ich_nope'"
    helper = client.v1.test_helpers.issuing.authorizations
    err = error_of(lambda: helper.create({"card": "ic_nope", "amount": 100, "currency": "usd"}, opts))
    assert (err.http_status, err.param, err.user_message) == (400, "card", "No such issuing card: 'ic_nope'")
    # a query parameter too
    headers = {"Stripe-Account": s.account}
    r = http.get("/v1/treasury/transactions", params={"financial_account": "fa_nope"}, headers=headers)
    assert _error(r, 400)["param"] == "financial_account"
    # the answer an Idempotency-Key keeps is the 400
    sent = {"cardholder": "ich_nope", "currency": "usd", "type": "virtual"}
    keyed = {**headers, "Idempotency-Key": "missing-holder"}
    first, again = (http.post("/v1/issuing/cards", data=sent, headers=keyed) for _ in range(2))
    assert first.status_code == again.status_code == 400
    assert again.headers["idempotent-replayed"] == "true"


def test_missing_object_in_the_path_or_a_cursor_stays_a_404(client: stripe.StripeClient, http: httpx.Client) -> None:
    s = issuing_flows.spender(client)
    opts: Any = s.opts
    err = error_of(lambda: client.v1.issuing.cards.update("ic_nope", {"metadata": {"a": "b"}}, opts))
    assert (err.http_status, err.param) == (404, "card")
    err = error_of(lambda: client.v1.test_helpers.issuing.cards.deliver_card("ic_nope", options=opts))
    assert err.http_status == 404
    err = error_of(lambda: client.v1.issuing.cards.list({"starting_after": "ic_nope"}, opts))
    assert (err.http_status, err.param) == (404, "starting_after")
    err = error_of(lambda: client.v1.issuing.cards.list({"ending_before": "ic_nope"}, opts))
    assert (err.http_status, err.param) == (404, "ending_before")
