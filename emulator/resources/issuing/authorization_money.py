"""The money behind an Issuing authorization: holds, releases and the captures that settle them.

Book-keeping (``scope.meta_of(authorization id)``, not part of the wire shape):

* ``hold``      amount still reserved for the authorization (in its currency); includes the
                amount of a request that is waiting for a real-time decision;
* ``captured``  total captured so far (over-captures included);
* ``trxn``      id of the ``treasury.transaction`` of the hold (financial-account cards only).

On a card backed by a Treasury financial account a hold is a ``treasury.transaction`` with
``flow_type: issuing_authorization`` whose entries move ``cash`` to ``outbound_pending``
(``issuing_authorization_hold``) and back (``issuing_authorization_release``); it stays ``open``
while the authorization is pending and becomes ``void`` when it ends (its money never settles
itself: a capture settles through a ``card`` network ReceivedDebit, a refund through a
ReceivedCredit). Cards without a financial account draw on the account's Issuing balance
through balance transactions (:mod:`emulator.resources.issuing.issuing_balance`): a hold placed
while a real-time decision is awaited is only reserved (``book=False``) and written once decided.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT, TREASURY_TRANSACTION
from emulator.core.store import Obj
from emulator.resources.issuing import issuing_balance
from emulator.resources.treasury import ledger, received

HOLD_DESCRIPTION = "Issuing authorization hold"


def financial_account(ctx: Ctx, card: Obj) -> Obj | None:
    fa_id = card.get("financial_account")
    return ctx.scope.get(FINANCIAL_ACCOUNT, fa_id) if fa_id else None


def meta(ctx: Ctx, auth: Obj) -> dict[str, int | str | None]:
    m = ctx.scope.meta_of(auth["id"])
    m.setdefault("hold", 0)
    m.setdefault("captured", 0)
    return m


def held(ctx: Ctx, auth: Obj) -> int:
    return int(meta(ctx, auth)["hold"] or 0)


def captured(ctx: Ctx, auth: Obj) -> int:
    return int(meta(ctx, auth)["captured"] or 0)


def committed(ctx: Ctx, auth_id: str) -> int:
    """What an authorization counts toward spending limits: captured plus still held."""
    m = ctx.scope.meta.get(auth_id)
    if not m:
        return 0
    return int(m.get("captured") or 0) + int(m.get("hold") or 0)


def _fa_of_auth(ctx: Ctx, auth: Obj) -> Obj | None:
    fa_id = ctx.scope.meta_of(auth["id"]).get("fa")
    return ctx.scope.get(FINANCIAL_ACCOUNT, fa_id) if isinstance(fa_id, str) else None


def _hold_transaction(ctx: Ctx, auth: Obj, fa: Obj) -> Obj:
    m = meta(ctx, auth)
    trxn_id = m.get("trxn")
    trxn = ctx.scope.get(TREASURY_TRANSACTION, trxn_id) if isinstance(trxn_id, str) else None
    if trxn is None:
        trxn = ledger.open_transaction(
            ctx,
            fa,
            flow_type="issuing_authorization",
            flow=auth["id"],
            currency=auth["currency"],
            description=HOLD_DESCRIPTION,
            amount=0,
        )
        m["trxn"] = trxn["id"]
        if auth.get("treasury") is not None:
            auth["treasury"]["transaction"] = trxn["id"]
    return trxn


def on_issuing_balance(ctx: Ctx, auth: Obj) -> bool:
    """Whether the authorization's card spends the Issuing balance (it has no financial account)."""
    return ctx.scope.meta_of(auth["id"]).get("fa") is None


def hold(ctx: Ctx, auth: Obj, amount: int, *, book: bool = True) -> None:
    """Reserve ``amount`` more for the authorization (cash -> outbound_pending, or an Issuing balance
    hold; ``book=False`` while a real-time decision is awaited: see :func:`book`)."""
    if amount <= 0:
        return
    m = meta(ctx, auth)
    unbooked = issuing_balance.unbooked(ctx, auth)
    m["hold"] = held(ctx, auth) + amount
    fa = _fa_of_auth(ctx, auth)
    if fa is None:
        if on_issuing_balance(ctx, auth):
            issuing_balance.held_changed(ctx, auth, unbooked)
            if book:
                issuing_balance.book(ctx, auth)
        return
    trxn = _hold_transaction(ctx, auth, fa)
    ledger.add_entry(ctx, fa, trxn, "issuing_authorization_hold", cash=-amount, outbound_pending=amount)


def release(ctx: Ctx, auth: Obj, amount: int) -> int:
    """Give back up to ``amount`` of the hold (outbound_pending -> cash); returns what was released."""
    amount = min(amount, held(ctx, auth))
    if amount <= 0:
        return 0
    m = meta(ctx, auth)
    unbooked = issuing_balance.unbooked(ctx, auth)
    m["hold"] = held(ctx, auth) - amount
    fa = _fa_of_auth(ctx, auth)
    if fa is not None:
        trxn = _hold_transaction(ctx, auth, fa)
        ledger.add_entry(ctx, fa, trxn, "issuing_authorization_release", cash=amount, outbound_pending=-amount)
    elif on_issuing_balance(ctx, auth):
        issuing_balance.held_changed(ctx, auth, unbooked)
        issuing_balance.book(ctx, auth)
    return amount


def book(ctx: Ctx, auth: Obj) -> None:
    """The real-time decision is applied: write what the authorization now holds on the Issuing balance."""
    if on_issuing_balance(ctx, auth):
        issuing_balance.book(ctx, auth)


def sync_amount(ctx: Ctx, auth: Obj, amount: int) -> None:
    """Keep the hold transaction's ``amount`` at minus the authorized amount while it is open."""
    trxn_id = ctx.scope.meta_of(auth["id"]).get("trxn")
    trxn = ctx.scope.get(TREASURY_TRANSACTION, trxn_id) if isinstance(trxn_id, str) else None
    if trxn is not None and trxn["status"] == "open":
        trxn["amount"] = -amount


def close(ctx: Ctx, auth: Obj) -> None:
    """The authorization ended: release what is still held and void the hold transaction."""
    release(ctx, auth, held(ctx, auth))
    trxn_id = ctx.scope.meta_of(auth["id"]).get("trxn")
    trxn = ctx.scope.get(TREASURY_TRANSACTION, trxn_id) if isinstance(trxn_id, str) else None
    if trxn is not None and trxn["status"] == "open":
        ledger.void(ctx, trxn)


def settle_capture(
    ctx: Ctx,
    card: Obj,
    amount: int,
    currency: str,
    *,
    transaction_id: str,
    authorization_id: str | None,
    description: str,
) -> Obj | None:
    """Post a captured amount as a ``card`` ReceivedDebit (captures always succeed)."""
    fa = financial_account(ctx, card)
    if fa is None:
        return None
    return received.receive_debit(
        ctx,
        fa,
        amount,
        currency,
        network="card",
        description=description,
        force=True,
        issuing_card=card["id"],
        linked_flows={"issuing_authorization": authorization_id, "issuing_transaction": transaction_id},
    )


def settle_on_issuing_balance(
    ctx: Ctx, card: Obj, amount: int, currency: str, *, transaction_id: str, description: str
) -> Obj | None:
    """A capture (``amount`` < 0) or refund (> 0) of a card without a financial account: its
    ``issuing_transaction`` balance transaction (None for a financial-account card)."""
    if card.get("financial_account"):
        return None
    return issuing_balance.settle(ctx, amount, currency, transaction_id=transaction_id, description=description)


def settle_refund(
    ctx: Ctx,
    card: Obj,
    amount: int,
    currency: str,
    *,
    transaction_id: str,
    authorization_id: str | None,
    description: str,
) -> Obj | None:
    """Post a refunded amount as a ``card`` ReceivedCredit."""
    fa = financial_account(ctx, card)
    if fa is None:
        return None
    return received.receive_credit(
        ctx,
        fa,
        amount,
        currency,
        network="card",
        description=description,
        force=True,
        issuing_card=card["id"],
        linked_flows={"issuing_authorization": authorization_id, "issuing_transaction": transaction_id},
    )
