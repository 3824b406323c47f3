"""Every resource module's routes, renderers and expansion hooks, in one table for create_app."""

from __future__ import annotations

from emulator.http.render import RenderFn, VirtualFn
from emulator.http.router import Route
from emulator.resources import events, webhook_endpoints
from emulator.resources.connect import accounts
from emulator.resources.issuing import (
    authorization_helpers,
    authorizations,
    card_shipping,
    cardholders,
    cards,
    disputes,
    personalization_designs,
    physical_bundles,
    tokens,
    transactions,
)
from emulator.resources.treasury import (
    credit_reversals,
    financial_accounts,
    inbound_transfers,
    ledger,
    outbound_payments,
    outbound_transfers,
    received,
    reversals,
)


def routes() -> list[Route]:
    return [
        *accounts.ROUTES,
        *financial_accounts.ROUTES,
        *ledger.ROUTES,
        *received.ROUTES,
        *cardholders.ROUTES,
        *cards.ROUTES,
        *card_shipping.ROUTES,
        *authorizations.ROUTES,
        *authorization_helpers.ROUTES,
        *transactions.ROUTES,
        *disputes.ROUTES,
        *physical_bundles.ROUTES,
        *personalization_designs.ROUTES,
        *tokens.ROUTES,
        *reversals.ROUTES,
        *inbound_transfers.ROUTES,
        *outbound_transfers.ROUTES,
        *outbound_payments.ROUTES,
        *credit_reversals.ROUTES,
        *events.ROUTES,
        *webhook_endpoints.ROUTES,
    ]


def renderers() -> dict[str, RenderFn]:
    return {
        "issuing.cardholder": cardholders.render,
        "issuing.card": cards.render,
        "issuing.authorization": authorizations.render,
        "issuing.personalization_design": personalization_designs.render,
        "issuing.token": tokens.render,
    }


def virtual_fields() -> dict[tuple[str, str], VirtualFn]:
    return {
        ("treasury.transaction", "entries"): ledger.expand_entries_list,
        ("treasury.transaction", "flow_details"): ledger.flow_details,
        ("treasury.transaction_entry", "flow_details"): ledger.flow_details,
        ("treasury.financial_account", "features"): financial_accounts.features_object,
        ("issuing.transaction", "purchase_details"): transactions.purchase_details_field,
        ("issuing.card", "personalization_design"): personalization_designs.expand_on_card,
        ("issuing.personalization_design", "physical_bundle"): personalization_designs.expand_bundle,
    }


NOT_IN_LISTS = frozenset({("treasury.transaction", "entries")})


PLATFORM_INITIALIZERS = (accounts.init_platform, physical_bundles.init_platform)
