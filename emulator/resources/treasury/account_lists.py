"""The lists of one financial account's objects (``GET /v1/treasury/...?financial_account=fa_...``).

Every Treasury list names a financial account (``financial_account``, required): it must be the
caller's (else Stripe's 400 ``resource_missing`` on ``financial_account``); then the list's own
filters apply, then Stripe's paging (``limit``, cursors, ``created``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT
from emulator.core.store import Obj
from emulator.http.listing import Predicate, paginate
from emulator.resources import common

# a list's own filters, from its parameters (a ``None`` filter is no filter)
Filters = Callable[[dict[str, Any]], Iterable[Predicate | None]]


def of_account(ctx: Ctx, object_type: str, url: str, filters: Filters | None = None) -> Obj:
    """A page of the named financial account's ``object_type`` objects that pass ``filters``."""
    p = ctx.params
    fa_id = common.get(ctx, FINANCIAL_ACCOUNT, p["financial_account"], param="financial_account")["id"]
    preds: list[Predicate | None] = [lambda o: o["financial_account"] == fa_id]
    if filters is not None:
        preds.extend(filters(p))
    return paginate(ctx.scope.store(object_type), url, p, preds, noun=common.noun(object_type))


def handler(object_type: str, url: str, filters: Filters | None = None) -> Callable[[Ctx], Obj]:
    """The list route's handler: :func:`of_account` with ``filters``."""

    def list_objects(ctx: Ctx) -> Obj:
        return of_account(ctx, object_type, url, filters)

    return list_objects


def by_status(p: dict[str, Any]) -> list[Predicate | None]:
    """``status=...``: the objects in that status."""
    return [common.equals("status", p["status"]) if p.get("status") else None]
