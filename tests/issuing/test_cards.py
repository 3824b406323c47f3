"""Issuing cards through the real SDK: the guide's cards, numbers, funding rules, controls, lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from emulator.core.context import Ctx
from emulator.resources.issuing import cards, spending_controls
from emulator.resources.issuing.reference import COUNTRY_CODES, MCC_BY_CATEGORY, category_code, category_for_code
from tests.support import flows
from tests.support.cards import SHIPPING, create_cardholder, new_card
from tests.support.errors import error_of
from tests.support.events import events_of
from tests.support.flows import GUIDE_CARDHOLDER

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def on(account: stripe.Account) -> Any:
    return {"stripe_account": account.id}


# --- the guide's flow ------------------------------------------------------------------------------


def test_guide_virtual_card_on_financial_account(
    client: stripe.StripeClient,
    account: stripe.Account,
    financial_account: stripe.treasury.FinancialAccount,
    server: EmulatorServer,
    api_key: str,
) -> None:
    holder = create_cardholder(client, account.id)
    card = new_card(
        client,
        account.id,
        cardholder=holder.id,
        financial_account=financial_account.id,
        status="active",
        spending_controls={"spending_limits": [{"amount": 5000, "interval": "daily"}]},
    )
    assert isinstance(card, stripe.issuing.Card)
    assert card.id.startswith("ic_")
    assert card.object == "issuing.card"
    assert card.brand == "Visa"
    assert card.status == "active"
    assert card.type == "virtual"
    assert card.currency == "usd"
    assert card.financial_account == financial_account.id
    assert isinstance(card.cardholder, stripe.issuing.Cardholder)
    assert card.cardholder.id == holder.id and card.cardholder.name == "Jenny Rosen"
    assert card.spending_controls.spending_limits is not None
    assert card.spending_controls.spending_limits[0].to_dict() == {
        "amount": 5000,
        "categories": [],
        "interval": "daily",
    }
    assert card.spending_controls.spending_limits_currency == "usd"
    assert card.spending_controls.allowed_categories is None
    assert card.shipping is None
    assert card.replacement_for is None and card.replaced_by is None
    assert card.wallets is not None and card.wallets.apple_pay.eligible is True
    assert "number" not in card and "cvc" not in card
    today = dt.datetime.now(dt.UTC)
    assert (card.exp_year, card.exp_month) > (today.year, today.month)
    created = events_of(server, api_key, account.id, "issuing_card.created")
    assert [e["data"]["object"]["id"] for e in created] == [card.id]
    assert "number" not in created[0]["data"]["object"]


def test_number_and_cvc_only_on_retrieve(client: stripe.StripeClient, http: httpx.Client) -> None:
    holder = create_cardholder(client)
    card = new_card(client, cardholder=holder.id)
    full = client.v1.issuing.cards.retrieve(card.id, {"expand": ["number", "cvc"]})
    number, cvc = full.number, full.cvc
    assert number is not None and cvc is not None
    assert len(number) == 16 and number.startswith("4")
    assert cards.luhn_valid(number)
    assert number[-4:] == card.last4
    assert len(cvc) == 3 and cvc.isdigit()
    only_number = client.v1.issuing.cards.retrieve(card.id, {"expand": ["number"]})
    assert only_number.number == full.number and "cvc" not in only_number
    plain = client.v1.issuing.cards.retrieve(card.id)
    assert "number" not in plain and "cvc" not in plain
    # nested expansions still work next to the includable fields
    both = client.v1.issuing.cards.retrieve(card.id, {"expand": ["number", "cardholder"]})
    assert both.number == full.number and both.cardholder.id == holder.id
    # nowhere else
    r = http.get("/v1/issuing/cards", params={"expand[]": "data.number"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "expand"
    r = http.post(f"/v1/issuing/cards/{card.id}", data={"expand[]": "number"})
    assert r.status_code == 400
    r = http.post(
        "/v1/issuing/cards", data={"currency": "usd", "type": "virtual", "cardholder": holder.id, "expand[]": "cvc"}
    )
    assert r.status_code == 400
    assert len(client.v1.issuing.cards.list().data) == 1
    # physical cards show them too (Stripe: "You can only retrieve these fields for physical cards in test mode")
    physical = new_card(client, cardholder=holder.id, type="physical", shipping=SHIPPING)
    shown = client.v1.issuing.cards.retrieve(physical.id, {"expand": ["number", "cvc"]})
    assert shown.number is not None and cards.luhn_valid(shown.number) and shown.number[-4:] == physical.last4
    assert shown.cvc is not None and len(shown.cvc) == 3 and shown.number != number
    r = http.post(f"/v1/test_helpers/issuing/cards/{physical.id}/shipping/submit", data={"expand[]": "number"})
    assert r.status_code == 400  # still the retrieve only


def test_numbers_are_distinct_luhn_valid_visa(client: stripe.StripeClient, http: httpx.Client) -> None:
    holder = create_cardholder(client)
    numbers = set()
    for _ in range(20):
        card = new_card(client, cardholder=holder.id)
        number = http.get(f"/v1/issuing/cards/{card.id}", params={"expand[]": "number"}).json()["number"]
        assert cards.luhn_valid(number) and number.startswith("4") and number.endswith(card.last4)
        numbers.add(number)
    assert len(numbers) == 20


def test_signature_on_delivery_follows_the_shipping_service(client: stripe.StripeClient) -> None:
    """Stripe: standard shipping has no signature on delivery; express and priority default to one."""
    holder = create_cardholder(client)
    for service, signed in (("standard", False), ("express", True), ("priority", True)):
        card = new_card(client, cardholder=holder.id, type="physical", shipping={**SHIPPING, "service": service})
        assert card.shipping is not None and card.shipping.require_signature is signed, service
    unsigned = new_card(
        client,
        cardholder=holder.id,
        type="physical",
        shipping={**SHIPPING, "service": "express", "require_signature": False},
    )
    assert unsigned.shipping is not None and unsigned.shipping.require_signature is False
    err = error_of(
        lambda: new_card(
            client, cardholder=holder.id, type="physical", shipping={**SHIPPING, "require_signature": True}
        )
    )
    assert err.param == "shipping[require_signature]"


def test_bulk_shipments_to_europe_need_an_eori_number(client: stripe.StripeClient) -> None:
    """The reference's ``shipping[customs]``: "Required for bulk shipments to Europe"."""
    holder = create_cardholder(client)
    berlin = {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}
    bulk: Any = {**SHIPPING, "type": "bulk", "address": berlin}
    for shipping in (bulk, {**bulk, "customs": {}}):
        err = error_of(lambda s=shipping: new_card(client, cardholder=holder.id, type="physical", shipping=s))
        assert (err.http_status, err.code, err.param) == (400, "parameter_missing", "shipping[customs][eori_number]")
    card = new_card(
        client,
        cardholder=holder.id,
        type="physical",
        shipping={**bulk, "customs": {"eori_number": "DE123456789012345"}},
    )
    assert card.shipping is not None and card.shipping.customs is not None
    assert card.shipping.customs.eori_number == "DE123456789012345"
    for elsewhere in ({**bulk, "address": flows.GUIDE_ADDRESS}, {**bulk, "type": "individual"}):
        shipped = new_card(client, cardholder=holder.id, type="physical", shipping=elsewhere)
        assert shipped.shipping is not None and shipped.shipping.customs is None


def test_physical_card_shipping(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    card = new_card(
        client,
        cardholder=holder.id,
        type="physical",
        second_line="Rocket Rides",
        shipping={**SHIPPING, "service": "express", "phone_number": "+14155550000", "require_signature": True},
    )
    assert card.type == "physical"
    assert card.second_line == "Rocket Rides"
    shipping = card.shipping
    assert shipping is not None
    assert shipping.status == "pending"
    assert shipping.service == "express" and shipping.type == "individual"
    assert shipping.carrier is None and shipping.tracking_number is None and shipping.eta is None
    assert shipping.address.line1 == "1234 Main Street"
    err = error_of(lambda: new_card(client, cardholder=holder.id, type="physical"))
    assert err.param == "shipping"
    err = error_of(lambda: new_card(client, cardholder=holder.id, shipping=SHIPPING))
    assert err.param == "shipping"
    err = error_of(lambda: new_card(client, cardholder=holder.id, second_line="x" * 25))
    assert err.param == "second_line"
    # shipping can change while the card has not been submitted
    renamed: Any = {**SHIPPING, "name": "J. Rosen"}
    moved = client.v1.issuing.cards.update(card.id, {"shipping": renamed})
    assert moved.shipping is not None and moved.shipping.name == "J. Rosen" and moved.shipping.service == "standard"


# --- funding, capability, cardholder rules ----------------------------------------------------------


def test_financial_account_rules(client: stripe.StripeClient, account: stripe.Account) -> None:
    holder = create_cardholder(client, account.id)
    no_feature = flows.financial_account(client, account.id, features={"deposit_insurance": {"requested": True}})
    err = error_of(lambda: new_card(client, account.id, cardholder=holder.id, financial_account=no_feature.id))
    assert err.param == "financial_account"
    assert err.code == "financial_account_capability_not_enabled"
    # Stripe's features guide: platform restrictions do not apply to card_issuing ("N/A")
    restricted = flows.financial_account(client, account.id, platform_restrictions={"outbound_flows": "restricted"})
    allowed = new_card(client, account.id, cardholder=holder.id, financial_account=restricted.id)
    err = error_of(lambda: new_card(client, account.id, cardholder=holder.id, financial_account="fa_nope"))
    assert err.http_status == 400 and err.param == "financial_account"  # named in the body: 400
    good = flows.financial_account(client, account.id)
    err = error_of(
        lambda: new_card(client, account.id, cardholder=holder.id, financial_account=good.id, currency="eur")
    )
    assert err.param == "currency"
    client.v1.treasury.financial_accounts.close(good.id, options=on(account))
    err = error_of(lambda: new_card(client, account.id, cardholder=holder.id, financial_account=good.id))
    assert err.param == "financial_account"
    assert "closed" in str(err.user_message)
    assert [c.id for c in client.v1.issuing.cards.list(options=on(account)).data] == [allowed.id]


def test_card_issuing_capability_required(client: stripe.StripeClient) -> None:
    bare = flows.connected_account(
        client, capabilities={"transfers": {"requested": True}, "treasury": {"requested": True}}
    )
    # Stripe's Treasury guide: "After the card_issuing capability is active, ... can create
    # cardholders and cards"
    err = error_of(lambda: create_cardholder(client, bare.id))
    assert (err.http_status, err.code) == (400, "capability_not_active")
    assert "before creating cardholders and cards" in str(err.user_message)
    assert client.v1.issuing.cardholders.list(options={"stripe_account": bare.id}).data == []
    client.v1.accounts.update(bare.id, {"capabilities": {"card_issuing": {"requested": True}}})
    holder = create_cardholder(client, bare.id)
    assert new_card(client, bare.id, cardholder=holder.id).status == "inactive"


def test_cardholder_is_required_and_scoped(client: stripe.StripeClient, account: stripe.Account) -> None:
    err = error_of(lambda: new_card(client))
    assert err.code == "parameter_missing" and err.param == "cardholder"
    other = create_cardholder(client)  # on the platform, not on the connected account
    err = error_of(lambda: new_card(client, account.id, cardholder=other.id))
    assert err.http_status == 400 and err.param == "cardholder"
    err = error_of(lambda: new_card(client, cardholder=other.id, currency="jpy"))
    assert err.param == "currency"
    err = error_of(lambda: new_card(client, cardholder=other.id, type="plastic"))
    assert err.param == "type"


def test_past_due_requirements_block_activation(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    holder = create_cardholder(client, individual={"dob": {"day": 1, "month": 1, "year": 1980}})
    err = error_of(lambda: new_card(client, cardholder=holder.id, status="active"))
    assert err.param == "status"
    # Stripe's sentence, which integrations match on, then what is missing
    assert "cardholder has outstanding requirements preventing them from activating an issued card" in str(
        err.user_message
    )
    assert "individual.first_name" in str(err.user_message)
    card = new_card(client, cardholder=holder.id)
    assert card.status == "inactive"
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"status": "active"}))
    assert err.param == "status"
    client.v1.issuing.cardholders.update(holder.id, {"individual": {"first_name": "Jenny", "last_name": "Rosen"}})
    assert client.v1.issuing.cards.update(card.id, {"status": "active"}).status == "active"
    # the stricter program: terms acceptance needed too
    server.state.platform(api_key).settings.require_terms_acceptance = True
    strict = create_cardholder(client)
    err = error_of(lambda: new_card(client, cardholder=strict.id, status="active"))
    assert "user_terms_acceptance" in str(err.user_message)
    client.v1.issuing.cardholders.update(
        strict.id,
        {"individual": {"card_issuing": {"user_terms_acceptance": {"date": 1_700_000_000, "ip": "127.0.0.1"}}}},
    )
    assert new_card(client, cardholder=strict.id, status="active").status == "active"


def test_eu_cards_need_cardholder_phone(client: stripe.StripeClient) -> None:
    silent = client.v1.issuing.cardholders.create(
        {
            "name": "Jenny Rosen",
            "billing": flows.billed_in("FR"),
            "individual": {"first_name": "Jenny", "last_name": "Rosen"},
        }
    )
    err = error_of(lambda: new_card(client, cardholder=silent.id, currency="eur"))
    assert err.code == "cardholder_phone_number_required"
    holder = create_cardholder(client, billing=flows.billed_in("GB"))
    assert new_card(client, cardholder=holder.id, currency="gbp").currency == "gbp"


@pytest.mark.parametrize(("country", "allowed"), [("US", "usd"), ("GB", "gbp"), ("FR", "eur"), ("IE", "eur")])
def test_a_connected_account_issues_in_its_region_currency(
    client: stripe.StripeClient, country: str, allowed: str
) -> None:
    # the spec: "Supported currencies are `usd` in the US, `eur` in the EU, and `gbp` in the UK"
    acct = flows.connected_account(client, country=country, capabilities={"card_issuing": {"requested": True}})
    holder = create_cardholder(client, acct.id, billing=flows.billed_in(country))
    for other in sorted({"usd", "eur", "gbp"} - {allowed}):
        err = error_of(lambda other=other: new_card(client, acct.id, cardholder=holder.id, currency=other))
        assert (err.http_status, err.param) == (400, "currency")
        assert acct.id in str(err.user_message) and country in str(err.user_message)
    assert new_card(client, acct.id, cardholder=holder.id, currency=allowed).currency == allowed
    # the platform itself stays free to try a UK or EU program (docs/issuing.md)
    british = create_cardholder(client, billing=flows.billed_in("GB"))
    assert new_card(client, cardholder=british.id, currency="gbp").currency == "gbp"


@pytest.mark.parametrize(
    ("country", "currency", "account_country"),
    [
        ("BR", "usd", None),
        ("FR", "usd", None),
        ("US", "eur", None),
        ("GB", "eur", None),
        ("US", "gbp", "GB"),
        ("BR", "usd", "US"),
    ],
)
def test_a_card_goes_only_to_a_cardholder_billed_in_its_region(
    client: stripe.StripeClient, country: str, currency: str, account_country: str | None
) -> None:
    """Stripe accepts the cardholder and refuses the card (a test-mode answer recorded by a public
    app: no code, no param): usd cards for the US, eur for the EEA, gbp for the UK."""
    account = None
    if account_country is not None:
        caps = {"card_issuing": {"requested": True}}
        account = flows.connected_account(client, country=account_country, capabilities=caps).id
    address = {"line1": "1st Street", "city": "Somewhere", "postal_code": "10004", "country": country}
    holder = create_cardholder(client, account, billing={"address": address})
    assert holder.status == "active"
    # billed outside every region the account issues in (the platform: all three): under review,
    # as Stripe showed the recorded Brazilian cardholder of a US platform
    outside = country == "BR" or account_country not in (None, country)
    assert holder.requirements.to_dict() == {"disabled_reason": "under_review" if outside else None, "past_due": []}
    err = error_of(lambda: new_card(client, account, cardholder=holder.id, currency=currency))
    assert (err.http_status, err.code, err.param) == (400, None, None)
    assert err.user_message == f"Cardholder cannot have a billing address country of {country}."
    assert client.v1.issuing.cards.list(options={"stripe_account": account} if account else {}).data == []
    # Denmark is in the EEA, outside the euro area: its cardholders take eur cards
    danish = create_cardholder(client, billing={"address": {**address, "country": "DK"}})
    assert new_card(client, cardholder=danish.id, currency="eur").currency == "eur"


def test_custom_expiry(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    today = dt.datetime.now(dt.UTC)
    card = new_card(client, cardholder=holder.id, exp_month=today.month, exp_year=today.year + 2)
    assert (card.exp_month, card.exp_year) == (today.month, today.year + 2)
    err = error_of(lambda: new_card(client, cardholder=holder.id, exp_month=today.month, exp_year=today.year))
    assert err.code == "invalid_expiry_year"
    err = error_of(lambda: new_card(client, cardholder=holder.id, exp_month=today.month, exp_year=today.year + 5))
    assert err.code == "invalid_expiry_year"
    err = error_of(lambda: new_card(client, cardholder=holder.id, exp_month=13, exp_year=today.year + 1))
    assert err.code == "invalid_expiry_month"
    err = error_of(lambda: new_card(client, cardholder=holder.id, exp_month=1))
    assert err.param == "exp_year"
    err = error_of(
        lambda: new_card(
            client, cardholder=holder.id, type="physical", shipping=SHIPPING, exp_month=1, exp_year=today.year + 2
        )
    )
    assert err.param == "exp_month"


# --- replacements -----------------------------------------------------------------------------------


def test_expired_replacement_keeps_number_and_cancels_on_activation(
    client: stripe.StripeClient, http: httpx.Client, server: EmulatorServer, api_key: str
) -> None:
    holder = create_cardholder(client)
    old = new_card(client, cardholder=holder.id, status="active")
    new = new_card(client, cardholder=holder.id, replacement_for=old.id, replacement_reason="expired")
    assert new.replacement_for == old.id and new.replacement_reason == "expired"
    assert new.last4 == old.last4
    numbers = {
        c: http.get(f"/v1/issuing/cards/{c}", params={"expand[]": ["number", "cvc"]}).json() for c in (old.id, new.id)
    }
    assert numbers[old.id]["number"] == numbers[new.id]["number"]
    still = client.v1.issuing.cards.retrieve(old.id)
    assert still.status == "active" and still.replaced_by == new.id
    client.v1.issuing.cards.update(new.id, {"status": "active"})
    assert client.v1.issuing.cards.retrieve(old.id).status == "canceled"
    expanded = client.v1.issuing.cards.retrieve(new.id, {"expand": ["replacement_for", "number"]})
    assert isinstance(expanded.replacement_for, stripe.issuing.Card)
    assert expanded.replacement_for.id == old.id
    assert expanded.number == numbers[new.id]["number"]
    assert "number" not in expanded.replacement_for  # only the retrieved card shows its number
    third = new_card(client, cardholder=holder.id, replacement_for=new.id, replacement_reason="expired")
    platform = server.state.platform(api_key)
    ctx = Ctx(server.state, platform, platform.scope(), server.app.representation)
    stored = platform.scope().get("issuing.card", third.id)
    assert stored is not None and stored["cardholder"] == holder.id  # stored as the id
    assert cards.replacement_chain(ctx, stored) == [new.id, old.id]


def test_lost_replacement_needs_the_old_card_canceled_and_gets_a_new_number(client: stripe.StripeClient) -> None:
    # Stripe's replacement guide: cancel the lost/stolen card first, then create the replacement
    holder = create_cardholder(client)
    old = new_card(client, cardholder=holder.id, status="active")
    for reason in ("lost", "stolen"):
        err = error_of(
            lambda r=reason: new_card(client, cardholder=holder.id, replacement_for=old.id, replacement_reason=r)
        )
        assert err.http_status == 400 and err.param == "replacement_for" and old.id in str(err.user_message)
    untouched = client.v1.issuing.cards.retrieve(old.id)
    assert untouched.status == "active" and untouched.replaced_by is None
    assert len(client.v1.issuing.cards.list({"cardholder": holder.id}).data) == 1  # nothing was created
    client.v1.issuing.cards.update(old.id, {"status": "canceled", "cancellation_reason": "stolen"})
    new = new_card(client, cardholder=holder.id, replacement_for=old.id, replacement_reason="stolen")
    gone = client.v1.issuing.cards.retrieve(old.id)
    assert gone.status == "canceled" and gone.cancellation_reason == "stolen" and gone.replaced_by == new.id
    assert new.status == "inactive" and new.replacement_for == old.id and new.replacement_reason == "stolen"
    full_old = client.v1.issuing.cards.retrieve(old.id, {"expand": ["number"]})
    full_new = client.v1.issuing.cards.retrieve(new.id, {"expand": ["number"]})
    assert full_old.number != full_new.number
    client.v1.issuing.cards.update(new.id, {"status": "active"})  # activating it changes nothing on the old card
    assert client.v1.issuing.cards.retrieve(old.id).cancellation_reason == "stolen"


def test_replacement_rules(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    other = create_cardholder(client)
    old = new_card(client, cardholder=holder.id)
    err = error_of(lambda: new_card(client, cardholder=other.id, replacement_for=old.id, replacement_reason="lost"))
    assert err.param == "replacement_for"
    err = error_of(lambda: new_card(client, cardholder=holder.id, replacement_reason="lost"))
    assert err.param == "replacement_reason"
    err = error_of(lambda: new_card(client, cardholder=holder.id, replacement_for=old.id))
    assert err.param == "replacement_reason" and err.code == "parameter_missing"
    err = error_of(lambda: new_card(client, cardholder=holder.id, replacement_for="ic_nope", replacement_reason="lost"))
    assert err.http_status == 400 and err.param == "replacement_for"
    assert client.v1.issuing.cards.retrieve(old.id).replaced_by is None


# --- spending controls ------------------------------------------------------------------------------


def test_card_spending_controls(
    client: stripe.StripeClient, http: httpx.Client, server: EmulatorServer, api_key: str
) -> None:
    holder = create_cardholder(client)
    card = new_card(
        client,
        cardholder=holder.id,
        spending_controls={
            "allowed_categories": ["eating_places_restaurants", "fast_food_restaurants"],
            "blocked_merchant_countries": ["RU"],
            "allowed_card_presences": ["present"],
            "spending_limits": [
                {"amount": 1000, "interval": "per_authorization"},
                {"amount": 50000, "interval": "all_time"},
            ],
        },
    )
    controls = card.spending_controls
    assert controls.allowed_categories == ["eating_places_restaurants", "fast_food_restaurants"]
    assert controls.blocked_categories is None
    assert controls.blocked_merchant_countries == ["RU"]
    assert controls.allowed_merchant_countries is None
    assert controls.allowed_card_presences == ["present"]
    assert controls.spending_limits_currency == "usd"
    # merge: one field replaced, the others kept
    limits: Any = [{"amount": 2500, "interval": "weekly", "categories": ["bakeries"]}]
    updated = client.v1.issuing.cards.update(card.id, {"spending_controls": {"spending_limits": limits}})
    assert updated.spending_controls.allowed_categories == ["eating_places_restaurants", "fast_food_restaurants"]
    assert [s.to_dict() for s in updated.spending_controls.spending_limits or []] == [
        {"amount": 2500, "categories": ["bakeries"], "interval": "weekly"}
    ]
    previous = events_of(server, api_key, None, "issuing_card.updated")[-1]["data"]["previous_attributes"]
    assert previous["spending_controls"]["spending_limits"][0]["amount"] == 1000
    # "" clears a control; then the other one of the pair may be set
    r = http.post(
        f"/v1/issuing/cards/{card.id}",
        data={"spending_controls[allowed_categories]": "", "spending_controls[blocked_categories][0]": "bakeries"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["spending_controls"]["allowed_categories"] is None
    assert r.json()["spending_controls"]["blocked_categories"] == ["bakeries"]
    r = http.post(f"/v1/issuing/cards/{card.id}", data={"spending_controls[spending_limits]": ""})
    assert r.json()["spending_controls"]["spending_limits"] == []
    assert r.json()["spending_controls"]["spending_limits_currency"] is None
    err = error_of(
        lambda: client.v1.issuing.cards.update(
            card.id, {"spending_controls": {"blocked_card_presences": ["not_present"]}}
        )
    )
    assert err.code == "parameters_exclusive" and err.param == "spending_controls[blocked_card_presences]"
    err = error_of(
        lambda: client.v1.issuing.cards.update(card.id, {"spending_controls": {"allowed_card_presences": ["online"]}})
    )
    assert err.param == "spending_controls[allowed_card_presences][0]"
    err = error_of(
        lambda: client.v1.issuing.cards.update(
            card.id, {"spending_controls": {"spending_limits": [{"amount": 100, "interval": "hourly"}]}}
        )
    )
    assert err.param == "spending_controls[spending_limits][0][interval]"
    r = http.post(f"/v1/issuing/cards/{card.id}", data={"spending_controls[spending_limits_currency]": "usd"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"


def test_every_category_is_accepted(client: stripe.StripeClient) -> None:
    holder = create_cardholder(client)
    categories = list(spending_controls.MERCHANT_CATEGORIES)
    assert len(categories) == 295 and "miscellaneous" in categories
    card = new_card(client, cardholder=holder.id, spending_controls={"blocked_categories": categories})
    assert card.spending_controls.blocked_categories == categories


def test_merchant_category_codes() -> None:
    assert category_code("ac_refrigeration_repair") == "7623"
    assert category_code("eating_places_restaurants") == "5812"
    assert category_code("miscellaneous") is None
    assert category_for_code("5411") == "grocery_stores_supermarkets"
    assert category_for_code("0000") == "miscellaneous"
    assert set(MCC_BY_CATEGORY) == set(spending_controls.MERCHANT_CATEGORIES) - {"miscellaneous"}
    assert all(len(code) == 4 and code.isdigit() for code in MCC_BY_CATEGORY.values())
    assert len(set(MCC_BY_CATEGORY.values())) == len(MCC_BY_CATEGORY)
    assert {"US", "GB", "DE", "FR", "ES", "IE"} <= COUNTRY_CODES


def _no_spend(interval: str, categories: list[str] | None) -> int:
    return 0


def test_check_authorization_rules() -> None:
    controls = spending_controls.apply(
        None,
        {
            "blocked_categories": ["betting_casino_gambling"],
            "allowed_merchant_countries": ["US"],
            "spending_limits": [
                {"amount": 5000, "interval": "per_authorization"},
                {"amount": 8000, "interval": "daily", "categories": ["bakeries"]},
            ],
        },
        kind="card",
        currency="usd",
    )
    check = spending_controls.check_authorization
    assert check(controls, 5000, "florists", "US", "present", _no_spend)
    assert not check(controls, 5001, "florists", "US", "present", _no_spend)
    assert not check(controls, 100, "betting_casino_gambling", "US", None, _no_spend)
    assert not check(controls, 100, "florists", "FR", None, _no_spend)
    assert not check(controls, 100, "florists", None, None, _no_spend)  # unknown country fails an allow-list
    seen: list[tuple[str, list[str] | None]] = []

    def spent(interval: str, categories: list[str] | None) -> int:
        seen.append((interval, categories))
        return 4000

    assert check(controls, 4000, "bakeries", "us", None, spent)
    assert seen == [("daily", ["bakeries"])]
    assert not check(controls, 4001, "bakeries", "US", None, spent)
    assert spending_controls.first_violation(controls, 4001, "bakeries", "US", None, spent) == "spending_limits[1]"
    assert check(controls, 4001, "florists", "US", None, spent)  # the daily limit is for bakeries only
    assert check(None, 10**9, "anything", None, None, _no_spend)
    presence = {"blocked_card_presences": ["not_present"]}
    assert not check(presence, 1, "florists", None, "not_present", _no_spend)
    assert check(presence, 1, "florists", None, None, _no_spend)


def test_window_start() -> None:
    now = int(dt.datetime(2024, 5, 15, 13, 30, tzinfo=dt.UTC).timestamp())  # a Wednesday
    start = spending_controls.window_start
    assert start("daily", now) == int(dt.datetime(2024, 5, 15, tzinfo=dt.UTC).timestamp())
    assert start("weekly", now) == int(dt.datetime(2024, 5, 12, tzinfo=dt.UTC).timestamp())  # Sunday
    assert start("monthly", now) == int(dt.datetime(2024, 5, 1, tzinfo=dt.UTC).timestamp())
    assert start("yearly", now) == int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
    assert start("all_time", now) == 0
    sunday = int(dt.datetime(2024, 5, 12, 23, 59, tzinfo=dt.UTC).timestamp())
    assert start("weekly", sunday) == int(dt.datetime(2024, 5, 12, tzinfo=dt.UTC).timestamp())
    with pytest.raises(ValueError):
        start("per_authorization", now)


LIMIT_INTERVALS = st.sampled_from(spending_controls.INTERVALS)
LIMITS = st.lists(
    st.fixed_dictionaries(
        {"amount": st.integers(0, 10_000), "interval": LIMIT_INTERVALS},
        optional={
            "categories": st.lists(
                st.sampled_from(["bakeries", "florists", "taxicabs_limousines"]), min_size=1, max_size=2
            )
        },
    ),
    max_size=4,
)


@settings(max_examples=80, deadline=None)
@given(
    limits=LIMITS,
    amount=st.integers(0, 12_000),
    smaller=st.integers(0, 12_000),
    spent=st.integers(0, 12_000),
    category=st.sampled_from(["bakeries", "florists", "taxicabs_limousines", "miscellaneous"]),
)
def test_limits_are_monotonic(
    limits: list[dict[str, Any]], amount: int, smaller: int, spent: int, category: str
) -> None:
    """Allowed at some amount means allowed at any smaller amount; a limit is never exceeded."""
    controls = spending_controls.apply(None, {"spending_limits": limits}, kind="card", currency="usd")

    def already(interval: str, categories: list[str] | None) -> int:
        return spent

    allowed = spending_controls.check_authorization(controls, amount, category, "US", None, already)
    if allowed and smaller <= amount:
        assert spending_controls.check_authorization(controls, smaller, category, "US", None, already)
    for limit in limits:
        applies = not limit.get("categories") or category in limit["categories"]
        if not applies:
            continue
        total = amount if limit["interval"] == "per_authorization" else spent + amount
        if total > limit["amount"]:
            assert not allowed


# --- lists ------------------------------------------------------------------------------------------


def test_list_filters_and_auto_paging_on_hundreds(client: stripe.StripeClient) -> None:
    alice = create_cardholder(client)
    bob = create_cardholder(client, name="Bob Smith")
    today = dt.datetime.now(dt.UTC)
    made: list[stripe.issuing.Card] = []
    for i in range(240):
        holder = alice if i % 3 else bob
        params: dict[str, Any] = {"cardholder": holder.id, "status": "active" if i % 2 else "inactive"}
        if i % 40 == 0:
            params.update(exp_month=1, exp_year=today.year + 4)
        elif i % 10 == 0:
            params.update(type="physical", shipping=SHIPPING)
        made.append(new_card(client, **params))
    everything = [c.id for c in client.v1.issuing.cards.list({"limit": 100}).auto_paging_iter()]
    assert everything == [c.id for c in reversed(made)]
    bobs = [c.id for c in client.v1.issuing.cards.list({"cardholder": bob.id, "limit": 7}).auto_paging_iter()]
    assert bobs == [c.id for c in reversed(made) if c.cardholder.id == bob.id]
    assert len(bobs) == 80
    active_alice = list(client.v1.issuing.cards.list({"cardholder": alice.id, "status": "active"}).auto_paging_iter())
    assert {c.id for c in active_alice} == {c.id for c in made if c.cardholder.id == alice.id and c.status == "active"}
    physical = list(client.v1.issuing.cards.list({"type": "physical", "limit": 100}).auto_paging_iter())
    assert len(physical) == len([c for c in made if c.type == "physical"]) == 18
    custom = list(client.v1.issuing.cards.list({"exp_month": 1, "exp_year": today.year + 4}).auto_paging_iter())
    assert {c.id for c in custom} == {c.id for i, c in enumerate(made) if i % 40 == 0}
    target = made[123]
    by_last4 = client.v1.issuing.cards.list({"last4": target.last4, "limit": 100}).data
    assert target.id in {c.id for c in by_last4} and all(c.last4 == target.last4 for c in by_last4)
    assert client.v1.issuing.cards.list({"personalization_design": "pd_nope"}).data == []
    backwards = client.v1.issuing.cards.list({"ending_before": made[100].id, "limit": 3})
    assert [c.id for c in backwards.data] == [made[103].id, made[102].id, made[101].id]
    listed = client.v1.issuing.cards.list({"limit": 1}).data[0]
    assert isinstance(listed.cardholder, stripe.issuing.Cardholder)
    assert "number" not in listed


def test_update_metadata_and_unknown_card(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    holder = create_cardholder(client)
    card = new_card(client, cardholder=holder.id, metadata={"order": "1"})
    same = client.v1.issuing.cards.update(card.id, {"metadata": {"order": "1"}})
    assert same.metadata.to_dict() == {"order": "1"}
    assert events_of(server, api_key, None, "issuing_card.updated") == []  # nothing changed, no event
    changed = client.v1.issuing.cards.update(card.id, {"metadata": {"order": "", "team": "ops"}})
    assert changed.metadata.to_dict() == {"team": "ops"}
    assert len(events_of(server, api_key, None, "issuing_card.updated")) == 1
    err = error_of(lambda: client.v1.issuing.cards.retrieve("ic_1nothere"))
    assert err.http_status == 404 and err.code == "resource_missing"
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"personalization_design": "pd_123"}))
    assert err.http_status == 400 and err.param == "personalization_design"


def test_lifecycle_controls_pin_and_wallets(client: stripe.StripeClient, http: httpx.Client) -> None:
    holder = create_cardholder(client)
    card = new_card(
        client,
        cardholder=holder.id,
        lifecycle_controls={"cancel_after": {"payment_count": 1}},
        pin={"encrypted_number": "abc"},
    )
    assert card.lifecycle_controls is not None and card.lifecycle_controls.cancel_after.payment_count == 1
    assert "pin" not in card
    err = error_of(
        lambda: new_card(client, cardholder=holder.id, lifecycle_controls={"cancel_after": {"payment_count": 0}})
    )
    assert err.param == "lifecycle_controls[cancel_after][payment_count]"
    r = http.post(
        "/v1/issuing/cards",
        data={
            "currency": "usd",
            "type": "virtual",
            "cardholder": holder.id,
            "lifecycle_controls[cancel_after][x]": "1",
        },
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"
    assert client.v1.issuing.cards.update(card.id, {"pin": {"encrypted_number": "def"}}).id == card.id
    quiet = client.v1.issuing.cardholders.create(
        {
            "name": "Jenny Rosen",
            "billing": GUIDE_CARDHOLDER["billing"],
            "individual": {"first_name": "J", "last_name": "R"},
        }
    )
    no_contact = new_card(client, cardholder=quiet.id)
    assert no_contact.wallets is not None
    assert no_contact.wallets.apple_pay.eligible is False
    assert no_contact.wallets.apple_pay.ineligible_reason == "missing_cardholder_contact"
    client.v1.issuing.cardholders.update(quiet.id, {"email": "j@example.com"})
    assert client.v1.issuing.cards.retrieve(no_contact.id).wallets.google_pay.eligible is True  # type: ignore[union-attr]


def test_cards_are_scoped_to_their_account(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    holder = create_cardholder(client, account.id)
    card = new_card(client, account.id, cardholder=holder.id, financial_account=financial_account.id)
    assert [c.id for c in client.v1.issuing.cards.list(options=on(account)).data] == [card.id]
    assert client.v1.issuing.cards.list().data == []
    err = error_of(lambda: client.v1.issuing.cards.retrieve(card.id))
    assert err.http_status == 404
    moved_fa = flows.financial_account(client, account.id)
    moved = client.v1.issuing.cards.update(card.id, {"financial_account": moved_fa.id}, on(account))
    assert moved.financial_account == moved_fa.id
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"financial_account": "fa_nope"}, on(account)))
    assert err.http_status == 400 and err.param == "financial_account"
    assert client.v1.issuing.cards.retrieve(card.id, options=on(account)).financial_account == moved_fa.id
