"""Every resource module's routes, renderers and expansion hooks, in one table for create_app."""

from __future__ import annotations

from emulator.http.render import RenderFn, VirtualFn
from emulator.http.router import Route
from emulator.resources.connect import accounts
from emulator.resources.treasury import financial_accounts, ledger, received


def routes() -> list[Route]:
    return [
        *accounts.ROUTES,
        *financial_accounts.ROUTES,
        *ledger.ROUTES,
        *received.ROUTES,
    ]


def renderers() -> dict[str, RenderFn]:
    return {}


def virtual_fields() -> dict[tuple[str, str], VirtualFn]:
    return {
        ("treasury.transaction", "entries"): ledger.expand_entries_list,
        ("treasury.transaction", "flow_details"): ledger.flow_details,
        ("treasury.transaction_entry", "flow_details"): ledger.flow_details,
        ("treasury.financial_account", "features"): financial_accounts.features_object,
    }


NOT_IN_LISTS = frozenset({("treasury.transaction", "entries")})




PLATFORM_INITIALIZERS = (accounts.init_platform,)
