"""The money behind Issuing authorizations: one interface, two places the money can be.

:class:`Funds` is everything the authorization flow and the test helpers do with money: the
funds check of a request, an authorization's hold (placed, released, booked once decided, closed)
and the settlement of a capture or refund. Its two implementations:

* :class:`TreasuryFunds`, a card backed by a Treasury financial account: a hold is a
  ``treasury.transaction`` with ``flow_type: issuing_authorization`` whose entries move ``cash`` to
  ``outbound_pending`` (``issuing_authorization_hold``) and back (``issuing_authorization_release``);
  it stays ``open`` while the authorization is pending, its ``amount`` minus the authorized amount,
  and becomes ``void`` when it ends (its money never settles itself: a capture settles through a
  ``card`` network ReceivedDebit, a refund through a ReceivedCredit);
* :class:`IssuingBalanceFunds`, a card without one: the account's Issuing balance, through balance
  transactions (:mod:`emulator.resources.issuing.issuing_balance`); a hold placed while a real-time
  decision is awaited is only reserved (``book=False``) and written once decided (:meth:`Funds.decided`).

The place is chosen once per authorization, when it is made: :func:`of_authorization` follows
its book's ``fa`` (:mod:`authorization_books`), and everything of that authorization stays there
(its increments' funds check, its holds, its captures and their refunds) even when the card's
``financial_account`` changes later. A new purchase, and a capture or refund without an
authorization, use the card's place as it is now (:func:`of_card`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

from emulator.core.context import Ctx
from emulator.core.objects import FINANCIAL_ACCOUNT, TREASURY_TRANSACTION
from emulator.core.store import Obj
from emulator.resources.issuing import authorization_spend as spend
from emulator.resources.issuing import issuing_balance
from emulator.resources.issuing.authorization_books import AuthorizationBook, book_of
from emulator.resources.treasury import ledger, received

HOLD_DESCRIPTION = "Issuing authorization hold"


class Settlement(NamedTuple):
    """A capture (``amount`` < 0) or refund (> 0) of an ``issuing.transaction`` on ``card``, in its currency."""

    card: Obj
    amount: int
    transaction_id: str
    authorization_id: str | None
    description: str


class Settled(NamedTuple):
    """Where a capture or refund was settled: a ``card`` ReceivedDebit/ReceivedCredit on the financial
    account, or an ``issuing_transaction`` balance transaction on the Issuing balance."""

    flow: Obj | None = None
    balance_transaction: Obj | None = None


class Funds(ABC):
    """One place an Issuing card's money is (module docstring)."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def financial_account(self) -> Obj | None:
        """The Treasury financial account the money is on (None: the Issuing balance)."""
        return None

    @abstractmethod
    def shortfall(self, currency: str, amount: int) -> str | None:
        """Why these funds cannot take a request of ``amount`` (a decline reason), or None."""

    @abstractmethod
    def hold(self, auth: Obj, amount: int, *, book: bool = True) -> None:
        """Reserve ``amount`` more for the authorization (``book=False`` while a real-time decision is
        awaited: see :meth:`decided`)."""

    @abstractmethod
    def release(self, auth: Obj, amount: int) -> int:
        """Give back up to ``amount`` of the hold; returns what was released."""

    @abstractmethod
    def decided(self, auth: Obj) -> None:
        """The real-time decision is applied: write down what the authorization now holds."""

    @abstractmethod
    def show_amount(self, auth: Obj, amount: int) -> None:
        """The authorized amount changed to ``amount`` (the hold's own record follows it)."""

    def close(self, auth: Obj) -> None:
        """The authorization ended: release what it still holds."""
        self.release(auth, book_of(self.ctx.scope, auth["id"])["hold"])

    @abstractmethod
    def settle(self, item: Settlement) -> Settled:
        """Settle a capture or refund (captures always succeed, even into a negative balance)."""


class TreasuryFunds(Funds):
    """A Treasury financial account (``fa_id``; a card may name one that does not exist)."""

    __slots__ = ("fa_id",)

    def __init__(self, ctx: Ctx, fa_id: str) -> None:
        super().__init__(ctx)
        self.fa_id = fa_id

    def _fa(self) -> Obj | None:
        return self.ctx.scope.get(FINANCIAL_ACCOUNT, self.fa_id)

    def financial_account(self) -> Obj | None:
        return self._fa()

    def shortfall(self, currency: str, amount: int) -> str | None:
        fa = self._fa()
        if fa is None:
            return "not_allowed"
        if fa["balance"]["cash"].get(currency, 0) < amount:
            return "insufficient_funds"
        if (
            fa["status"] != "open"
            or (fa.get("platform_restrictions") or {}).get("outbound_flows") == "restricted"
            or "card_issuing" not in fa.get("active_features", [])
        ):
            return "not_allowed"
        return None

    def _transaction(self, book: AuthorizationBook) -> Obj | None:
        trxn_id = book.get("trxn")
        return self.ctx.scope.get(TREASURY_TRANSACTION, trxn_id) if trxn_id is not None else None

    def _hold_transaction(self, auth: Obj, book: AuthorizationBook, fa: Obj) -> Obj:
        trxn = self._transaction(book)
        if trxn is None:
            trxn = ledger.open_transaction(
                self.ctx,
                fa,
                flow_type="issuing_authorization",
                flow=auth["id"],
                currency=auth["currency"],
                description=HOLD_DESCRIPTION,
                amount=0,
            )
            book["trxn"] = trxn["id"]
            if auth.get("treasury") is not None:
                auth["treasury"]["transaction"] = trxn["id"]
        return trxn

    def hold(self, auth: Obj, amount: int, *, book: bool = True) -> None:
        if amount <= 0:
            return
        record = book_of(self.ctx.scope, auth["id"])
        spend.add_hold(self.ctx.scope, auth, record, amount)
        fa = self._fa()
        if fa is not None:
            trxn = self._hold_transaction(auth, record, fa)
            ledger.add_entry(self.ctx, fa, trxn, "issuing_authorization_hold", cash=-amount, outbound_pending=amount)

    def release(self, auth: Obj, amount: int) -> int:
        record = book_of(self.ctx.scope, auth["id"])
        amount = min(amount, record["hold"])
        if amount <= 0:
            return 0
        spend.add_hold(self.ctx.scope, auth, record, -amount)
        fa = self._fa()
        if fa is not None:
            trxn = self._hold_transaction(auth, record, fa)
            ledger.add_entry(self.ctx, fa, trxn, "issuing_authorization_release", cash=amount, outbound_pending=-amount)
        return amount

    def decided(self, auth: Obj) -> None:
        return None  # a financial account's hold is written when placed

    def show_amount(self, auth: Obj, amount: int) -> None:
        trxn = self._transaction(book_of(self.ctx.scope, auth["id"]))
        if trxn is not None and trxn["status"] == "open":
            trxn["amount"] = -amount

    def close(self, auth: Obj) -> None:
        """Release what is still held and void the hold transaction."""
        super().close(auth)
        trxn = self._transaction(book_of(self.ctx.scope, auth["id"]))
        if trxn is not None and trxn["status"] == "open":
            ledger.void(self.ctx, trxn)

    def settle(self, item: Settlement) -> Settled:
        fa = self._fa()
        if fa is None:
            return Settled()
        move = received.receive_debit if item.amount < 0 else received.receive_credit
        flow = move(
            self.ctx,
            fa,
            abs(item.amount),
            item.card["currency"],
            network="card",
            description=item.description,
            force=True,
            issuing_card=item.card["id"],
            linked_flows={"issuing_authorization": item.authorization_id, "issuing_transaction": item.transaction_id},
        )
        return Settled(flow=flow)


class IssuingBalanceFunds(Funds):
    """The Issuing balance of the account that issued the card."""

    __slots__ = ()

    def shortfall(self, currency: str, amount: int) -> str | None:
        return "insufficient_funds" if issuing_balance.spendable(self.ctx, currency) < amount else None

    def hold(self, auth: Obj, amount: int, *, book: bool = True) -> None:
        if amount <= 0:
            return
        record = book_of(self.ctx.scope, auth["id"])
        unbooked = issuing_balance.unbooked(record)
        spend.add_hold(self.ctx.scope, auth, record, amount)
        issuing_balance.held_changed(self.ctx, auth, record, unbooked)
        if book:
            issuing_balance.book(self.ctx, auth, record)

    def release(self, auth: Obj, amount: int) -> int:
        record = book_of(self.ctx.scope, auth["id"])
        amount = min(amount, record["hold"])
        if amount <= 0:
            return 0
        unbooked = issuing_balance.unbooked(record)
        spend.add_hold(self.ctx.scope, auth, record, -amount)
        issuing_balance.held_changed(self.ctx, auth, record, unbooked)
        issuing_balance.book(self.ctx, auth, record)
        return amount

    def decided(self, auth: Obj) -> None:
        issuing_balance.book(self.ctx, auth, book_of(self.ctx.scope, auth["id"]))

    def show_amount(self, auth: Obj, amount: int) -> None:
        return None  # the balance transactions show what is held, not the authorized amount

    def settle(self, item: Settlement) -> Settled:
        txn = issuing_balance.settle(
            self.ctx,
            item.amount,
            item.card["currency"],
            transaction_id=item.transaction_id,
            description=item.description,
        )
        return Settled(balance_transaction=txn)


def of_card(ctx: Ctx, card: Obj) -> Funds:
    """Where ``card``'s money is now: its financial account, or the Issuing balance."""
    fa_id = card.get("financial_account")
    return TreasuryFunds(ctx, fa_id) if fa_id else IssuingBalanceFunds(ctx)


def of_authorization(ctx: Ctx, auth: Obj) -> Funds:
    """Where ``auth`` holds its money: chosen when it was made (its book's ``fa``)."""
    fa_id = book_of(ctx.scope, auth["id"])["fa"]
    return TreasuryFunds(ctx, fa_id) if fa_id is not None else IssuingBalanceFunds(ctx)


def financial_account(ctx: Ctx, card: Obj) -> Obj | None:
    """The financial account behind ``card`` (None: the card spends the Issuing balance)."""
    fa_id = card.get("financial_account")
    return ctx.scope.get(FINANCIAL_ACCOUNT, fa_id) if fa_id else None
