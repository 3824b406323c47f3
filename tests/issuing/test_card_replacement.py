"""Audit fixes for cardholders and cards, each pinned to the Stripe fact it follows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.issuing import cardholders
from tests.support.cards import create_cardholder
from tests.support.errors import error_of


def _dob_years_ago(years: int) -> dict[str, int]:
    # 1 January of a year well inside (or outside) the limit: no dependence on the day the suite runs
    return {"day": 1, "month": 1, "year": dt.datetime.now(tz=dt.UTC).year - years}


# --- cardholders must be older than 13 (Stripe's `individual.dob` parameter docs) -------------------


@pytest.mark.parametrize("years", [0, 5, 11])
def test_too_young_cardholder_is_refused_on_create(client: stripe.StripeClient, years: int) -> None:
    err = error_of(
        lambda: create_cardholder(
            client, individual={"first_name": "Jenny", "last_name": "Rosen", "dob": _dob_years_ago(years)}
        )
    )
    assert err.http_status == 400
    assert err.param == "individual[dob][year]" and err.code == "parameter_invalid"
    assert "13" in str(err.user_message)
    assert client.v1.issuing.cardholders.list().data == []


def test_too_young_dob_on_update_leaves_the_cardholder_unchanged(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    err = error_of(lambda: client.v1.issuing.cardholders.update(holder.id, {"individual": {"dob": _dob_years_ago(3)}}))
    assert err.param == "individual[dob][year]"
    kept = client.v1.issuing.cardholders.retrieve(holder.id)
    assert kept.individual is not None and kept.individual.dob is not None
    assert kept.individual.dob.to_dict() == {"day": 1, "month": 11, "year": 1981}


def test_old_enough_cardholder_is_accepted(client: stripe.StripeClient) -> None:
    dob = _dob_years_ago(15)
    holder = create_cardholder(client, individual={"first_name": "Jenny", "last_name": "Rosen", "dob": dob})
    assert holder.individual is not None and holder.individual.dob is not None
    assert holder.individual.dob.to_dict() == dob


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (dt.date(2000, 6, 15), dt.date(2013, 6, 14), 12),
        (dt.date(2000, 6, 15), dt.date(2013, 6, 15), 13),
        (dt.date(2000, 2, 29), dt.date(2013, 2, 28), 12),
        (dt.date(2000, 2, 29), dt.date(2013, 3, 1), 13),
    ],
)
def test_age_boundaries(born: dt.date, today: dt.date, age: int) -> None:
    assert cardholders._age(born, today) == age


def test_dob_on_the_thirteenth_birthday_is_accepted() -> None:
    now = int(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC).timestamp())
    assert cardholders.check_dob({"day": 15, "month": 6, "year": 2013}, now, "individual[dob]")["year"] == 2013
    with pytest.raises(cardholders.StripeError):
        cardholders.check_dob({"day": 16, "month": 6, "year": 2013}, now, "individual[dob]")


# --- replacement reasons, as Stripe's API reference describes them (`replacement_reason` enum):      ---
# --- lost/stolen "only valid if the card it replaces is marked as lost/stolen"; damaged "only valid  ---
# --- for cards of type physical"; the guide: "We need to cancel the original cards before ..."     ---

SHIPPING: dict[str, Any] = {
    "name": "Jenny Rosen",
    "address": {
        "line1": "1234 Main Street",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94111",
        "country": "US",
    },
}


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


# --- requirements.past_due in the order Stripe's guide shows -----------------------------------------


def test_past_due_order_matches_stripes_guide(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    server.state.platform(api_key).settings.require_terms_acceptance = True
    holder = client.v1.issuing.cardholders.create(
        {
            "name": "John Doe",
            "billing": {
                "address": {
                    "line1": "123 Main Street",
                    "city": "Anytown",
                    "state": "CA",
                    "postal_code": "12345",
                    "country": "US",
                }
            },
        }
    )
    assert holder.requirements.disabled_reason == "requirements.past_due"
    assert holder.requirements.past_due == [
        "individual.card_issuing.user_terms_acceptance.ip",
        "individual.card_issuing.user_terms_acceptance.date",
        "individual.first_name",
        "individual.last_name",
    ]
