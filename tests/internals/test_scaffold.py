"""``python -m emulator.scaffold`` writes a new resource's module, overlay stubs and test."""

from __future__ import annotations

import json

from emulator import scaffold


def test_a_resource_the_spec_knows_gets_no_overlay_and_the_specs_path_parameter() -> None:
    files = scaffold.plan("other", "endpoints", "webhook_endpoint", "we", "/v1/webhook_endpoints")
    assert {p.name for p in files} == {"endpoints.py", "test_endpoints.py"}
    module = next(text for p, text in files.items() if p.name == "endpoints.py")
    compile(module, "endpoints.py", "exec")
    assert 'route("GET", URL + "/{webhook_endpoint}", retrieve)' in module  # the spec's name for it
    assert 'RESOURCE = Resource(\n    OBJECT,\n    prefix="we",' in module


def test_a_resource_newer_than_the_spec_gets_overlay_stubs_for_its_operations() -> None:
    files = scaffold.plan("issuing", "gizmos", "issuing.gizmo", "igz", "/v1/issuing/gizmos")
    overlay = json.loads(next(text for p, text in files.items() if p.suffix == ".json"))
    assert set(overlay["operations"]) == {
        "post /v1/issuing/gizmos",
        "get /v1/issuing/gizmos",
        "get /v1/issuing/gizmos/{id}",
        "post /v1/issuing/gizmos/{id}",
    }
    assert overlay["responses"]["get /v1/issuing/gizmos"] == "list:issuing.gizmo"
    for path, text in files.items():
        if path.suffix == ".py":
            compile(text, path.name, "exec")


def test_it_never_overwrites_a_file(capsys: object) -> None:
    assert scaffold.main(["connect/accounts", "--object", "account", "--prefix", "acct", "--url", "/v1/accounts"]) == 1


def test_it_names_the_schema_entry_an_object_newer_than_the_spec_needs() -> None:
    """The generated test validates answers against the spec: a newer object needs its fields listed."""
    assert scaffold.spec_knows("issuing.card") and scaffold.spec_knows("webhook_endpoint")
    assert not scaffold.spec_knows("issuing.gizmo")
    text = scaffold.NEWER_OBJECT.format(object="issuing.gizmo")
    assert '"issuing.gizmo": frozenset({"created", "id", "livemode", "metadata", "object"})' in text
    assert "NEWER_OBJECTS in tests/support/schema_allowances.py" in text
