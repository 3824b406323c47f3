"""Physical card shipping address validation through the real SDK: the default mode by API version,
what each mode reports, and the test-mode magic ``line1`` values (Stripe's address validation guide)."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.issuing import card_shipping
from tests.support.cards import SHIPPING, create_cardholder
from tests.support.errors import error_of
from tests.support.events import events_of

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

ACACIA = "2024-09-30.acacia"  # validation_and_normalization becomes the default
BEFORE_ACACIA = "2024-06-20"
UNDELIVERABLE_MESSAGE = (
    "The address is undeliverable based on given inputs. Please ensure that the address was inputted correctly and "
    "can be delivered to."
)


def _shipping(line1: str = SHIPPING["address"]["line1"], mode: str | None = None) -> dict[str, Any]:
    shipping: dict[str, Any] = {**SHIPPING, "address": {**SHIPPING["address"], "line1": line1}}
    if mode is not None:
        shipping["address_validation"] = {"mode": mode}
    return shipping


def _create(client: stripe.StripeClient, shipping: dict[str, Any], version: str | None = None) -> stripe.issuing.Card:
    holder = create_cardholder(client)
    options: Any = {"stripe_version": version} if version else {}
    body: Any = {"cardholder": holder.id, "currency": "usd", "type": "physical", "shipping": shipping}
    return client.v1.issuing.cards.create(body, options)


def _update(
    client: stripe.StripeClient, card_id: str, shipping: dict[str, Any], version: str | None = None
) -> stripe.issuing.Card:
    options: Any = {"stripe_version": version} if version else {}
    body: Any = {"shipping": shipping}
    return client.v1.issuing.cards.update(card_id, body, options)


def _validation(card: stripe.issuing.Card) -> dict[str, Any]:
    assert card.shipping is not None
    found: dict[str, Any] = card.shipping.to_dict()["address_validation"]
    return found


@pytest.mark.parametrize(
    ("version", "mode"),
    [
        (None, "validation_and_normalization"),  # the SDK's pinned version
        (ACACIA, "validation_and_normalization"),
        ("2024-10-28.acacia", "validation_and_normalization"),
        (BEFORE_ACACIA, "normalization_only"),
        ("2023-08-16", "normalization_only"),
    ],
)
def test_default_mode_follows_the_api_version(client: stripe.StripeClient, version: str | None, mode: str) -> None:
    card = _create(client, _shipping(), version)
    assert _validation(card) == {
        "mode": mode,
        "normalized_address": {**SHIPPING["address"], "line2": None},
        "result": "likely_deliverable",
    }
    # the mode is the card's: a request in another version reads the same
    again = client.v1.issuing.cards.retrieve(card.id, options={"stripe_version": "2023-08-16"})
    assert _validation(again)["mode"] == mode
    assert _validation(client.v1.issuing.cards.retrieve(card.id))["mode"] == mode


@pytest.mark.parametrize(
    ("mode", "line1", "expected"),
    [
        ("validation_and_normalization", "address_valid", "likely_deliverable"),
        ("normalization_only", "address_valid", "likely_deliverable"),
        ("normalization_only", "1234 Main Street", "likely_deliverable"),
        ("normalization_only", "address_invalid", "likely_undeliverable"),
        ("disabled", "address_valid", None),
        ("disabled", "address_invalid", None),
    ],
)
def test_what_each_mode_reports(client: stripe.StripeClient, mode: str, line1: str, expected: str | None) -> None:
    validation = _validation(_create(client, _shipping(line1, mode)))
    assert validation["mode"] == mode and validation["result"] == expected
    if mode == "disabled":
        assert validation["normalized_address"] is None
    else:
        assert validation["normalized_address"]["line1"] == line1


@pytest.mark.parametrize(
    ("mode", "version"),
    [("validation_and_normalization", BEFORE_ACACIA), (None, ACACIA), (None, None)],
)
def test_undeliverable_address_is_refused_when_validating(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str, mode: str | None, version: str | None
) -> None:
    err = error_of(lambda: _create(client, _shipping("address_invalid", mode), version))
    assert err.http_status == 400
    assert err.user_message == UNDELIVERABLE_MESSAGE == card_shipping.UNDELIVERABLE
    assert err.param == "shipping[address]" and err.code == "shipping_address_invalid"
    assert err.error is not None and err.error.type == "invalid_request_error"
    assert client.v1.issuing.cards.list().data == []
    assert events_of(server, api_key, None, "issuing_card.created") == []


def test_old_versions_default_reports_undeliverable(client: stripe.StripeClient) -> None:
    card = _create(client, _shipping("address_invalid"), BEFORE_ACACIA)
    assert _validation(card)["mode"] == "normalization_only"
    assert _validation(card)["result"] == "likely_undeliverable"
    assert card.shipping is not None and card.shipping.status == "pending"


def test_shipping_update_validates_the_same_way(client: stripe.StripeClient) -> None:
    card = _create(client, _shipping(mode="disabled"))
    err = error_of(lambda: _update(client, card.id, _shipping("address_invalid")))
    assert err.http_status == 400 and err.param == "shipping[address]" and err.code == "shipping_address_invalid"
    unchanged = client.v1.issuing.cards.retrieve(card.id)
    assert _validation(unchanged)["mode"] == "disabled"
    assert unchanged.shipping is not None and unchanged.shipping.address.line1 == SHIPPING["address"]["line1"]
    # without a mode the update gets the request's default, like a create
    moved = _update(client, card.id, _shipping("address_invalid"), BEFORE_ACACIA)
    assert _validation(moved) == {
        "mode": "normalization_only",
        "normalized_address": {**SHIPPING["address"], "line1": "address_invalid", "line2": None},
        "result": "likely_undeliverable",
    }
    fixed = _update(client, card.id, _shipping())
    assert _validation(fixed)["mode"] == "validation_and_normalization"
    assert _validation(fixed)["result"] == "likely_deliverable"


def test_submitted_is_pending_before_acacia(client: stripe.StripeClient) -> None:
    """Stripe's acacia changelog added ``submitted`` to ``shipping.status``: older versions see
    ``pending``, here and in the webhooks of endpoints pinned to them."""
    card = _create(client, _shipping())
    submitted = client.v1.test_helpers.issuing.cards.submit_card(card.id)
    assert submitted.shipping is not None and submitted.shipping.status == "submitted"
    old = client.v1.issuing.cards.retrieve(card.id, options={"stripe_version": BEFORE_ACACIA})
    assert old.shipping is not None and old.shipping.status == "pending"
    assert old.shipping.address.line1 == SHIPPING["address"]["line1"]
