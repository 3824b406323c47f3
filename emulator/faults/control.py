"""``/_emulator/faults``: a platform's fault rules (the key in ``Authorization`` names the platform).

* ``POST /_emulator/faults`` (JSON or form) adds a rule and answers it (``id``, ``remaining``, ...).
* ``GET /_emulator/faults`` lists the rules, oldest first, with ``remaining`` and ``fired`` counts.
* ``DELETE /_emulator/faults`` deletes them all; ``GET|DELETE /_emulator/faults/{id}`` one.

``HEAD`` answers as ``GET`` does, without the body (it never adds or deletes a rule).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.core.state import State
from emulator.faults.rules import FaultBook
from emulator.http.control_plane import endpoint, read_body, reading, required_key
from emulator.http.errors import StripeError
from emulator.http.guard import refuse_cross_site

PATH = "/_emulator/faults"
NO_SUCH_RULE = "No such fault rule: '{id}'"


class FaultControl:
    def __init__(self, state: State, book: FaultBook) -> None:
        self.state = state
        self.book = book

    def routes(self) -> list[Route]:
        return [
            Route(PATH, endpoint(self.rules), methods=["GET", "POST", "DELETE"]),
            Route(PATH + "/{rule}", endpoint(self.rule), methods=["GET", "DELETE"]),
        ]

    async def rules(self, request: Request) -> dict[str, Any]:
        key = required_key(request)
        if reading(request):  # GET or HEAD: never a change
            data = [r.render() for r in self.book.of(key)]
            return {"object": "list", "url": PATH, "has_more": False, "data": data}
        refuse_cross_site(request)
        if request.method == "DELETE":
            return {"object": "emulator.faults", "deleted": self.book.delete(key)}
        return self.book.add(key, await read_body(request), int(self.state.clock.time())).render()

    async def rule(self, request: Request) -> dict[str, Any]:
        rule_id = request.path_params["rule"]
        key = required_key(request)
        found = next((r for r in self.book.of(key) if r.id == rule_id), None)
        if found is None:
            raise StripeError(NO_SUCH_RULE.format(id=rule_id[:100]), status=404, code="resource_missing", param="id")
        if reading(request):
            return found.render()
        refuse_cross_site(request)
        self.book.delete(key, rule_id)
        return {"id": found.id, "object": "emulator.fault", "deleted": True}
