"""Cardholders, cards and personalization designs to test with, through the real SDK."""

from __future__ import annotations

from typing import Any

import stripe

from tests.support import flows
from tests.support.flows import GUIDE_ADDRESS


def create_cardholder(
    client: stripe.StripeClient, account_id: str | None = None, **changes: Any
) -> stripe.issuing.Cardholder:
    options: Any = {"stripe_account": account_id} if account_id else {}
    params: Any = flows.guide_cardholder_params(**changes)
    return client.v1.issuing.cardholders.create(params, options)


SHIPPING: dict[str, Any] = {"name": "Jenny Rosen", "address": GUIDE_ADDRESS}


def new_card(client: stripe.StripeClient, account_id: str | None = None, **params: Any) -> stripe.issuing.Card:
    body: Any = {"currency": "usd", "type": "virtual"}
    body.update(params)
    options: Any = {"stripe_account": account_id} if account_id else {}
    return client.v1.issuing.cards.create(body, options)


Opts = dict[str, Any]


def logo(client: stripe.StripeClient, opts: Opts | None = None) -> str:
    """A card logo uploaded with purpose ``issuing_logo`` (a 1000x200 black-and-white PNG)."""
    return flows.upload(client, "issuing_logo", flows.png(), "logo.png", (opts or {}).get("stripe_account")).id


def bundles(
    client: stripe.StripeClient, opts: Opts | None = None, **params: Any
) -> dict[str, stripe.issuing.PhysicalBundle]:
    """The platform's bundles by type + name ("standard:Standard White")."""
    found = client.v1.issuing.physical_bundles.list({"limit": 100, **params}, opts or {})  # type: ignore[arg-type]
    return {f"{b.type}:{b.name}": b for b in found.data}


def standard(client: stripe.StripeClient) -> str:
    return bundles(client, type="standard")["standard:Standard White"].id


def new_design(
    client: stripe.StripeClient, opts: Opts | None = None, **params: Any
) -> stripe.issuing.PersonalizationDesign:
    body: Any = {"physical_bundle": standard(client), **params}
    return client.v1.issuing.personalization_designs.create(body, opts or {})  # type: ignore[arg-type]


def active_design(
    client: stripe.StripeClient, opts: Opts | None = None, **params: Any
) -> stripe.issuing.PersonalizationDesign:
    design = new_design(client, opts, **params)
    return client.v1.test_helpers.issuing.personalization_designs.activate(design.id, options=opts or {})  # type: ignore[arg-type]


def physical_card(client: stripe.StripeClient, opts: Opts | None = None, **params: Any) -> stripe.issuing.Card:
    holder = create_cardholder(client, (opts or {}).get("stripe_account"))
    body: Any = {"cardholder": holder.id, "currency": "usd", "type": "physical", "shipping": SHIPPING, **params}
    return client.v1.issuing.cards.create(body, opts or {})  # type: ignore[arg-type]
