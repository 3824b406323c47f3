"""Ordered object stores: id lookup in O(1), newest-first paging without sorting.

Objects are plain dicts in Stripe's wire shape. Only the ``hot`` objects most recently added
or fetched are kept decoded; an older one is packed (:mod:`emulator.core.packing`: ~10x
smaller) as soon as nothing but the store holds it, and decoded again, and hot again, by
:meth:`ObjectStore.get`. A store with a :class:`Cooling` packs after an answer, when no other
request waits, a frame at a time; past a hard limit, or without one, it packs in the request.
:meth:`ObjectStore.read` and the read-only iterators decode a packed object for the caller and
leave it packed.

``order`` is append-only, so an object's position never changes and a page costs only the
objects it looks at. ``pos`` (id -> position, for ``starting_after``/``ending_before``) is built
the first time a cursor needs it and kept up to date from then on: a store nobody pages through
by cursor does not pay ~70 bytes per object for it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from emulator.core import packing
from emulator.core.packing import Codec, Packed

Obj = dict[str, Any]
HOT_OBJECTS = 2_000  # per store; 0 keeps every object decoded
# Packing waits until an eighth of the hot limit (at most this many) objects are over it, then
# packs them in one go: a tight loop keeps the encoder and compressor in the CPU's caches (about
# a third cheaper than one at a time). A held object is skipped and goes to the back of the line; one
# round tries at most twice the batch, so a store whose objects are all held costs little.
_BATCH = 256
# With a Cooling: a store one frame over its hot limit (at most its batch) is due for packing
# once a request is answered, one frame per answer (~30 µs, while the client reads the answer;
# bench/RESULTS.md, eighth session).
_DUE = packing.FRAME_OBJECTS


class Cooling:
    """The stores of one :class:`~emulator.core.state.State` that are over their hot limit, in the
    order they got there. Once a request's answer is written, and no other request is waiting
    (``emulator.http.limits.IN_FLIGHT``), the API runs :meth:`run`: one frame of the first store in
    line is packed, and the store goes to the back of the line while it is still a frame over. At
    one connection that is done while the client reads the answer. Under load nobody runs it, and
    a store packs at its hard limit, a batch inside a request, as before: measured, a frame per
    answer costs more than a batch there (the packing code and zstd's tables are cold each time).
    So does code that never answers (a test on the State alone)."""

    __slots__ = ("due",)

    def __init__(self) -> None:
        self.due: deque[ObjectStore] = deque()

    def run(self) -> None:
        due = self.due
        if due:
            store = due.popleft()
            store._queued = False
            store._cool(packing.FRAME_OBJECTS)

    def forget(self, stores: Iterable[ObjectStore]) -> None:
        """Take a forgotten platform's stores out of the line (a reset gives their objects back)."""
        gone = {id(store) for store in stores if store._queued}
        if gone:
            kept = [store for store in self.due if id(store) not in gone]
            self.due.clear()
            self.due.extend(kept)

    def __deepcopy__(self, memo: dict[int, Any]) -> Cooling:
        return self  # shared by every store of the State, like the codec


class ObjectStore:
    __slots__ = (
        "_batch",
        "_cool_at",
        "_cooling",
        "_due_at",
        "_hot",
        "_pos",
        "_queued",
        "codec",
        "hot_limit",
        "objects",
        "order",
    )

    def __init__(
        self, codec: Codec | None = None, hot_limit: int = HOT_OBJECTS, cooling: Cooling | None = None
    ) -> None:
        """Without a codec (a store made for one request), every object stays decoded. Without a
        cooling, a store packs in the request that fills it."""
        self.objects: dict[str, Obj | Packed] = {}
        self.order: list[str] = []
        self._pos: dict[str, int] | None = None
        self.codec = codec
        self.hot_limit = hot_limit if codec is not None else 0
        # ids of decoded objects, oldest first (an id may appear twice; a packed one is skipped)
        self._hot: deque[str] = deque()
        self._batch = min(_BATCH, self.hot_limit // 8)
        self._cool_at = self.hot_limit + self._batch  # pack when _hot is longer than this
        self._cooling = cooling
        self._queued = False  # in the cooling's line (once at most)
        # with a cooling: due for packing after the answer when _hot is longer than this
        self._due_at = self.hot_limit + min(_DUE, self._batch) if cooling is not None else self._cool_at

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
        if self.hot_limit:
            hot = self._hot
            hot.append(obj_id)
            if len(hot) > self._due_at:
                self._over()
        return obj

    def _over(self) -> None:
        """Past the due mark: wait for the end of the request, or pack now past the hard limit."""
        cooling = self._cooling
        if cooling is None or len(self._hot) > self._cool_at:
            self._cool()
        else:
            self._due_at = self._cool_at  # in the line: only the hard limit packs in a request
            if not self._queued:
                self._queued = True
                cooling.due.append(self)

    def _cool(self, most: int | None = None) -> None:
        """Pack the oldest decoded objects nobody else holds, a frame of ``packing.FRAME_OBJECTS``
        at a time: down to the hot limit, or (for the cooling) ``most`` of them."""
        hot, objects, codec, limit = self._hot, self.objects, self.codec, self.hot_limit
        held = packed = 0
        if codec is not None:
            encode = packing.encode_entry
            ids: list[str] = []
            texts: list[bytes] = []
            kept: list[tuple[tuple[Any, ...], ...]] = []
            for _ in range(min(len(hot) - limit, 2 * self._batch + 4 if most is None else most)):
                obj_id = hot.popleft()
                if objects.get(obj_id).__class__ is not dict:
                    continue  # packed already, or removed
                encoded = encode(objects, obj_id, codec)
                if encoded is None:
                    hot.append(obj_id)  # held (or not packable): try again next round
                    held += 1
                    continue
                ids.append(obj_id)
                texts.append(encoded[0])
                kept.append(encoded[1])
                if len(ids) == packing.FRAME_OBJECTS:
                    packed += len(ids)
                    self._pack(ids, texts, kept, codec)
            if ids:
                packed += len(ids)
                self._pack(ids, texts, kept, codec)
        if most is None:
            base = max(len(hot), limit)  # held objects stay hot: count from what is left
        else:
            base = limit + held
            if packed and len(hot) - base >= _DUE and self._cooling is not None:
                if not self._queued:  # still a frame over: back in line
                    self._queued = True
                    self._cooling.due.append(self)
                return
        self._cool_at = base + self._batch
        self._due_at = base + min(_DUE, self._batch) if self._cooling is not None else self._cool_at

    def _pack(self, ids: list[str], texts: list[bytes], kept: list[tuple[tuple[Any, ...], ...]], codec: Codec) -> None:
        """Replace the objects ``ids`` (checked and encoded just now) with their places in one frame."""
        frame = codec.frame(texts)
        objects = self.objects
        for index, obj_id in enumerate(ids):
            objects[obj_id] = Packed(frame, index, kept[index])
        ids.clear()
        texts.clear()
        kept.clear()

    def _thaw(self, obj_id: str, packed: Obj | Packed) -> Obj:
        obj = self._decoded(packed)
        self.objects[obj_id] = obj
        hot = self._hot
        hot.append(obj_id)
        if len(hot) > self._due_at:
            self._over()
        return obj

    def _placed(self, obj_id: str) -> bool:
        """Whether ``obj_id`` already has a position (a removed object that comes back keeps it)."""
        if self._pos is None and len(self.objects) == len(self.order):
            return False  # nothing was ever removed: an id that is not stored is new
        return obj_id in self.pos

    def _decoded(self, value: Obj | Packed) -> Obj:
        if isinstance(value, dict):
            return value
        assert self.codec is not None  # only a store with a codec packs
        return packing.unpack(value, self.codec)

    def get(self, obj_id: str) -> Obj | None:
        """The object itself (changes to it are kept)."""
        obj = self.objects.get(obj_id)
        if obj is None or obj.__class__ is dict:
            return obj
        return self._thaw(obj_id, obj)

    def read(self, obj_id: str) -> Obj | None:
        """Read only, as :meth:`scan`: a packed object is decoded into a fresh copy for the caller
        and stays packed (a pass over many objects does not make them all hot again)."""
        obj = self.objects.get(obj_id)
        return None if obj is None else self._decoded(obj)

    def remove(self, obj_id: str) -> Obj | None:
        obj = self.objects.pop(obj_id, None)
        if obj is None or obj.__class__ is dict:
            return obj
        return self._decoded(obj)

    def values(self) -> Iterator[Obj]:
        """Oldest first; the objects themselves (changes to them are kept)."""
        for obj_id in self.order:
            obj = self.get(obj_id)
            if obj is not None:
                yield obj

    def scan(self) -> Iterator[Obj]:
        """Oldest first, read only: a packed object is decoded for the caller and stays packed."""
        objects = self.objects
        for obj_id in self.order:
            obj = objects.get(obj_id)
            if obj is not None:
                yield self._decoded(obj)

    def newest_first(self, before: int | None = None) -> Iterator[Obj]:
        """Objects older than position ``before`` (all when None), newest first. Read only, as
        :meth:`scan`."""
        objects = self.objects
        order = self.order
        i = (len(order) if before is None else before) - 1
        while i >= 0:
            obj = objects.get(order[i])
            if obj is not None:
                yield self._decoded(obj)
            i -= 1

    def oldest_first_after(self, after: int) -> Iterator[Obj]:
        """Objects newer than position ``after``, oldest first. Read only, as :meth:`scan`."""
        objects = self.objects
        order = self.order
        for i in range(after + 1, len(order)):
            obj = objects.get(order[i])
            if obj is not None:
                yield self._decoded(obj)
