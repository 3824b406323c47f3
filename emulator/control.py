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
  (``rta_timeout_approves``, ``rta_timeout_seconds``, ``require_terms_acceptance``,
  ``onboarding``: ``instant``|``required``); JSON or form body; key required.
* ``GET|POST /_emulator/fixtures``: what the fixture files made (ids by step name, ``env``);
  a POST with a stripe CLI fixture document as its JSON body loads it for the calling key
  (the ``--fixtures-key`` without one) and answers the ids, or a 400 naming the failed step.

Starlette serves ``HEAD`` with the ``GET`` endpoint: it answers as ``GET`` does, without the body,
and never changes anything.
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
from emulator.http import errors, redaction
from emulator.http.api import Api, RequestRecord
from emulator.http.control_plane import api_key, ascii_int, endpoint, limit_param, read_body, reading, required_key
from emulator.http.errors import StripeError, mask_key
from emulator.http.guard import refuse_cross_site
from emulator.http.responses import JSONResponse
from emulator.settings import Settings

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

INVALID_STATUS = "Invalid status: must be an HTTP status code"
FIXTURES_NOT_READY = "Fixtures cannot be loaded before the emulator has started."
FIXTURE_BODY = 'Send a stripe CLI fixture document (a JSON object with a "fixtures" list) as the request body.'
FIXTURE_TOO_DEEP = "The fixture document nests too deeply to be read."
ACCOUNT_NONE = "none"  # ``account=none``: requests made without Stripe-Account
FIXTURES_FAILED = "Loading the configured fixtures after the reset failed: {detail}"
REVEAL = "reveal"  # ``?reveal=true``: /_emulator/requests shows secrets as they were sent and answered


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
            Route("/_emulator/reset", endpoint(self.reset), methods=["POST"]),
            Route("/_emulator/state", endpoint(self.dump_state), methods=["GET"]),
            Route("/_emulator/requests", endpoint(self.requests), methods=["GET"]),
            Route("/_emulator/requests/{request_id}", endpoint(self.request_record), methods=["GET"]),
            Route("/_emulator/platform_settings", endpoint(self.platform_settings), methods=["GET", "POST"]),
            Route("/_emulator/fixtures", endpoint(self.fixtures), methods=["GET", "POST"]),
        ]

    # --- endpoints -----------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        if request.method == "HEAD":
            return Response(status_code=200, media_type="application/json")
        return JSONResponse({"status": "ok", "version": __version__, "api_version": self.settings.api_version})

    async def reset(self, request: Request) -> dict[str, Any]:
        refuse_cross_site(request)
        key = api_key(request)
        self.state.reset(key)
        from emulator.fixtures.document import FixtureError

        try:
            for hook in self.on_reset:
                outcome = hook(key)
                if inspect.isawaitable(outcome):
                    await outcome
        except FixtureError as exc:
            raise StripeError(FIXTURES_FAILED.format(detail=exc), status=500, type="api_error") from None
        return {"status": "ok", "reset": "platform" if key else "all"}

    async def dump_state(self, request: Request) -> dict[str, Any]:
        key = api_key(request)
        limit = limit_param(request)
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
        return {"platforms": out}

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

    async def requests(self, request: Request) -> dict[str, Any] | Response:
        from emulator.recording import export

        if export.requested_format(request) == "fixture":  # the session as a fixture document
            return export.fixture_response(self.state, request)
        key = api_key(request)
        limit = limit_param(request)
        status_raw = request.query_params.get("status")
        status = ascii_int(status_raw) if status_raw else None
        if status_raw and status is None:
            raise StripeError(INVALID_STATUS, param="status")
        reveal = request.query_params.get(REVEAL, "").lower() in ("true", "1")
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
        return {"requests": [self._render_record(r, reveal) for r in records]}

    async def request_record(self, request: Request) -> dict[str, Any]:
        """One logged request (what an error's ``request_log_url`` points at); 404 once it left the log."""
        request_id = request.path_params["request_id"]
        key = api_key(request)  # with a key, only that platform's requests (as the list)
        for record in reversed(self.api.records()):
            if record["request_id"] == request_id and (key is None or record.get("key") == key):
                return self._render_record(record, request.query_params.get("reveal") == "true")
        raise errors.no_such("request", request_id[:100])

    @staticmethod
    def _render_record(record: RequestRecord, reveal: bool = False) -> dict[str, Any]:
        item = dict(record)
        item["key"] = mask_key(item["key"]) if item.get("key") else None
        body = item.pop("response_body", b"")
        item["request_body"] = record.request_body()
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            item["response_body"] = json.loads(text) if text else None
        except ValueError:
            item["response_body"] = text
        if not reveal:
            item["request_body"] = redaction.redact(item["request_body"])
            item["response_body"] = redaction.redact(item["response_body"])
        return item

    async def platform_settings(self, request: Request) -> dict[str, Any]:
        key = required_key(request)
        if request.method == "POST":
            refuse_cross_site(request)
            changes = _settings_changes(await read_body(request))
            platform = self.state.platform(key)
            defaults = PlatformSettings()
            for name, value in changes.items():  # null puts a switch back to its default
                setattr(platform.settings, name, getattr(defaults, name) if value is None else value)
            current = platform.settings
        else:
            existing = self.state.platforms.get(key)
            current = existing.settings if existing is not None else PlatformSettings()
        return {"object": "emulator.platform_settings", **asdict(current)}

    async def fixtures(self, request: Request) -> dict[str, Any]:
        from emulator.fixtures.document import FixtureError, parse_data

        loader = self.app.fixture_loader if self.app is not None else None
        key = api_key(request)
        if reading(request):  # GET or HEAD: never a load
            results = [] if loader is None else list(loader.results)
            return {"fixtures": [r.summary() for r in results if key is None or r.key == key]}
        refuse_cross_site(request)
        if loader is None:
            raise StripeError(FIXTURES_NOT_READY, status=409, type="invalid_request_error")
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise StripeError(FIXTURE_BODY) from None
        except RecursionError:
            raise StripeError(FIXTURE_TOO_DEEP) from None
        try:
            document = parse_data(data, "request body")
            # the connected account every step acts on: ``?stripe_account=``, or a ``Stripe-Account``
            # header as `stripe fixtures --stripe-account` would send it
            account = request.query_params.get("stripe_account") or request.headers.get("stripe-account") or None
            result = await loader.run(document, key or self.settings.fixtures_key, stripe_account=account)
        except FixtureError as exc:
            raise StripeError(str(exc)) from None
        return {"object": "emulator.fixture_load", **result.summary(), "responses": result.responses}


def _settings_changes(body: dict[str, Any]) -> dict[str, Any]:
    """Checked new values for :class:`PlatformSettings` fields (a Stripe-shaped 400 otherwise)."""
    from emulator.platform_settings import parse_changes  # pydantic: imported on first use

    return parse_changes(body)
