"""Each resource module declares what it serves (``emulator.resources.resource.Resource``); the
registry finds the declarations, and nothing can make an id whose prefix no resource declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import emulator
from emulator.core.context import Ctx
from emulator.core.state import State
from emulator.http.router import route
from emulator.resources import registry
from emulator.resources.resource import Resource

SOURCE = Path(emulator.__file__).parent
NEW_ID = re.compile(r"""new_id\(\s*["']([a-z_]+)["']""")
EMITTED = re.compile(r"""emit\(\s*["']([a-z_.]+)["']""")
CATALOG = registry.catalog()


def _sources() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def test_every_id_prefix_the_code_makes_is_declared() -> None:
    made = {m.group(1) for path in _sources() for m in NEW_ID.finditer(path.read_text(encoding="utf-8"))}
    assert made, "no new_id(...) call found: the pattern is stale"
    assert made - set(CATALOG.prefixes) == set()


def test_an_undeclared_prefix_is_refused_when_an_id_is_made() -> None:
    state = State(seed=1)
    CATALOG.install(state)
    platform = state.platform("sk_test_declarations")
    ctx = Ctx(state, platform, platform.scope(), renderer=None)  # type: ignore[arg-type]
    assert ctx.new_id("ic").startswith("ic_1")
    with pytest.raises(LookupError, match="zzz"):
        ctx.new_id("zzz")


def test_every_event_the_code_emits_by_name_is_declared_by_its_resource() -> None:
    emitted = {m.group(1) for path in _sources() for m in EMITTED.finditer(path.read_text(encoding="utf-8"))}
    assert emitted, "no emit(...) call found: the pattern is stale"
    assert emitted - set(CATALOG.events) == set()


def test_the_catalog_derives_the_tables_from_the_declarations() -> None:
    assert CATALOG.prefixes["ic"] == "issuing.card"
    assert CATALOG.title("issuing.card") == "Cards"
    assert ("issuing.card", "personalization_design") in CATALOG.virtual_fields  # declared by another module
    assert ("treasury.transaction", "entries") in CATALOG.retrieve_only
    templates = {(r.method, r.template) for r in CATALOG.routes}
    assert ("POST", "/v1/test_helpers/issuing/authorizations") in templates
    assert len(templates) == len(CATALOG.routes), "a route is declared twice"


def test_contradicting_declarations_are_refused() -> None:
    catalog = registry.Catalog()
    catalog.add(Resource("thing", prefix="th", title="Things"))
    with pytest.raises(registry.DeclarationError):
        catalog.add(Resource("other", prefix="th"))
    with pytest.raises(registry.DeclarationError):
        catalog.add(Resource("thing", title="Other things"))
    with pytest.raises(registry.DeclarationError):
        catalog.add(Resource("thing", prefix="thx"))
    catalog.add(Resource("thing", routes=[route("GET", "/v1/things", lambda ctx: {})]))  # routes merge
    assert [r.template for r in catalog.routes] == ["/v1/things"]
