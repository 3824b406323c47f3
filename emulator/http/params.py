"""Request parameters checked and coerced against Stripe's own OpenAPI description.

Each operation's request schema (form body for POST, query parameters for GET/DELETE) comes
from the vendored spec (``emulator/spec/openapi-subset.json``) plus ``overlay.json`` for the
parameters and endpoints added after API 2023-08-16. The decoded form tree (all strings) is
turned into typed values: integers, booleans, lists (from indexed ``a[0]`` dicts), nested
objects. An empty string where the spec allows it becomes ``None`` ("unset"). Anything else
is a Stripe-shaped 400: ``parameter_unknown``, ``parameter_missing``, ``parameter_invalid_*``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from emulator.http import errors
from emulator.http.errors import StripeError

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
# ASCII digits only: ``\d`` and ``str.isdigit`` also take ``\u0663`` or ``²``, which Stripe does not
ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}")  # at most 18 digits: no int-string limit (also the control plane's)
_NUM = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _is_index(key: str) -> bool:
    return key.isascii() and key.isdigit()


Coercer = Callable[[Any, str], Any]
MAX_REPORTED = 50  # unknown parameter names named in one error
SUGGEST_CUTOFF = 0.75  # difflib similarity above which an unknown name is taken for a typo of a known one


def _choices(values: list[str]) -> str:
    vals = [v for v in values if v != ""]
    if len(vals) <= 1:
        return "".join(vals)
    if len(vals) == 2:
        return f"{vals[0]} or {vals[1]}"
    return ", ".join(vals[:-1]) + f", or {vals[-1]}"


def _closest(unknown: Iterable[str], known: Iterable[str]) -> str | None:
    """The known parameter name one unknown name most likely meant (a typo), if there is one."""
    names = list(unknown)
    if len(names) != 1 or len(names[0]) > 100:
        return None
    found = difflib.get_close_matches(names[0], list(known), n=1, cutoff=SUGGEST_CUTOFF)
    return found[0] if found else None


class Compiler:
    """Turns spec schemas into coercer functions (value, param path) -> typed value."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def compile(self, schema: dict[str, Any]) -> Coercer:
        schema = self.resolve(schema)
        if "anyOf" in schema:
            return self._any_of([self.resolve(s) for s in schema["anyOf"]])
        typ = schema.get("type")
        if typ == "object" or "properties" in schema:
            return self._object(schema)
        if typ == "array":
            return self._array(schema)
        if typ == "integer":
            return self._integer()
        if typ == "number":
            return self._number()
        if typ == "boolean":
            return self._boolean()
        if typ == "string":
            return self._string(schema)
        return lambda value, path: value

    # --- scalars ---------------------------------------------------------------------------

    @staticmethod
    def _scalar(value: Any, path: str) -> str:
        if isinstance(value, str):
            return value
        raise StripeError(
            errors.INVALID_STRING.format(value=json.dumps(value)[:200]), param=path, code="parameter_invalid"
        )

    @staticmethod
    def _nonempty(value: str, path: str) -> None:
        if value == "":
            raise StripeError(errors.EMPTY_NOT_ALLOWED.format(param=path), param=path, code="parameter_invalid_empty")

    def _integer(self) -> Coercer:
        def coerce(value: Any, path: str) -> int:
            if value.__class__ is str and ASCII_INTEGER.fullmatch(value):
                return int(value)  # the common case; anything else gets its error below
            text = self._scalar(value, path)
            self._nonempty(text, path)
            if not ASCII_INTEGER.fullmatch(text):
                raise StripeError(
                    errors.INVALID_INTEGER.format(value=text[:100]), param=path, code="parameter_invalid_integer"
                )
            return int(text)

        return coerce

    def _number(self) -> Coercer:
        def coerce(value: Any, path: str) -> float:
            text = self._scalar(value, path)
            self._nonempty(text, path)
            if not _NUM.fullmatch(text):
                raise StripeError(f"Invalid decimal: {text[:100]}", param=path, code="parameter_invalid")
            return float(text)

        return coerce

    def _boolean(self) -> Coercer:
        def coerce(value: Any, path: str) -> bool:
            text = self._scalar(value, path)
            self._nonempty(text, path)
            if text == "true":
                return True
            if text == "false":
                return False
            lowered = text.lower()  # stripe-python before 12 sends Python's `True`/`False`; v1 takes any case
            if lowered == "true":
                return True
            if lowered == "false":
                return False
            raise StripeError(errors.INVALID_BOOLEAN.format(value=text[:100]), param=path, code="parameter_invalid")

        return coerce

    def _string(self, schema: dict[str, Any]) -> Coercer:
        enum = schema.get("enum")
        max_len = schema.get("maxLength")
        allowed = frozenset(enum) if enum else None

        def coerce(value: Any, path: str) -> str:
            if value.__class__ is str and value:  # the common case first: a valid string
                if allowed is None:
                    if max_len is None or len(value) <= max_len:
                        return value
                elif value in allowed:
                    return value
            text = self._scalar(value, path)
            if allowed is not None:
                if text not in allowed:
                    if text == "":
                        self._nonempty(text, path)
                    raise StripeError(
                        errors.INVALID_ENUM.format(name=path, choices=_choices(list(enum or []))),
                        param=path,
                        code="parameter_invalid",
                    )
                return text
            self._nonempty(text, path)
            if max_len is not None and len(text) > max_len:
                raise StripeError(
                    errors.STRING_TOO_LONG.format(value=errors.shortened(text), max=max_len),
                    param=path,
                    code="parameter_invalid",
                )
            return text

        return coerce

    # --- containers ------------------------------------------------------------------------

    def _array(self, schema: dict[str, Any]) -> Coercer:
        item = self.compile(schema.get("items", {}))

        def coerce(value: Any, path: str) -> list[Any]:
            if isinstance(value, dict):
                if not all(_is_index(k) for k in value):
                    raise StripeError(errors.INVALID_ARRAY, param=path, code="parameter_invalid")
                items = [v for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
                return [item(v, f"{path}[{i}]") for i, v in enumerate(items)]
            if isinstance(value, list):
                return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]
            if value == "":
                self._nonempty(value, path)
            raise StripeError(errors.INVALID_ARRAY, param=path, code="parameter_invalid")

        return coerce

    def _object(self, schema: dict[str, Any]) -> Coercer:
        props = {k: self.compile(v) for k, v in schema.get("properties", {}).items()}
        required = list(schema.get("required", []))
        required_set = frozenset(required)
        names = props.keys()
        extra = schema.get("additionalProperties")
        extra_coerce = self.compile(extra) if isinstance(extra, dict) else None
        is_map = extra_coerce is not None and not props

        def coerce(value: Any, path: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                if value == "":
                    self._nonempty(value, path)
                raise StripeError(errors.INVALID_HASH, param=path, code="parameter_invalid")
            if extra_coerce is None and not names >= value.keys():
                # this level's unknown names first, before any error inside a known value
                unknown = [f"{path}[{key}]" if path else key for key in value if key not in props]
                # at most MAX_REPORTED names, so the message stays within the spec's 40000 characters
                raise errors.unknown_params(unknown[:MAX_REPORTED], _closest(value.keys() - names, names))
            out: dict[str, Any] = {}
            for key, sub in value.items():
                fn = props.get(key)
                if fn is None:
                    assert extra_coerce is not None  # unknown names were refused above
                    sub_path = f"{path}[{key}]" if path else key
                    out[key] = None if (is_map and sub == "") else extra_coerce(sub, sub_path)
                    continue
                out[key] = fn(sub, f"{path}[{key}]" if path else key)
            if required and not value.keys() >= required_set:
                for key in required:
                    if key not in value:
                        raise errors.missing(f"{path}[{key}]" if path else key)
            return out

        return coerce

    def _any_of(self, options: list[dict[str, Any]]) -> Coercer:
        emptyable = any(o.get("enum") == [""] for o in options)
        real = [o for o in options if o.get("enum") != [""]]
        compiled = [(o, self.compile(o)) for o in real]

        def shape_of(o: dict[str, Any]) -> str:
            t = o.get("type", "object" if "properties" in o else "string")
            return {"array": "list", "object": "dict"}.get(t, "scalar")

        def coerce(value: Any, path: str) -> Any:
            if value == "" and emptyable:
                return None
            vshape = "dict" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"
            # indexed arrays arrive as dicts with digit keys
            ranked = sorted(
                (0 if shape_of(o) == vshape else 1 if vshape == "dict" and shape_of(o) == "list" else 2, i, fn)
                for i, (o, fn) in enumerate(compiled)
            )
            # when no branch takes the value: the error of the first branch of the value's shape that
            # knows all its names (a hash missing a required field), else the first error
            first_error: StripeError | None = None
            known_names: StripeError | None = None
            for rank, _, fn in ranked:
                try:
                    return fn(value, path)
                except StripeError as exc:
                    if first_error is None:
                        first_error = exc
                    if known_names is None and rank == 0 and exc.code != "parameter_unknown":
                        known_names = exc
            assert first_error is not None
            raise known_names or first_error

        return coerce


class Operation:
    """One endpoint's parameter checker."""

    def __init__(self, coerce: Coercer) -> None:
        self._coerce = coerce

    def __call__(self, tree: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self._coerce(tree, "")
        meta = out.get("metadata")
        if isinstance(meta, dict):
            check_metadata(meta)
        return out


def check_metadata(meta: dict[str, Any]) -> None:
    for key, value in meta.items():
        if "[" in key or "]" in key:
            raise StripeError(errors.METADATA_KEY_BRACKETS.format(key=key[:60]), param=f"metadata[{key}]")
        if len(key) > 40:
            raise StripeError(errors.METADATA_KEY_TOO_LONG.format(length=len(key), key=key), param=f"metadata[{key}]")
        if value is not None and len(value) > 500:
            raise StripeError(
                errors.METADATA_VALUE_TOO_LONG.format(length=len(value), value=value), param=f"metadata[{key}]"
            )


class ParamSpecs:
    """Parameter checkers for every operation in the spec and its overlay, built on demand."""

    def __init__(self, spec: dict[str, Any], overlay: dict[str, Any]) -> None:
        self.spec = spec
        self.compiler = Compiler(spec["components"]["schemas"])
        self.overlay = overlay
        self._ops: dict[tuple[str, str], Operation] = {}

    def schema_for(self, method: str, template: str) -> dict[str, Any]:
        """The parameter schema of an operation, as one object schema."""
        key = f"{method.lower()} {template}"
        custom = self.overlay.get("operations", {}).get(key)
        if custom is not None:
            schema: dict[str, Any] = json.loads(json.dumps(custom))
        else:
            op = self.spec["paths"].get(template, {}).get(method.lower())
            if op is None:
                raise KeyError(key)
            if method.upper() == "POST":
                body = op.get("requestBody", {}).get("content", {})
                form = body.get("application/x-www-form-urlencoded") or body.get("multipart/form-data", {})
                schema = json.loads(json.dumps(form.get("schema", {"type": "object", "properties": {}})))
            else:
                props: dict[str, Any] = {}
                required: list[str] = []
                for p in op.get("parameters", []):
                    if p.get("in") != "query":
                        continue
                    props[p["name"]] = p.get("schema", {})
                    if p.get("required"):
                        required.append(p["name"])
                if method.upper() == "DELETE":  # the spec lists them as a form; the SDKs send them as a query
                    body = op.get("requestBody", {}).get("content", {})
                    form = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
                    props.update(json.loads(json.dumps(form.get("properties", {}))))
                    required.extend(form.get("required", []))
                schema = {"type": "object", "properties": props, "required": required}
        schema.setdefault("properties", {})
        schema["additionalProperties"] = False
        for name, extra in self.overlay.get("add_properties", {}).get(key, {}).items():
            _merge_property(schema, name, extra, self.compiler)
        _emptyable_metadata(schema, self.compiler)
        return schema

    def operation(self, method: str, template: str) -> Operation:
        key = (method, template)
        op = self._ops.get(key)
        if op is None:
            op = Operation(self.compiler.compile(self.schema_for(method, template)))
            self._ops[key] = op
        return op


def _emptyable_metadata(schema: dict[str, Any], compiler: Compiler) -> None:
    """``metadata=""`` unsets all metadata on every object that has some (Stripe's metadata docs),
    also where the spec types ``metadata`` as a plain map (cardholders, financial accounts, ...)."""
    props = schema.get("properties", {})
    meta = props.get("metadata")
    if meta is None:
        return
    resolved = compiler.resolve(meta)
    if "anyOf" in resolved or resolved.get("type") != "object":
        return
    props["metadata"] = {"anyOf": [resolved, {"enum": [""], "type": "string"}]}


def _merge_property(schema: dict[str, Any], dotted: str, extra: dict[str, Any], compiler: Compiler) -> None:
    """Add ``extra`` at ``a.b.c`` inside ``schema`` (creating nested objects as needed)."""
    parts = dotted.split(".")
    node = schema
    for part in parts[:-1]:
        props = node.setdefault("properties", {})
        child = props.get(part)
        if child is None:
            child = {"type": "object", "properties": {}}
        else:
            child = json.loads(json.dumps(compiler.resolve(child)))
            if "anyOf" in child:
                child["anyOf"] = [json.loads(json.dumps(compiler.resolve(o))) for o in child["anyOf"]]
                child = next(o for o in child["anyOf"] if o.get("type") == "object" or "properties" in o)
        props[part] = child
        node = child
    node.setdefault("properties", {})[parts[-1]] = extra


@cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = orjson.loads((SPEC_DIR / "openapi-subset.json").read_bytes())  # 2 MB: orjson for start-up
    return spec


@cache
def load_overlay() -> dict[str, Any]:
    """Merge ``spec/overlay*.json`` (one file per area, so each stays small)."""
    merged: dict[str, Any] = {"operations": {}, "add_properties": {}, "responses": {}, "expandable_fields": {}}
    for path in sorted(SPEC_DIR.glob("overlay*.json")):
        part: dict[str, Any] = orjson.loads(path.read_bytes())
        merged["operations"].update(part.get("operations", {}))
        merged["responses"].update(part.get("responses", {}))
        for object_type, fields in part.get("expandable_fields", {}).items():
            merged["expandable_fields"].setdefault(object_type, []).extend(fields)
        for op, props in part.get("add_properties", {}).items():
            merged["add_properties"].setdefault(op, {}).update(props)
    return merged
