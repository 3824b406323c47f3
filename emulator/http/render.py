"""From stored objects to response bodies: per-object renderers and ``expand[]``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError

RenderFn = Callable[[Ctx, Obj], Obj]
# (object type, field) -> computes the expanded value of a field that is not an id (``entries``)
VirtualFn = Callable[[Ctx, Obj], Any]
MAX_EXPAND_DEPTH = 4


def expandable_fields(spec: dict[str, Any], overlay: dict[str, Any] | None = None) -> dict[str, frozenset[str]]:
    """``object`` name -> fields that ``expand[]`` may name, from the spec's x-expandableFields and
    the overlays' ``expandable_fields`` (fields newer SDKs type as expandable)."""
    out: dict[str, frozenset[str]] = {}
    for name, schema in spec["components"]["schemas"].items():
        fields = schema.get("x-expandableFields")
        if fields:
            out[name] = frozenset(fields)
    for name, extra in (overlay or {}).get("expandable_fields", {}).items():
        out[name] = out.get(name, frozenset()) | frozenset(extra)
    return out


def _ref_name(schema: dict[str, Any]) -> str | None:
    """The component a property points to (``$ref``, a one-ref ``anyOf``, or array items)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    for option in schema.get("anyOf", []):
        if "$ref" in option:
            return str(option["$ref"]).rsplit("/", 1)[1]
    items = schema.get("items")
    if isinstance(items, dict):
        return _ref_name(items)
    return None


def child_schemas(spec: dict[str, Any]) -> dict[str, dict[str, str]]:
    """schema name -> {property: schema name of its value} for nested expansion."""
    out: dict[str, dict[str, str]] = {}
    for name, schema in spec["components"]["schemas"].items():
        kids = {prop: ref for prop, sub in schema.get("properties", {}).items() if (ref := _ref_name(sub))}
        if kids:
            out[name] = kids
    return out


def response_types(
    spec: dict[str, Any], overlay: dict[str, Any] | None = None
) -> dict[tuple[str, str], tuple[str, bool]]:
    """(METHOD, path template) -> (object type of the 200 response, whether it is a list)."""
    out: dict[tuple[str, str], tuple[str, bool]] = {}
    for key, produced in (overlay or {}).get("responses", {}).items():
        method, _, template = key.partition(" ")
        is_list = produced.startswith("list:")
        out[(method.upper(), template)] = (produced[5:] if is_list else produced, is_list)
    for template, ops in spec["paths"].items():
        for method, op in ops.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            schema = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = schema.get("$ref")
            if ref:
                out[(method.upper(), template)] = (ref.rsplit("/", 1)[1], False)
                continue
            items = schema.get("properties", {}).get("data", {}).get("items", {})
            if "$ref" in items:
                out[(method.upper(), template)] = (items["$ref"].rsplit("/", 1)[1], True)
    return out


class Representation:
    """Renders objects the way the API shows them. ``renderers`` may return a new dict but must
    never change the stored one."""

    def __init__(
        self,
        renderers: Mapping[str, RenderFn],
        expandable: Mapping[str, frozenset[str]],
        virtual: Mapping[tuple[str, str], VirtualFn] | None = None,
        not_in_lists: frozenset[tuple[str, str]] = frozenset(),
        children: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.children = {k: dict(v) for k, v in (children or {}).items()}
        self.renderers = dict(renderers)
        self.expandable = dict(expandable)
        self.virtual = dict(virtual or {})
        self.not_in_lists = not_in_lists

    def precheck(self, object_type: str, is_list: bool, expand: list[str], includes: frozenset[str]) -> None:
        """Refuse an ``expand[]`` too deep (on a list ``data`` is one of the four levels) or whose first
        field cannot be expanded, before the handler runs (so a POST with a bad ``expand[]`` changes
        nothing). Deeper levels are checked on render."""
        for path in expand:
            if path in includes:
                continue  # the route shows it itself (``data.financial_addresses.aba.account_number``)
            segments = path.split(".")
            _check_depth(path, segments)
            if is_list:
                if segments[0] != "data" or len(segments) < 2:
                    raise not_expandable_in_list(path)
                segments = segments[1:]
                if (object_type, segments[0]) in self.not_in_lists:
                    raise not_expandable(segments[0])
            if segments[0] in includes:
                continue
            if segments[0] not in self.expandable.get(object_type, frozenset()):
                raise not_expandable(segments[0])

    def render(self, ctx: Ctx, obj: Obj, expand: list[str]) -> Obj:
        fn = self.renderers.get(obj.get("object", ""))
        out = fn(ctx, obj) if fn is not None else obj
        for path in expand:
            segments = path.split(".")
            _check_depth(path, segments)
            out = self._expand(ctx, out, segments, path)
        return out

    def render_list(self, ctx: Ctx, page: Obj, expand: list[str]) -> Obj:
        item_expand: list[str] = []
        for path in expand:
            segments = path.split(".")
            _check_depth(path, segments)
            if segments[0] != "data" or len(segments) < 2:
                raise not_expandable_in_list(path)
            item_expand.append(path[5:])
        for item in page["data"][:1]:
            for path in item_expand:
                field = path.split(".")[0]
                if (item.get("object"), field) in self.not_in_lists:
                    raise not_expandable(field)
        data = [self.render(ctx, item, item_expand) for item in page["data"]]
        return {**page, "data": data}

    def _expand(self, ctx: Ctx, node: Obj, segments: list[str], path: str, schema: str | None = None) -> Obj:
        """Expand ``segments`` inside ``node``; ``schema`` names the node's spec schema when the node is
        a nested hash without an ``object`` field (``returned_details``, ``linked_flows``)."""
        field, rest = segments[0], segments[1:]
        obj_type = node.get("object") or schema or ""
        if field in ctx.includes and not rest and obj_type in ("issuing.card",):
            return node  # includable field, already handled by the renderer
        allowed = self.expandable.get(obj_type, frozenset())
        if field not in allowed:
            raise not_expandable(field)
        child_schema = self.children.get(obj_type, {}).get(field)
        virtual = self.virtual.get((obj_type, field))
        if virtual is not None:
            value = virtual(ctx, node)
            out = dict(node)
            out[field] = self._expand_value(_owner_of(ctx, value), value, rest, path, child_schema) if rest else value
            return out
        value = node.get(field)
        new_value = self._expand_value(ctx, value, rest, path, child_schema)
        if new_value is value:
            return node
        out = dict(node)
        out[field] = new_value
        return out

    def _expand_value(self, ctx: Ctx, value: Any, rest: list[str], path: str, schema: str | None = None) -> Any:
        if isinstance(value, str):
            target = ctx.lookup(value)
            if target is None:
                return value
            return self.render(ctx, target, [".".join(rest)] if rest else [])
        if isinstance(value, dict):
            if value.get("object") == "list" and isinstance(value.get("data"), list):
                if rest and rest[0] == "data":
                    inner = rest[1:]
                    return {**value, "data": [self._expand_value(ctx, v, inner, path, schema) for v in value["data"]]}
                return value
            if rest:
                return self._expand(ctx, value, rest, path, schema)
            return value
        if isinstance(value, list):
            return [self._expand_value(ctx, v, rest, path, schema) for v in value]
        return value


def _owner_of(ctx: Ctx, value: Any) -> Ctx:
    """The context to expand further inside ``value``, an object a virtual field brought in: the
    account that holds it (a transfer's destination payment is its destination's), so its own
    references (``destination_payment.balance_transaction``) are found there."""
    obj_id = value.get("id") if isinstance(value, dict) else None
    found = ctx.platform.find(obj_id) if isinstance(obj_id, str) else None
    return ctx.in_scope(found[0]) if found is not None and found[0] is not ctx.scope else ctx


def _check_depth(path: str, segments: list[str]) -> None:
    """Stripe expands at most four levels, ``data`` of a list's ``data.x.y.z`` being one of them."""
    if len(segments) > MAX_EXPAND_DEPTH:
        raise StripeError(errors.EXPAND_TOO_DEEP.format(path=path), param="expand", code=errors.EXPAND_TOO_DEEP_CODE)


def not_expandable(path: str) -> StripeError:
    """``path``'s first segment cannot be expanded: Stripe's message names that segment only
    (``invalid`` of ``invalid.deep.path``)."""
    return StripeError(errors.EXPAND_NOT_EXPANDABLE.format(path=path.split(".")[0]), param="expand")


def not_expandable_in_list(path: str) -> StripeError:
    """A list's ``expand[]`` path that does not start with ``data.``: Stripe names its first segment and
    suggests the path under ``data``."""
    first = path.split(".")[0]
    if first == "data":
        return not_expandable(path)
    text = errors.EXPAND_NOT_EXPANDABLE.format(path=first) + errors.EXPAND_LIST_HINT.format(path=path)
    return StripeError(text, param="expand")
