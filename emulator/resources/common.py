"""Rules shared by every resource: metadata merging, look-ups with Stripe's 404s, currencies."""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate

INVALID_CURRENCY = "Invalid currency: {currency}. Stripe currently supports these currencies: {supported}"
# Currencies the emulated Issuing and Treasury products accept.
CURRENCIES = ("usd", "eur", "gbp")


def noun(object_type: str) -> str:
    """How ``No such <noun>: 'id'`` names an object type: the dot of a namespaced type becomes a space
    (``issuing card``, ``treasury financial_account``), as a real Stripe answer shows."""
    return object_type.replace(".", " ")


def merge_metadata(current: dict[str, str] | None, update: dict[str, Any] | None | str) -> dict[str, str]:
    """Stripe's metadata update: merge keys, ``""`` deletes a key, ``metadata=""`` clears all."""
    if update is None:
        return {}
    merged = dict(current or {})
    if isinstance(update, dict):
        for key, value in update.items():
            if value is None or value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
    if len(merged) > 50:
        raise StripeError(errors.METADATA_TOO_MANY_KEYS.format(count=len(merged)), param="metadata")
    return merged


def get(ctx: Ctx, object_type: str, obj_id: str, param: str = "id") -> Obj:
    """An object of the calling account, or Stripe's ``resource_missing`` (404 for an id in the URL path,
    400 for one in a request parameter: see ``errors.missing_in_request``)."""
    obj = ctx.scope.get(object_type, obj_id)
    if obj is None:
        raise errors.no_such(noun(object_type), obj_id, param=param)
    return obj


def currency(value: str, param: str = "currency") -> str:
    cur = value.lower()
    if cur not in CURRENCIES:
        raise StripeError(
            INVALID_CURRENCY.format(currency=value, supported=", ".join(CURRENCIES)),
            param=param,
            code="parameter_invalid",
        )
    return cur


def update_metadata(obj: Obj, params: dict[str, Any]) -> None:
    if "metadata" in params:
        obj["metadata"] = merge_metadata(obj.get("metadata"), params["metadata"])


def equals(field: str, value: Any) -> Predicate:
    """A list filter: the objects whose ``field`` is ``value``."""
    return lambda obj: obj.get(field) == value


def emit_if_changed(ctx: Ctx, event: str, obj: Obj, before: Obj) -> None:
    """``event`` about ``obj`` when it differs from its snapshot ``before`` (an update that
    changes nothing emits nothing)."""
    if ctx.snapshot(obj) != before:
        ctx.emit(event, obj, before)
