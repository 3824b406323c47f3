"""Stripe list objects: ``limit``, ``starting_after``/``ending_before`` and ``created`` filters.

Pages walk the store's append-only order from a cursor, so a page costs the objects it looks
at, not the size of the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from emulator.core.store import Obj, ObjectStore
from emulator.http import errors
from emulator.http.errors import StripeError

Predicate = Callable[[Obj], bool]


def range_filter(value: Any, field: str) -> Predicate | None:
    """``created=<ts>`` or ``created[gt|gte|lt|lte]=<ts>`` (likewise other timestamp fields)."""
    if value is None:
        return None
    if isinstance(value, int):
        return lambda o: _dig(o, field) == value
    bounds: dict[str, int] = value
    gt, gte, lt, lte = bounds.get("gt"), bounds.get("gte"), bounds.get("lt"), bounds.get("lte")

    def pred(o: Obj) -> bool:
        v = _dig(o, field)
        if v is None:
            return False
        if gt is not None and not v > gt:
            return False
        if gte is not None and not v >= gte:
            return False
        if lt is not None and not v < lt:
            return False
        return not (lte is not None and not v <= lte)

    return pred


def _dig(obj: Obj, dotted: str) -> Any:
    node: Any = obj
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _page_params(params: dict[str, Any]) -> tuple[int, str | None, str | None]:
    """``limit`` (1-100, default 10) and the one cursor a list request may give."""
    limit = params.get("limit", 10)
    if limit is None:
        limit = 10
    if not 1 <= limit <= 100:
        text = errors.LIMIT_TOO_SMALL if limit < 1 else errors.LIMIT_TOO_LARGE
        raise StripeError(text.format(value=limit), param="limit", code="parameter_invalid_integer")
    starting_after = params.get("starting_after")
    ending_before = params.get("ending_before")
    if starting_after and ending_before:
        raise StripeError(errors.CURSORS_EXCLUSIVE)  # Stripe's answers carry no code and no param
    return limit, starting_after, ending_before


def paginate_ordered(items: list[Obj], url: str, params: dict[str, Any], noun: str = "object") -> Obj:
    """A page of ``items``, already filtered and in the list's order (for an order other than the
    store's), with the same ``limit`` and cursor rules as :func:`paginate`."""
    limit, starting_after, ending_before = _page_params(params)
    ids = [item["id"] for item in items]
    if ending_before:
        if ending_before not in ids:
            raise errors.no_such(noun, ending_before, param="ending_before")
        end = ids.index(ending_before)
        return {"object": "list", "data": items[max(0, end - limit) : end], "has_more": end > limit, "url": url}
    start = 0
    if starting_after:
        if starting_after not in ids:
            raise errors.no_such(noun, starting_after, param="starting_after")
        start = ids.index(starting_after) + 1
    return {"object": "list", "data": items[start : start + limit], "has_more": len(items) > start + limit, "url": url}


def paginate(
    store: ObjectStore,
    url: str,
    params: dict[str, Any],
    predicates: list[Predicate | None] | None = None,
    noun: str = "object",
) -> Obj:
    limit, starting_after, ending_before = _page_params(params)
    preds = [p for p in (predicates or []) if p is not None]
    created = range_filter(params.get("created"), "created")
    if created is not None:
        preds.append(created)

    def matches(obj: Obj) -> bool:
        return all(p(obj) for p in preds)

    def take(it: Iterator[Obj]) -> tuple[list[Obj], bool]:
        out: list[Obj] = []
        for obj in it:
            if matches(obj):
                if len(out) == limit:
                    return out, True
                out.append(obj)
        return out, False

    if ending_before:
        pos = store.pos.get(ending_before)
        if pos is None:
            raise errors.no_such(noun, ending_before, param="ending_before")
        items, has_more = take(store.oldest_first_after(pos))
        items.reverse()
    else:
        before = None
        if starting_after:
            before = store.pos.get(starting_after)
            if before is None:
                raise errors.no_such(noun, starting_after, param="starting_after")
        items, has_more = take(store.newest_first(before))
    return {"object": "list", "data": items, "has_more": has_more, "url": url}


def plain_list(url: str, items: list[Obj]) -> Obj:
    return {"object": "list", "data": items, "has_more": False, "url": url}
