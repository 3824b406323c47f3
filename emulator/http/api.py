"""The ``/v1`` ASGI application: one pass of Stripe's wire protocol around each handler.

auth -> ``Stripe-Version`` -> ``Stripe-Account`` -> route -> body/query decoding -> parameter
checks -> idempotency -> handler -> rendering and ``expand[]`` -> response headers and log.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from emulator.core import jsonutil
from emulator.core.context import Ctx
from emulator.core.state import Platform, Scope, State
from emulator.http import auth, errors, forms
from emulator.http.errors import StripeError
from emulator.http.idempotency import IdempotencyStore
from emulator.http.params import ParamSpecs
from emulator.http.render import Representation, response_types
from emulator.http.router import Router
from emulator.settings import Settings
from emulator.timekeeping import Timekeeper

log = logging.getLogger("emulator.requests")

# ``2026-10-28.endive``, optionally with beta flags (``2026-10-28.endive; issuing_beta=v2``)
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?(\s*;\s*\w{1,64}=v\d{1,4})*")
Scope_ = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


dumps = jsonutil.dumps

_CORS: tuple[tuple[bytes, bytes], ...] = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-credentials", b"true"),
    (
        b"access-control-expose-headers",
        b"Request-Id, Stripe-Manage-Version, Stripe-Should-Retry, X-Stripe-External-Auth-Required, "
        b"X-Stripe-Privileged-Session-Required",
    ),
)
_ALLOW_HEADERS = (
    b"Authorization, Content-Type, Idempotency-Key, Stripe-Account, Stripe-Context, Stripe-Version, "
    b"X-Stripe-Client-User-Agent, User-Agent"
)


class RequestRecord(dict[str, Any]):
    """One entry of the recent-requests log (``GET /_emulator/requests``), without its request
    parameters: :meth:`request_body` decodes them (only for the entries a reader picks)."""

    __slots__ = ("raw",)
    raw: tuple[bytes, bytes] | None

    def request_body(self) -> dict[str, Any] | None:
        return _decoded(self.raw)


# What the log keeps of a request: a flat tuple, and the request's query string and body as
# they came (decoded again when the log is read). Dropping the oldest entry then frees a few
# objects, not a tree of dicts and strings.
_Logged = tuple[
    str,
    str,
    int,
    float,
    str,
    "str | None",
    "str | None",
    "str | None",
    bool,
    "tuple[bytes, bytes] | None",
    bytes,
    float,
]


def _decoded(raw: tuple[bytes, bytes] | None) -> dict[str, Any] | None:
    """The parameters of a logged request, as its handler saw them."""
    if raw is None:
        return None
    query, body = raw
    try:
        tree = forms.decode(query) if query else {}
        if body:
            tree.update(forms.decode(body))
    except forms.FormError:
        return None
    return tree


class Api:
    def __init__(
        self,
        state: State,
        settings: Settings,
        router: Router,
        specs: ParamSpecs,
        representation: Representation,
    ) -> None:
        self.state = state
        self.settings = settings
        self.router = router
        self.specs = specs
        self.representation = representation
        self.response_types = response_types(specs.spec, specs.overlay)
        self.recent: deque[_Logged] = deque(maxlen=max(settings.request_log_size, 1))
        self.keys = auth.KeyCache()
        self.timekeeper = Timekeeper(state, settings, representation)
        self.timekeeper.after_move.append(self._forget_old_keys)
        # Called with (method, path, status, body) after every response (tests validate bodies here).
        self.observers: list[Callable[[str, str, int, bytes], None]] = []

    def records(self) -> list[RequestRecord]:
        """The recent-requests log, oldest first."""
        return [_record_of(logged) for logged in list(self.recent)]

    # --- ASGI ----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if method == "OPTIONS":
            await self._preflight(headers, send)
            return
        request_id = self.state.ids.request()
        meta: dict[str, Any] = {"account": None, "idempotency_key": None, "replayed": False, "body": None, "key": None}
        extra_headers: list[tuple[bytes, bytes]] = []
        version = headers.get("stripe-version") or self.settings.api_version
        if not _VERSION.fullmatch(version):
            version = self.settings.api_version
        try:
            status, body, version = await self._handle(
                scope, receive, method, path, headers, request_id, meta, extra_headers
            )
        except StripeError as exc:
            # an unauthenticated request has no account, so no request log to link to
            status, body = exc.status, dumps(exc.body(request_id if exc.status != 401 else None))
        except Exception as exc:  # a bug: still answer like Stripe, never a traceback
            log.error("unhandled error on %s %s\n%s", method, path, traceback.format_exc())
            err = StripeError(errors.INTERNAL.format(detail=type(exc).__name__), status=500, type="api_error")
            status, body = 500, dumps(err.body(request_id))
        out_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"request-id", request_id.encode()),
            (b"stripe-version", version.encode("latin-1", "replace")),
            (b"cache-control", b"no-cache, no-store"),
            *_CORS,
        ]
        if status >= 400:
            out_headers.append((b"stripe-should-retry", b"true" if status == 409 else b"false"))
        out_headers.extend(extra_headers)
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        # HEAD answers like GET, headers (Content-Length included) without the body
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
        elapsed = (time.perf_counter() - started) * 1000
        for observer in self.observers:
            observer("GET" if method == "HEAD" else method, path, status, body)
        self._record(method, path, status, elapsed, request_id, meta, body)

    async def _preflight(self, headers: dict[str, str], send: Send) -> None:
        """A CORS preflight (``OPTIONS``): 200 with the allowed methods and headers, no body, no key."""
        asked = headers.get("access-control-request-headers", "").encode("latin-1", "replace")[:2000]
        out = [
            (b"content-length", b"0"),
            (b"request-id", self.state.ids.request().encode()),
            *_CORS,
            (b"access-control-allow-methods", b"GET, POST, HEAD, OPTIONS, DELETE"),
            (b"access-control-allow-headers", asked or _ALLOW_HEADERS),
            (b"access-control-max-age", b"300"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": b""})

    # --- one request ---------------------------------------------------------------------------

    async def _handle(
        self,
        scope: Scope_,
        receive: Receive,
        method: str,
        path: str,
        headers: dict[str, str],
        request_id: str,
        meta: dict[str, Any],
        extra_headers: list[tuple[bytes, bytes]],
    ) -> tuple[int, bytes, str]:
        key = self.keys.key(headers.get("authorization"))
        meta["key"] = key
        version = headers.get("stripe-version") or self.settings.api_version
        if not _VERSION.fullmatch(version):
            bad = version
            version = self.settings.api_version
            raise StripeError(errors.INVALID_API_VERSION.format(version=bad), param="Stripe-Version")
        platform = self.state.platform(key)
        now = platform.now()  # the platform's time (``/_emulator/clock``), read once per request
        if platform.agenda.due(now):
            self.timekeeper.catch_up(platform, now)  # what fell due meanwhile happens first
        tenant = self._scope_for(platform, key, headers.get("stripe-account"))
        meta["account"] = tenant.account_id if tenant.is_connected else None

        verb = "GET" if method == "HEAD" else method  # HEAD is a GET whose body is not sent
        match = self.router.match(verb, path)
        if match is None:
            raise errors.unrecognized_url(method, path)
        route, path_params = match

        tree, raw = await self._read_params(scope, receive, method, headers)
        meta["body"] = raw  # the query string and body as sent (the request log decodes them when read)
        idem_key = headers.get("idempotency-key") if method == "POST" else None
        store: IdempotencyStore | None = None
        if idem_key:
            meta["idempotency_key"] = idem_key
            extra_headers.append((b"idempotency-key", idem_key.encode("latin-1", "replace")))
            store = self._idempotency(platform)
            fingerprint = hashlib.blake2b(orjson.dumps(tree, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()
            # keys expire on the platform's clock (``/_emulator/clock`` moves it forward)
            saved = store.begin(tenant.account_id, idem_key, f"{method} {path}", fingerprint, request_id, now)
            if saved is not None:
                meta["replayed"] = True
                extra_headers.append((b"idempotent-replayed", b"true"))
                extra_headers.append((b"original-request", saved.request_id.encode()))
                return saved.status, saved.body, version
            extra_headers.append((b"original-request", request_id.encode()))
        try:
            check = self.specs.operation(verb, route.spec_template or route.template)
            params = check(tree)
        except BaseException:
            if store is not None and idem_key:
                store.release(tenant.account_id, idem_key)  # not executed: the key may be used again
            raise
        expand = [p for p in (params.pop("expand", None) or []) if p]
        includes = frozenset(p for p in expand if p in route.includes)
        expand = [p for p in expand if p not in includes]

        ctx = Ctx(
            self.state,
            platform,
            tenant,
            self.representation,
            params=params,
            path=path_params,
            request_id=request_id,
            idempotency_key=idem_key,
            api_version=version,
            now=now,
        )
        ctx.includes = includes
        produced = self.response_types.get((verb, route.spec_template or route.template))
        if produced is not None and (expand or includes):
            self.representation.precheck(produced[0], produced[1], expand, includes)

        try:
            result = route.handler(ctx)
            if result.__class__ is not dict and inspect.isawaitable(result):  # most handlers return the object
                result = await result
            if isinstance(result, dict) and result.get("object") == "list":
                out = self.representation.render_list(ctx, result, expand)
            else:
                out = self.representation.render(ctx, result, expand)
            status, body = 200, dumps(out)
        except StripeError as exc:
            if store is not None and idem_key:
                if exc.status in (400, 402, 404):
                    store.finish(tenant.account_id, idem_key, exc.status, dumps(exc.body(request_id)))
                else:
                    store.release(tenant.account_id, idem_key)
            raise
        except BaseException:
            if store is not None and idem_key:
                store.release(tenant.account_id, idem_key)
            raise
        if store is not None and idem_key:
            store.finish(tenant.account_id, idem_key, status, body)
        for hook in ctx.after_response:
            hook()
        return status, body, version

    def _scope_for(self, platform: Platform, key: str, account: str | None) -> Scope:
        if not account:
            return platform.scope()
        account = account.strip()
        if account == platform.account_id or account in platform.accounts:
            return platform.scope(account)
        raise StripeError(
            errors.ACCOUNT_INVALID.format(masked=errors.mask_key(key), account=account),
            status=403,
            code="account_invalid",
        )

    def _forget_old_keys(self, platform: Platform, now: int) -> None:
        """After the platform's time moved: drop the Idempotency-Keys it aged past their TTL."""
        store = platform.idempotency
        if isinstance(store, IdempotencyStore):
            store.prune(now)

    def _idempotency(self, platform: Platform) -> IdempotencyStore:
        store = platform.idempotency
        if store is None:
            store = platform.idempotency = IdempotencyStore(
                self.settings.idempotency_ttl, self.settings.idempotency_max_entries
            )
        assert isinstance(store, IdempotencyStore)
        return store

    async def _read_params(
        self, scope: Scope_, receive: Receive, method: str, headers: dict[str, str]
    ) -> tuple[dict[str, Any], tuple[bytes, bytes]]:
        """The decoded parameters, and the query string and body they came from."""
        query: bytes = scope.get("query_string", b"")
        try:
            tree = forms.decode(query) if query else {}
            if method != "POST":
                return tree, (query, b"")
            body = await self._read_body(receive, headers)
            if body:
                ctype = headers.get("content-type", "application/x-www-form-urlencoded").split(";")[0].strip().lower()
                if ctype not in ("application/x-www-form-urlencoded", ""):
                    raise StripeError(errors.UNSUPPORTED_CONTENT_TYPE.format(content_type=ctype[:100]))
                tree.update(forms.decode(body))
            return tree, (query, body)
        except forms.FormError as exc:
            raise StripeError(str(exc)) from None

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                raise StripeError(errors.INVALID_BODY.format(detail="bad Content-Length")) from None
            if too_big:
                raise StripeError(errors.BODY_TOO_LARGE.format(limit=limit), status=413)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise StripeError(errors.BODY_TOO_LARGE.format(limit=limit), status=413)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _record(
        self,
        method: str,
        path: str,
        status: int,
        elapsed_ms: float,
        request_id: str,
        meta: dict[str, Any],
        body: bytes,
    ) -> None:
        logged: _Logged = (
            method,
            path,
            status,
            elapsed_ms,
            request_id,
            meta["account"],
            meta["key"],
            meta["idempotency_key"],
            meta["replayed"],
            meta["body"],
            body,
            time.time(),
        )
        self.recent.append(logged)
        if not log.isEnabledFor(logging.INFO):
            return
        # One line per request; the fields ride along for the JSON log format (emulator.cli).
        record = _record_of(logged)
        fields = {k: v for k, v in record.items() if k not in ("response_body", "key", "time")}
        extra = " ".join(
            x
            for x in (
                meta["account"] or "",
                f"idem={meta['idempotency_key']}" if meta["idempotency_key"] else "",
                "replayed" if meta["replayed"] else "",
            )
            if x
        )
        log.info(
            "%s %s -> %d (%.1f ms) %s%s",
            method,
            path,
            status,
            elapsed_ms,
            request_id,
            f" {extra}" if extra else "",
            extra={"emulator_request": fields},
        )


def _record_of(logged: _Logged) -> RequestRecord:
    method, path, status, elapsed_ms, request_id, account, key, idem_key, replayed, raw, body, when = logged
    record = RequestRecord(
        method=method,
        path=path,
        status=status,
        duration_ms=round(elapsed_ms, 3),
        request_id=request_id,
        account=account,
        key=key,
        idempotency_key=idem_key,
        replayed=replayed,
        response_body=body,
        time=when,
    )
    record.raw = raw
    return record
