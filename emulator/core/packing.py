"""Packing a stored object into a few hundred bytes, and only when no one else can see it.

:class:`~emulator.core.store.ObjectStore` keeps its cold objects packed: their JSON compressed
with zstd against the preset dictionary of :mod:`emulator.core.snapshot_dictionary`, several
objects of one store to a :class:`Frame` (an authorization goes from ~3 KB of dicts to ~120 bytes).

Why frames (measured on the objects the bench's POSTs make; ``bench/RESULTS.md``): each zstd call
costs ~4 µs before it reads a byte (the context is reset), about as much as compressing a whole
1.4 KB object, and was a fifth of a test-helper authorization's time. One call for
``FRAME_OBJECTS`` (8) objects costs ~1.5 µs per object and packs them ~3x smaller, because the
objects of one store repeat each other. The price is on the cold read: a packed object is read by
decompressing its whole frame (~3 µs for 8, against ~2 µs for one); the codec keeps the last frame
it decompressed, so a page of neighbours decompresses it once. Rules: a frame is immutable; an
object decoded again (hot) leaves its old copy in the frame, which is freed with the frame's last
packed object. An object may only be packed when
the store holds the **only** reference to it and to every dict and list inside it. Otherwise a
request handler, a webhook delivery or any other holder could change a dict that the store had
already thrown away, and the change would be lost. Reference counts tell: :func:`encode_entry`
(the store's first step; :func:`pack_entry` packs one object alone) refuses (returns None) when
any container has an owner besides its parent.

The counts a sole owner shows depend on the interpreter (how it keeps loop variables and
arguments), so they are measured once, at import, by running the same check on probe data
(:func:`_calibrate`). If the walk cannot tell a shared container from a sole one on this
interpreter, packing is off (``ENABLED``), every object simply stays decoded, and the import warns
(``RuntimeWarning``; the test suite turns warnings into errors, so it fails there).

The contract for code that holds stored objects (what keeps packing safe without a registry of
holders):

* ``store.get``/``store.values``/``scope.get`` hand out **the stored object**: changes are kept, and
  while the caller holds it (or any dict or list inside it) it stays decoded.
* ``store.read``/``scan``/``newest_first``/``oldest_first_after`` hand out **read-only views**: a
  packed object is decoded into a fresh copy for the caller. Never change what they give.
* Whatever outlives a request (webhook deliveries, retries, the dashboard) keeps **ids**, not the
  dicts, and fetches the object again when it needs it.

A :class:`~emulator.core.jsonutil.FrozenJSON` snapshot (an event's ``data.object``) is packed
with the rest of the JSON and frozen again when the object is unpacked. Other values that are
not plain JSON (a tuple, any other object) are kept aside as they are, with their path, and put
back when the object is unpacked: they keep their identity. A float that JSON cannot carry (NaN,
infinity), an integer beyond 64 bits, a non-string key or a string with a lone surrogate makes
:func:`encode_entry` refuse.
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any

import orjson
import zstandard

from emulator.core.jsonutil import FrozenJSON, trimmed
from emulator.core.snapshot_dictionary import ZDICT

Obj = dict[str, Any]
Path = tuple[Any, ...]
_FROZEN = object()  # in Packed.kept: "freeze the decoded value at this path again"
_MAX_SHAPES = 64
_getrefcount = sys.getrefcount
PACKING_OFF = (
    "stripe-emulator: reference counts cannot tell a shared object from a sole one on Python {version}: "
    "cold objects stay decoded (no data is lost, but a big store takes ~10x the memory)"
)


FRAME_OBJECTS = 8  # objects per frame, when the store packs that many at once


class Frame:
    """Several packed objects: their JSON texts one after another, compressed in one go."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: tuple[int, ...]) -> None:
        self.blob = blob
        self.ends = ends  # where each object's text ends in the decompressed frame


class Codec:
    """zstd primed with the preset dictionary. One per :class:`~emulator.core.state.State`. A zstd
    context must never be used by two threads at once: the server uses it from its own thread,
    but an embedding process (a test reading ``server.state``) may too, so each use holds a lock
    (uncontended, a fraction of a microsecond)."""

    __slots__ = ("_compressor", "_decompressor", "_last", "_lock", "_shapes")

    def __init__(self) -> None:
        # where the snapshots sit in a packed object (every event: data.object), shared by all
        self._shapes: dict[tuple[tuple[Path, Any], ...], tuple[tuple[Path, Any], ...]] = {}
        zdict = zstandard.ZstdCompressionDict(ZDICT, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        self._compressor = zstandard.ZstdCompressor(
            level=-1, dict_data=zdict, write_checksum=False, write_content_size=True, write_dict_id=False
        )
        self._decompressor = zstandard.ZstdDecompressor(dict_data=zdict)
        self._lock = threading.Lock()
        self._last: tuple[Frame, bytes] | None = None  # the frame decompressed last, and its text

    def compress(self, raw: bytes) -> bytes:
        with self._lock:
            packed = self._compressor.compress(raw)
        # the result sits in a buffer of the worst-case size (more than ``raw``): copy it out
        return trimmed(packed)

    def frame(self, texts: list[bytes]) -> Frame:
        """One frame of these JSON texts."""
        ends: list[int] = []
        end = 0
        for text in texts:
            end += len(text)
            ends.append(end)
        return Frame(self.compress(b"".join(texts)), tuple(ends))

    def text(self, frame: Frame, index: int) -> memoryview:
        """The JSON text of the ``index``-th object of ``frame``."""
        with self._lock:
            last = self._last
            if last is not None and last[0] is frame:
                whole = last[1]
            else:
                whole = self._decompressor.decompress(frame.blob)
                self._last = (frame, whole)
        ends = frame.ends
        return memoryview(whole)[ends[index - 1] if index else 0 : ends[index]]

    def shared(self, kept: tuple[tuple[Path, Any], ...]) -> tuple[tuple[Path, Any], ...]:
        """``kept`` itself, or an equal tuple made before, when it only marks snapshots."""
        if all(value is _FROZEN for _, value in kept):
            found = self._shapes.get(kept)
            if found is not None:
                return found
            if len(self._shapes) < _MAX_SHAPES:
                self._shapes[kept] = kept
        return kept

    def __deepcopy__(self, memo: dict[int, Any]) -> Codec:
        return self  # no data of its own (a platform snapshot copies the stores that use it)


class Packed:
    """A packed object: where its JSON is (a frame and its place there), and the values that were
    kept aside, by path (``()`` for most objects)."""

    __slots__ = ("frame", "index", "kept")

    def __init__(self, frame: Frame, index: int, kept: tuple[tuple[Path, Any], ...]) -> None:
        self.frame = frame
        self.index = index
        self.kept = kept


Encoded = tuple[bytes, tuple[tuple[Path, Any], ...]]  # an object's JSON text and its kept-aside values


def _fold(value: Any) -> Any:
    """orjson's ``default``: a snapshot goes in as its JSON, anything else kept aside as null."""
    if value.__class__ is FrozenJSON:
        return orjson.Fragment(value.raw())
    return None


_REFUSED, _PLAIN, _ODD = 0, 1, 3  # what _check finds (_ODD: some value is not plain JSON)


def _check(node: Any, limit: int) -> int:
    """Whether ``node``'s containers are all owned by their parent alone, and JSON can carry them.

    This runs for every object the store packs, so it is written for speed: values in one pass,
    the common values first, no paths (:func:`_kept` finds those when something is odd).
    """
    found = _PLAIN
    for value in node.values() if node.__class__ is dict else node:
        if value is None:
            continue
        cls = value.__class__
        if cls is str or cls is int or cls is bool:
            continue
        if cls is dict or cls is list:
            if _getrefcount(value) > limit:
                return _REFUSED
            if value:  # an empty one has nothing inside to check
                inner = _check(value, limit)
                if inner == _REFUSED:
                    return _REFUSED
                found |= inner
        elif cls is float:
            if value - value != 0.0:  # NaN or an infinity (JSON would carry them as null)
                return _REFUSED
        else:
            found = _ODD
    return found


def _kept(node: Any, path: Path, kept: list[tuple[Path, Any]]) -> None:
    """The values of ``node`` that are not plain JSON, with their paths."""
    for key, value in node.items() if node.__class__ is dict else enumerate(node):
        cls = value.__class__
        if cls is dict or cls is list:
            _kept(value, (*path, key), kept)
        elif not (cls is str or cls is int or cls is bool or cls is float or value is None):
            kept.append(((*path, key), _FROZEN if cls is FrozenJSON else value))


def _sole_count() -> int:
    """What ``getrefcount`` shows for a container held by one parent, as :func:`_check` sees it."""
    seen: list[int] = []
    probe: dict[str, Any] = {"d": {"x": 1}, "l": [{"y": 2}, [3]]}
    for value in probe.values():
        seen.append(_getrefcount(value))
    for value in probe["l"]:
        seen.append(_getrefcount(value))
    return max(seen) if len(set(seen)) == 1 else -1


def _at(node: Any, path: Path) -> Any:
    for step in path:
        node = node[step]
    return node


def _calibrate() -> tuple[bool, int]:
    """(packing works on this interpreter, the count of a sole-owned container)."""
    limit = _sole_count()
    if limit < 1:
        return False, 0
    sole: dict[str, Any] = {"a": {"b": [{"c": 1}], "d": [1, 2]}, "e": [[{"f": None}]]}
    if _check(sole, limit) == _REFUSED:
        return False, 0
    for path in (("a",), ("a", "b"), ("a", "b", 0), ("a", "d"), ("e",), ("e", 0), ("e", 0, 0)):
        held = _at(sole, path)  # one more owner: the check must notice it
        noticed = _check(sole, limit) == _REFUSED
        del held
        if not noticed or _check(sole, limit) == _REFUSED:
            return False, 0
    holder, codec = {"x": sole}, Codec()
    if pack_entry(holder, "x", codec, limit) is not None:  # ``sole`` is held here too
        return False, 0
    del sole
    return pack_entry(holder, "x", codec, limit) is not None, limit


def encode_entry(holder: dict[str, Any], key: str, codec: Codec, limit: int | None = None) -> Encoded | None:
    """``holder[key]``'s JSON text and kept-aside values, or None when someone else holds it or
    anything inside it (or JSON cannot carry it exactly). The caller must not hold the object
    itself while asking, and must replace ``holder[key]`` with its :class:`Packed` before anything
    else can reach the object."""
    if limit is None:
        if not ENABLED:
            return None
        limit = _LIMIT
    obj = holder[key]
    if obj.__class__ is not dict or _getrefcount(obj) > limit:
        return None
    found = _check(obj, limit)
    if found == _REFUSED:
        return None
    try:
        if found == _PLAIN:
            return orjson.dumps(obj), ()
        kept: list[tuple[Path, Any]] = []
        _kept(obj, (), kept)
        return orjson.dumps(obj, default=_fold), codec.shared(tuple(kept))
    except orjson.JSONEncodeError:
        return None  # a big integer, a non-string key, a lone surrogate


def pack_entry(holder: dict[str, Any], key: str, codec: Codec, limit: int | None = None) -> Packed | None:
    """``holder[key]`` packed alone (a frame of one), or None as :func:`encode_entry` says."""
    encoded = encode_entry(holder, key, codec, limit)
    if encoded is None:
        return None
    return Packed(codec.frame([encoded[0]]), 0, encoded[1])


def unpack(packed: Packed, codec: Codec) -> Obj:
    """A fresh dict equal to the object that was packed (kept-aside values are the same objects)."""
    obj: Obj = orjson.loads(codec.text(packed.frame, packed.index))
    for path, value in packed.kept:
        node = _at(obj, path[:-1])
        last = path[-1]
        node[last] = FrozenJSON(node[last]) if value is _FROZEN else value
    return obj


ENABLED, _LIMIT = _calibrate()
if not ENABLED:  # every object stays decoded: correct, but ~10x the memory. Say so.
    warnings.warn(PACKING_OFF.format(version=sys.version.split()[0]), RuntimeWarning, stacklevel=1)
