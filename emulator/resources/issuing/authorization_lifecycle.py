"""What happens to a decided, pending Issuing authorization: captures, reversals, expiry, a final amount.

Each change goes through the authorization's :class:`~authorization_money.Funds` (chosen once,
when it was made) and sends ``issuing_authorization.updated``; the test-helper routes
(:mod:`authorization_helpers`) check the parameters before calling these. Stripe expires an
authorization still pending :data:`EXPIRY` seconds after it was created (:data:`LONG_EXPIRY` at
hotels and car rentals): the flow puts each new pending authorization's expiry on the platform's
agenda (:func:`schedule_expiry`), and it happens when the platform's time passes it.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION
from emulator.core.store import Obj
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import authorization_spend as spend
from emulator.resources.issuing import payment_count, transactions
from emulator.resources.issuing.authorization_books import book_of
from emulator.resources.issuing.authorization_request import merchant_amount_of

DAY = 24 * 3600
EXPIRY = 7 * DAY  # Stripe expires an uncaptured authorization after 7 days ...
LONG_EXPIRY = 31 * DAY  # ... and up to 31 days at merchants that hold funds long (lodging, car rental, airlines)
LONG_EXPIRY_CATEGORIES = frozenset({"hotels_motels_and_resorts", "car_rental_agencies", "airlines_air_carriers"})
EXPIRY_RETRY = 60  # a due expiry waits this long while a request awaits its real-time decision


def capture(ctx: Ctx, auth: Obj, card: Obj, amount: int, *, close: bool, details: Obj | None) -> None:
    """Capture ``amount`` (an ``issuing.transaction`` of type ``capture``); ``close`` ends the
    authorization, else only the captured amount leaves the hold."""
    before = ctx.snapshot(auth)
    funds = money.of_authorization(ctx, auth)
    book = book_of(ctx.scope, auth["id"])
    if close:
        auth["status"] = "closed"
        funds.close(auth)
    else:
        funds.release(auth, amount)
    spend.add_captured(ctx.scope, auth, book, amount)
    tx = transactions.create_transaction(
        ctx,
        card,
        kind="capture",
        amount=amount,
        merchant_amount=merchant_amount_of(auth, amount),
        merchant_currency=auth["merchant_currency"],
        merchant_data=auth["merchant_data"],
        authorization=auth,
        purchase_details=details,
        wallet=auth.get("wallet"),
        amount_details=auth.get("amount_details"),
    )
    auth["transactions"].append(tx["id"])
    if auth.get("treasury") is not None and tx.get("treasury") and tx["treasury"].get("received_debit"):
        auth["treasury"]["received_debits"].append(tx["treasury"]["received_debit"])
    ctx.emit("issuing_authorization.updated", auth, before)
    payment_count.captured(ctx, card, auth)


def reverse(ctx: Ctx, auth: Obj, amount: int) -> None:
    """Give back ``amount`` of the hold; the authorized amount shrinks by it. Nothing left held:
    ``reversed`` (or ``closed`` when part was captured). Reversing 0 while something is held
    changes nothing: no event (an ``.updated`` event always names what changed)."""
    if amount == 0 and book_of(ctx.scope, auth["id"])["hold"] > 0:
        return
    before = ctx.snapshot(auth)
    funds = money.of_authorization(ctx, auth)
    funds.release(auth, amount)
    new_amount = max(auth["amount"] - amount, 0)
    auth["merchant_amount"] = merchant_amount_of(auth, new_amount) if auth["amount"] else 0
    auth["amount"] = new_amount
    funds.show_amount(auth, new_amount)
    book = book_of(ctx.scope, auth["id"])
    if book["hold"] == 0:
        auth["status"] = "closed" if book["captured"] > 0 else "reversed"
        funds.close(auth)
    ctx.emit("issuing_authorization.updated", auth, before)


def expire(ctx: Ctx, auth: Obj) -> Obj:
    """Release what is held; ``expired``."""
    before = ctx.snapshot(auth)
    auth["status"] = "expired"
    money.of_authorization(ctx, auth).close(auth)
    ctx.emit("issuing_authorization.updated", auth, before)
    return auth


def finalize(ctx: Ctx, auth: Obj, final: int, *, fleet: Obj | None, fuel: Obj | None) -> None:
    """Set the authorized amount to ``final`` (not below what was captured), the hold following it."""
    before = ctx.snapshot(auth)
    funds = money.of_authorization(ctx, auth)
    book = book_of(ctx.scope, auth["id"])
    target_hold = final - book["captured"]
    held = book["hold"]
    if target_hold > held:
        funds.hold(auth, target_hold - held)
    else:
        funds.release(auth, held - target_hold)
    auth["merchant_amount"] = merchant_amount_of(auth, final)
    auth["amount"] = final
    funds.show_amount(auth, final)
    if fleet is not None:
        auth["fleet"] = fleet
    if fuel is not None:
        auth["fuel"] = fuel
    ctx.emit("issuing_authorization.updated", auth, before)


# --- expiry by Stripe -------------------------------------------------------------------------------


def expires_at(auth: Obj) -> int:
    """When Stripe expires ``auth`` if it is still pending (unix seconds)."""
    category = (auth.get("merchant_data") or {}).get("category")
    return int(auth["created"]) + (LONG_EXPIRY if category in LONG_EXPIRY_CATEGORIES else EXPIRY)


def schedule_expiry(ctx: Ctx, auth: Obj) -> None:
    ctx.platform.agenda.add(expires_at(auth), expire_due, ctx.scope.account_id, auth["id"])


def expire_due(ctx: Ctx, auth_id: str) -> None:
    """Agenda work: Stripe expires the authorization if it is still pending (else nothing happens)."""
    auth = ctx.scope.get(AUTHORIZATION, auth_id)
    if auth is None or auth["status"] != "pending":
        return
    if auth["pending_request"] is not None:
        ctx.platform.agenda.add(ctx.now + EXPIRY_RETRY, expire_due, ctx.scope.account_id, auth_id)
        return
    expire(ctx, auth)
