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

Entry = tuple[int, DueFn, str, str]
"""(due time, work, account id, object id)."""


class Agenda:
    """Entries are kept by due second: a heap of the distinct seconds, and for each second one flat
    list ``[fn, account id, object id, fn, ...]`` in the order they were added (~24 bytes an entry:
    this holds one entry per pending authorization)."""

    __slots__ = ("_buckets", "_count", "_times")

    def __init__(self) -> None:
        self._times: list[int] = []  # heap of the seconds that have a bucket
        self._buckets: dict[int, list[Any]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, at: int, fn: DueFn, account_id: str, obj_id: str) -> None:
        """Run ``fn(ctx, obj_id)`` on ``account_id``'s objects once the platform's time reaches ``at``."""
        at = int(at)
        bucket = self._buckets.get(at)
        if bucket is None:
            bucket = self._buckets[at] = []
            heapq.heappush(self._times, at)
        bucket += (fn, account_id, obj_id)
        self._count += 1

    def next_at(self) -> int | None:
        """When the earliest entry falls due (None: nothing is planned)."""
        return self._times[0] if self._times else None

    def due(self, now: int) -> bool:
        times = self._times
        return bool(times) and times[0] <= now

    def pop_due(self, now: int) -> list[Entry]:
        """The entries of the earliest second due at or before ``now`` (removed), in the order they
        were added; ``[]`` when nothing is due. Entries added for that second meanwhile form a new
        bucket, returned by the next call."""
        times = self._times
        if not times or times[0] > now:
            return []
        at = heapq.heappop(times)
        flat = self._buckets.pop(at)
        self._count -= len(flat) // 3
        return [(at, flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)]

    def upcoming(self, limit: int = 20) -> list[tuple[int, str, str]]:
        """The next ``limit`` entries as (due time, work name, object id), for dashboards."""
        out: list[tuple[int, str, str]] = []
        for at in sorted(self._times):
            flat = self._buckets[at]
            for i in range(0, len(flat), 3):
                if len(out) >= limit:
                    return out
                out.append((at, getattr(flat[i], "__qualname__", "?"), flat[i + 2]))
        return out
