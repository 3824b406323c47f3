"""A walk over every implemented endpoint, generated from the spec (+ overlay).

For each route the emulator serves:
- it has a spec or overlay operation;
- a request that sends **every** parameter the spec lists (nested ones included, valid values,
  encoded as stripe-python and as stripe-node send them) passes the parameter layer and is never
  answered ``parameter_unknown``/``parameter_missing`` or a 5xx (the body is schema-checked by
  the session hook like every other response);
- leaving out any one required parameter (at any depth) is ``parameter_missing`` naming it.
The coverage of the spec (implemented or not) is ``bench/coverage_table.py`` (it writes ``docs/coverage.md``); a test checks it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from emulator.app import create_app
from emulator.http import forms
from emulator.http.errors import StripeError
from tests.support import spec_requests
from tests.support.spec_requests import Endpoint, Sampler

APP = create_app()
ENDPOINTS = spec_requests.endpoints(APP)
SAMPLER = Sampler(APP.specs.compiler)
ROOT = Path(__file__).resolve().parents[2]

Encoder = Callable[[dict[str, Any], bool], str]
ENCODINGS: dict[str, Encoder] = {
    "python": lambda params, query: spec_requests.python_encode(params, query=query),
    "node": lambda params, query: spec_requests.node_encode(params),
}


def send(http: httpx.Client, ep: Endpoint, encoded: str) -> httpx.Response:
    path = ep.path()
    if ep.method == "POST":
        return http.post(path, content=encoded.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    url = f"{path}?{encoded}" if encoded else path
    return http.request(ep.method, url)


def error_body(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    err: dict[str, Any] = body.get("error", {}) if isinstance(body, dict) else {}
    return err


def test_every_route_has_an_operation() -> None:
    assert ENDPOINTS, "no routes"
    for ep in ENDPOINTS:
        assert ep.schema.get("type") == "object", ep.label


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.label)
def test_every_listed_parameter_is_accepted(http: httpx.Client, ep: Endpoint, encoding: str) -> None:
    sample = SAMPLER.value(ep.schema)
    encoded = ENCODINGS[encoding](sample, ep.method != "POST")
    try:
        APP.specs.operation(ep.method, ep.spec_template)(forms.decode(encoded))
    except StripeError as exc:
        pytest.fail(f"the parameter layer refuses a valid request: {exc.code} {exc.param}: {exc.message}")
    r = send(http, ep, encoded)
    assert r.status_code < 500, r.text
    err = error_body(r)
    assert err.get("code") not in ("parameter_unknown", "parameter_missing"), err


REQUIRED = [
    (ep, path)
    for ep in ENDPOINTS
    for path in spec_requests.required_paths(ep.schema, SAMPLER.value(ep.schema), APP.specs.compiler)
    if spec_requests.removable(SAMPLER.value(ep.schema), path)
]


@pytest.mark.parametrize(("ep", "path"), REQUIRED, ids=[f"{ep.label} {spec_requests.bracket(p)}" for ep, p in REQUIRED])
def test_every_required_parameter_is_enforced(http: httpx.Client, ep: Endpoint, path: tuple[str, ...]) -> None:
    sample = spec_requests.without(SAMPLER.value(ep.schema), path)
    r = send(http, ep, spec_requests.python_encode(sample, query=ep.method != "POST"))
    assert r.status_code == 400, r.text
    err = error_body(r)
    assert err.get("code") == "parameter_missing", err
    assert err.get("param") == spec_requests.bracket(path), err
    assert err.get("message") == f"Missing required param: {spec_requests.bracket(path)}."


def _coverage_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_table", ROOT / "bench" / "coverage_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_coverage_table_lists_every_operation() -> None:
    coverage = _coverage_module()
    rows = coverage.rows()
    listed = {(r.method, r.path): r for r in rows}
    spec = APP.specs.spec
    for path, ops in spec["paths"].items():
        for method in ops:
            if method in ("get", "post", "delete"):
                assert (method.upper(), path) in listed, (method, path)
    for ep in ENDPOINTS:
        row = listed.get((ep.method, ep.spec_template))
        assert row is not None and row.implemented, ep.label
    table = coverage.markdown(rows)
    assert table.count("\n") >= len(rows)


def test_the_coverage_page_is_current() -> None:
    """docs/coverage.md is exactly what bench/coverage_table.py generates now."""
    coverage = _coverage_module()
    page = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert page == coverage.document(coverage.rows()), "docs/coverage.md is stale: run python bench/coverage_table.py"
