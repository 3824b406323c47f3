"""Issuing settlements (``/v1/issuing/settlements``): what the platform owes the card network per day.

Batching (the emulator's choice; Stripe does not document its batching): one settlement per platform,
per currency, per UTC day that has ended, covering every Issuing transaction (captures, refunds, force
captures, unlinked refunds) of the platform and of all its connected accounts created that day.
Settlements are made lazily, when settlements are listed or retrieved after the day is over (the
emulator clock), in day order, and announced with ``issuing_settlement.created``. Their ids derive
from the platform, currency and day (the same every time, across ``--persist`` restarts too).

Figures: ``transaction_count`` transactions; ``transaction_volume`` is what cardholders spent
(captures minus refunds, in the currency's minor unit); the emulator earns no interchange and pays
no network fees (both 0), so ``net_total`` = volume - interchange + network fees = volume.
``network`` visa, ``settlement_service`` international, ``bin`` the emulator's card BIN, the
``clearing_date`` the midnight that ended the day, ``created`` the same instant.

Field names depend on the request's API version (events: the account's default version). Stored and
shown before 2025-03-31 as in the vendored 2023-08-16 spec (``interchange_fees``, ``net_total``,
``network_fees``, ``transaction_volume``); from 2025-03-31 (basil) on, as Stripe's newest fixtures
show them: ``interchange_fees_amount``, ``net_total_amount``, ``network_fees_amount``,
``transaction_amount`` and ``status`` (``complete``: a settlement is made once its day is over). The
SDKs' changelogs removed the old names and added the new ones with the 2025-03-31 preview version;
the exact GA version is not documented (docs/issuing.md, Choices). Only the platform sees
settlements: with ``Stripe-Account`` the list is empty.
"""

from __future__ import annotations

import hashlib

from emulator.core import api_changes
from emulator.core.context import Ctx
from emulator.core.ids import ALPHABET, record_value
from emulator.core.objects import ISSUING_TRANSACTION, SETTLEMENT
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.issuing.cards import BIN
from emulator.resources.resource import Resource
from emulator.timekeeping import DUE_MARK

PREFIX = "ise"
URL = "/v1/issuing/settlements"
DAY = 86_400
ID_LENGTH = 24
CURSORS = "settlement_cursors"  # platform meta: account id -> transactions of its store already batched


def settlement_id(account_id: str, currency: str, day: int) -> str:
    """``ise_1…``: derived from the platform account, currency and day."""
    digest = hashlib.blake2b(f"{account_id}:{currency}:{day}".encode(), digest_size=32).digest()
    return f"{PREFIX}_1" + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[: ID_LENGTH - 1])


Batches = dict[tuple[int, str], list[Obj]]


def _pending(ctx: Ctx) -> tuple[Batches, dict[str, int]]:
    """The unbatched transactions whose day has ended, by (day, currency), and the cursors past
    them (account id -> transactions of its store looked at). Reads only."""
    platform = ctx.platform
    today = ctx.now // DAY
    cursors: dict[str, int] = dict(platform.scope().meta.get(platform.account_id, {}).get(CURSORS, {}))
    batches: Batches = {}
    for account_id, scope in list(platform.scopes.items()):
        store = scope.stores.get(ISSUING_TRANSACTION)
        if store is None:
            continue
        done = cursors.get(account_id, 0)
        order = store.order
        while done < len(order):
            tx = store.get(order[done])
            if tx is not None:
                if tx["created"] // DAY >= today:
                    break
                batches.setdefault((tx["created"] // DAY, tx["currency"]), []).append(tx)
            done += 1
        cursors[account_id] = done
    return batches, cursors


def _ids(ctx: Ctx, batches: Batches) -> set[str]:
    return {settlement_id(ctx.platform.account_id, currency, day) for day, currency in batches}


def _apply(ctx: Ctx, batches: Batches, cursors: dict[str, int]) -> None:
    """Make (or, for a day already settled, complete) the settlements of ``batches``."""
    if not batches:
        return
    # a read that settles days changes state: marked like work that fell due, --persist keeps it
    record_value(DUE_MARK, "issuing_settlements")
    platform = ctx.platform
    platform.scope().meta_of(platform.account_id)[CURSORS] = cursors
    sub = ctx.in_scope(platform.scope())
    for (day, currency), txs in sorted(batches.items()):
        sid = settlement_id(platform.account_id, currency, day)
        volume = -sum(int(tx["amount"]) for tx in txs)
        existing = sub.scope.get(SETTLEMENT, sid)
        if existing is not None:  # a transaction dated in an already settled day: add it there
            before = sub.snapshot(existing)
            existing["transaction_count"] += len(txs)
            existing["transaction_volume"] += volume
            existing["net_total"] += volume
            sub.emit("issuing_settlement.updated", existing, before)
            continue
        end = (day + 1) * DAY
        settlement: Obj = {
            "id": sid,
            "object": SETTLEMENT,
            "bin": BIN,
            "clearing_date": end,
            "created": end,
            "currency": currency,
            "interchange_fees": 0,
            "livemode": False,
            "metadata": {},
            "net_total": volume,
            "network": "visa",
            "network_fees": 0,
            "network_settlement_identifier": str(int(hashlib.sha256(sid.encode()).hexdigest(), 16))[:10],
            "settlement_service": "international",
            "transaction_count": len(txs),
            "transaction_volume": volume,
        }
        sub.scope.add(settlement)
        sub.emit("issuing_settlement.created", settlement)


def render(ctx: Ctx, settlement: Obj) -> Obj:
    """The settlement in the request's API version: newer versions name the amounts ``*_amount``
    and add ``status``."""
    return api_changes.adapt(settlement, SETTLEMENT, api_changes.STORED, ctx.api_version)


def catch_up(ctx: Ctx) -> None:
    """Make the settlements of every ended day that has unbatched transactions."""
    _apply(ctx, *_pending(ctx))


def _get(ctx: Ctx) -> Obj:
    """The settlement, made now if its day has just become due; a 404 changes nothing."""
    sid = ctx.path["settlement"]
    if ctx.scope.is_connected:
        raise errors.no_such(common.noun(SETTLEMENT), sid, param="settlement")
    settlement = ctx.scope.get(SETTLEMENT, sid)
    if settlement is None:
        batches, cursors = _pending(ctx)
        if sid not in _ids(ctx, batches):
            raise errors.no_such(common.noun(SETTLEMENT), sid, param="settlement")
        _apply(ctx, batches, cursors)
    return common.get(ctx, SETTLEMENT, sid, param="settlement")


def retrieve(ctx: Ctx) -> Obj:
    return _get(ctx)


def update(ctx: Ctx) -> Obj:
    settlement = _get(ctx)
    before = ctx.snapshot(settlement)
    common.update_metadata(settlement, ctx.params)
    common.emit_if_changed(ctx, "issuing_settlement.updated", settlement, before)
    return settlement


def list_settlements(ctx: Ctx) -> Obj:
    if ctx.scope.is_connected:
        return {"object": "list", "data": [], "has_more": False, "url": URL}
    store = ctx.scope.store(SETTLEMENT)
    page = paginate(store, URL, ctx.params, noun=common.noun(SETTLEMENT))  # refuses bad parameters first
    batches, cursors = _pending(ctx)
    if not batches:
        return page
    _apply(ctx, batches, cursors)
    return paginate(store, URL, ctx.params, noun=common.noun(SETTLEMENT))


ROUTES: list[Route] = [
    route("GET", URL, list_settlements),
    route("GET", URL + "/{settlement}", retrieve),
    route("POST", URL + "/{settlement}", update),
]

RESOURCE = Resource(
    SETTLEMENT,
    prefix=PREFIX,
    title="Settlements",
    routes=ROUTES,
    render=render,
    events=("issuing_settlement.created", "issuing_settlement.updated"),
)
