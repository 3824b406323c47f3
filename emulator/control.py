"""The emulator's own endpoints under ``/_emulator/`` (never under ``/v1/``; no key needed unless said).

* ``GET|HEAD /_emulator/health``: 200 ``{"status": "ok", "version", "api_version"}``.
* ``POST /_emulator/reset``: forget everything, or only the calling key's platform when an API
  key is sent in ``Authorization``; ``--fixtures`` are loaded again afterwards.
* ``GET /_emulator/state``: every object of every platform (only the calling key's with a key),
  by account and type, oldest first; filters ``account``, ``type`` (e.g. ``issuing.card``) and
  ``limit`` (the newest N of each type). Platforms are named by their masked key (``#2``, ...
  appended when two keys mask alike).
* ``GET /_emulator/requests``: recent API requests with bodies and responses, oldest first;
  only the calling key's with a key; filters ``limit`` (the newest N), ``method``, ``path``
  (a prefix), ``status``, ``account`` (the ``Stripe-Account`` sent; ``none`` for the platform's own).
  ``format=fixture`` (key required) answers instead the key's session as a stripe CLI fixture
  document (:mod:`emulator.recording.export`).
* ``GET|POST /_emulator/platform_settings``: the calling key's per-platform switches
  (``rta_timeout_approves``, ``rta_timeout_seconds``, ``require_terms_acceptance``); JSON or
  form body; key required.
* ``GET|POST /_emulator/fixtures``: what the fixture files made (ids by step name, ``env``);
  a POST with a stripe CLI fixture document as its JSON body loads it for the calling key
  (the ``--fixtures-key`` without one) and answers the ids, or a 400 naming the failed step.
"""

from __future__ import annotations

import inspect
import itertools
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator import __version__
from emulator.core.state import Platform, PlatformSettings, State
from emulator.http import auth, forms
from emulator.http.api import Api, RequestRecord
from emulator.http.errors import StripeError, mask_key
from emulator.http.responses import JSONResponse
from emulator.settings import Settings

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

INVALID_BODY = "Invalid request body: send a JSON object or a form."
INVALID_LIMIT = "Invalid limit: must be a positive integer"
INVALID_STATUS = "Invalid status: must be an HTTP status code"
FIXTURES_NOT_READY = "Fixtures cannot be loaded before the emulator has started."
FIXTURE_BODY = 'Send a stripe CLI fixture document (a JSON object with a "fixtures" list) as the request body.'
FIXTURE_TOO_DEEP = "The fixture document nests too deeply to be read."
ACCOUNT_NONE = "none"  # ``account=none``: requests made without Stripe-Account
CROSS_SITE = (
    "This request came from a web page of another site (its Origin or Sec-Fetch-Site says so), so it was "
    "refused: the emulator's control plane only takes POSTs from its own pages and from non-browser clients."
)
FIXTURES_FAILED = "Loading the configured fixtures after the reset failed: {detail}"


def cross_site(request: Request) -> bool:
    """True for a request a browser sent from a page of another site (the control plane refuses
    its POSTs: a web page could otherwise reset the emulator with a plain form). Clients that
    send neither ``Origin`` nor ``Sec-Fetch-Site`` are not browsers and are never refused."""
    if "origin" not in request.headers and "sec-fetch-site" not in request.headers:
        return False
    from emulator.dashboard.security import same_origin  # only browsers send these headers

    return not same_origin(request)


def refuse_cross_site(request: Request) -> None:
    """Stripe's 403 for a control-plane POST from another site's page (see :func:`cross_site`)."""
    if cross_site(request):
        raise StripeError(CROSS_SITE, status=403, type="invalid_request_error")


def _error(exc: StripeError) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status)


def _invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(message, param=param, code=code)


class Control:
    def __init__(
        self,
        state: State,
        settings: Settings,
        api: Api,
        on_reset: list[Callable[[str | None], Any]],
        app: EmulatorApp | None = None,
    ) -> None:
        self.state = state
        self.settings = settings
        self.api = api
        self.on_reset = on_reset
        self.app = app

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/health", self.health, methods=["GET", "HEAD"]),
            Route("/_emulator/reset", self.reset, methods=["POST"]),
            Route("/_emulator/state", self.dump_state, methods=["GET"]),
            Route("/_emulator/requests", self.requests, methods=["GET"]),
            Route("/_emulator/platform_settings", self.platform_settings, methods=["GET", "POST"]),
            Route("/_emulator/fixtures", self.fixtures, methods=["GET", "POST"]),
        ]

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _key(request: Request, required: bool = False) -> str | None:
        """The API key in ``Authorization`` (None without one unless ``required``); 401 if bad."""
        header = request.headers.get("authorization")
        if not header and not required:
            return None
        return auth.key_from_header(header)

    @staticmethod
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
            raise _invalid(INVALID_BODY) from None
        if not isinstance(data, dict):
            raise _invalid(INVALID_BODY)
        return data

    @staticmethod
    def _limit(request: Request) -> int | None:
        raw = request.query_params.get("limit")
        if raw is None or raw == "":
            return None
        try:
            limit = int(raw)
        except ValueError:
            raise _invalid(INVALID_LIMIT, param="limit") from None
        if limit <= 0:
            raise _invalid(INVALID_LIMIT, param="limit")
        return limit

    # --- endpoints -----------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        if request.method == "HEAD":
            return Response(status_code=200, media_type="application/json")
        return JSONResponse({"status": "ok", "version": __version__, "api_version": self.settings.api_version})

    async def reset(self, request: Request) -> Response:
        try:
            refuse_cross_site(request)
            key = self._key(request)
        except StripeError as exc:
            return _error(exc)
        self.state.reset(key)
        from emulator.fixtures.document import FixtureError

        try:
            for hook in self.on_reset:
                outcome = hook(key)
                if inspect.isawaitable(outcome):
                    await outcome
        except FixtureError as exc:
            err = StripeError(FIXTURES_FAILED.format(detail=exc), status=500, type="api_error")
            return _error(err)
        return JSONResponse({"status": "ok", "reset": "platform" if key else "all"})

    async def dump_state(self, request: Request) -> Response:
        try:
            key = self._key(request)
            limit = self._limit(request)
        except StripeError as exc:
            return _error(exc)
        only_account = request.query_params.get("account")
        only_type = request.query_params.get("type")
        out: dict[str, Any] = {}
        for platform_key, platform in list(self.state.platforms.items()):
            if key is not None and platform_key != key:
                continue
            name = masked = mask_key(platform_key)
            n = 1
            while name in out:
                n += 1
                name = f"{masked}#{n}"
            out[name] = self._platform_state(platform, only_account, only_type, limit)
        return JSONResponse({"platforms": out})

    @staticmethod
    def _platform_state(
        platform: Platform, only_account: str | None, only_type: str | None, limit: int | None = None
    ) -> dict[str, Any]:
        accounts: dict[str, Any] = {}
        account_ids = [platform.account_id, *(a["id"] for a in platform.accounts.scan())]
        for account_id in account_ids:
            if only_account and account_id != only_account:
                continue
            scope = platform.scopes.get(account_id)
            objects: dict[str, Any] = {}
            if scope is not None:
                for name, store in scope.stores.items():
                    if only_type and name != only_type:
                        continue
                    if limit is None:
                        objects[name] = list(store.scan())
                    else:
                        newest = list(itertools.islice(store.newest_first(), limit))
                        objects[name] = newest[::-1]
            accounts[account_id] = {"account": platform.account_by_id(account_id), "objects": objects}
        return {
            "platform_account": platform.account_id,
            "settings": asdict(platform.settings),
            "accounts": accounts,
        }

    async def requests(self, request: Request) -> Response:
        from emulator.recording import export

        try:
            if export.requested_format(request) == "fixture":  # the session as a fixture document
                return export.fixture_response(self.state, request)
            key = self._key(request)
            limit = self._limit(request)
            status_raw = request.query_params.get("status")
            status = int(status_raw) if status_raw else None
        except StripeError as exc:
            return _error(exc)
        except ValueError:
            return _error(_invalid(INVALID_STATUS, param="status"))
        method = (request.query_params.get("method") or "").upper()
        prefix = request.query_params.get("path") or ""
        only_account = request.query_params.get("account") or ""
        records = []
        for record in self.api.records():
            if key is not None and record.get("key") != key:
                continue
            if method and record["method"] != method:
                continue
            if prefix and not record["path"].startswith(prefix):
                continue
            if status is not None and record["status"] != status:
                continue
            if only_account and (record.get("account") or ACCOUNT_NONE) != only_account:
                continue
            records.append(record)
        if limit is not None:
            records = records[-limit:]
        return JSONResponse({"requests": [self._render_record(r) for r in records]})

    @staticmethod
    def _render_record(record: RequestRecord) -> dict[str, Any]:
        item = dict(record)
        item["key"] = mask_key(item["key"]) if item.get("key") else None
        body = item.pop("response_body", b"")
        item["request_body"] = record.request_body()
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            item["response_body"] = json.loads(text) if text else None
        except ValueError:
            item["response_body"] = text
        return item

    async def platform_settings(self, request: Request) -> Response:
        try:
            key = self._key(request, required=True)
            assert key is not None
            if request.method == "POST":
                refuse_cross_site(request)
                changes = _settings_changes(await self._body(request))
                platform = self.state.platform(key)
                defaults = PlatformSettings()
                for name, value in changes.items():  # null puts a switch back to its default
                    setattr(platform.settings, name, getattr(defaults, name) if value is None else value)
                current = platform.settings
            else:
                existing = self.state.platforms.get(key)
                current = existing.settings if existing is not None else PlatformSettings()
        except StripeError as exc:
            return _error(exc)
        return JSONResponse({"object": "emulator.platform_settings", **asdict(current)})

    async def fixtures(self, request: Request) -> Response:
        from emulator.fixtures.document import FixtureError, parse_data

        loader = self.app.fixture_loader if self.app is not None else None
        try:
            key = self._key(request)
            if request.method == "GET":
                results = [] if loader is None else list(loader.results)
                shown = [r.summary() for r in results if key is None or r.key == key]
                return JSONResponse({"fixtures": shown})
            refuse_cross_site(request)
            if loader is None:
                raise StripeError(FIXTURES_NOT_READY, status=409, type="invalid_request_error")
            try:
                data = json.loads(await request.body())
            except ValueError:
                raise _invalid(FIXTURE_BODY) from None
            except RecursionError:
                raise _invalid(FIXTURE_TOO_DEEP) from None
            document = parse_data(data, "request body")
            account = request.query_params.get("stripe_account") or None
            result = await loader.run(document, key or self.settings.fixtures_key, stripe_account=account)
        except StripeError as exc:
            return _error(exc)
        except FixtureError as exc:
            return _error(_invalid(str(exc)))
        return JSONResponse({"object": "emulator.fixture_load", **result.summary(), "responses": result.responses})


def _settings_changes(body: dict[str, Any]) -> dict[str, Any]:
    """Checked new values for :class:`PlatformSettings` fields (a Stripe-shaped 400 otherwise)."""
    from emulator.platform_settings import parse_changes  # pydantic: imported on first use

    return parse_changes(body)
