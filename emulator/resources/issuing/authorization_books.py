"""The side records of Issuing authorizations: what the flow keeps beside the wire objects.

They live in ``scope.meta`` (keyed by object id, plain JSON-able values, the key names below
unchanged since they were first written), each typed here and reached through its one accessor:

* :class:`AuthorizationBook` (``book_of``): the money of one authorization;
* :class:`HolderBook` (``holder_book_of``): of a card or a cardholder, the ids of its
  authorizations and what they commit per spending window, and of a card the merchants where the cardholder
  confirmed a fraud challenge;
* :class:`AccountBook` (``account_book_of``): of an account, what requests awaiting a real-time
  decision reserve of its Issuing balance;
* :class:`TransactionBook` (``transaction_book_of``): of an ``issuing.transaction``, what was
  refunded of it and its ``purchase_details``.

A card's or account's meta also holds other modules' keys (a card's number, the account's
balances): these types name only the authorization flow's keys (``total=False`` where a key
appears on first use). Nothing here decides anything: the rules are in the flow's stages.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict, cast

from emulator.core.state import Scope
from emulator.core.store import Obj


class AuthorizationBook(TypedDict):
    """``scope.meta_of(authorization id)``, opened with the authorization (:func:`open_book`)."""

    hold: int  # still reserved (in the authorization's currency), a request awaiting its decision included
    captured: int  # captured so far (over-captures included)
    fa: str | None  # the financial account it holds on, chosen at creation; None: the Issuing balance
    trxn: NotRequired[str]  # the hold's treasury.transaction (financial-account cards)
    booked: NotRequired[int]  # Issuing balance: what its hold/release balance transactions hold
    requested_at: NotRequired[int]  # when the request awaiting the real-time decision came in
    counted: NotRequired[bool]  # counted toward its card's lifecycle ``payment_count`` (:mod:`payment_count`)


# window of an interval ("daily:1764979200") -> merchant category, or "*" for all -> amount committed
SpendTally = dict[str, dict[str, int]]


class HolderBook(TypedDict, total=False):
    """The flow's keys in ``scope.meta_of(card or cardholder id)``."""

    issuing_authorizations: list[str]  # ids of its authorizations, oldest first
    issuing_spend: SpendTally  # what they commit, per spending window (:mod:`authorization_spend`)
    fraud_verified: dict[str, int]  # card only: merchant key -> when a fraud challenge was confirmed


class AccountBook(TypedDict, total=False):
    """The flow's key in ``scope.meta_of(account id)``."""

    issuing_reserved: dict[str, int]  # currency -> Issuing balance reserved by requests awaiting a decision


class TransactionBook(TypedDict, total=False):
    """``scope.meta_of(issuing.transaction id)``."""

    purchase_details: Obj | None  # shown only on ``expand[]=purchase_details``
    refunded: int  # of a capture: how much was refunded
    refunds: list[str]  # of a capture: ids of its refund transactions


def open_book(scope: Scope, auth_id: str, fa_id: str | None) -> AuthorizationBook:
    """The new authorization's book: nothing held or captured, its money on ``fa_id`` (or the
    Issuing balance)."""
    book = cast(AuthorizationBook, scope.meta_of(auth_id))
    book.update({"hold": 0, "captured": 0, "fa": fa_id})
    return book


def book_of(scope: Scope, auth_id: str) -> AuthorizationBook:
    """The book of an authorization made by :func:`open_book`."""
    return cast(AuthorizationBook, scope.meta_of(auth_id))


def committed(scope: Scope, auth_id: str) -> int:
    """What an authorization counts toward spending limits: captured plus still held."""
    book = cast("AuthorizationBook | None", scope.meta.get(auth_id))
    if not book:
        return 0
    return book["captured"] + book["hold"]


def holder_book_of(scope: Scope, owner_id: str) -> HolderBook:
    return cast(HolderBook, scope.meta_of(owner_id))


def authorizations_of(scope: Scope, owner_id: str) -> list[str]:
    """Ids of the authorizations of a card or cardholder (read only; empty when none)."""
    return cast(HolderBook, scope.meta.get(owner_id, {})).get("issuing_authorizations", [])


def account_book_of(scope: Scope) -> AccountBook:
    return cast(AccountBook, scope.meta_of(scope.account_id))


def transaction_book_of(scope: Scope, tx_id: str) -> TransactionBook:
    return cast(TransactionBook, scope.meta_of(tx_id))
