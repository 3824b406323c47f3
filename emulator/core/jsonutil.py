"""JSON-shaped data (dicts, lists and scalars): encoding, copying and frozen snapshots.

Every body the emulator sends is encoded here (orjson). :class:`FrozenJSON` keeps a snapshot
(an event's ``data.object``) as JSON bytes: immutable by construction, a fraction of the memory
of the same dicts, and spliced into responses without being decoded. (Once its event is cold,
the store compresses the two together: :mod:`emulator.core.packing`.)
"""

from __future__ import annotations

from typing import Any

import orjson


def trimmed(raw: bytes) -> bytes:
    """``raw`` in a buffer of its own size, for bytes kept long-term.

    ``orjson.dumps`` hands back bytes whose allocation is rounded up (a 300-byte body can hold
    4 to 16 KB), and ``sys.getsizeof`` does not show it. Copying (a few hundred nanoseconds)
    gives the excess back.
    """
    return bytes(memoryview(raw))


class FrozenJSON:
    """An immutable JSON value stored as its JSON bytes."""

    __slots__ = ("_blob",)

    def __init__(self, value: Any) -> None:
        self._blob = trimmed(orjson.dumps(value))

    def raw(self) -> bytes:
        return self._blob

    def value(self) -> Any:
        """A fresh, mutable copy of the value."""
        return orjson.loads(self.raw())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenJSON) and self.raw() == other.raw()

    def __hash__(self) -> int:
        return hash(self._blob)  # equal values encode to equal bytes


def _default(value: Any) -> Any:
    if isinstance(value, FrozenJSON):
        return orjson.Fragment(value.raw())
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Compact JSON (frozen snapshots spliced in as they are)."""
    return orjson.dumps(value, default=_default)


def dumps_pretty(value: Any) -> bytes:
    """JSON indented by two spaces, like Stripe's webhook bodies."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_INDENT_2)


def thaw(value: Any) -> Any:
    """``value`` with every :class:`FrozenJSON` inside it decoded (for code that reads snapshots)."""
    if isinstance(value, FrozenJSON):
        return value.value()
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    return value


def clone(value: Any) -> Any:
    """Deep copy of JSON-shaped data (through orjson: several times faster than a Python walk)."""
    return orjson.loads(orjson.dumps(value, default=_default))


def previous_attributes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Old values of the keys that changed, nested the way Stripe reports them."""
    out: dict[str, Any] = {}
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and old.get("object") is None:
            out[key] = previous_attributes(old, new)
            for added in new.keys() - old.keys():
                out[key][added] = None
        else:
            out[key] = clone(old)
    for key in after.keys() - before.keys():
        out[key] = None
    return out
