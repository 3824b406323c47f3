"""Replacing a card: the replacement reasons as Stripe's API reference and guide describe them."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from tests.support.cards import SHIPPING, create_cardholder
from tests.support.errors import error_of

# --- replacement reasons, as Stripe's API reference describes them (`replacement_reason` enum):      ---
# --- lost/stolen "only valid if the card it replaces is marked as lost/stolen"; damaged "only valid  ---
# --- for cards of type physical"; the guide: "We need to cancel the original cards before ..."     ---


def _card(client: stripe.StripeClient, holder: str, **params: Any) -> stripe.issuing.Card:
    return client.v1.issuing.cards.create({"cardholder": holder, "currency": "usd", "type": "virtual", **params})


@pytest.mark.parametrize("status", ["inactive", "active"])
@pytest.mark.parametrize("reason", ["lost", "stolen"])
def test_lost_or_stolen_replacement_of_an_uncanceled_card_is_refused(
    client: stripe.StripeClient, status: str, reason: str
) -> None:
    holder = create_cardholder(client)
    old = _card(client, holder.id, status=status)
    err = error_of(lambda: _card(client, holder.id, replacement_for=old.id, replacement_reason=reason))
    assert err.http_status == 400 and err.param == "replacement_for" and old.id in str(err.user_message)
    kept = client.v1.issuing.cards.retrieve(old.id)
    assert (kept.status, kept.replaced_by, kept.cancellation_reason) == (status, None, None)
    assert [c.id for c in client.v1.issuing.cards.list().data] == [old.id]


@pytest.mark.parametrize(("canceled_as", "replaced_as"), [(None, "lost"), ("lost", "stolen"), ("stolen", "lost")])
def test_lost_or_stolen_replacement_needs_the_matching_cancellation_reason(
    client: stripe.StripeClient, canceled_as: str | None, replaced_as: str
) -> None:
    holder = create_cardholder(client)
    old = _card(client, holder.id, status="active")
    cancel: dict[str, Any] = {"status": "canceled"}
    if canceled_as:
        cancel["cancellation_reason"] = canceled_as
    client.v1.issuing.cards.update(old.id, cancel)
    err = error_of(lambda: _card(client, holder.id, replacement_for=old.id, replacement_reason=replaced_as))
    assert err.param == "replacement_for"
    assert client.v1.issuing.cards.retrieve(old.id).replaced_by is None


@pytest.mark.parametrize("reason", ["lost", "stolen"])
def test_docs_flow_cancel_then_replace(client: stripe.StripeClient, reason: str) -> None:
    holder = create_cardholder(client)
    old = _card(client, holder.id, status="active")
    client.v1.issuing.cards.update(old.id, {"status": "canceled", "cancellation_reason": reason})
    new = _card(client, holder.id, replacement_for=old.id, replacement_reason=reason)
    assert (new.replacement_for, new.replacement_reason, new.status) == (old.id, reason, "inactive")
    gone = client.v1.issuing.cards.retrieve(old.id)
    assert (gone.status, gone.cancellation_reason, gone.replaced_by) == ("canceled", reason, new.id)


def test_damaged_is_only_for_physical_cards(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    virtual = _card(client, holder.id, status="active")
    err = error_of(lambda: _card(client, holder.id, replacement_for=virtual.id, replacement_reason="damaged"))
    assert err.http_status == 400 and err.param == "replacement_reason"
    assert client.v1.issuing.cards.retrieve(virtual.id).replaced_by is None


def test_damaged_physical_replacement_keeps_the_number_and_old_card_until_activation(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    holder = create_cardholder(client)
    old = _card(client, holder.id, type="physical", shipping=SHIPPING, status="active")
    new = _card(
        client, holder.id, type="physical", shipping=SHIPPING, replacement_for=old.id, replacement_reason="damaged"
    )
    assert (new.replacement_reason, new.last4, new.status) == ("damaged", old.last4, "inactive")
    scope = server.state.platform(api_key).scope()
    assert scope.meta_of(new.id)["number"] == scope.meta_of(old.id)["number"]
    still = client.v1.issuing.cards.retrieve(old.id)
    assert (still.status, still.replaced_by) == ("active", new.id)  # usable until the replacement is activated
    client.v1.issuing.cards.update(new.id, {"status": "active"})
    assert client.v1.issuing.cards.retrieve(old.id).status == "canceled"
