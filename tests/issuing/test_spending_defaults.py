"""Stripe's default limits (docs.stripe.com/issuing/controls/spending-controls): 500 a day of the
card's currency on a card created without ``spending_limits``, 10,000 per authorization (the guide
reads "500 USD per day" to US readers and "500 EUR per day" to euro-area ones); a platform setting
turns both off, as Stripe Support can."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.support import flows, issuing_flows

DEFAULT = {"amount": 50_000, "categories": [], "interval": "daily"}


def _limits(s: issuing_flows.Spender, card: str) -> list[dict[str, object]]:
    got = s.client.v1.issuing.cards.retrieve(card, options=s.opts).spending_controls  # type: ignore[arg-type]
    return [limit.to_dict() for limit in got.spending_limits or []]


def test_a_card_without_limits_gets_500_usd_a_day(client: stripe.StripeClient, http: httpx.Client) -> None:
    s = issuing_flows.spender(client, funds=200_000)
    assert _limits(s, s.card) == [DEFAULT]
    card = s.client.v1.issuing.cards.retrieve(s.card, options=s.opts)  # type: ignore[arg-type]
    assert card.spending_controls.spending_limits_currency == "usd"
    assert s.authorize(30_000).approved and s.authorize(20_000).approved  # 500 USD in all
    over = s.authorize(1)
    assert over.approved is False and over.request_history[0].reason == "spending_controls"
    # controls without spending_limits still get it; an explicit empty list means none
    blocked = s.new_card(spending_controls={"blocked_categories": ["bakeries"]})
    assert _limits(s, blocked) == [DEFAULT]
    r = http.post(
        "/v1/issuing/cards",
        data={
            "cardholder": s.cardholder,
            "currency": "usd",
            "type": "virtual",
            "spending_controls[spending_limits]": "",
        },
        headers={"Stripe-Account": s.account},
    )
    assert r.status_code == 200, r.text
    assert r.json()["spending_controls"]["spending_limits"] == []


def test_10000_usd_per_authorization_whatever_the_card_allows(client: stripe.StripeClient) -> None:
    roomy = {"spending_limits": [{"amount": 5_000_000, "interval": "per_authorization"}]}
    s = issuing_flows.spender(client, funds=3_000_000, spending_controls=roomy)
    assert _limits(s, s.card) == [{"amount": 5_000_000, "categories": [], "interval": "per_authorization"}]
    assert s.authorize(1_000_000).approved  # exactly 10,000 USD
    over = s.authorize(1_000_001)
    assert over.approved is False and over.request_history[0].reason == "spending_controls"
    # an increment counts the whole authorization
    auth = s.authorize(900_000)
    grown = s.client.v1.test_helpers.issuing.authorizations.increment(
        auth.id,
        {"increment_amount": 100_001},
        s.opts,  # type: ignore[arg-type]
    )
    assert grown.amount == 900_000 and grown.request_history[-1].reason == "spending_controls"


@pytest.mark.parametrize("currency", ["eur", "gbp"])
def test_the_defaults_are_in_the_cards_currency(client: stripe.StripeClient, http: httpx.Client, currency: str) -> None:
    """A euro-area or UK program: 500 EUR (GBP) a day and 10,000 per authorization, not 500 USD
    converted."""
    r = http.post("/v1/test_helpers/issuing/fund_balance", data={"amount": "5000000", "currency": currency})
    assert r.status_code == 200, r.text
    billing = flows.billed_in(flows.COUNTRY_OF_CURRENCY[currency])
    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params(billing=billing))  # type: ignore[arg-type]
    api = client.v1.issuing.cards
    card = api.create({"cardholder": holder.id, "currency": currency, "type": "virtual", "status": "active"})
    assert card.spending_controls.spending_limits_currency == currency
    assert [limit.to_dict() for limit in card.spending_controls.spending_limits or []] == [DEFAULT]
    authorize = client.v1.test_helpers.issuing.authorizations.create
    assert authorize({"card": card.id, "amount": 47_000}).approved  # 470 of 500 a day
    over = authorize({"card": card.id, "amount": 3_001})
    assert over.approved is False and over.request_history[0].reason == "spending_controls"
    roomy = api.create(
        {
            "cardholder": holder.id,
            "currency": currency,
            "type": "virtual",
            "status": "active",
            "spending_controls": {"spending_limits": [{"amount": 3_000_000, "interval": "daily"}]},
        }
    )
    assert authorize({"card": roomy.id, "amount": 1_000_000}).approved  # exactly 10,000
    capped = authorize({"card": roomy.id, "amount": 1_000_001})
    assert capped.approved is False and capped.request_history[0].reason == "spending_controls"


def test_the_platform_setting_turns_both_off(client: stripe.StripeClient, http: httpx.Client) -> None:
    r = http.post("/_emulator/platform_settings", data={"default_spending_limits": "false"})
    assert r.status_code == 200 and r.json()["default_spending_limits"] is False
    s = issuing_flows.spender(client, funds=3_000_000)
    assert _limits(s, s.card) == []
    assert s.authorize(60_000).approved and s.authorize(1_500_000).approved
    assert http.post("/_emulator/platform_settings", data={"default_spending_limits": "maybe"}).status_code == 400
