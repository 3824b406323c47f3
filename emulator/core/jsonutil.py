"""Small helpers for JSON-shaped data (dicts, lists and scalars)."""

from __future__ import annotations

from typing import Any


def clone(value: Any) -> Any:
    """Deep copy of JSON-shaped data, much faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


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
