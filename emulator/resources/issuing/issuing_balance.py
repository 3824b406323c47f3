"""The money of cards without a financial account: they spend the account's Issuing balance.

Every movement is a balance transaction (:mod:`emulator.resources.balance.ledger`) in the Issuing
balance of the account that issued the card:

* an approved authorization (or increment) holds its amount: ``issuing_authorization_hold``
  (-amount, ``source`` the authorization); reversals, expiry, the unused part of a capture and
  declines of increments give it back: ``issuing_authorization_release`` (+amount);
* a capture (also a force capture) is ``issuing_transaction`` (-amount, ``source`` the
  ``issuing.transaction``, which shows it as its ``balance_transaction``); a refund (also an
  unlinked one) is ``issuing_transaction`` (+amount);
* a won dispute gives the disputed amount back: ``issuing_dispute`` (+amount, ``source`` the dispute),
  shown on the dispute only when asked for (``expand[]=balance_transactions``).

While a request waits for the real-time decision its amount is *reserved* (per account and
currency, in the account's book: :mod:`authorization_books`), not yet written to the ledger: the
funds check counts it, so concurrent requests can never overspend, and a declined request leaves
no balance transaction behind. Once decided, :func:`book` writes the difference between what the
authorization holds and what its balance transactions already hold.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.resources.balance import ledger
from emulator.resources.issuing.authorization_books import AuthorizationBook, account_book_of

# Stripe's text (a livemode issuing_authorization.created payload); the release's is the emulator's wording
HOLD_DESCRIPTION = "Hold for authorization"
RELEASE_DESCRIPTION = "Issuing authorization release"
DISPUTE_DESCRIPTION = "Issuing dispute won"


def _reserved(ctx: Ctx) -> dict[str, int]:
    return account_book_of(ctx.scope).setdefault("issuing_reserved", {})


def spendable(ctx: Ctx, currency: str) -> int:
    """The Issuing balance that a new request may use: available minus what requests in flight reserve."""
    return ledger.available(ctx.scope, currency, "issuing") - _reserved(ctx).get(currency, 0)


def unbooked(record: AuthorizationBook) -> int:
    """What the authorization holds beyond what its balance transactions hold (reserved while awaiting)."""
    return record["hold"] - record.get("booked", 0)


def held_changed(ctx: Ctx, auth: Obj, record: AuthorizationBook, unbooked_before: int) -> None:
    """Keep the account's reservation equal to the sum of the authorizations' unbooked holds."""
    delta = unbooked(record) - unbooked_before
    if delta:
        reserved = _reserved(ctx)
        reserved[auth["currency"]] = reserved.get(auth["currency"], 0) + delta


def book(ctx: Ctx, auth: Obj, record: AuthorizationBook) -> None:
    """Write the hold or release that brings the authorization's balance transactions to its hold."""
    before = unbooked(record)
    if before == 0:
        return
    ledger.post(
        ctx,
        type="issuing_authorization_hold" if before > 0 else "issuing_authorization_release",
        amount=-before,
        currency=auth["currency"],
        source=auth["id"],
        balance="issuing",
        description=HOLD_DESCRIPTION if before > 0 else RELEASE_DESCRIPTION,
    )
    record["booked"] = record.get("booked", 0) + before
    held_changed(ctx, auth, record, before)


def settle(ctx: Ctx, amount: int, currency: str, *, transaction_id: str, description: str) -> Obj:
    """A capture (``amount`` < 0) or refund (> 0) of an ``issuing.transaction`` on the Issuing balance."""
    return ledger.post(
        ctx,
        type="issuing_transaction",
        amount=amount,
        currency=currency,
        source=transaction_id,
        balance="issuing",
        description=description,
    )


def dispute_won(ctx: Ctx, dispute: Obj) -> Obj:
    """The disputed amount comes back to the Issuing balance."""
    txn = ledger.post(
        ctx,
        type="issuing_dispute",
        amount=dispute["amount"],
        currency=dispute["currency"],
        source=dispute["id"],
        balance="issuing",
        description=DISPUTE_DESCRIPTION,
    )
    return txn


def dispute_balance_transactions(ctx: Ctx, dispute: Obj) -> list[Obj]:
    """``expand[]=balance_transactions`` on a dispute: what it moved, oldest first (``[]`` before a
    win, and for a card on a financial account, whose money comes back through Treasury)."""
    found = ctx.platform.find(dispute["id"])
    return ledger.transactions_of(found[0] if found else ctx.scope, dispute["id"])


def balance_transactions(ctx: Ctx, auth: Obj) -> list[Obj]:
    """The authorization's hold and release balance transactions, oldest first."""
    return ledger.transactions_of(ctx.scope, auth["id"])
