"""Finds every resource module's declaration and merges them into one :class:`Catalog` for create_app.

Nothing is listed by hand: each module under ``emulator/resources/`` that exports ``RESOURCES`` (a
tuple) or else ``RESOURCE`` is imported and read, in module-name order.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import emulator.resources
from emulator.core.context import Ctx
from emulator.core.state import Platform, State
from emulator.http.render import RenderFn, VirtualFn
from emulator.http.router import Route
from emulator.resources.resource import Resource

DECLARED_TWICE = "{field} of {object} is declared by two resource modules"
PREFIX_TAKEN = "id prefix {prefix!r} is declared for both {first} and {second}"


K = TypeVar("K")
V = TypeVar("V")


class DeclarationError(RuntimeError):
    """Two declarations contradict each other: a programming error found at start-up."""


def declarations() -> Iterator[Resource]:
    """Every declaration of every module below ``emulator.resources``, in module-name order."""
    package = emulator.resources
    names = sorted(info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."))
    for name in names:
        module = importlib.import_module(name)
        found = getattr(module, "RESOURCES", None)
        if found is None:
            found = (getattr(module, "RESOURCE", None),)
        yield from (r for r in found if isinstance(r, Resource))


@dataclass
class Catalog:
    """All declarations merged by object type."""

    routes: list[Route] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)  # id prefix -> object type
    titles: dict[str, str] = field(default_factory=dict)  # object type -> dashboard title
    renderers: dict[str, RenderFn] = field(default_factory=dict)
    virtual_fields: dict[tuple[str, str], VirtualFn] = field(default_factory=dict)
    retrieve_only: set[tuple[str, str]] = field(default_factory=set)
    events: dict[str, str] = field(default_factory=dict)  # event type -> object type
    platform_initializers: list[Callable[[Platform], None]] = field(default_factory=list)
    account_listeners: list[Callable[[Ctx], None]] = field(default_factory=list)
    _prefix_of: dict[str, str] = field(default_factory=dict)

    def add(self, r: Resource) -> None:
        self.routes.extend(r.routes)
        if r.prefix is not None:
            for prefix in (r.prefix, *r.more_prefixes):
                first = self.prefixes.setdefault(prefix, r.object)
                if first != r.object:
                    raise DeclarationError(PREFIX_TAKEN.format(prefix=prefix, first=first, second=r.object))
            _once(self._prefix_of, r.object, r.prefix, "prefix")
        _once(self.titles, r.object, r.title, "title")
        _once(self.renderers, r.object, r.render, "render")
        for name, fn in r.virtual.items():
            _once(self.virtual_fields, (r.object, name), fn, f"virtual field {name}")
        self.retrieve_only.update((r.object, name) for name in r.retrieve_only)
        for event_type in r.events:
            self.events[event_type] = r.object
        if r.on_new_platform is not None:
            self.platform_initializers.append(r.on_new_platform)
        if r.on_account_change is not None:
            self.account_listeners.append(r.on_account_change)

    def install(self, state: State) -> None:
        """Make ``state`` know the declared id prefixes and set up each new platform as declared."""
        state.prefixes.update(self.prefixes)
        for init in self.platform_initializers:
            if init not in state.platform_initializers:
                state.platform_initializers.append(init)
        for listener in self.account_listeners:
            if listener not in state.account_listeners:
                state.account_listeners.append(listener)

    def title(self, object_type: str) -> str:
        return self.titles.get(object_type, object_type)


def _once(table: dict[K, V], key: K, value: V | None, what: str) -> None:
    if value is None:
        return
    if key in table and table[key] != value:
        raise DeclarationError(DECLARED_TWICE.format(field=what, object=key))
    table[key] = value


def catalog() -> Catalog:
    out = Catalog()
    for declaration in declarations():
        out.add(declaration)
    return out
