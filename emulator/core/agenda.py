"""A platform's agenda: work that falls due at a given time ("at T, do X to object Y").

Resources put entries in (:meth:`Agenda.add`) when they create an object that something will
happen to later (an authorization Stripe expires after 7 days, a dispute that lapses); whoever
moves the platform's time takes out every entry that is due, in time order (:meth:`Agenda.pop_due`)
and runs it (:mod:`emulator.timekeeping`). An entry names its object by id and its work by a
module-level function, never by a dict: stored objects may be packed at any time
(:mod:`emulator.core.packing`). Entries are never removed early: the work function checks the
object's state when it runs and does nothing if the object has moved on (it was captured,
reversed, ...). Checking for due work costs one comparison per request.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.core.context import Ctx

DueFn = Callable[["Ctx", str], Any]
"""``fn(ctx, object_id)``: runs with ``ctx.now`` = the due time, on the object's account; synchronous."""

# (due time, insertion number: ties run in the order they were added, work, account id, object id)
Entry = tuple[int, int, DueFn, str, str]


class Agenda:
    __slots__ = ("_entries", "_seq")

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, at: int, fn: DueFn, account_id: str, obj_id: str) -> None:
        """Run ``fn(ctx, obj_id)`` on ``account_id``'s objects once the platform's time reaches ``at``."""
        self._seq += 1
        heapq.heappush(self._entries, (int(at), self._seq, fn, account_id, obj_id))

    def next_at(self) -> int | None:
        """When the earliest entry falls due (None: nothing is planned)."""
        return self._entries[0][0] if self._entries else None

    def due(self, now: int) -> bool:
        entries = self._entries
        return bool(entries) and entries[0][0] <= now

    def pop_due(self, now: int) -> Entry | None:
        """The earliest entry due at or before ``now`` (removed), or None."""
        entries = self._entries
        if entries and entries[0][0] <= now:
            return heapq.heappop(entries)
        return None

    def upcoming(self, limit: int = 20) -> list[tuple[int, str, str]]:
        """The next ``limit`` entries as (due time, work name, object id), for dashboards."""
        return [
            (at, getattr(fn, "__qualname__", "?"), obj_id)
            for at, _, fn, _, obj_id in heapq.nsmallest(limit, self._entries)
        ]
