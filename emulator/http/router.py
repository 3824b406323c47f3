"""The route table: Stripe paths (``/v1/issuing/cards/{card}``) to resource handlers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulator.core.context import Ctx

Handler = Callable[[Ctx], Any | Awaitable[Any]]
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    # Fields the response may include on request (``expand[]=number`` on card retrieve).
    includes: frozenset[str] = field(default_factory=frozenset)
    # Which spec operation checks the parameters (defaults to method + template).
    spec_template: str | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", self.template) + "$")


def route(
    method: str, template: str, handler: Handler, *, includes: Iterable[str] = (), spec: str | None = None
) -> Route:
    return Route(method.upper(), template, handler, frozenset(includes), spec)


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.static: dict[tuple[str, str], Route] = {}
        self.dynamic: dict[str, list[tuple[re.Pattern[str], Route]]] = {}
        self.routes: list[Route] = []
        for r in routes:
            self.routes.append(r)
            if "{" in r.template:
                self.dynamic.setdefault(r.method, []).append((r.pattern, r))
            else:
                self.static[(r.method, r.template)] = r

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        r = self.static.get((method, path))
        if r is not None:
            return r, {}
        for pattern, candidate in self.dynamic.get(method, ()):
            m = pattern.match(path)
            if m is not None:
                return candidate, m.groupdict()
        return None
