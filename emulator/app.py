"""``create_app(state, settings)``: the ASGI application serving one :class:`State`."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.clock_control import ClockControl
from emulator.control import Control
from emulator.core.state import State
from emulator.http import errors
from emulator.http.api import Api, Receive, Send, dumps
from emulator.http.params import ParamSpecs, load_overlay, load_spec
from emulator.http.render import Representation, child_schemas, expandable_fields
from emulator.http.router import Router
from emulator.resources import registry
from emulator.settings import Settings
from emulator.webhooks.control import WebhookControl
from emulator.webhooks.delivery import DeliveryEngine


class EmulatorApp:
    """Sends ``/v1/`` to the Stripe API handler and everything else to the control plane."""

    def __init__(self, state: State, settings: Settings) -> None:
        self.state = state
        self.settings = settings
        spec = load_spec()
        self.catalog = catalog = registry.catalog()
        self.router = Router(catalog.routes)
        overlay = load_overlay()
        self.specs = ParamSpecs(spec, overlay)
        self.representation = Representation(
            catalog.renderers,
            expandable_fields(spec, overlay),
            catalog.virtual_fields,
            frozenset(catalog.retrieve_only),
            child_schemas(spec),
        )
        state.prefixes.update(catalog.prefixes)
        for init in catalog.platform_initializers:
            if init not in state.platform_initializers:
                state.platform_initializers.append(init)
        self.api = Api(state, settings, self.router, self.specs, self.representation)
        self.on_reset: list[Any] = []
        self.journal: Any = None  # emulator.persistence.Persistence once startup() opened --persist
        self.fixture_loader: Any = None  # emulator.fixtures.runner.FixtureLoader, set by startup()
        self.control = Control(state, settings, self.api, self.on_reset, app=self)
        self.webhooks = DeliveryEngine(state, settings)
        self.webhooks.install()
        self.on_reset.append(self.webhooks.on_reset)
        self.timekeeper = self.api.timekeeper
        self.timekeeper.after_move.append(self.webhooks.catch_up)
        self._dashboard: Any = None  # emulator.dashboard.Dashboard, built on the first dashboard request
        self.starlette = Starlette(
            routes=[
                *self.control.routes(),
                *ClockControl(state, self.timekeeper).routes(),
                *WebhookControl(state, self.webhooks).routes(),
                *self._dashboard_routes(),
            ]
        )
        self.starlette.add_exception_handler(404, self._not_found)
        self.starlette.add_exception_handler(405, self._not_found)

    @property
    def dashboard(self) -> Any:
        """The dashboard (imported and built on first use: it is not needed to serve the API)."""
        if self._dashboard is None:
            from emulator.dashboard import Dashboard

            self._dashboard = Dashboard(self)
        return self._dashboard

    def _dashboard_routes(self) -> list[Route]:
        from emulator.dashboard.paths import ROUTES

        def endpoint(name: str) -> Any:
            async def serve(request: Request) -> Response:
                response: Response = await getattr(self.dashboard, name)(request)
                return response

            return serve

        return [Route(path, endpoint(name), methods=list(methods)) for path, name, methods in ROUTES]

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        err = errors.unrecognized_url(request.method, request.url.path)
        return Response(dumps(err.body()), status_code=404, media_type="application/json")

    async def startup(self) -> None:
        """Before serving: restore ``--persist`` state, then load ``--fixtures`` (unless restored)."""
        from emulator.fixtures import runner

        fresh = True
        if self.settings.persist:
            from emulator import persistence

            fresh = await persistence.restore(self)
        await runner.install(self, load=fresh)

    def shutdown(self) -> None:
        if self.journal is not None:
            self.journal.close()
            self.journal = None

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if self.journal is not None and scope["type"] == "http":
            await self.journal.handle(scope, receive, send, self.dispatch)
            return
        await self.dispatch(scope, receive, send)

    async def dispatch(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/v1/", "/v2/")):
            await self.api(scope, receive, send)
            return
        await self.starlette(scope, receive, send)


def create_app(state: State | None = None, settings: Settings | None = None) -> EmulatorApp:
    return EmulatorApp(state if state is not None else State(), settings if settings is not None else Settings())
