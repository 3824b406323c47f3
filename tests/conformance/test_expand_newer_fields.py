"""Fields the 2026 SDKs type as expandable but the 2023-08-16 spec does not (spec/overlay-expandable.json)."""

from __future__ import annotations

import stripe

from tests.support import issuing_flows
from tests.support.cards import active_design, physical_card


def test_a_cards_personalization_design_expands(client: stripe.StripeClient) -> None:
    design = active_design(client)
    card = physical_card(client, personalization_design=design.id)
    got = client.v1.issuing.cards.retrieve(card.id, {"expand": ["personalization_design.physical_bundle"]})
    assert got.personalization_design.object == "issuing.personalization_design"  # type: ignore[union-attr]
    assert got.personalization_design.id == design.id  # type: ignore[union-attr]
    assert got.personalization_design.physical_bundle.object == "issuing.physical_bundle"  # type: ignore[union-attr]
    listed = client.v1.issuing.cards.list({"expand": ["data.personalization_design"]})
    assert [c.personalization_design.id for c in listed.data] == [design.id]  # type: ignore[union-attr]


def test_the_platforms_design_expands_on_a_connected_accounts_card(
    client: stripe.StripeClient, account: stripe.Account
) -> None:
    design = active_design(client)  # the platform's; connected accounts use it too
    opts = {"stripe_account": account.id}
    card = physical_card(client, opts, personalization_design=design.id)
    got = client.v1.issuing.cards.retrieve(card.id, {"expand": ["personalization_design"]}, opts)  # type: ignore[arg-type]
    assert got.personalization_design.id == design.id  # type: ignore[union-attr]


def test_token_expands_to_null_on_authorizations_and_transactions(client: stripe.StripeClient) -> None:
    spender = issuing_flows.spender(client, funds=10_000)
    auth = spender.authorize(1000)
    got = client.v1.issuing.authorizations.retrieve(auth.id, {"expand": ["token"]}, spender.opts)  # type: ignore[arg-type]
    assert got.token is None
    captured = client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=spender.opts)  # type: ignore[arg-type]
    tx_id = captured.transactions[0].id
    tx = client.v1.issuing.transactions.retrieve(tx_id, {"expand": ["token"]}, spender.opts)  # type: ignore[arg-type]
    assert tx.token is None
