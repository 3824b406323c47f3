"""``python -m emulator.scaffold AREA/NAME --object OBJ --prefix P --url /v1/...``: a new resource's files.

Writes, and never overwrites:

* ``emulator/resources/AREA/NAME.py``: create, retrieve, update (metadata) and list handlers, and the
  module's ``RESOURCE`` declaration (the registry finds it; nothing else needs to list it);
* ``emulator/spec/overlay-NAME.json``: parameter stubs for the operations the vendored spec lacks
  (fill them from the SDK's types: ``python -m tests.support.sdk_params stripe.params.XCreateParams``);
* ``tests/AREA/test_NAME.py``: a create, retrieve, update and list round trip over a real socket.

Then write the resource's rules in the module and run its test (ARCHITECTURE.md, "Add a resource").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from emulator.http.params import load_spec

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"[a-z][a-z0-9_]*")
OBJECT = re.compile(r"[a-z][a-z0-9_.]*")
EXISTS = "{path} exists already: nothing was written"
NEWER_OBJECT = (
    "{object} is newer than the vendored spec: the tests validate answers against it, so add "
    '"{object}": frozenset({{"created", "id", "livemode", "metadata", "object"}}) (and each field you add) '
    "to NEWER_OBJECTS in tests/support/schema_allowances.py"
)
BAD_NAME = "AREA/NAME must be lower-case identifiers, like issuing/settlements"
BAD_URL = "--url must be a /v1/ path without parameters, like /v1/issuing/settlements"

MODULE = '''"""{title} (``{url}``).

Rules: (write them here: what is required, which states exist, what each change emits).
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource

OBJECT = "{object}"
URL = "{url}"


def create(ctx: Ctx) -> Obj:
    obj: Obj = {{
        "id": ctx.new_id("{prefix}"),
        "object": OBJECT,
        "created": ctx.now,
        "livemode": False,
        "metadata": common.merge_metadata(None, ctx.params.get("metadata") or {{}}),
    }}
    ctx.scope.add(obj)
    ctx.emit("{event}.created", obj)
    return obj


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, OBJECT, ctx.path["{param}"])


def update(ctx: Ctx) -> Obj:
    obj = common.get(ctx, OBJECT, ctx.path["{param}"])
    before = ctx.snapshot(obj)
    common.update_metadata(obj, ctx.params)
    ctx.emit("{event}.updated", obj, before)
    return obj


def list_all(ctx: Ctx) -> Obj:
    return paginate(ctx.scope.store(OBJECT), URL, ctx.params, [], noun=common.noun(OBJECT))


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_all),
    route("GET", URL + "/{{{param}}}", retrieve),
    route("POST", URL + "/{{{param}}}", update),
]

RESOURCE = Resource(
    OBJECT,
    prefix="{prefix}",
    title="{title}",
    routes=ROUTES,
    events=("{event}.created", "{event}.updated"),
)
'''

TEST = '''"""{title}: create, retrieve, update and list over a real socket."""

from __future__ import annotations

import httpx


def test_create_retrieve_update_and_list(http: httpx.Client) -> None:
    created = http.post("{url}", data={{"metadata[order]": "1"}})
    assert created.status_code == 200, created.text
    obj = created.json()
    assert obj["id"].startswith("{prefix}_") and obj["object"] == "{object}"
    assert http.get(f"{url}/{{obj['id']}}").json() == obj
    updated = http.post(f"{url}/{{obj['id']}}", data={{"metadata[order]": "2"}}).json()
    assert updated["metadata"] == {{"order": "2"}}
    listed = http.get("{url}").json()
    assert [o["id"] for o in listed["data"]] == [obj["id"]] and listed["url"] == "{url}"


def test_an_unknown_id_is_stripes_404(http: httpx.Client) -> None:
    r = http.get("{url}/{prefix}_nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "resource_missing"
'''

PAGE = {"limit": {"type": "integer"}, "starting_after": {"type": "string"}, "ending_before": {"type": "string"}}
EXPAND = {"expand": {"type": "array", "items": {"type": "string", "maxLength": 5000}}}
METADATA = {"metadata": {"anyOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"enum": [""]}]}}


def path_param(url: str) -> str:
    """The name the vendored spec gives the object's path parameter (``id`` if it has no such path)."""
    for template in load_spec()["paths"]:
        found = re.fullmatch(re.escape(url) + r"/\{(\w+)\}", template)
        if found:
            return found.group(1)
    return "id"


def overlay(url: str, object_type: str, param: str) -> dict[str, object]:
    """Parameter stubs for the operations the vendored spec does not have (empty if it has them all)."""
    paths = load_spec()["paths"]
    wanted = {
        f"post {url}": {**EXPAND, **METADATA},
        f"get {url}": {**EXPAND, **PAGE},
        f"get {url}/{{{param}}}": EXPAND,
        f"post {url}/{{{param}}}": {**EXPAND, **METADATA},
    }
    missing = {
        key: {"type": "object", "properties": props}
        for key, props in wanted.items()
        if key.partition(" ")[0] not in paths.get(key.partition(" ")[2], {})
    }
    if not missing:
        return {}
    responses = {key: (f"list:{object_type}" if key == f"get {url}" else object_type) for key in missing}
    return {
        "_comment": f"{object_type}: operations newer than the vendored spec (stubs: fill from the SDK's types)",
        "operations": missing,
        "responses": responses,
    }


def spec_knows(object_type: str) -> bool:
    """Whether a component schema of the vendored spec is this ``object``."""
    for schema in load_spec().get("components", {}).get("schemas", {}).values():
        if object_type in (schema.get("properties", {}).get("object", {}).get("enum") or ()):
            return True
    return False


def plan(area: str, name: str, object_type: str, prefix: str, url: str) -> dict[Path, str]:
    title = name.replace("_", " ").capitalize()
    event = object_type.replace("issuing.", "issuing_") if object_type.startswith("issuing.") else object_type
    param = path_param(url)
    fields = {"object": object_type, "prefix": prefix, "url": url, "title": title, "event": event, "param": param}
    files = {
        ROOT / "emulator" / "resources" / area / f"{name}.py": MODULE.format(**fields),
        ROOT / "tests" / area / f"test_{name}.py": TEST.format(**fields),
    }
    stubs = overlay(url, object_type, param)
    if stubs:
        files[ROOT / "emulator" / "spec" / f"overlay-{name}.json"] = json.dumps(stubs, indent=2) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.scaffold", description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="AREA/NAME, e.g. issuing/settlements")
    parser.add_argument("--object", required=True, help="Stripe's object name, e.g. issuing.settlement")
    parser.add_argument("--prefix", required=True, help="the id prefix, e.g. ise")
    parser.add_argument("--url", required=True, help="the collection's path, e.g. /v1/issuing/settlements")
    args = parser.parse_args(argv)
    area, _, name = str(args.module).partition("/")
    if not (NAME.fullmatch(area) and NAME.fullmatch(name) and NAME.fullmatch(args.prefix)):
        parser.error(BAD_NAME)
    if not OBJECT.fullmatch(args.object):
        parser.error(BAD_NAME)
    if not re.fullmatch(r"/v1(/[a-z_]+)+", args.url):
        parser.error(BAD_URL)
    files = plan(area, name, args.object, args.prefix, args.url)
    for path in files:
        if path.exists():
            print(EXISTS.format(path=path), file=sys.stderr)
            return 1
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    if not spec_knows(args.object):
        print(NEWER_OBJECT.format(object=args.object))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
