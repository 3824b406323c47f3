"""One platform as the dashboard sees it: its handle, links to its objects, API rendering."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.core import jsonutil
from emulator.core.context import Ctx
from emulator.core.state import Platform, Scope, State
from emulator.core.store import Obj
from emulator.dashboard import data
from emulator.dashboard.html import Markup, el, escape, join, link, path_part
from emulator.http.errors import mask_key
from emulator.http.render import Representation

ROOT = "/_emulator/"
SEARCH = "/_emulator/search"
JSON_INDENT = "  "


def platform_url(handle: str) -> str:
    return f"{ROOT}platforms/{handle}"


@dataclass(frozen=True)
class View:
    state: State
    platform: Platform
    handle: str
    representation: Representation
    api_version: str
    csrf: str  # the token every action form carries
    categories: tuple[str, ...]  # merchant categories a simulated purchase may use
    titles: Mapping[str, str]  # object type -> plural title (the resources' declarations)

    def title(self, object_type: str) -> str:
        return self.titles.get(object_type, object_type)

    # --- urls ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return platform_url(self.handle)

    @property
    def masked_key(self) -> str:
        return mask_key(self.platform.key)

    def object_url(self, obj_id: str) -> str:
        if obj_id.startswith(data.DELIVERY_PREFIX):
            return f"{self.url}/deliveries/{path_part(obj_id)}"
        return f"{self.url}/objects/{path_part(obj_id)}"

    def list_url(self, object_type: str, page: int = 1) -> str:
        suffix = f"?page={page}" if page > 1 else ""
        return f"{self.url}/types/{path_part(object_type)}{suffix}"

    def action_url(self, action: str) -> str:
        return f"{self.url}/actions/{path_part(action)}"

    # --- objects -------------------------------------------------------------------------------

    def exists(self, obj_id: str) -> bool:
        if obj_id.startswith(data.DELIVERY_PREFIX):
            return data.delivery(self.platform, obj_id) is not None
        return data.find(self.platform, obj_id) is not None

    def id_link(self, obj_id: Any) -> Markup:
        """A link to the object when this platform holds it, else the id as text."""
        if not isinstance(obj_id, str) or not obj_id:
            return escape("—")
        if self.exists(obj_id):
            return link(self.object_url(obj_id), el("code", None, obj_id))
        return el("code", None, obj_id)

    def ref_link(self, value: Any) -> Markup:
        """A link for a field that holds an id or an expanded object."""
        if isinstance(value, dict):
            value = value.get("id")
        return self.id_link(value)

    def ctx(self, scope: Scope) -> Ctx:
        return Ctx(self.state, self.platform, scope, self.representation, api_version=self.api_version)

    def rendered(self, scope: Scope, obj: Obj) -> Obj:
        """The object as the API shows it (renderers applied, nothing expanded)."""
        thawed: Obj = jsonutil.thaw(self.representation.render(self.ctx(scope), obj, []))
        return thawed

    def account_label(self, scope: Scope) -> Markup:
        if scope.is_connected:
            return self.id_link(scope.account_id)
        return join(self.id_link(scope.account_id), " ", el("span", {"class": "muted"}, "(platform)"))

    # --- JSON with links -----------------------------------------------------------------------

    def json_html(self, value: Any) -> Markup:
        """``value`` as indented JSON, ids of this platform's objects as links, all text escaped."""
        return el("pre", {"class": "json"}, self._json(value, 0))

    def _json(self, value: Any, depth: int) -> Markup:
        pad = JSON_INDENT * (depth + 1)
        end = JSON_INDENT * depth
        if isinstance(value, jsonutil.FrozenJSON):
            value = value.value()
        if isinstance(value, dict):
            if not value:
                return Markup("{}")
            items = [
                join(pad, el("span", {"class": "k"}, _quoted(str(k))), ": ", self._json(v, depth + 1))
                for k, v in value.items()
            ]
            return join("{\n", _commas(items), "\n", end, "}")
        if isinstance(value, list):
            if not value:
                return Markup("[]")
            items = [join(pad, self._json(v, depth + 1)) for v in value]
            return join("[\n", _commas(items), "\n", end, "]")
        if isinstance(value, str):
            text = el("span", {"class": "s"}, _quoted(value))
            if data.looks_like_id(self.state, value) and self.exists(value):
                return link(self.object_url(value), text)
            return text
        if value is None:
            return el("span", {"class": "n"}, "null")
        if isinstance(value, bool):
            return el("span", {"class": "b"}, "true" if value else "false")
        return el("span", {"class": "d"}, str(value))


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _commas(items: list[Markup]) -> Markup:
    out: list[Markup] = []
    for i, item in enumerate(items):
        out.append(item)
        if i < len(items) - 1:
            out.append(Markup(",\n"))
    return join(out)
