"""The route table: Stripe paths (``/v1/issuing/cards/{card}``) to resource handlers.

A template is matched segment by segment: ``{name}`` takes one non-empty path segment, every
other segment must be equal. Routes with the same method and segment count are tried with the most
fixed segments first (``/{id}/cancel`` before ``/{id}/{x}``); templates without parameters are one
dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulator.core.context import Ctx

Handler = Callable[[Ctx], Any | Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    # Fields the response may include on request (``expand[]=number`` on card retrieve).
    includes: frozenset[str] = field(default_factory=frozenset)
    # Which spec operation checks the parameters (defaults to method + template).
    spec_template: str | None = None
    # Routes taking file uploads: ``multipart/form-data`` bodies up to this many bytes.
    uploads: int | None = None
    # Routes that refuse a request without its own ``Stripe-Version`` header (ephemeral keys).
    explicit_version: bool = False

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.split("/"))


def route(
    method: str,
    template: str,
    handler: Handler,
    *,
    includes: Iterable[str] = (),
    spec: str | None = None,
    uploads: int | None = None,
    explicit_version: bool = False,
) -> Route:
    return Route(method.upper(), template, handler, frozenset(includes), spec, uploads, explicit_version)


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


@dataclass(frozen=True)
class _Template:
    """A template with parameters: its fixed segments by position and its parameters by position."""

    fixed: tuple[tuple[int, str], ...]
    params: tuple[tuple[int, str], ...]
    route: Route

    @classmethod
    def of(cls, r: Route) -> _Template:
        fixed = tuple((i, seg) for i, seg in enumerate(r.segments) if not _is_param(seg))
        params = tuple((i, seg[1:-1]) for i, seg in enumerate(r.segments) if _is_param(seg))
        return cls(fixed, params, r)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        for i, seg in self.fixed:
            if parts[i] != seg:
                return None
        values: dict[str, str] = {}
        for i, name in self.params:
            value = parts[i]
            if not value:
                return None
            values[name] = value
        return values


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.static: dict[tuple[str, str], Route] = {}
        self.dynamic: dict[tuple[str, int], list[_Template]] = {}
        self.routes: list[Route] = []
        for r in routes:
            self.routes.append(r)
            if "{" in r.template:
                self.dynamic.setdefault((r.method, len(r.segments)), []).append(_Template.of(r))
            else:
                self.static[(r.method, r.template)] = r
        for candidates in self.dynamic.values():  # the most fixed segments first: order of registration is free
            candidates.sort(key=lambda t: -len(t.fixed))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        r = self.static.get((method, path))
        if r is not None:
            return r, {}
        parts = path.split("/")
        for candidate in self.dynamic.get((method, len(parts)), ()):
            values = candidate.match(parts)
            if values is not None:
                return candidate.route, values
        return None
