"""Lifecycle controls: the payments that count toward a card's
``lifecycle_controls[cancel_after][payment_count]``.

Stripe's lifecycle-controls guide ("What counts as a payment") counts: an approved authorization
over 1 USD (counted when approved), an authorization of 1 USD or less once it is captured (counted
at its first capture), and a force post (a force capture, which has no authorization). An
uncaptured authorization of 1 USD or less counts nothing, and a card approves at most
``payment_count`` of those at a time: a further one is declined with ``spending_controls`` (the
guide names no reason: the emulator's choice). When the count reaches ``payment_count`` the card is
canceled, with its ``issuing_card.updated``. 1 USD is read as 100 minor units of the card's
currency. The count is kept in the card's meta, and an authorization's book marks it counted.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION
from emulator.core.store import Obj
from emulator.resources.issuing.authorization_books import authorizations_of, book_of

SMALL = 100  # 1 USD, in minor units: at most this is a "≤1 USD" authorization
COUNT_KEY = "lifecycle_payments"  # in the card's meta


def _limit(card: Obj) -> int | None:
    controls = card.get("lifecycle_controls")
    return controls["cancel_after"]["payment_count"] if controls else None


def _count(ctx: Ctx, card: Obj) -> None:
    limit = _limit(card)
    if limit is None or card["status"] == "canceled":
        return
    meta = ctx.scope.meta_of(card["id"])
    count = meta[COUNT_KEY] = meta.get(COUNT_KEY, 0) + 1
    if count >= limit:
        before = ctx.snapshot(card)
        card["status"] = "canceled"
        ctx.emit("issuing_card.updated", card, before)


def approved(ctx: Ctx, card: Obj, auth: Obj) -> None:
    """A new authorization was approved: one over 1 USD is a payment."""
    if _limit(card) is not None and auth["amount"] > SMALL:
        book_of(ctx.scope, auth["id"])["counted"] = True
        _count(ctx, card)


def captured(ctx: Ctx, card: Obj, auth: Obj) -> None:
    """``auth`` was captured: one of 1 USD or less is a payment now (once)."""
    book = book_of(ctx.scope, auth["id"])
    if _limit(card) is not None and not book.get("counted"):
        book["counted"] = True
        _count(ctx, card)


def force_posted(ctx: Ctx, card: Obj) -> None:
    """A force capture on ``card`` is a payment."""
    _count(ctx, card)


def small_ones_exhausted(ctx: Ctx, card: Obj, amount: int) -> bool:
    """A new authorization of ``amount`` would be one uncaptured ≤1 USD authorization more than the
    card's ``payment_count`` allows."""
    limit = _limit(card)
    if limit is None or amount > SMALL:
        return False
    waiting = 0
    for auth_id in authorizations_of(ctx.scope, card["id"]):
        auth = ctx.scope.get(AUTHORIZATION, auth_id)
        if (
            auth is not None
            and auth["approved"]
            and auth["status"] == "pending"
            and not book_of(ctx.scope, auth_id).get("counted")
        ):
            waiting += 1
    return waiting >= limit
