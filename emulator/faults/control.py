"""``/_emulator/faults``: a platform's fault rules (the key in ``Authorization`` names the platform).

* ``POST /_emulator/faults`` (JSON or form) adds a rule and answers it (``id``, ``remaining``, ...).
* ``GET /_emulator/faults`` lists the rules, oldest first, with ``remaining`` and ``fired`` counts.
* ``DELETE /_emulator/faults`` deletes them all; ``GET|DELETE /_emulator/faults/{id}`` one.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.control import refuse_cross_site
from emulator.core.state import State
from emulator.faults.rules import FaultBook
from emulator.http import auth, forms
from emulator.http.errors import StripeError
from emulator.http.responses import JSONResponse

PATH = "/_emulator/faults"
INVALID_BODY = "Invalid request body: send a JSON object or a form."
NO_SUCH_RULE = "No such fault rule: '{id}'"


def _error(exc: StripeError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if ctype == "application/json" or raw.lstrip()[:1] in (b"{", b"["):
            data = json.loads(raw)
        else:
            data = forms.decode(raw)
    except (ValueError, RecursionError, forms.FormError):
        raise StripeError(INVALID_BODY) from None
    if not isinstance(data, dict):
        raise StripeError(INVALID_BODY)
    return data


class FaultControl:
    def __init__(self, state: State, book: FaultBook) -> None:
        self.state = state
        self.book = book

    def routes(self) -> list[Route]:
        return [
            Route(PATH, self.rules, methods=["GET", "POST", "DELETE"]),
            Route(PATH + "/{rule}", self.rule, methods=["GET", "DELETE"]),
        ]

    async def rules(self, request: Request) -> Response:
        try:
            key = auth.key_from_header(request.headers.get("authorization"))
            if request.method == "GET":
                data = [r.render() for r in self.book.of(key)]
                return JSONResponse({"object": "list", "url": PATH, "has_more": False, "data": data})
            refuse_cross_site(request)
            if request.method == "DELETE":
                deleted = self.book.delete(key)
                return JSONResponse({"object": "emulator.faults", "deleted": deleted})
            rule = self.book.add(key, await _body(request), int(self.state.clock.time()))
        except StripeError as exc:
            return _error(exc)
        return JSONResponse(rule.render())

    async def rule(self, request: Request) -> Response:
        rule_id = request.path_params["rule"]
        try:
            key = auth.key_from_header(request.headers.get("authorization"))
            found = next((r for r in self.book.of(key) if r.id == rule_id), None)
            if found is None:
                raise StripeError(
                    NO_SUCH_RULE.format(id=rule_id[:100]), status=404, code="resource_missing", param="id"
                )
            if request.method == "GET":
                return JSONResponse(found.render())
            refuse_cross_site(request)
            self.book.delete(key, rule_id)
        except StripeError as exc:
            return _error(exc)
        return JSONResponse({"id": found.id, "object": "emulator.fault", "deleted": True})
