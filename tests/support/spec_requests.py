"""Requests made from the spec: what each implemented endpoint accepts, and valid sample values.

Used by the spec walk (every listed parameter accepted, every required one enforced), the
schema-driven request generator and the fuzz tests. Everything is driven by the routes the
emulator serves (``EmulatorApp.router.routes``) and the spec + overlay parameter schemas
(``EmulatorApp.specs.schema_for``), so new endpoints are covered as they land.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from stripe._encode import _api_encode

from emulator.app import EmulatorApp
from emulator.core import api_changes
from emulator.http.params import Compiler
from tests.support import flows

Schema = dict[str, Any]
_PATH_PARAM = re.compile(r"\{(\w+)\}")
MAX_DEPTH = 8
# the guide's values of free-text parameters: a currency "x" would only test the currency check
STRING_HINTS: dict[str, str] = {**flows.GUIDE_STRINGS, "url": "https://example.com/hook"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # the route's path template
    spec_template: str  # the spec/overlay operation that checks its parameters
    schema: Schema  # the parameter schema (one object schema, overlay merged)

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    def path(self, ids: dict[str, str] | None = None) -> str:
        """The template with its ``{param}`` parts filled (unknown ids when not given)."""
        given = ids or {}
        return _PATH_PARAM.sub(lambda m: given.get(m.group(1), f"{m.group(1)}_does_not_exist"), self.template)


def endpoints(app: EmulatorApp) -> list[Endpoint]:
    out = []
    for route in app.router.routes:
        spec_template = route.spec_template or route.template
        schema = app.specs.schema_for(route.method, spec_template)
        older = api_changes.OLDER_PARAMETERS.get(f"{route.method.lower()} {spec_template}", frozenset())
        if older:  # what only older API versions take is unknown under the default one
            properties = {k: v for k, v in schema.get("properties", {}).items() if k not in older}
            schema = {**schema, "properties": properties}
        out.append(Endpoint(route.method, route.template, spec_template, schema))
    return out


# --- sample values -----------------------------------------------------------------------------


class Sampler:
    """A valid value for a parameter schema, filling **every** property (so every name is sent)."""

    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler

    def value(self, schema: Schema, depth: int = 0, name: str = "") -> Any:
        schema = self.compiler.resolve(schema)
        if "anyOf" in schema:
            return self.value(self.pick(schema["anyOf"]), depth, name)
        typ = schema.get("type")
        if typ == "object" or "properties" in schema:
            return self.obj(schema, depth)
        if typ == "array":
            return [self.value(schema.get("items", {}), depth + 1, name)]
        if typ == "integer":
            return 1
        if typ == "number":
            return 1.5
        if typ == "boolean":
            return True
        enum = [e for e in schema.get("enum", []) if e != ""]
        if enum:
            return enum[0]
        return STRING_HINTS.get(name, "x")

    def obj(self, schema: Schema, depth: int) -> dict[str, Any]:
        props: dict[str, Schema] = schema.get("properties", {})
        if depth >= MAX_DEPTH:
            return {k: self.value(props[k], depth + 1) for k in schema.get("required", []) if k in props}
        out = {
            k: self.value(v, depth + 1, k)
            for k, v in props.items()
            if not (depth == 0 and k == "expand") and "x-before-version" not in v  # the newest version's names
        }
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict):
            out["k1"] = self.value(extra, depth + 1, "k1")
        return out

    def pick(self, options: list[Schema]) -> Schema:
        """The anyOf option that sends the most names: an object, then an array, then the rest."""
        real = [self.compiler.resolve(o) for o in options if self.compiler.resolve(o).get("enum") != [""]]
        for want in ("object", "array"):
            for o in real:
                if o.get("type") == want or (want == "object" and "properties" in o):
                    return o
        return real[0] if real else options[0]


def required_paths(
    schema: Schema, value: Any, compiler: Compiler, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every required key inside ``value`` (paths as key tuples; list items by index)."""
    schema = compiler.resolve(schema)
    if "anyOf" in schema:
        shape = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "scalar"
        for o in schema["anyOf"]:
            r = compiler.resolve(o)
            typ = r.get("type") or ("object" if "properties" in r else "scalar")
            if typ == shape:
                return required_paths(r, value, compiler, prefix)
        return []
    out: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        props: dict[str, Schema] = schema.get("properties", {})
        for key in schema.get("required", []):
            if key in value:
                out.append((*prefix, key))
        for key, sub in value.items():
            if key in props:
                out.extend(required_paths(props[key], sub, compiler, (*prefix, key)))
    elif isinstance(value, list):
        items = schema.get("items", {})
        for i, sub in enumerate(value):
            out.extend(required_paths(items, sub, compiler, (*prefix, str(i))))
    return out


def removable(value: dict[str, Any], path: tuple[str, ...]) -> bool:
    """Whether the SDKs can send ``value`` without ``path`` (an emptied object is not sent at all)."""
    node: Any = value
    for part in path[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return len(node) > 1


def without(value: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``value`` with the key at ``path`` removed."""

    def strip(node: Any, rest: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            i = int(rest[0])
            return [strip(x, rest[1:]) if j == i else x for j, x in enumerate(node)]
        if len(rest) == 1:
            return {k: v for k, v in node.items() if k != rest[0]}
        return {k: (strip(v, rest[1:]) if k == rest[0] else v) for k, v in node.items()}

    out: dict[str, Any] = strip(value, path)
    return out


def bracket(path: tuple[str, ...]) -> str:
    return path[0] + "".join(f"[{p}]" for p in path[1:])


# --- the SDKs' encodings -------------------------------------------------------------------------


def python_encode(params: dict[str, Any], *, query: bool = False) -> str:
    """stripe-python 16: literal brackets in bodies; urllib3 percent-encodes them in queries."""
    encoded = urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")
    return encoded.replace("[", "%5B").replace("]", "%5D") if query else encoded


def _node_pairs(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _node_pairs(f"{prefix}[{k}]", v)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _node_pairs(f"{prefix}[{i}]", v)]
    if value is None:
        return [(prefix, "")]
    if isinstance(value, bool):
        return [(prefix, "true" if value else "false")]
    return [(prefix, str(value))]


def node_encode(params: dict[str, Any]) -> str:
    """stripe-node 23 (``qs.stringify``: RFC 3986, ``%20``, ``null`` as empty, literal brackets)."""
    pairs = [p for k, v in params.items() for p in _node_pairs(k, v)]
    encoded = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    return encoded.replace("%5B", "[").replace("%5D", "]")
