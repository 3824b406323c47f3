"""Validation of every response body against Stripe's own OpenAPI schema (API 2023-08-16).

The emulator answers for API version 2026-10-28.endive, which is newer than the vendored spec.
What Stripe added since is allowed here **explicitly**, nothing else:

Those allowances live in ``tests/support/schema_allowances.py``:

- ``NEWER_FIELDS``: properties a component schema gained (from the stripe-python 16.1 resource
  classes, e.g. ``stripe/issuing/_authorization.py``, cross-checked with
  ``emulator/spec/fixtures-subset-latest.json``). Their values are not checked further.
- ``RENAMED_FIELDS``: required properties that newer API versions show under another name (the
  ``issuing.settlement`` amounts); either name satisfies ``required``.
- ``NEWER_ENUMS``: enum values added to a property (``"<schema>.<property>"``).
- ``NEWER_NULLABLE``: properties that became nullable (seen as ``null`` in the newest fixtures).
- ``NEWER_OBJECTS``: whole objects the 2023 spec does not have; only their top-level field names
  are checked.

Rules: ``$ref`` is followed; ``nullable`` allows ``null``; ``anyOf`` needs one matching option
(an expandable field is ``anyOf[id string, expanded object]`` in the spec); an object schema with
``properties`` is closed (an unknown property is a violation) unless it has
``additionalProperties``; ``required`` properties must be present; ``enum``, ``maxLength`` and
``pattern`` (the list ``url``) are checked. A free-form object that carries an ``object``
(an event's ``data.object``) is checked as that object (a newer object by ``NEWER_OBJECTS``, an
unknown object type is a violation). Error bodies are checked against the ``error`` schema and must
carry ``type`` and ``message``. Any 5xx is a violation.

A 2xx body that passes is then checked against the 2026 shapes (``tests/support/schema_2026.py``, from the
pinned stripe-node's type definitions), which also look inside the newer fields and objects.

:class:`ConformanceRecorder` is hooked on the test session's server (``api.observers``) and
collects violations; ``tests/conftest.py`` fails the test that produced them. It also gets every
event body the session server delivers to a webhook receiver (``observe_webhook``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest

from emulator.http.params import load_spec
from tests.support import schema_2026
from tests.support.schema_2026 import NewerShapes
from tests.support.schema_allowances import NEWER_ENUMS, NEWER_FIELDS, NEWER_NULLABLE, NEWER_OBJECTS, RENAMED_FIELDS

__all__ = ["NEWER_ENUMS", "NEWER_FIELDS", "NEWER_NULLABLE", "NEWER_OBJECTS", "ConformanceRecorder", "SchemaValidator"]

Schema = dict[str, Any]
Problems = list[str]

# What each HTTP status carries at Stripe (stripe-python maps 400/404 -> InvalidRequestError,
# 401 -> AuthenticationError, 402 -> CardError, 403 -> PermissionError, 409/400 idempotency_error
# -> IdempotencyError, 429 -> RateLimitError, 5xx api_error -> APIError; the body's type is kept).
ERROR_TYPES_BY_STATUS: dict[int, frozenset[str]] = {
    400: frozenset({"invalid_request_error", "idempotency_error"}),
    401: frozenset({"invalid_request_error"}),
    402: frozenset({"card_error"}),
    403: frozenset({"invalid_request_error"}),
    404: frozenset({"invalid_request_error"}),
    409: frozenset({"idempotency_error", "invalid_request_error", "api_error"}),
    413: frozenset({"invalid_request_error"}),
    429: frozenset({"invalid_request_error"}),
    500: frozenset({"api_error"}),
}

_MAX_SHOWN = 80


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _type_ok(value: Any, typ: str) -> bool:
    if typ == "string":
        return isinstance(value, str)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ == "array":
        return isinstance(value, list)
    if typ == "object":
        return isinstance(value, dict)
    return True


class SchemaValidator:
    """Checks JSON values against the spec's component schemas (plus the newer allowances)."""

    def __init__(
        self,
        spec: dict[str, Any] | None = None,
        *,
        newer_fields: dict[str, frozenset[str]] | None = None,
        newer_enums: dict[str, frozenset[str]] | None = None,
        newer_objects: dict[str, frozenset[str]] | None = None,
        newer_nullable: frozenset[str] | None = None,
        renamed_fields: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.spec = spec if spec is not None else load_spec()
        self.schemas: dict[str, Schema] = self.spec["components"]["schemas"]
        self.newer_fields = NEWER_FIELDS if newer_fields is None else newer_fields
        self.newer_enums = NEWER_ENUMS if newer_enums is None else newer_enums
        self.newer_objects = NEWER_OBJECTS if newer_objects is None else newer_objects
        self.newer_nullable = NEWER_NULLABLE if newer_nullable is None else newer_nullable
        self.renamed_fields = RENAMED_FIELDS if renamed_fields is None else renamed_fields
        # ``object`` value -> component schema names carrying it ("account" -> account, deleted_account)
        self.by_object: dict[str, list[str]] = {}
        for name, schema in self.schemas.items():
            enum = schema.get("properties", {}).get("object", {}).get("enum")
            if isinstance(enum, list) and len(enum) == 1:
                self.by_object.setdefault(enum[0], []).append(name)
        self._patterns: dict[str, re.Pattern[str]] = {}

    # --- entry points ------------------------------------------------------------------------

    def check(self, value: Any, schema: Schema, where: str = "$") -> Problems:
        problems: Problems = []
        self._check(value, schema, where, "", "", problems)
        return problems

    def check_named(self, value: Any, name: str, where: str | None = None) -> Problems:
        return self.check(value, {"$ref": f"#/components/schemas/{name}"}, where or name)

    def schema_for_object(self, value: dict[str, Any]) -> str | None:
        """The component schema of a value that says which ``object`` it is."""
        names = self.by_object.get(str(value.get("object")))
        if not names:
            return None
        deleted = value.get("deleted") is True
        for name in names:
            if name.startswith("deleted_") == deleted:
                return name
        return names[0]

    def check_object(self, value: Any, where: str = "$") -> Problems:
        """A body or item checked by its own ``object`` (lists: envelope and every item)."""
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {_show(value)}"]
        kind = value.get("object")
        if kind == "list":
            return self._check_list(value, where)
        name = self.schema_for_object(value)
        if name is not None:
            return self.check_named(value, name, where if where != "$" else str(kind))
        allowed = self.newer_objects.get(str(kind))
        if allowed is not None:
            unknown = sorted(set(value) - allowed)
            return [f"{where}: unknown properties {unknown} for {kind}"] if unknown else []
        return [f"{where}: unknown object type {_show(kind)}"]

    def response_schema(self, method: str, template: str | None) -> Schema | None:
        if template is None:
            return None
        op = self.spec["paths"].get(template, {}).get(method.lower())
        if op is None:
            return None
        content = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
        schema = content.get("schema")
        return schema if isinstance(schema, dict) else None

    def check_response(self, method: str, template: str | None, status: int, body: bytes) -> Problems:
        try:
            doc = json.loads(body)
        except ValueError:
            return [f"body is not JSON: {body[:80]!r}"]
        problems: Problems = []
        if status >= 500:
            problems.append(f"server error {status}: {_show(doc)}")
        if status >= 400:
            problems.extend(self.check_named(doc, "error", "error"))
            err = doc.get("error") if isinstance(doc, dict) else None
            if isinstance(err, dict):
                for key in ("type", "message"):
                    if not isinstance(err.get(key), str) or not err.get(key):
                        problems.append(f"error.{key}: missing or empty")
                allowed = ERROR_TYPES_BY_STATUS.get(status, ERROR_TYPES_BY_STATUS[500] if status >= 500 else None)
                if allowed is not None and err.get("type") not in allowed:
                    problems.append(
                        f"error.type: {_show(err.get('type'))} with HTTP {status} (Stripe: {sorted(allowed)})"
                    )
                if err.get("code") and not err.get("doc_url"):
                    problems.append(f"error.doc_url: missing next to code {_show(err.get('code'))}")
            return problems
        schema = self.response_schema(method, template)
        if schema is not None:
            problems.extend(self.check(doc, schema, template or "$"))
        else:
            problems.extend(self.check_object(doc))
        return problems

    # --- the walk ----------------------------------------------------------------------------

    def _resolve(self, schema: Schema, owner: str) -> tuple[Schema, str]:
        while "$ref" in schema:
            owner = schema["$ref"].rsplit("/", 1)[1]
            schema = self.schemas[owner]
        return schema, owner

    def _check(self, value: Any, schema: Schema, where: str, owner: str, prop: str, out: Problems) -> None:
        if value is None:
            if schema.get("nullable") or self._resolve(schema, owner)[0].get("nullable"):
                return
            if f"{owner}.{prop}" in self.newer_nullable:
                return
            out.append(f"{where}: null is not allowed")
            return
        ref_owner = owner
        inline = "$ref" not in schema
        schema, owner = self._resolve(schema, owner)
        if "anyOf" in schema:
            self._any_of(value, schema["anyOf"], where, owner, prop, out)
            return
        typ = schema.get("type")
        if typ is None and "properties" in schema:
            typ = "object"
        if isinstance(typ, str) and not _type_ok(value, typ):
            out.append(f"{where}: expected {typ}, got {_show(value)}")
            return
        enum = schema.get("enum")
        if enum is not None and value not in enum:
            extra = self.newer_enums.get(f"{ref_owner}.{prop}", frozenset())
            if value not in extra:
                out.append(f"{where}: {_show(value)} is not one of {enum}")
        if isinstance(value, str):
            self._string(value, schema, where, out)
        elif isinstance(value, list):
            items = schema.get("items")
            if isinstance(items, dict):
                for i, item in enumerate(value):
                    self._check(item, items, f"{where}[{i}]", ref_owner, prop, out)
        elif isinstance(value, dict):
            self._object(value, schema, where, f"{owner}.{prop}".strip(".") if inline else owner, out)

    def _string(self, value: str, schema: Schema, where: str, out: Problems) -> None:
        max_len = schema.get("maxLength")
        if isinstance(max_len, int) and len(value) > max_len:
            out.append(f"{where}: longer than {max_len} characters")
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            compiled = self._patterns.get(pattern)
            if compiled is None:
                compiled = self._patterns[pattern] = re.compile(pattern)
            if not compiled.match(value):
                out.append(f"{where}: {_show(value)} does not match {pattern!r}")

    def _object(self, value: dict[str, Any], schema: Schema, where: str, owner: str, out: Problems) -> None:
        props: dict[str, Schema] | None = schema.get("properties")
        extra = schema.get("additionalProperties")
        if not props:
            if isinstance(extra, dict):
                for key, sub in value.items():
                    self._check(sub, extra, f"{where}.{key}", owner, key, out)
            elif isinstance(value.get("object"), str):
                out.extend(self.check_object(value, where))  # an event's data.object (newer objects too)
            return
        newer = self.newer_fields.get(owner, frozenset())
        for key, sub in value.items():
            sub_schema = props.get(key)
            if sub_schema is not None:
                self._check(sub, sub_schema, f"{where}.{key}", owner, key, out)
            elif key in newer or extra is True:
                continue
            elif isinstance(extra, dict):
                self._check(sub, extra, f"{where}.{key}", owner, key, out)
            else:
                out.append(f"{where}.{key}: unknown property of {owner or 'object'}")
        renamed = self.renamed_fields.get(owner, {})
        for key in schema.get("required", ()):
            if key not in value and renamed.get(key) not in value:
                out.append(f"{where}.{key}: required property missing")

    def _any_of(self, value: Any, options: list[Schema], where: str, owner: str, prop: str, out: Problems) -> None:
        attempts: list[tuple[int, Problems]] = []
        for option in options:
            problems: Problems = []
            self._check(value, option, where, owner, prop, problems)
            if not problems:
                return
            attempts.append((self._affinity(value, option, owner), problems))
        best = max(attempts, key=lambda a: a[0])
        if best[0] > 0:
            out.extend(best[1])
        else:
            out.append(f"{where}: {_show(value)} matches none of the {len(options)} allowed shapes")

    def _affinity(self, value: Any, option: Schema, owner: str) -> int:
        """How plausibly ``value`` was meant to be ``option`` (to report the useful errors)."""
        schema, _ = self._resolve(option, owner)
        if isinstance(value, dict):
            enum = schema.get("properties", {}).get("object", {}).get("enum")
            if enum and value.get("object") in enum:
                return 3
            return 2 if "properties" in schema or schema.get("type") == "object" else 0
        typ = schema.get("type")
        return 1 if isinstance(typ, str) and _type_ok(value, typ) else 0

    def _check_list(self, value: dict[str, Any], where: str) -> Problems:
        problems: Problems = []
        for key, typ in (("data", "array"), ("has_more", "boolean"), ("url", "string")):
            if not _type_ok(value.get(key), typ):
                problems.append(f"{where}.{key}: expected {typ}, got {_show(value.get(key))}")
        unknown = sorted(set(value) - {"object", "data", "has_more", "url"})
        if unknown:
            problems.append(f"{where}: unknown list properties {unknown}")
        url = value.get("url")
        if isinstance(url, str) and not url.startswith("/v1/"):
            problems.append(f"{where}.url: {_show(url)} is not a /v1/ path")
        for i, item in enumerate(value.get("data") or []):
            problems.extend(self.check_object(item, f"{where}.data[{i}]"))
        return problems


# --- the hook on the test server ------------------------------------------------------------


class ConformanceRecorder:
    """An ``api.observers`` entry: validates every response and keeps the violations."""

    def __init__(
        self, validator: SchemaValidator, match: Callable[[str, str], Any], newer: NewerShapes | None = None
    ) -> None:
        self.validator = validator
        self.newer = newer
        self._match = match
        self._lock = threading.Lock()
        self._violations: list[str] = []
        self.checked = 0

    def observe(self, method: str, path: str, status: int, body: bytes) -> None:
        if status == 200 and path.startswith("/v1/files/") and path.endswith("/contents"):
            return  # a file's bytes, not JSON
        try:
            found = self._match(method, path)
            template = None
            if found is not None:
                route = found[0]
                template = route.spec_template or route.template
            problems = self.validator.check_response(method, template, status, body)
            if self.newer is not None and status < 300 and not problems:
                problems = self.newer.check_body(json.loads(body))
        except Exception as exc:  # a validator bug must not break the server thread
            problems = [f"validator crashed: {type(exc).__name__}: {exc}"]
        self._keep(f"{method} {path} -> {status}", problems)

    def observe_webhook(self, body: bytes) -> None:
        """An event body as delivered to a webhook receiver (or a real-time authorization endpoint)."""
        try:
            doc = json.loads(body)
            problems = self.validator.check_object(doc, "event")
            if isinstance(doc, dict) and doc.get("object") != "event":
                problems.append(f"webhook body is not an event: {_show(doc.get('object'))}")
            if self.newer is not None and not problems:
                problems = self.newer.check_body(doc)
        except Exception as exc:
            problems = [f"validator crashed: {type(exc).__name__}: {exc}"]
        self._keep("webhook payload", problems)

    def _keep(self, label: str, problems: Problems) -> None:
        with self._lock:
            self.checked += 1
            if problems:
                shown = problems[:12] + ([f"... and {len(problems) - 12} more"] if len(problems) > 12 else [])
                self._violations.append(f"{label}:\n    " + "\n    ".join(shown))

    def take(self) -> list[str]:
        with self._lock:
            out, self._violations = self._violations, []
        return out


def attach(server: Any) -> ConformanceRecorder:
    """Hook a recorder on an ``EmulatorServer`` (before it serves anything)."""
    recorder = ConformanceRecorder(SchemaValidator(), server.app.router.match, schema_2026.load())
    server.app.api.observers.append(recorder.observe)
    return recorder


# where the session's recorder is kept (``tests/conftest.py`` puts it there)
CONFORMANCE = pytest.StashKey[ConformanceRecorder]()
