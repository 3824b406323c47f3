"""The dashboard's routes on the control plane (``/_emulator/``), and its glue to the app.

* ``GET /_emulator/``: the platforms (keys masked); with one platform, all of its objects too.
* ``GET /_emulator/platforms/{handle}``: one platform: accounts, financial accounts, cardholders,
  cards, authorizations, transactions, disputes, events, webhook endpoints and deliveries.
  ``{handle}`` is an opaque per-platform name (an HMAC of the key with a per-process secret).
* ``GET .../types/{type}?page=N``: every object of a type; ``.../objects/{id}``: one object with
  its JSON, links, what refers to it, its events and its actions; ``.../deliveries/{id}``: one
  webhook delivery with its attempts.
* ``GET /_emulator/search?q=ID``: to the page of the object with that id.
* ``POST .../actions/{name}``: purchase, capture, reverse, expire, refund, shipping, fund, replay
  (see ``actions``), then a redirect to the page to look at, with the result as its message.
* ``GET /_emulator/dashboard/changes``: ``{"version": ...}``, polled by pages to update in place.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from emulator.core.state import Platform
from emulator.core.store import Obj
from emulator.dashboard import actions, assets, data, forms, pages, paths, security
from emulator.dashboard.html import path_part
from emulator.dashboard.layout import Flash, page
from emulator.dashboard.view import ROOT, View
from emulator.fixtures.inprocess import call_app
from emulator.http import guard
from emulator.http.control_plane import ascii_int
from emulator.http.responses import JSONResponse

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

MAX_FORM_BYTES = 16_384
MAX_FORM_FIELDS = 30
MAX_FLASHES = 256
MAX_QUERY = 200
FORM_TYPE = "application/x-www-form-urlencoded"
PASTED_AROUND_ID = "\"'`,;:"

NO_PLATFORM = "No such platform"
NO_OBJECT = "No such object"
NO_ACTION = "No such action"
NOT_FOUND_TITLE = "Not found"
REFUSED_TITLE = "Refused"
REFUSED_ORIGIN = (
    "This action came from another site (its Origin is not this dashboard's), so it was refused. "
    "Use the forms on the dashboard's own pages."
)
REFUSED_TOKEN = (
    "This action did not carry the dashboard's form token, so it was refused. Reload the page and try again."
)
BAD_FORM = "The action's form could not be read: send it as application/x-www-form-urlencoded."
FORM_TOO_LARGE = "The action's form is too large."
INVALID_PAGE = "Invalid page number: it must be a positive integer."


def _categories(spec: Mapping[str, Any]) -> tuple[str, ...]:
    try:
        op = spec["paths"]["/v1/test_helpers/issuing/authorizations"]["post"]
        props = op["requestBody"]["content"][FORM_TYPE]["schema"]["properties"]
        return tuple(props["merchant_data"]["properties"]["category"]["enum"])
    except (KeyError, TypeError):
        return ()


class Dashboard:
    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.state = app.state
        self.secret = secrets.token_bytes(32)
        self.csrf = security.form_token(self.secret)
        self.categories = _categories(app.specs.spec)
        self.requests_seen = 0
        self.resets_seen = 0
        self.flashes: OrderedDict[str, Flash] = OrderedDict()
        self.actions = actions.Actions(self._call)
        app.api.observers.append(self._on_response)
        app.on_reset.append(self._on_reset)

    def routes(self) -> list[Route]:
        return [Route(path, getattr(self, name), methods=list(methods)) for path, name, methods in paths.ROUTES]

    # --- change tracking (for live pages) -------------------------------------------------------

    def _on_response(self, method: str, path: str, status: int, body: bytes) -> None:
        self.requests_seen += 1

    def _on_reset(self, key: str | None) -> None:
        self.resets_seen += 1

    @property
    def version(self) -> str:
        return f"{self.requests_seen}.{self.resets_seen}.{data.attempts_total(self.state)}"

    async def changes(self, request: Request) -> Response:
        return JSONResponse({"version": self.version}, headers={"Cache-Control": "no-store"})

    # --- helpers ----------------------------------------------------------------------------------

    def _view_of(self, platform: Platform, handle: str) -> View:
        return View(
            self.state,
            platform,
            handle,
            self.app.representation,
            self.app.settings.api_version,
            self.csrf,
            self.categories,
            self.app.catalog.titles,
        )

    def view(self, handle: str) -> View | None:
        platform = data.platform_by_handle(self.state, self.secret, handle)
        return None if platform is None else self._view_of(platform, handle)

    def _views(self) -> list[View]:
        platforms = reversed(list(self.state.platforms.items()))
        return [self._view_of(platform, data.handle_of(self.secret, key)) for key, platform in platforms]

    def _view_or_404(self, request: Request) -> View | Response:
        """The view of the platform the path's handle names, or the page saying there is none."""
        view = self.view(request.path_params["handle"])
        return self._not_found(request, NO_PLATFORM, request.path_params["handle"]) if view is None else view

    def _page(self, request: Request, title: str, body: Any, status: int = 200, query: str = "") -> Response:
        token = request.query_params.get("flash")
        flash = self.flashes.get(token) if token else None
        return page(title, body, version=self.version, flash=flash, query=query, status=status)

    def _not_found(self, request: Request, what: str, query: str) -> Response:
        return self._page(request, NOT_FOUND_TITLE, pages.not_found(what, query[:MAX_QUERY]), status=404)

    def _error(self, request: Request, title: str, message: str, status: int) -> Response:
        return page(title, pages.message(title, message), version=self.version, status=status)

    def _remember(self, flash: Flash) -> str:
        token = secrets.token_urlsafe(9)
        self.flashes[token] = flash
        while len(self.flashes) > MAX_FLASHES:
            self.flashes.popitem(last=False)
        return token

    # --- pages --------------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        views = self._views()
        rows = [(v, v.platform) for v in views[: pages.PLATFORMS_LIMIT]]
        return self._page(request, "Dashboard", pages.overview(rows, len(views)))

    async def platform(self, request: Request) -> Response:
        view = self._view_or_404(request)
        if isinstance(view, Response):
            return view
        return self._page(request, f"Platform {view.masked_key}", pages.platform_page(view))

    async def listing(self, request: Request) -> Response:
        view = self._view_or_404(request)
        if isinstance(view, Response):
            return view
        raw = request.query_params.get("page", "1")
        page = ascii_int(raw) if raw.isdigit() and len(raw) <= 6 else None  # ASCII digits: not "²"
        if page is None or page < 1:
            return self._error(request, "Bad request", INVALID_PAGE, 400)
        object_type = request.path_params["object_type"][:MAX_QUERY]
        return self._page(request, object_type, pages.list_page(view, object_type, page))

    async def object(self, request: Request) -> Response:
        view = self._view_or_404(request)
        if isinstance(view, Response):
            return view
        obj_id = request.path_params["obj_id"]
        found = data.find(view.platform, obj_id)
        if found is None:
            return self._not_found(request, NO_OBJECT, obj_id)
        scope, obj = found
        return self._page(request, obj_id, pages.object_page(view, scope, obj))

    async def delivery(self, request: Request) -> Response:
        view = self._view_or_404(request)
        if isinstance(view, Response):
            return view
        delivery_id = request.path_params["delivery_id"]
        found = data.delivery(view.platform, delivery_id)
        if found is None:
            return self._not_found(request, NO_OBJECT, delivery_id)
        return self._page(request, delivery_id, pages.delivery_page(view, found))

    async def search(self, request: Request) -> Response:
        # an id pasted from JSON or a log often comes with its quotes or a trailing comma
        query = request.query_params.get("q", "").strip().strip(PASTED_AROUND_ID).strip()[:MAX_QUERY]
        if not query:
            return RedirectResponse(ROOT, status_code=303)
        matches: list[tuple[View, str]] = []
        for view in self._views():
            if view.exists(query):
                matches.append((view, query))
        if len(matches) == 1:
            view, obj_id = matches[0]
            return RedirectResponse(view.object_url(obj_id), status_code=303)
        if not matches:
            return self._page(request, NOT_FOUND_TITLE, pages.not_found(NO_OBJECT, query), status=404, query=query)
        return self._page(request, "Search", pages.search_results(matches, query), query=query)

    async def css(self, request: Request) -> Response:
        return Response(assets.CSS, media_type="text/css", headers={"Cache-Control": "no-cache"})

    async def js(self, request: Request) -> Response:
        return Response(assets.JS, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    # --- actions --------------------------------------------------------------------------------------

    async def action(self, request: Request) -> Response:
        if not guard.same_origin(request):
            return self._error(request, REFUSED_TITLE, REFUSED_ORIGIN, 403)
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        if not security.token_ok(self.secret, form.get(forms.TOKEN_FIELD)):
            return self._error(request, REFUSED_TITLE, REFUSED_TOKEN, 403)
        view = self._view_or_404(request)
        if isinstance(view, Response):
            return view
        name = request.path_params["action"]
        target = self._target(view, form.get(forms.OBJECT_FIELD, "").strip())
        if target is None:
            return self._not_found(request, NO_OBJECT, form.get(forms.OBJECT_FIELD, ""))
        obj, account = target
        try:
            outcome = await self.actions.run(view, name, form, obj, account)
        except LookupError:
            return self._not_found(request, NO_ACTION, name)
        except actions.ActionError as exc:
            outcome = actions.Outcome(Flash(False, str(exc)), "" if name == "clock" else obj["id"])
        token = self._remember(outcome.flash)
        shown = view.object_url(outcome.show) if outcome.show else view.url  # "": the platform's page
        return RedirectResponse(f"{shown}?flash={path_part(token)}", status_code=303)

    async def _form(self, request: Request) -> dict[str, str] | Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != FORM_TYPE:
            return self._error(request, "Bad request", BAD_FORM, 415)
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_FORM_BYTES:
                return self._error(request, "Bad request", FORM_TOO_LARGE, 413)
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            return self._error(request, "Bad request", BAD_FORM, 400)
        return dict(pairs)

    @staticmethod
    def _target(view: View, obj_id: str) -> tuple[Obj, str | None] | None:
        """The object an action is about, and the connected account to act as (None: the platform)."""
        if obj_id.startswith(data.DELIVERY_PREFIX):
            found_delivery = data.delivery(view.platform, obj_id)
            if found_delivery is None:
                return None
            return {"id": found_delivery.id, "object": actions.DELIVERY_KIND}, None
        found = data.find(view.platform, obj_id) if obj_id else None
        if found is None:
            return None
        scope, obj = found
        return view.rendered(scope, obj), scope.account_id if scope.is_connected else None

    async def _call(
        self, view: View, method: str, path: str, params: Mapping[str, str], account: str | None
    ) -> tuple[int, Any]:
        headers = [
            ("authorization", f"Bearer {view.platform.key}"),
            ("content-type", FORM_TYPE),
            ("user-agent", actions.USER_AGENT),
        ]
        if account:
            headers.append(("stripe-account", account))
        status, body = await call_app(self.app, method, path, body=actions.encode(params), headers=headers)
        return status, actions.parse_body(body)
