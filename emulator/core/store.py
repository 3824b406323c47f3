"""Ordered object stores: id lookup in O(1), newest-first paging without sorting.

Objects are kept as plain dicts in Stripe's wire shape. ``order`` is append-only, so an
object's position never changes and a page costs only the objects it looks at. ``pos`` (id ->
position, for ``starting_after``/``ending_before``) is built the first time a cursor needs it and
kept up to date from then on: a store nobody pages through by cursor does not pay ~70 bytes per
object for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Obj = dict[str, Any]


class ObjectStore:
    __slots__ = ("_pos", "objects", "order")

    def __init__(self) -> None:
        self.objects: dict[str, Obj] = {}
        self.order: list[str] = []
        self._pos: dict[str, int] | None = None

    @property
    def pos(self) -> dict[str, int]:
        """Id -> position in ``order`` (read only)."""
        pos = self._pos
        if pos is None:
            pos = self._pos = {obj_id: i for i, obj_id in enumerate(self.order)}
        return pos

    def __len__(self) -> int:
        return len(self.objects)

    def __contains__(self, obj_id: object) -> bool:
        return obj_id in self.objects

    def add(self, obj: Obj) -> Obj:
        obj_id = obj["id"]
        objects = self.objects
        if obj_id not in objects and not self._placed(obj_id):
            pos = self._pos
            if pos is not None:
                pos[obj_id] = len(self.order)
            self.order.append(obj_id)
        objects[obj_id] = obj
        return obj

    def _placed(self, obj_id: str) -> bool:
        """Whether ``obj_id`` already has a position (a removed object that comes back keeps it)."""
        if self._pos is None and len(self.objects) == len(self.order):
            return False  # nothing was ever removed: an id that is not stored is new
        return obj_id in self.pos

    def get(self, obj_id: str) -> Obj | None:
        return self.objects.get(obj_id)

    def remove(self, obj_id: str) -> Obj | None:
        return self.objects.pop(obj_id, None)

    def values(self) -> Iterator[Obj]:
        """Oldest first."""
        objects = self.objects
        for obj_id in self.order:
            obj = objects.get(obj_id)
            if obj is not None:
                yield obj

    def newest_first(self, before: int | None = None) -> Iterator[Obj]:
        """Objects older than position ``before`` (all when None), newest first."""
        objects = self.objects
        order = self.order
        i = (len(order) if before is None else before) - 1
        while i >= 0:
            obj = objects.get(order[i])
            if obj is not None:
                yield obj
            i -= 1

    def oldest_first_after(self, after: int) -> Iterator[Obj]:
        """Objects newer than position ``after``, oldest first."""
        objects = self.objects
        order = self.order
        for i in range(after + 1, len(order)):
            obj = objects.get(order[i])
            if obj is not None:
                yield obj
