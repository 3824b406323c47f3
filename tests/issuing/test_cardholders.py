"""Issuing cardholders through the real SDK: the guide's cardholder, validation, requirements, lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.issuing import cardholders
from tests.support import flows
from tests.support.cards import create_cardholder
from tests.support.errors import error_of
from tests.support.events import events_of

# The cardholder of Stripe's "Working with Stripe Issuing cards" guide (no terms acceptance).
GUIDE_CARDHOLDER: dict[str, Any] = flows.GUIDE_CARDHOLDER
TERMS: Any = {"card_issuing": {"user_terms_acceptance": {"date": 1_700_000_000, "ip": "203.0.113.7"}}}


# --- the guide's flow ------------------------------------------------------------------------------


def test_guide_cardholder_on_connected_account(
    client: stripe.StripeClient, account: stripe.Account, server: EmulatorServer, api_key: str
) -> None:
    holder = create_cardholder(client, account.id)
    assert isinstance(holder, stripe.issuing.Cardholder)
    assert holder.id.startswith("ich_") and len(holder.id) == 28
    assert holder.object == "issuing.cardholder"
    assert holder.name == "Jenny Rosen"
    assert holder.type == "individual"
    assert holder.status == "active"
    assert holder.email == "jenny.rosen@example.com"
    assert holder.phone_number == "+18888675309"
    assert holder.individual is not None
    assert holder.individual.first_name == "Jenny"
    assert holder.individual.dob is not None and holder.individual.dob.year == 1981
    assert holder.billing.address.city == "San Francisco"
    assert holder.company is None
    assert holder.livemode is False
    assert holder.metadata.to_dict() == {}
    assert holder.requirements.disabled_reason is None
    assert holder.requirements.past_due == []
    assert holder.spending_controls is not None
    assert holder.spending_controls.allowed_categories == []
    assert holder.spending_controls.spending_limits == []
    # it lives on the connected account only
    again = client.v1.issuing.cardholders.retrieve(holder.id, options={"stripe_account": account.id})
    assert again.to_dict() == holder.to_dict()
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.issuing.cardholders.retrieve(holder.id)
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"
    created = events_of(server, api_key, account.id, "issuing_cardholder.created")
    assert [e["data"]["object"]["id"] for e in created] == [holder.id]
    assert created[0]["account"] == account.id


def test_company_cardholder(client: stripe.StripeClient) -> None:
    holder = client.v1.issuing.cardholders.create(
        {
            "type": "company",
            "name": "Rocket Rides Inc",
            "company": {"tax_id": "000000000"},
            "billing": GUIDE_CARDHOLDER["billing"],
        }
    )
    assert holder.type == "company"
    assert holder.company is not None and holder.company.tax_id_provided is True
    assert holder.individual is None
    assert holder.requirements.past_due == []
    err = error_of(lambda: client.v1.issuing.cardholders.update(holder.id, {"individual": {"first_name": "Jenny"}}))
    assert err.param == "individual"
    err = error_of(
        lambda: client.v1.issuing.cardholders.create(
            {
                "type": "company",
                "name": "Rocket Rides",
                "billing": GUIDE_CARDHOLDER["billing"],
                "individual": {"first_name": "A"},
            }
        )
    )
    assert err.param == "individual"


def test_update_merges_and_emits(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    holder = create_cardholder(client, metadata={"a": "1", "b": "2"}, preferred_locales=["en", "fr"])
    assert holder.preferred_locales == ["en", "fr"]
    updated = client.v1.issuing.cardholders.update(
        holder.id,
        {
            "metadata": {"a": "", "c": "3"},
            "email": "jenny@example.org",
            "status": "inactive",
            "individual": {"dob": {"day": 2, "month": 3, "year": 1990}},
        },
    )
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert updated.email == "jenny@example.org"
    assert updated.status == "inactive"
    assert updated.individual is not None and updated.individual.first_name == "Jenny"  # kept
    assert updated.individual.dob is not None and updated.individual.dob.to_dict() == {
        "day": 2,
        "month": 3,
        "year": 1990,
    }
    event = events_of(server, api_key, None, "issuing_cardholder.updated")[-1]
    previous = event["data"]["previous_attributes"]
    assert previous["status"] == "active"
    assert previous["email"] == "jenny.rosen@example.com"
    assert previous["metadata"]["a"] == "1"
    assert event["data"]["object"]["status"] == "inactive"


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "param", "code"),
    [
        ({"name": "Jenny Rosen Jenny Rosen Jenny"}, "name", "parameter_invalid"),
        ({"name": "Jenny R0sen"}, "name", "invalid_characters"),
        ({"name": "Jenny <Rosen>"}, "name", "invalid_characters"),
        ({"name": "   "}, "name", "parameter_invalid_string_blank"),
        ({"email": "not-an-email"}, "email", "email_invalid"),
        ({"phone_number": "12"}, "phone_number", "parameter_invalid"),
        ({"individual": {"first_name": "J3nny", "last_name": "Rosen"}}, "individual[first_name]", "invalid_characters"),
        (
            {"individual": {"first_name": "Jenny", "last_name": "Иванова"}},
            "individual[last_name]",
            "invalid_characters",
        ),
        (
            {"individual": {"dob": {"day": 0, "month": 1, "year": 1990}}},
            "individual[dob][day]",
            "parameter_invalid_integer",
        ),
        (
            {"individual": {"dob": {"day": 1, "month": 13, "year": 1990}}},
            "individual[dob][month]",
            "parameter_invalid_integer",
        ),
        (
            {"individual": {"dob": {"day": 1, "month": 1, "year": 1850}}},
            "individual[dob][year]",
            "parameter_invalid_integer",
        ),
        ({"individual": {"dob": {"day": 30, "month": 2, "year": 1990}}}, "individual[dob][day]", "parameter_invalid"),
        ({"individual": {"dob": {"day": 1, "month": 1, "year": 2999}}}, "individual[dob][year]", "parameter_invalid"),
        ({"individual": {"dob": {"day": 1, "month": 1}}}, "individual[dob][year]", "parameter_missing"),
        (
            {"individual": {"card_issuing": {"user_terms_acceptance": {"date": 1, "ip": "999.1.1.1"}}}},
            "individual[card_issuing][user_terms_acceptance][ip]",
            "parameter_invalid",
        ),
        (
            {"billing": {"address": {"line1": "1", "city": "SF", "postal_code": "1", "country": "ZZ"}}},
            "billing[address][country]",
            "country_code_invalid",
        ),
        (
            {"billing": {"address": {"line1": "1", "city": "SF", "country": "US"}}},
            "billing[address][postal_code]",
            "parameter_missing",
        ),
        ({"type": "robot"}, "type", "parameter_invalid"),
        ({"status": "blocked"}, "status", "parameter_invalid"),
        ({"preferred_locales": ["en", "xx"]}, "preferred_locales[1]", "parameter_invalid"),
        ({"company": {"tax_id": "1"}}, "company", None),
    ],
)
def test_validation_errors(client: stripe.StripeClient, changes: dict[str, Any], param: str, code: str | None) -> None:
    err = error_of(lambda: create_cardholder(client, **changes))
    assert err.http_status == 400
    assert err.param == param
    assert err.code == code
    assert client.v1.issuing.cardholders.list().data == []  # nothing half-created


def test_required_params(http: httpx.Client) -> None:
    r = http.post("/v1/issuing/cardholders", data={"name": "Jenny Rosen"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "parameter_missing"
    assert r.json()["error"]["param"] == "billing"
    r = http.post(
        "/v1/issuing/cardholders",
        data={
            "billing[address][line1]": "1",
            "billing[address][city]": "SF",
            "billing[address][postal_code]": "1",
            "billing[address][country]": "US",
        },
    )
    assert r.json()["error"]["param"] == "name"


def test_normalisation(client: stripe.StripeClient) -> None:
    holder = create_cardholder(
        client,
        name="  Mary-Jane O'Neil  ",
        phone_number="(888) 867-5309",
        billing={"address": {"line1": "1", "city": "SF", "postal_code": "94111", "country": "us"}},
    )
    assert holder.name == "Mary-Jane O'Neil"
    assert holder.phone_number == "+18888675309"
    assert holder.billing.address.country == "US"
    gb = create_cardholder(
        client,
        phone_number="07700 900000",
        billing={"address": {"line1": "1", "city": "London", "postal_code": "N1", "country": "GB"}},
    )
    assert gb.phone_number == "+447700900000"
    # the trunk 0 written in brackets after a country code is not part of the E.164 number
    for written, e164 in [
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("(+44) (0)1234 567890", "+441234567890"),
        ("0049 (0)151 12345678", "+4915112345678"),
        ("+39 06 1234 5678", "+390612345678"),  # Italy's 0 is part of the number
    ]:
        assert create_cardholder(client, phone_number=written).phone_number == e164
    # someone known by one name: apps send "." as the last name
    single = create_cardholder(client, name="Satoshi", individual={"first_name": "Satoshi", "last_name": "."})
    assert single.individual.last_name == "."


def test_an_empty_phone_number_removes_it(client: stripe.StripeClient, http: httpx.Client) -> None:
    # hackclub/hcb clears its cardholders' numbers with phone_number="" (stripe-ruby sends it as is)
    holder = create_cardholder(client, phone_number="+18888675309")
    r = http.post(f"/v1/issuing/cardholders/{holder.id}", data={"phone_number": ""})
    assert r.status_code == 200, r.text
    assert r.json()["phone_number"] is None
    assert client.v1.issuing.cardholders.retrieve(holder.id).phone_number is None
    r = http.post("/v1/issuing/cardholders", data={"phone_number": "", "name": "Jenny Rosen"})
    assert r.json()["error"]["param"] == "phone_number"  # on create it is still not a value


def test_update_validation_leaves_cardholder_unchanged(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    err = error_of(lambda: client.v1.issuing.cardholders.update(holder.id, {"email": "x@y.z", "phone_number": "nope"}))
    assert err.param == "phone_number"
    assert client.v1.issuing.cardholders.retrieve(holder.id).email == "jenny.rosen@example.com"
    err = error_of(lambda: client.v1.issuing.cardholders.update("ich_missing", {"email": "x@y.z"}))
    assert err.http_status == 404 and err.param == "cardholder"


# --- requirements -----------------------------------------------------------------------------------


def test_missing_names_are_past_due(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    holder = create_cardholder(client, individual={"dob": {"day": 1, "month": 1, "year": 1980}})
    assert holder.requirements.disabled_reason == "requirements.past_due"
    assert holder.requirements.past_due == ["individual.first_name", "individual.last_name"]
    no_individual = client.v1.issuing.cardholders.create(
        {"name": "Jenny Rosen", "billing": GUIDE_CARDHOLDER["billing"]}
    )
    assert no_individual.type == "individual"
    assert no_individual.requirements.past_due == ["individual.first_name", "individual.last_name"]
    fixed = client.v1.issuing.cardholders.update(
        holder.id, {"individual": {"first_name": "Jenny", "last_name": "Rosen"}}
    )
    assert fixed.requirements.past_due == []
    assert fixed.requirements.disabled_reason is None
    previous = events_of(server, api_key, None, "issuing_cardholder.updated")[-1]["data"]["previous_attributes"]
    assert previous["requirements"]["disabled_reason"] == "requirements.past_due"


def test_terms_acceptance_is_opt_in(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    lenient = create_cardholder(client)
    assert lenient.requirements.past_due == []
    server.state.platform(api_key).settings.require_terms_acceptance = True
    strict = create_cardholder(client)
    assert strict.requirements.disabled_reason == "requirements.past_due"
    assert strict.requirements.past_due == [
        "individual.card_issuing.user_terms_acceptance.ip",
        "individual.card_issuing.user_terms_acceptance.date",
    ]
    # the stricter program also applies to cardholders created before the switch
    assert client.v1.issuing.cardholders.retrieve(lenient.id).requirements.past_due == strict.requirements.past_due
    accepted = client.v1.issuing.cardholders.update(strict.id, {"individual": TERMS})
    assert accepted.requirements.past_due == []
    assert accepted.individual is not None and accepted.individual.card_issuing is not None
    terms = accepted.individual.card_issuing.user_terms_acceptance
    assert terms is not None and terms.ip == "203.0.113.7" and terms.date == 1_700_000_000
    with_terms = create_cardholder(client, individual={**GUIDE_CARDHOLDER["individual"], **TERMS})
    assert with_terms.requirements.past_due == []
    company = client.v1.issuing.cardholders.create(
        {"type": "company", "name": "Acme Corp", "billing": GUIDE_CARDHOLDER["billing"]}
    )
    assert company.requirements.past_due == []


def test_terms_accepted_from_an_ip_need_their_date(client: stripe.StripeClient) -> None:
    """Stripe's reference: the acceptance's ``date`` is "Required if ip or user_agent is provided"."""
    holder = create_cardholder(client)
    for given in ({"ip": "203.0.113.7"}, {"user_agent": "Mozilla/5.0"}):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.issuing.cardholders.update(
                holder.id, {"individual": {"card_issuing": {"user_terms_acceptance": given}}}
            )
        assert exc.value.code == "parameter_missing"
        assert exc.value.param == "individual[card_issuing][user_terms_acceptance][date]"
    dated = client.v1.issuing.cardholders.update(holder.id, {"individual": TERMS})
    again = client.v1.issuing.cardholders.update(  # a date given before still counts
        dated.id, {"individual": {"card_issuing": {"user_terms_acceptance": {"user_agent": "Mozilla/5.0"}}}}
    )
    assert again.individual is not None and again.individual.card_issuing is not None
    assert again.individual.card_issuing.user_terms_acceptance is not None
    assert again.individual.card_issuing.user_terms_acceptance.date == 1_700_000_000


def test_a_cardholder_under_review_keeps_its_names_and_dob(client: stripe.StripeClient) -> None:
    """docs.stripe.com/issuing/connect/cardholders-controls: "You can't update the name for a
    cardholder under review" (and the dob); other details still change."""
    brazil = {"line1": "Av. Paulista 1000", "city": "Sao Paulo", "postal_code": "01310-100", "country": "BR"}
    holder = create_cardholder(client, billing={"address": brazil})
    assert holder.requirements.disabled_reason == "under_review"
    for change, param in (
        ({"first_name": "Joaquim"}, "individual[first_name]"),
        ({"last_name": "Silva"}, "individual[last_name]"),
        ({"dob": {"day": 2, "month": 3, "year": 1980}}, "individual[dob]"),
    ):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.issuing.cardholders.update(holder.id, {"individual": change})
        assert exc.value.param == param
        assert "for a cardholder under review" in str(exc.value.user_message)
    same = client.v1.issuing.cardholders.update(
        holder.id, {"individual": {"first_name": "Jenny"}, "email": "j@example.com"}
    )
    assert same.email == "j@example.com" and same.individual is not None and same.individual.first_name == "Jenny"


# --- spending controls ------------------------------------------------------------------------------


def test_cardholder_spending_controls(client: stripe.StripeClient, http: httpx.Client) -> None:
    holder = create_cardholder(
        client,
        spending_controls={
            "blocked_categories": ["bakeries", "betting_casino_gambling"],
            "allowed_merchant_countries": ["us", "CA"],
            "blocked_card_presences": ["not_present"],
            "spending_limits": [
                {"amount": 5000, "interval": "per_authorization"},
                {"amount": 20000, "interval": "monthly", "categories": ["eating_places_restaurants"]},
            ],
            "spending_limits_currency": "usd",
        },
    )
    controls = holder.spending_controls
    assert controls is not None
    assert controls.blocked_categories == ["bakeries", "betting_casino_gambling"]
    assert controls.allowed_categories == []
    assert controls.allowed_merchant_countries == ["US", "CA"]
    assert controls.blocked_card_presences == ["not_present"]
    assert controls.allowed_card_presences is None
    assert [limit.to_dict() for limit in controls.spending_limits or []] == [
        {"amount": 5000, "categories": [], "interval": "per_authorization"},
        {"amount": 20000, "categories": ["eating_places_restaurants"], "interval": "monthly"},
    ]
    assert controls.spending_limits_currency == "usd"
    # an empty string clears one control, the others stay
    r = http.post(f"/v1/issuing/cardholders/{holder.id}", data={"spending_controls[blocked_categories]": ""})
    assert r.status_code == 200
    cleared = r.json()["spending_controls"]
    assert cleared["blocked_categories"] == []
    assert cleared["allowed_merchant_countries"] == ["US", "CA"]
    assert len(cleared["spending_limits"]) == 2
    # allowed and blocked of one kind are exclusive, also across updates
    err = error_of(
        lambda: client.v1.issuing.cardholders.update(
            holder.id, {"spending_controls": {"blocked_merchant_countries": ["FR"]}}
        )
    )
    assert err.code == "parameters_exclusive"
    assert err.param == "spending_controls[blocked_merchant_countries]"
    err = error_of(
        lambda: client.v1.issuing.cardholders.update(
            holder.id, {"spending_controls": {"allowed_categories": ["bakeries"], "blocked_categories": ["florists"]}}
        )
    )
    assert err.code == "parameters_exclusive"
    err = error_of(
        lambda: client.v1.issuing.cardholders.update(
            holder.id, {"spending_controls": {"allowed_categories": ["not_a_category"]}}
        )
    )
    assert err.param == "spending_controls[allowed_categories][0]"
    err = error_of(
        lambda: client.v1.issuing.cardholders.update(
            holder.id, {"spending_controls": {"allowed_merchant_countries": ["XX"]}}
        )
    )
    assert err.code == "country_code_invalid"
    err = error_of(
        lambda: client.v1.issuing.cardholders.update(
            holder.id, {"spending_controls": {"spending_limits": [{"amount": -1, "interval": "daily"}]}}
        )
    )
    assert err.param == "spending_controls[spending_limits][0][amount]"
    assert client.v1.issuing.cardholders.retrieve(holder.id).spending_controls.blocked_categories == []  # type: ignore[union-attr]


def test_limit_currency_defaults_to_account_currency(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client, spending_controls={"spending_limits": [{"amount": 100, "interval": "daily"}]})
    assert holder.spending_controls is not None
    assert holder.spending_controls.spending_limits_currency == "usd"


# --- lists ------------------------------------------------------------------------------------------


def test_list_filters_and_paging(client: stripe.StripeClient, http: httpx.Client) -> None:
    made = []
    for i in range(23):
        made.append(
            create_cardholder(
                client,
                email=f"holder{i % 3}@example.com",
                phone_number=f"+1415555{i:04d}",
                status="inactive" if i % 4 == 0 else "active",
            )
        )
    company = client.v1.issuing.cardholders.create(
        {"type": "company", "name": "Acme Corp", "billing": GUIDE_CARDHOLDER["billing"]}
    )
    everyone = list(client.v1.issuing.cardholders.list({"limit": 5}).auto_paging_iter())
    assert [h.id for h in everyone] == [company.id] + [h.id for h in reversed(made)]
    by_email = client.v1.issuing.cardholders.list({"email": "holder1@example.com", "limit": 100}).data
    assert {h.id for h in by_email} == {h.id for i, h in enumerate(made) if i % 3 == 1}
    by_phone = client.v1.issuing.cardholders.list({"phone_number": "+14155550007"}).data
    assert [h.id for h in by_phone] == [made[7].id]
    inactive = client.v1.issuing.cardholders.list({"status": "inactive", "limit": 100}).data
    assert {h.id for h in inactive} == {h.id for i, h in enumerate(made) if i % 4 == 0}
    assert [h.id for h in client.v1.issuing.cardholders.list({"type": "company"}).data] == [company.id]
    assert client.v1.issuing.cardholders.list({"status": "blocked"}).data == []
    page = client.v1.issuing.cardholders.list({"limit": 3, "starting_after": made[10].id})
    assert [h.id for h in page.data] == [made[9].id, made[8].id, made[7].id]
    assert page.has_more is True
    assert page.url == "/v1/issuing/cardholders"
    created = client.v1.issuing.cardholders.list({"created": {"gte": made[0].created}, "limit": 100}).data
    assert len(created) == 24
    r = http.get("/v1/issuing/cardholders", params={"status": "gone"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "status"


# --- cardholders must be older than 13 (Stripe's `individual.dob` parameter docs) -------------------


def _dob_years_ago(years: int) -> dict[str, int]:
    # 1 January of a year well inside (or outside) the limit: no dependence on the day the suite runs
    return {"day": 1, "month": 1, "year": dt.datetime.now(tz=dt.UTC).year - years}


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


def test_verification_documents_are_identity_document_uploads(client: stripe.StripeClient) -> None:
    """Stripe: the front/back are "an ID returned by a file upload with a purpose value of identity_document"."""
    holder = create_cardholder(client)
    good = flows.upload(client, "identity_document")
    evidence = flows.upload(client, "dispute_evidence")
    for front, param in (
        ("file_does_not_exist", "individual[verification][document][front]"),
        (evidence.id, "individual[verification][document][front]"),
    ):
        err = error_of(
            lambda front=front: client.v1.issuing.cardholders.update(
                holder.id, {"individual": {"verification": {"document": {"front": front}}}}
            )
        )
        assert (err.http_status, err.param) == (400, param)
    # nothing stored: the empty document Stripe's answers show (a recorded test-mode answer, and its fixtures)
    unchanged = client.v1.issuing.cardholders.retrieve(holder.id).individual.verification  # type: ignore[union-attr]
    assert unchanged is not None and unchanged.to_dict() == {"document": {"back": None, "front": None}}
    for front in (good.id, "file_identity_document_success"):
        updated = client.v1.issuing.cardholders.update(
            holder.id, {"individual": {"verification": {"document": {"front": front}}}}
        )
        assert updated.individual.verification.document.front == front  # type: ignore[union-attr]
