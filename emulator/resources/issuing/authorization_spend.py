"""What each card and cardholder has committed in each spending window, kept as it changes.

A spending limit (``daily``, ``weekly``, ``monthly``, ``yearly``, ``all_time``) compares a request
with what the card (and the cards it replaced) or the cardholder committed, captured plus still
held, in the current window, all merchant categories or some. Summing every authorization of
the card at each request made a request cost as much as the card's history (a card with 50,000
authorizations read 50,000 of them). So each card and cardholder keeps a tally instead
(``HolderBook.issuing_spend``): per window of each interval, the committed total for all
categories (``"*"``) and per merchant category. Every change of what an authorization commits
goes through :func:`add_hold` or :func:`add_captured`, which move the tallies of its card and
cardholder for the windows the authorization was created in; the spending check reads one
window's entry per owner.

A card or cardholder that has authorizations but no tally (state written before tallies, by a
``--persist`` file or a platform snapshot) gets one built from its authorizations the first time
it is checked.
"""

from __future__ import annotations

from functools import lru_cache

from emulator.core.objects import AUTHORIZATION
from emulator.core.state import Scope
from emulator.core.store import Obj
from emulator.resources.issuing import spending_controls
from emulator.resources.issuing.authorization_books import (
    AuthorizationBook,
    SpendTally,
    authorizations_of,
    committed,
    holder_book_of,
)

INTERVALS = ("daily", "weekly", "monthly", "yearly", "all_time")
ALL_CATEGORIES = "*"
DAY = 86_400


_POSITION = {interval: i for i, interval in enumerate(INTERVALS)}


@lru_cache(maxsize=4096)  # a pure function of the day; a busy platform asks about a few days
def window_keys(day: int) -> tuple[str, ...]:
    """The tally keys of the windows (one per interval, in :data:`INTERVALS` order) holding ``day``
    (days since 1970-01-01 UTC)."""
    return tuple(f"{interval}:{spending_controls.window_start(interval, day * DAY)}" for interval in INTERVALS)


def window_key(interval: str, when: int) -> str:
    """The tally key of the window of ``interval`` that holds the time ``when``."""
    return window_keys(when // DAY)[_POSITION[interval]]


def start_tally(scope: Scope, owner_id: str) -> None:
    """Give a card or cardholder about to get its first authorization an empty tally."""
    book = holder_book_of(scope, owner_id)
    if "issuing_spend" not in book and not book.get("issuing_authorizations"):
        book["issuing_spend"] = {}


def add_hold(scope: Scope, auth: Obj, book: AuthorizationBook, delta: int) -> None:
    book["hold"] += delta
    _count(scope, auth, delta)


def add_captured(scope: Scope, auth: Obj, book: AuthorizationBook, delta: int) -> None:
    book["captured"] += delta
    _count(scope, auth, delta)


def _count(scope: Scope, auth: Obj, delta: int) -> None:
    if not delta:
        return
    for owner in (auth["card"], auth.get("cardholder")):
        if owner:
            tally = holder_book_of(scope, owner).get("issuing_spend")
            if tally is not None:  # else built from the authorizations when first read
                _add(tally, auth, delta)


def _add(tally: SpendTally, auth: Obj, delta: int) -> None:
    category = auth["merchant_data"]["category"]
    for key in window_keys(auth["created"] // DAY):
        window = tally.get(key)
        if window is None:
            tally[key] = {ALL_CATEGORIES: delta, category: delta}
        else:
            window[ALL_CATEGORIES] = window.get(ALL_CATEGORIES, 0) + delta
            window[category] = window.get(category, 0) + delta


def _tally(scope: Scope, owner_id: str) -> SpendTally:
    book = holder_book_of(scope, owner_id)
    tally = book.get("issuing_spend")
    if tally is None:
        tally = book["issuing_spend"] = {}
        store = scope.store(AUTHORIZATION)
        for auth_id in authorizations_of(scope, owner_id):
            auth = store.read(auth_id)  # read only: a long history is not made hot again
            amount = committed(scope, auth_id)
            if auth is not None and amount:
                _add(tally, auth, amount)
    return tally


def spent(scope: Scope, owners: list[str], interval: str, now: int, categories: list[str] | None) -> int:
    """What ``owners`` committed in the current window of ``interval`` (in ``categories``, or all)."""
    key = window_key(interval, now)
    wanted = set(categories) if categories else None
    total = 0
    for owner in owners:
        window = _tally(scope, owner).get(key)
        if window:
            total += sum(window.get(c, 0) for c in wanted) if wanted else window.get(ALL_CATEGORIES, 0)
    return total


def counted(auth: Obj, interval: str, now: int, categories: list[str] | None) -> bool:
    """Whether ``auth`` falls in the current window of ``interval`` and in ``categories``."""
    if categories and auth["merchant_data"]["category"] not in categories:
        return False
    return window_key(interval, auth["created"]) == window_key(interval, now)
