"""Schemathesis against the emulator with Stripe's spec, for every implemented operation.

The spec is cut to the operations the emulator serves (routes from ``EmulatorApp.router``) plus
the overlay operations (newer than the spec, given a form request body here). For each one,
schemathesis generates positive cases (valid per the spec, with generated ids and with the ids
of a real guide flow + ``Stripe-Account``) and negative ones (invalid per the spec). Every
answer must be JSON, never 5xx, and errors Stripe-shaped; the session hook validates every body
against the response schema (tests/support/schema.py), which is stricter than schemathesis' own check
(it knows the newer fields) and so replaces it.

Bounded for CI: ``EMULATOR_SCHEMATHESIS_EXAMPLES`` examples per operation (default 6). A longer
run: ``EMULATOR_SCHEMATHESIS_EXAMPLES=500 python -m pytest tests/conformance/test_schemathesis.py -q``.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest
import requests
import schemathesis
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from emulator import EmulatorServer
from emulator.app import create_app
from tests.support import guide as guide_flow

MAX_EXAMPLES = int(os.environ.get("EMULATOR_SCHEMATHESIS_EXAMPLES", "6"))
# Request heads above h11's 16 KiB may be refused by the HTTP server itself (uvicorn answers a plain
# "400 Invalid HTTP request received." or drops the connection) before the emulator sees them.
MAX_HEAD = 16 * 1024
STRIPE_ERROR_TYPES = {"api_error", "card_error", "idempotency_error", "invalid_request_error"}


def served_spec() -> dict[str, Any]:
    app = create_app()
    spec: dict[str, Any] = json.loads(json.dumps(app.specs.spec))
    served = {(r.method.lower(), r.spec_template or r.template) for r in app.router.routes}
    paths: dict[str, Any] = {}
    for path, ops in spec["paths"].items():
        kept = {m: op for m, op in ops.items() if (m, path) in served}
        if kept:
            paths[path] = kept
    error = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}},
        "description": "Error",
    }
    for key in app.specs.overlay["operations"]:
        method, path = key.split(" ", 1)
        if (method, path) not in served:
            continue
        op: dict[str, Any] = {
            "operationId": f"overlay_{method}_{path}",
            "parameters": [
                {"in": "path", "name": name, "required": True, "schema": {"type": "string", "maxLength": 5000}}
                for name in _path_params(path)
            ],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": error,
            },
        }
        if method == "post":
            op["requestBody"] = {
                "content": {"application/x-www-form-urlencoded": {"schema": app.specs.schema_for("POST", path)}},
                "required": False,
            }
        paths.setdefault(path, {})[method] = op
    spec["paths"] = paths
    return spec


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


SCHEMA = schemathesis.openapi.from_dict(served_spec())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def real(server: EmulatorServer) -> tuple[str, guide_flow.Guide]:
    key = "sk_test_" + uuid.uuid4().hex
    return key, guide_flow.run(stripe.StripeClient(key, base_addresses={"api": server.url}))


def _real_path_params(op: Any, ids: dict[str, str]) -> dict[str, str]:
    out = {}
    for name in _path_params(op.path):
        if name == "capability":
            out[name] = "card_issuing"
        elif name in ids:
            out[name] = ids[name]
    return out


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_schemathesis(server: EmulatorServer, real: tuple[str, guide_flow.Guide], op: Any) -> None:
    key, guide = real
    session = requests.Session()
    auth = {"Authorization": f"Bearer {key}"}
    strategies = [
        op.as_strategy(GenerationMode.POSITIVE),
        op.as_strategy(GenerationMode.NEGATIVE),
        op.as_strategy(
            GenerationMode.POSITIVE,
            path_parameters=_real_path_params(op, guide.ids),
            headers={"Stripe-Account": guide.account},
        ),
    ]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(strategies))
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url=server.url, headers=auth)
        prepared = requests.Request(
            kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=kwargs["headers"]
        ).prepare()
        oversized = len(prepared.url or "") + sum(len(k) + len(str(v)) for k, v in prepared.headers.items()) > MAX_HEAD
        try:
            r = case.call(base_url=server.url, session=session, headers=auth)
        except requests.RequestException:  # a reset connection, or a body cut short
            if oversized:
                return
            raise
        if oversized and r.status_code == 400 and r.headers["content-type"] != ["application/json"]:
            return  # the HTTP server's own refusal, see MAX_HEAD
        assert r.status_code < 500, r.text[:500]
        assert r.headers["content-type"] == ["application/json"]
        body = r.json()
        if r.status_code >= 400:
            err = body["error"]
            assert err["type"] in STRIPE_ERROR_TYPES, body
            assert isinstance(err["message"], str) and err["message"], body
            assert r.headers["request-id"][0].startswith("req_")

    run()
    session.close()
