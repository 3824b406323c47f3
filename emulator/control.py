"""The emulator's own endpoints under ``/_emulator/`` (never under ``/v1/``).

``GET|HEAD /_emulator/health``, ``POST /_emulator/reset`` (everything, or only the calling
key's platform when an API key is sent), ``GET /_emulator/state`` and
``GET /_emulator/requests`` for debugging from a test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator import __version__
from emulator.core.state import State
from emulator.http import auth
from emulator.http.api import Api
from emulator.http.errors import StripeError, mask_key
from emulator.settings import Settings


class Control:
    def __init__(self, state: State, settings: Settings, api: Api, on_reset: list[Callable[[str | None], None]]) -> None:
        self.state = state
        self.settings = settings
        self.api = api
        self.on_reset = on_reset

    async def health(self, request: Request) -> Response:
        body = {"status": "ok", "version": __version__, "api_version": self.settings.api_version}
        if request.method == "HEAD":
            return Response(status_code=200, media_type="application/json")
        return JSONResponse(body)

    async def reset(self, request: Request) -> Response:
        key: str | None = None
        if request.headers.get("authorization"):
            try:
                key = auth.key_from_header(request.headers.get("authorization"))
            except StripeError as exc:
                return JSONResponse(exc.body(), status_code=exc.status)
        self.state.reset(key)
        for hook in self.on_reset:
            hook(key)
        return JSONResponse({"status": "ok", "reset": "platform" if key else "all"})

    async def dump_state(self, request: Request) -> Response:
        out: dict[str, Any] = {}
        for key, platform in self.state.platforms.items():
            accounts: dict[str, Any] = {}
            for account_id, scope in platform.scopes.items():
                accounts[account_id] = {
                    "account": platform.account_by_id(account_id),
                    "objects": {name: list(store.values()) for name, store in scope.stores.items()},
                }
            out[mask_key(key)] = {"platform_account": platform.account_id, "accounts": accounts}
        return JSONResponse({"platforms": out})

    async def requests(self, request: Request) -> Response:
        records = []
        for r in self.api.recent:
            item = dict(r)
            body = item.pop("response_body", b"")
            item["response_body"] = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            records.append(item)
        return JSONResponse({"requests": records})

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/health", self.health, methods=["GET", "HEAD"]),
            Route("/_emulator/reset", self.reset, methods=["POST"]),
            Route("/_emulator/state", self.dump_state, methods=["GET"]),
            Route("/_emulator/requests", self.requests, methods=["GET"]),
        ]
