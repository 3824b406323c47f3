"""What stripe-python can send, read from the installed SDK itself.

- ``sdk_methods()``: every ``client.v1`` service method, with its HTTP method, path template and
  parameter TypedDict (found by reading the generated service modules: each method is one
  ``self._request("post", "/v1/...", params=params)`` call with an annotated ``params``).
- ``params_of(td)``: every parameter a TypedDict declares, at any depth (``Param`` with its
  path, required flag, ``Literal`` values, whether ``""`` is declared to unset it, and the
  scalar kind a sample needs).
- ``Builder``: example values for those parameters, and the smallest request body that sets one
  parameter (its required ancestors and siblings filled in too), so each can be sent alone.
- ``json_schema(type_at(td, path))``: the OpenAPI schema of an SDK parameter, in the vendored
  spec's style, to add to an overlay (``emulator/spec/overlay-sdk-2026.json`` was made with it).

The request options every params class inherits (``api_key``, ``stripe_account``...) are not
parameters and are left out.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, Literal, Union

from stripe import _v1_services
from stripe._request_options import RequestOptions
from stripe._stripe_context import StripeContext
from stripe._stripe_object import UntypedStripeObject
from typing_extensions import is_typeddict

from tests.support import flows

REQUEST_OPTIONS = frozenset(RequestOptions.__annotations__)
_PATH_PARAM = re.compile(r"\{\w+\}")
LIST = "[]"  # a list item in a parameter path

Path = tuple[str, ...]
ScalarKind = Literal["str", "int", "bool", "float", "decimal", "map"]


def normalize(template: str) -> str:
    """``/v1/cards/{card}`` and ``/v1/cards/{id}`` are the same route."""
    return _PATH_PARAM.sub("{}", template)


# --- the services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SdkMethod:
    http_method: str  # "POST"
    template: str  # the SDK's path template
    service: tuple[str, ...]  # attributes under ``client.v1``: ("issuing", "cards")
    name: str  # "create"
    params: type | None  # the parameter TypedDict (None: the method takes no params)

    @property
    def label(self) -> str:
        return "client.v1." + ".".join((*self.service, self.name))

    def bound(self, v1: Any) -> Callable[..., Any]:
        target = v1
        for attr in self.service:
            target = getattr(target, attr)
        fn: Callable[..., Any] = getattr(target, self.name)
        return fn


def _imports(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                out[alias.asname or alias.name] = node.module
    return out


def _request_call(fn: ast.FunctionDef) -> tuple[str, str] | None:
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "_request":
            method, target = node.args[0], node.args[1]
            if isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute):
                target = target.func.value  # "/v1/x/{id}".format(id=...)
            if isinstance(method, ast.Constant) and isinstance(target, ast.Constant):
                return str(method.value).upper(), str(target.value)
    return None


def _params_class(fn: ast.FunctionDef, imports: Mapping[str, str]) -> type | None:
    for arg in fn.args.args:
        if arg.arg == "params" and arg.annotation is not None:
            found = re.search(r"['\"](\w+)['\"]", ast.unparse(arg.annotation))
            if found is None:
                return None
            name = found.group(1)
            cls: type = getattr(importlib.import_module(imports[name]), name)
            return cls
    return None


def _service_methods(module: types.ModuleType, service: tuple[str, ...]) -> Iterator[SdkMethod]:
    tree = ast.parse(inspect.getsource(module))
    imports = _imports(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            call = _request_call(node)
            if call is not None:
                yield SdkMethod(call[0], call[1], service, node.name, _params_class(node, imports))


def _walk_services(subservices: Mapping[str, list[str]], prefix: tuple[str, ...]) -> Iterator[SdkMethod]:
    for attr, (module_name, _cls) in subservices.items():
        module = importlib.import_module(module_name)
        service = (*prefix, attr)
        yield from _service_methods(module, service)
        children = getattr(module, "_subservices", None)
        if children:
            yield from _walk_services(children, service)


@cache
def sdk_methods() -> dict[tuple[str, str], SdkMethod]:
    """(HTTP method, normalized template) -> the ``client.v1`` method that sends that request."""
    out: dict[tuple[str, str], SdkMethod] = {}
    for m in _walk_services(_v1_services._subservices, ()):
        out.setdefault((m.http_method, normalize(m.template)), m)
    return out


# --- the parameter types ---------------------------------------------------------------------------


def _required(td: type) -> frozenset[str]:
    keys: frozenset[str] = getattr(td, "__required_keys__", frozenset())
    return keys - REQUEST_OPTIONS


def _hints(td: type) -> dict[str, Any]:
    localns = {**vars(typing), "StripeContext": StripeContext}
    hints: dict[str, Any] = typing.get_type_hints(td, localns=localns)
    return {k: v for k, v in hints.items() if k not in REQUEST_OPTIONS}


def _members(tp: Any) -> list[Any]:
    """The members of a union (``X|Y``, ``Union[X, Y]``, ``Optional[X]``), else ``[tp]``."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) in (list, typing.List)  # noqa: UP006


def _is_map(tp: Any) -> bool:
    origin = typing.get_origin(tp) or tp
    return origin in (dict, typing.Dict) or (isinstance(origin, type) and issubclass(origin, UntypedStripeObject))  # noqa: UP006


def _scalar_kind(tp: Any) -> ScalarKind | None:
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is float:
        return "float"
    if tp is Decimal:
        return "decimal"
    if tp is str:
        return "str"
    if _is_map(tp):
        return "map"
    return None


@dataclass
class Param:
    """One parameter at one depth (``spending_controls.spending_limits.[].interval``)."""

    path: Path
    required: bool  # required within its parent
    literals: list[str] = field(default_factory=list)  # declared enum values ("" excluded)
    emptyable: bool = False  # the SDK declares Literal[""]: send "" to unset
    kinds: list[ScalarKind] = field(default_factory=list)  # non-literal scalar members
    is_list: bool = False  # its values are the items of a list parameter
    nested: bool = False  # has a TypedDict member (children follow)
    owners: tuple[type, ...] = ()  # the TypedDict declaring each name of the path (list markers skipped)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def is_leaf(self) -> bool:
        return bool(self.kinds or self.literals) or not self.nested


def params_of(td: type) -> list[Param]:
    """Every parameter of a TypedDict, parents before children."""
    out: list[Param] = []
    _collect(td, (), (), out, frozenset())
    return out


def _collect(td: type, prefix: Path, owners: tuple[type, ...], out: list[Param], seen: frozenset[type]) -> None:
    if td in seen:
        return
    required = _required(td)
    for name, tp in _hints(td).items():
        param = Param((*prefix, name), name in required, owners=(*owners, td))
        out.append(param)
        _describe(tp, param, out, seen | {td}, in_list=False)


def _describe(tp: Any, param: Param, out: list[Param], seen: frozenset[type], *, in_list: bool) -> None:
    for member in _members(tp):
        origin = typing.get_origin(member)
        if origin is Literal:
            values = [str(v) for v in typing.get_args(member)]
            param.emptyable = param.emptyable or ("" in values and not in_list)
            new = [v for v in values if v != "" and v not in param.literals]
            param.literals.extend(new)
            param.is_list = param.is_list or (in_list and bool(new))
        elif is_typeddict(member):
            param.nested = True
            _collect(member, (*param.path, LIST) if in_list else param.path, param.owners, out, seen)
        elif _is_list(member):
            _describe(typing.get_args(member)[0], param, out, seen, in_list=True)
        else:
            kind = _scalar_kind(member)
            if kind is not None and kind not in param.kinds:
                param.kinds.append(kind)
                param.is_list = param.is_list or in_list


# --- values ----------------------------------------------------------------------------------------

# Plausible values for free-text parameters by name, so requests get past the parameter layer
# into the resource rules (a currency "x" would only test the currency check).
STRING_HINTS: dict[str, str] = {
    **flows.GUIDE_STRINGS,
    "default_currency": "usd",
    "support_email": "jenny.rosen@example.com",
    "phone": "+18888675309",
    "support_phone": "+18888675309",
    "url": "https://example.com",
    "support_url": "https://example.com",
    "line2": "Suite 5",
    "mcc": "5734",
    "service_agreement": "full",
    "network_id": "1234567890",
    "api_version": "2023-08-16",
    "description": "sdk parameter check",
    "explanation": "sdk parameter check",
    "encrypted_number": "abc123",
    "second_line": "Second line",
    # parameters with a short maxLength in Stripe's spec
    "statement_descriptor_prefix": "SDK",
    "statement_descriptor_prefix_kana": "SDK",
    "statement_descriptor_prefix_kanji": "SDK",
    "arrival_airport_code": "SFO",
    "departure_airport_code": "LAX",
}
INT_HINTS: dict[str, int] = {
    "day": 1,
    "month": 1,
    "year": 1990,
    "exp_month": 12,
    "exp_year": 2035,
    "limit": 3,
    "payment_count": 3,
}


@dataclass
class Builder:
    """Example values for a TypedDict's parameters. ``strings`` (ids of real objects) win over hints."""

    strings: dict[str, str] = field(default_factory=dict)

    def scalar(self, kind: ScalarKind, name: str) -> Any:
        if kind == "bool":
            return True
        if kind == "int":
            return INT_HINTS.get(name, 1)
        if kind == "float":
            return 1.5
        if kind == "decimal":
            return Decimal("1.5")
        if kind == "map":
            return {"sdk_key": "sdk value"}
        return self.strings.get(name, STRING_HINTS.get(name, "sdk-example"))

    def sample(self, param: Param) -> Any:
        """A value for a leaf parameter: a literal if declared, else a scalar of its kind."""
        name = param.path[-1]
        base: Any
        if param.literals and set(param.kinds) <= {"str"}:
            base = param.literals[0]  # an open enum (Literal[...] | str): a declared value
        elif param.kinds:
            base = self.scalar(_prefer(param.kinds), name)
        else:
            base = "sdk-example"
        return [base] if param.is_list else base

    def minimal(self, td: type) -> dict[str, Any]:
        """Only the required parameters (recursively)."""
        required = _required(td)
        return {name: self.value_of(tp, name) for name, tp in _hints(td).items() if name in required}

    def value_of(self, tp: Any, name: str) -> Any:
        """A minimal value of a type: a nested TypedDict with its required keys, a declared literal, a scalar."""
        members = [m for m in _members(tp) if not (typing.get_origin(m) is Literal and typing.get_args(m) == ("",))]
        nested = [m for m in members if is_typeddict(m)]
        if nested:
            return self.minimal(nested[0])
        lists = [m for m in members if _is_list(m)]
        if lists and len(lists) == len(members):
            return [self.value_of(typing.get_args(lists[0])[0], name)]
        literals = [m for m in members if typing.get_origin(m) is Literal]
        if literals:
            return str(typing.get_args(literals[0])[0])
        kinds = [k for k in (_scalar_kind(m) for m in members) if k is not None]
        if kinds:
            return self.scalar(_prefer(kinds), name)
        if lists:
            return [self.value_of(typing.get_args(lists[0])[0], name)]
        return self.scalar("str", name)

    def setting(self, param: Param, value: Any) -> dict[str, Any]:
        """The smallest body that sets ``param`` to ``value``: required siblings on the way filled in."""
        out: dict[str, Any] = self.minimal(param.owners[0])
        _set(self, param.owners, out, param.path, value)
        return out


PREFERRED_KINDS: tuple[ScalarKind, ...] = ("map", "int", "bool", "decimal", "float", "str")


def _prefer(kinds: list[ScalarKind]) -> ScalarKind:
    """The kind a sample of a union takes (``Literal[''] | Dict`` -> a hash, ``int | str`` -> an int)."""
    for k in PREFERRED_KINDS:
        if k in kinds:
            return k
    return kinds[0]


def _set(builder: Builder, owners: tuple[type, ...], node: dict[str, Any], path: Path, value: Any) -> None:
    name, rest = path[0], path[1:]
    if not rest:
        node[name] = value
        return
    in_list = rest[0] == LIST
    if in_list:
        rest = rest[1:]
    child_td = owners[1]
    existing = node.get(name)
    if in_list:
        existing = existing[0] if isinstance(existing, list) and existing else None
    # required siblings of this union member (another member may have filled the slot)
    child = builder.minimal(child_td)
    # what another member of a union (a card hash where a bank account hash goes) put there is dropped
    if isinstance(existing, dict) and existing.keys() <= _hints(child_td).keys():
        child.update(existing)
    node[name] = [child] if in_list else child
    _set(builder, owners[1:], child, rest, value)


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` deep-merged over ``base`` (dicts merge, anything else from ``extra``)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


# --- the SDK's types as OpenAPI parameter schemas (to add to an overlay) --------------------------

MAX_STRING = 5000  # the maxLength Stripe's spec gives free-text parameters


def json_schema(tp: Any) -> dict[str, Any]:
    """An OpenAPI request schema for an SDK parameter type, in the vendored spec's style.

    Open enums (``Literal[...] | str``) become closed enums, as Stripe checks them; ``Literal[""]``
    becomes the ``anyOf`` option that lets ``""`` unset the parameter.
    """
    options: list[dict[str, Any]] = []
    members = _members(tp)
    literal_values = [str(v) for m in members if typing.get_origin(m) is Literal for v in typing.get_args(m)]
    enum = [v for v in literal_values if v != ""]
    if enum:
        options.append({"type": "string", "enum": enum, "maxLength": MAX_STRING})
    for member in members:
        if typing.get_origin(member) is Literal or member is type(None):
            continue
        if member is str and enum:
            continue
        options.append(_member_schema(member))
    if "" in literal_values:
        options.append({"type": "string", "enum": [""]})
    unique = list({json.dumps(o, sort_keys=True): o for o in options}.values())  # Dict[...] | UntypedStripeObject[...]
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def _member_schema(member: Any) -> dict[str, Any]:
    if is_typeddict(member):
        required = sorted(_required(member))
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: json_schema(tp) for name, tp in _hints(member).items()},
        }
        if required:
            schema["required"] = required
        return schema
    if _is_list(member):
        return {"type": "array", "items": json_schema(typing.get_args(member)[0])}
    kind = _scalar_kind(member)
    if kind == "map":
        return {"type": "object", "additionalProperties": {"type": "string"}}
    if kind == "decimal":
        return {"type": "string", "format": "decimal"}
    if kind in ("int", "bool", "float"):
        return {"type": {"int": "integer", "bool": "boolean", "float": "number"}[kind]}
    return {"type": "string", "maxLength": MAX_STRING}


def type_at(td: type, path: Path) -> Any:
    """The SDK type of the parameter at ``path`` (list items as ``LIST``)."""
    tp: Any = td
    for i, part in enumerate(path):
        members = _members(tp)
        if part == LIST:
            tp = next(typing.get_args(m)[0] for m in members if _is_list(m))
            continue
        holders = [m for m in members if is_typeddict(m) and part in _hints(m)]
        if not holders:
            raise KeyError(".".join(path[: i + 1]))
        tp = _hints(holders[0])[part]
    return tp
