"""``create_app(state, settings)``: the ASGI application serving one :class:`State`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.clock_control import ClockControl
from emulator.control import Control
from emulator.core.state import State
from emulator.faults.control import FaultControl
from emulator.faults.injector import FaultInjector
from emulator.faults.rules import FaultBook
from emulator.hosted import HostedPages
from emulator.http import auth, errors, guard, limits
from emulator.http.api import Api, Receive, Send, dumps
from emulator.http.params import ParamSpecs, load_overlay, load_spec
from emulator.http.render import Representation, child_schemas, expandable_fields
from emulator.http.router import Router
from emulator.resources import registry
from emulator.settings import Settings
from emulator.webhooks.control import WebhookControl
from emulator.webhooks.delivery import DeliveryEngine

if TYPE_CHECKING:
    from emulator.dashboard import Dashboard
    from emulator.fixtures.runner import FixtureLoader
    from emulator.persistence import Persistence


class EmulatorApp:
    """Sends ``/v1/`` to the Stripe API handler and everything else to the control plane.

    Every request first passes :mod:`emulator.http.guard` (a served ``Host``; no ``/_emulator/``
    request from the emulator's own deliveries) and has its body read within ``--body-timeout``
    (:mod:`emulator.http.limits`). The optional services are attributes built by :meth:`startup`:
    ``journal`` (``--persist``), ``fixture_loader``; ``dashboard`` is built on first use.
    """

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
        catalog.install(state)
        self.api = Api(state, settings, self.router, self.specs, self.representation)
        self.on_reset: list[Any] = []
        self.hosts = guard.HostPolicy(settings.host, settings.allowed_hosts)
        self.bodies = limits.BodyReader(settings.body_timeout)
        self.journal: Persistence | None = None  # once startup() opened --persist
        self.fixture_loader: FixtureLoader | None = None  # built by startup()
        self.control = Control(state, settings, self.api, self.on_reset, app=self)
        self.webhooks = DeliveryEngine(state, settings)
        self.webhooks.install()
        self.on_reset.append(self.webhooks.on_reset)
        self.faults = FaultBook(settings.seed)  # /_emulator/faults rules, per key
        self.on_reset.append(self.faults.reset)
        self.front = FaultInjector(self.faults, settings.api_version, self.serve)
        self.timekeeper = self.api.timekeeper
        self.timekeeper.after_move.append(self.webhooks.catch_up)
        self._dashboard: Dashboard | None = None  # built on the first dashboard request
        self.starlette = Starlette(
            routes=[
                *self.control.routes(),
                *ClockControl(state, self.timekeeper).routes(),
                *WebhookControl(state, self.webhooks).routes(),
                *HostedPages(self).routes(),
                *FaultControl(state, self.faults).routes(),
                *self._dashboard_routes(),
            ]
        )
        self.starlette.add_exception_handler(404, self._not_found)
        self.starlette.add_exception_handler(405, self._not_found)

    @property
    def dashboard(self) -> Dashboard:
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

    def listening_on(self, host: str, address: tuple[Any, ...]) -> None:
        """Tell the app where it is served: ``host`` as bound (names the hosts it answers to) and the
        socket's address (webhook deliveries never go there)."""
        if host != self.settings.host:
            self.hosts = guard.HostPolicy(host, self.settings.allowed_hosts)
        self.state.served.add((str(address[0]), int(address[1])))

    async def startup(self) -> None:
        """Before serving: restore ``--persist`` state, then load ``--fixtures`` (unless restored)."""
        from emulator.fixtures import runner

        fresh = True
        if self.settings.persist:
            from emulator import persistence

            self.journal = await persistence.restore(self)
            fresh = self.journal.fresh
        self.fixture_loader = await runner.install(self, load=fresh)

    def shutdown(self) -> None:
        if self.journal is not None:
            self.journal.close()
            self.journal = None

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.dispatch(scope, receive, send)
            return
        headers = scope["headers"]
        server = scope.get("server")
        if server and server[1] and (server[0], server[1]) not in self.state.served:
            self.state.served.add((str(server[0]), int(server[1])))
        host = guard.host_header(headers)
        if not self.hosts.allows(host):
            await limits.send_error(send, guard.host_refusal(host or ""))
            return
        path: str = scope["path"]
        is_api = path.startswith(("/v1/", "/v2/"))
        if not is_api and guard.is_outbound(headers):
            await limits.send_error(send, guard.outbound_refusal())
            return
        body = await self.bodies.read(headers, receive, send, self.settings.max_body_bytes, not is_api)
        if body is None:
            return
        if is_api:
            if self.faults.rules or self.journal is not None:
                await self.front(scope, body, send)  # fault rules, then serve()
            else:
                await self.api(scope, body, send)  # what front() -> serve() -> dispatch() come to
            return
        if self.api.loading and scope["method"] not in ("GET", "HEAD"):
            await self.api.loads.wait(_key_of(headers))  # a fixture load runs: control-plane writes wait
        await self.serve(scope, body, send)

    async def serve(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """The journal (``--persist``), then :meth:`dispatch`."""
        if self.journal is not None:
            await self.journal.handle(scope, receive, send, self.dispatch)
            return
        await self.dispatch(scope, receive, send)

    async def dispatch(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/v1/", "/v2/")):
            await self.api(scope, receive, send)
            return
        await self.starlette(scope, receive, send)


def _key_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The API key a control-plane request names (None: none, or not a valid one)."""
    value = next((v for k, v in headers if k.lower() == b"authorization"), None)
    if value is None:
        return None
    try:
        return auth.key_from_header(value.decode("latin-1"))
    except errors.StripeError:
        return None


def create_app(state: State | None = None, settings: Settings | None = None) -> EmulatorApp:
    return EmulatorApp(state if state is not None else State(), settings if settings is not None else Settings())
