"""Ordered object stores: id lookup in O(1), newest-first paging without sorting.

Objects are kept as plain dicts in Stripe's wire shape. ``order`` is append-only, so an
object's position never changes and a page costs only the objects it looks at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Obj = dict[str, Any]


class ObjectStore:
    __slots__ = ("objects", "order", "pos")

    def __init__(self) -> None:
        self.objects: dict[str, Obj] = {}
        self.order: list[str] = []
        self.pos: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.objects)

    def __contains__(self, obj_id: object) -> bool:
        return obj_id in self.objects

    def add(self, obj: Obj) -> Obj:
        obj_id = obj["id"]
        if obj_id not in self.pos:
            self.pos[obj_id] = len(self.order)
            self.order.append(obj_id)
        self.objects[obj_id] = obj
        return obj

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
