"""Bugs found while turning Stripe's docs examples into tests: a refused request must change nothing
and name the exact parameter."""

from __future__ import annotations

import httpx
import pytest

from tests.support.docs import Docs

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ("purchase_details[receipt][0][quantity]=abc", "purchase_details[receipt][0][quantity]"),
        (
            "purchase_details[receipt][0][quantity]=1&purchase_details[receipt][1][quantity]=x",
            "purchase_details[receipt][1][quantity]",
        ),
        (
            "purchase_details[fleet][reported_breakdown][fuel][gross_amount_decimal]=x",
            "purchase_details[fleet][reported_breakdown][fuel][gross_amount_decimal]",
        ),
        ("purchase_details[fuel][quantity_decimal]=abc", "purchase_details[fuel][quantity_decimal]"),
    ],
)
def test_capture_with_bad_purchase_details_changes_nothing(
    docs: Docs, http: httpx.Client, body: str, param: str
) -> None:
    """Before: the 400 came after the hold was released and the authorization closed (no transaction)."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    cash = docs.cash()
    r = http.post(
        f"/v1/test_helpers/issuing/authorizations/{auth.id}/capture",
        content=body,
        headers={**FORM, "Stripe-Account": docs.account},
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    again = docs.client.v1.issuing.authorizations.retrieve(auth.id, None, docs.opts)
    assert again.status == "pending"
    assert again.transactions == []
    assert docs.cash() == cash
    # and the authorization can still be captured
    captured = docs.th.authorizations.capture(auth.id, None, docs.opts)
    assert captured.status == "closed" and len(captured.transactions) == 1


@pytest.mark.parametrize("part", ["fuel", "non_fuel"])
def test_fleet_breakdown_error_names_the_full_parameter(docs: Docs, http: httpx.Client, part: str) -> None:
    r = http.post(
        "/v1/test_helpers/issuing/authorizations",
        content=f"card={docs.card.id}&amount=100&fleet[reported_breakdown][{part}][gross_amount_decimal]=x",
        headers={**FORM, "Stripe-Account": docs.account},
    )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == f"fleet[reported_breakdown][{part}][gross_amount_decimal]"
    assert docs.client.v1.issuing.authorizations.list(None, docs.opts).data == []
