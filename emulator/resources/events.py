"""Events (``GET /v1/events``, ``GET /v1/events/{id}``).

Events are made by :meth:`Ctx.emit` in the scope of the account they happened on, so the
platform lists its own and ``Stripe-Account`` lists a connected account's. They never change
after creation except ``pending_webhooks``, which the delivery engine counts down. Filters:
``type`` (``*`` matches any run of characters, e.g. ``issuing_card.*``), ``types[]`` (at most
20, not with ``type``), ``created`` and ``delivery_success`` (``true``: every endpoint got it;
``false``: at least one delivery is still pending or failed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from emulator.core.context import Ctx
from emulator.core.jsonutil import FrozenJSON
from emulator.core.objects import EVENT
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources.resource import Resource

MAX_TYPES = 20
TYPE_AND_TYPES = "You may pass either `type` or `types`, but not both."
TOO_MANY_TYPES = "Invalid types: must contain at most 20 event types"
EMPTY_TYPES = "Invalid types: must contain at least one event type"


def _pattern(types: Iterable[str]) -> re.Pattern[str]:
    alternatives = ["[^\\n]*".join(re.escape(part) for part in t.split("*")) for t in types]
    return re.compile("(?:" + "|".join(alternatives) + ")")


def type_filter(type_: str | None, types: list[str] | None) -> Predicate | None:
    if type_ is not None and types is not None:
        raise StripeError(TYPE_AND_TYPES, param="types")
    if types is not None:
        if len(types) > MAX_TYPES:
            raise StripeError(TOO_MANY_TYPES, param="types")
        if not types:
            raise StripeError(EMPTY_TYPES, param="types")
        pattern = _pattern(types)
    elif type_ is not None:
        pattern = _pattern([type_])
    else:
        return None
    return lambda event: pattern.fullmatch(event["type"]) is not None


def delivery_filter(success: bool | None) -> Predicate | None:
    if success is None:
        return None
    return lambda event: (int(event.get("pending_webhooks", 0)) == 0) == success


def list_events(ctx: Ctx) -> Obj:
    params = ctx.params
    predicates = [type_filter(params.get("type"), params.get("types")), delivery_filter(params.get("delivery_success"))]
    return paginate(ctx.scope.store(EVENT), "/v1/events", params, predicates, noun=EVENT)


def retrieve(ctx: Ctx) -> Obj:
    event_id = ctx.path["id"]
    event = ctx.scope.get(EVENT, event_id)
    if event is None:
        raise errors.no_such(EVENT, event_id)
    return event


ROUTES: list[Route] = [
    route("GET", "/v1/events", list_events),
    route("GET", "/v1/events/{id}", retrieve),
]


def data_object(event: Obj) -> Obj | None:
    """The object an event is about, decoded from its frozen snapshot (a fresh copy)."""
    data = event.get("data")
    target = data.get("object") if isinstance(data, dict) else None
    if isinstance(target, FrozenJSON):
        decoded: Obj = target.value()
        return decoded
    return target if isinstance(target, dict) else None


RESOURCE = Resource(EVENT, prefix="evt", title="Events", routes=ROUTES)
