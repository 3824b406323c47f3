"""The ``/v1`` ASGI application: one pass of Stripe's wire protocol around each handler.

auth -> ``Stripe-Version`` -> ``Stripe-Account`` -> route -> body/query decoding -> parameter
checks -> idempotency -> handler -> rendering and ``expand[]`` -> response headers, log and recording.
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
from emulator.fixtures.gate import LoadGate
from emulator.http import auth, errors, forms, limited_keys, multipart, request_lines, versions
from emulator.http.errors import StripeError
from emulator.http.idempotency import IdempotencyStore
from emulator.http.limits import IN_FLIGHT
from emulator.http.one_write import TRUSTED
from emulator.http.params import ParamSpecs
from emulator.http.render import Representation, not_expandable, response_types
from emulator.http.responses import RawBody
from emulator.http.router import Router
from emulator.recording.recorder import Recorder
from emulator.settings import Settings
from emulator.timekeeping import Timekeeper

log = logging.getLogger(request_lines.LOGGER)

Scope_ = dict[str, Any]
_HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


dumps = jsonutil.dumps
UNSAVED_STATUSES = frozenset({409, 429})  # a handler's refusals not kept under an Idempotency-Key
FORM_TYPES = ("application/x-www-form-urlencoded", "")

_EXPOSE = (
    b"access-control-expose-headers",
    b"Request-Id, Stripe-Manage-Version, Stripe-Should-Retry, X-Stripe-External-Auth-Required, "
    b"X-Stripe-Privileged-Session-Required",
)
# Stripe's CORS headers. Without an Origin (no browser): ``*`` with credentials, as api.stripe.com
# answers. A browser's request gets its own origin back (``*`` is refused with credentials).
_CORS: tuple[tuple[bytes, bytes], ...] = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-credentials", b"true"),
    _EXPOSE,
)
# what a header value may not hold (uvicorn's rule, and latin-1); written as the complement of what
# it may hold: a class up to \uffff takes ~5 ms to compile at start-up
_CONTROL = re.compile(r"[^\t\x20-\x7e]")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]{1,300}")


def _cors(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    origin = headers.get("origin")
    if origin is None or not _ORIGIN.fullmatch(origin):
        return _CORS
    return (
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
        _EXPOSE,
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
        self.limited = limited_keys.LimitedKeys(state)
        self.timekeeper = Timekeeper(state, settings, representation)
        self.timekeeper.after_move.append(self._forget_old_keys)
        self.lines: request_lines.Line | None = None  # the CLI's request-line writer
        self.recorder = Recorder(state.codec)  # each platform's state-changing requests, for export
        # platforms a fixture document is loading into: their requests wait (emulator.fixtures.gate)
        self.loads = LoadGate()
        self.loading = self.loads.loading  # empty unless a load runs: the one check a request pays
        # Called with (method, path, status, body) after every response (tests validate bodies here).
        self.observers: list[Callable[[str, str, int, bytes], None]] = []
        # Tests: compare every answer taken from an event's snapshot with a fresh render of the object.
        self.check_answers = False

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
        meta: dict[str, Any] = {
            "account": None,
            "idempotency_key": None,
            "replayed": False,
            "body": None,
            "key": None,
            "platform": None,  # set when the request may be recorded (a platform's own key, a form body)
        }
        extra_headers: list[tuple[bytes, bytes]] = []
        try:
            status, body, version = await self._handle(
                scope, receive, method, path, headers, request_id, meta, extra_headers
            )
        except StripeError as exc:
            version = self._version_of(headers)
            if "read" not in meta:  # refused before its parameters were read (its key, account or URL)
                meta["body"] = await self._unread(scope, receive, method, headers)
            # an unauthenticated request has no account, so no request log to link to
            log_base = _log_base(scope, headers)
            status, body = exc.status, dumps(exc.body(request_id if exc.status != 401 else None, log_base))
        except Exception as exc:  # a bug: still answer like Stripe, never a traceback
            log.error("unhandled error on %s %s\n%s", method, path, traceback.format_exc())
            version = self._version_of(headers)
            err = StripeError(errors.INTERNAL.format(detail=type(exc).__name__), status=500, type="api_error")
            status, body = 500, dumps(err.body(request_id, _log_base(scope, headers)))
        out_headers = [
            (b"content-type", meta.get("content_type", "application/json").encode("latin-1", "replace")),
            (b"content-length", str(len(body)).encode()),
            (b"request-id", request_id.encode()),
            (b"stripe-version", version.encode("latin-1", "replace")),
            (b"cache-control", b"no-cache, no-store"),
            *_cors(headers),
        ]
        if status >= 400:
            out_headers.append((b"stripe-should-retry", b"true" if status == 409 else b"false"))
        if meta["account"] is not None:  # stripe-node reads it back (lastResponse.stripeAccount)
            out_headers.append((b"stripe-account", meta["account"].encode()))
        out_headers.extend(extra_headers)
        # every value is the emulator's own or checked (origin, version); a file's type and an
        # echoed Idempotency-Key are not: those answers go through uvicorn's header checks
        trusted = "content_type" not in meta and not (
            meta["idempotency_key"] is not None and _CONTROL.search(meta["idempotency_key"])
        )
        await send({"type": "http.response.start", "status": status, "headers": out_headers, TRUSTED: trusted})
        # HEAD answers like GET, headers (Content-Length included) without the body
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
        elapsed = (time.perf_counter() - started) * 1000
        recorded_for: Platform | None = meta["platform"]
        if recorded_for is not None and status == 200 and not meta["replayed"]:
            query, sent = meta["body"]
            self.recorder.note(recorded_for, method, path, query, sent, account_header(headers), body)
        for observer in self.observers:
            observer("GET" if method == "HEAD" else method, path, status, body)
        if status >= 400:  # the log shows what a refused request sent, even where it was not taken
            _note_sent(meta, method, headers)
        # a file's bytes are not kept in the request log
        self._record(method, path, status, elapsed, request_id, meta, b"" if "content_type" in meta else body)
        in_flight: set[Any] | None = scope.get(IN_FLIGHT)
        if in_flight is None or len(in_flight) <= 1:  # no other request waits: pack, the answer on its way
            self.state.cooling.run()

    def _version_of(self, headers: dict[str, str]) -> str:
        """The version a refusal answers with: the one sent when Stripe would accept it, else the default."""
        sent = headers.get("stripe-version")
        return sent if sent and versions.is_known(sent) else self.settings.api_version

    async def _preflight(self, headers: dict[str, str], send: Send) -> None:
        """A CORS preflight (``OPTIONS``): 200 with the allowed methods and headers, no body, no key."""
        asked = headers.get("access-control-request-headers", "").encode("latin-1", "replace")[:2000]
        out = [
            (b"content-length", b"0"),
            (b"request-id", self.state.ids.request().encode()),
            *_cors(headers),
            (b"access-control-allow-methods", b"GET, POST, HEAD, OPTIONS, DELETE"),
            (b"access-control-allow-headers", asked or _ALLOW_HEADERS),
            (b"access-control-max-age", b"300"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": b""})

    def _origin(self, scope: Scope_, headers: dict[str, str]) -> str:
        """``scheme://host[:port]`` the client used (its ``Host``), else the configured address."""
        host = headers.get("host", "")
        if not host or not _HOST.fullmatch(host):
            host = f"{self.settings.host}:{self.settings.port}"
        scheme = "https" if scope.get("scheme") == "https" else "http"
        return f"{scheme}://{host}"

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
        if not versions.is_known(version):
            bad = version
            version = self.settings.api_version
            raise StripeError(errors.INVALID_API_VERSION.format(version=bad))  # Stripe names no param
        verb = "GET" if method == "HEAD" else method  # HEAD is a GET whose body is not sent
        match = self.router.match(verb, path)
        access: limited_keys.Access | None = None
        if key.startswith(("ek_test_", "pk_test_")):  # keys that may make only some requests
            template = match[0].template if match is not None else None
            card = match[1].get("card") if match is not None else None
            access = self.limited.access(key, verb, template, card)
            platform = access.platform
            meta["key"] = platform.key  # logged with the platform it acts for
            tenant = self._limited_scope(access, key, account_header(headers))
            if (verb, template) == limited_keys.TOKENS_ROUTE and _is_form(headers.get("content-type")):
                meta["platform"] = platform  # a token the platform's secret key can make as well
        else:
            platform = self.state.platform(key)
            for ancestor in context_ancestors(headers):  # a context path names only the platform's accounts
                self._scope_for(platform, key, ancestor)
            tenant = self._scope_for(platform, key, account_header(headers))
            if _is_form(headers.get("content-type")):  # what a fixture step can send again
                meta["platform"] = platform
        if self.loading and await self.loads.wait(platform.key, path):  # a fixture load ran meanwhile:
            return await self._handle(scope, receive, method, path, headers, request_id, meta, extra_headers)
        meta["account"] = tenant.account_id if tenant.is_connected else None
        now = platform.now()  # the platform's time (``/_emulator/clock``), read once per request
        if platform.agenda.due(now):
            self.timekeeper.catch_up(platform, now)  # what fell due meanwhile happens first

        if match is None:
            raise errors.unrecognized_url(method, path)
        route, path_params = match
        if route.explicit_version and not headers.get("stripe-version"):
            raise StripeError(errors.VERSION_REQUIRED.format(method=method, path=path), param="Stripe-Version")

        meta["read"] = True  # from here on the body is read: not again if refused
        tree, raw = await self._read_params(scope, receive, method, headers, route.uploads)
        if access is not None and access.grant is not None:
            limited_keys.LimitedKeys.take_elements_params(access.grant, tree)
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
        expand: list[str] = params.pop("expand", None) or []
        includes: frozenset[str] = frozenset()
        if expand:
            expand = [p for p in expand if p]
            includes = frozenset(p for p in expand if p in route.includes)
            if not includes.isdisjoint(limited_keys.ELEMENTS_ONLY) and (access is None or access.grant is None):
                includes -= limited_keys.ELEMENTS_ONLY  # a PIN is shown to Issuing Elements only
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
            account_version=self.settings.api_version,
            now=now,
        )
        ctx.includes = includes
        ctx.origin = self._origin(scope, headers)
        client = scope.get("client")
        ctx.client_ip = client[0] if client else None
        produced = self.response_types.get((verb, route.spec_template or route.template))
        if produced is not None and (expand or includes):
            self.representation.precheck(produced[0], produced[1], expand, includes)

        exact_size = False  # the body is already in a buffer of its own size (kept as it is)
        try:
            result = route.handler(ctx)
            if result.__class__ is not dict and inspect.isawaitable(result):  # most handlers return the object
                result = await result
            if isinstance(result, RawBody):
                if expand or includes:
                    raise not_expandable([*expand, *includes][0])
                meta["content_type"] = result.content_type
                return 200, result.data, version
            answer = ctx.answer
            if answer is not None and answer[0] is result and not expand and not includes:
                body = answer[1].raw()  # the object as its event just showed it (``Ctx.emit``)
                exact_size = True
                if self.check_answers:
                    self._check_answer(ctx, result, body)
            elif isinstance(result, dict) and result.get("object") == "list":
                body = dumps(self.representation.render_list(ctx, result, expand))
            else:
                body = dumps(self.representation.render(ctx, result, expand))
            status = 200
        except StripeError as exc:
            errors.missing_in_request(exc, path_params.values())  # an id from the body or query: 400
            if store is not None and idem_key:
                # Stripe keeps the result of a request that began executing "regardless of what [it was]"
                # (500s included); a conflict or a rate limit is an answer the key may be retried after
                if exc.status not in UNSAVED_STATUSES:
                    body = dumps(exc.body(request_id, _log_base(scope, headers)))
                    store.finish(tenant.account_id, idem_key, exc.status, body)
                else:
                    store.release(tenant.account_id, idem_key)
            raise
        except BaseException:
            if store is not None and idem_key:
                store.release(tenant.account_id, idem_key)
            raise
        if store is not None and idem_key:
            store.finish(tenant.account_id, idem_key, status, body, exact_size)
        for hook in ctx.after_response:
            hook()
        return status, body, version

    def _check_answer(self, ctx: Ctx, result: Any, body: bytes) -> None:
        fresh = dumps(self.representation.render(ctx, result, []))
        if fresh != body:
            raise AssertionError(f"{ctx.request_id}: the event's snapshot is not the object as rendered now")

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

    def _limited_scope(self, access: limited_keys.Access, key: str, account: str | None) -> Scope:
        """A publishable key may name a connected account as a secret key does; an ephemeral key acts
        on its card's account only."""
        if access.grant is None:
            return self._scope_for(access.platform, access.platform.key, account)
        if account and account.strip() != access.account:
            raise StripeError(
                errors.ACCOUNT_INVALID.format(masked=errors.mask_key(key), account=account.strip()),
                status=403,
                code="account_invalid",
            )
        return access.platform.scope(access.account)

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
        self, scope: Scope_, receive: Receive, method: str, headers: dict[str, str], uploads: int | None = None
    ) -> tuple[dict[str, Any], tuple[bytes, bytes]]:
        """The decoded parameters, and the query string and body they came from (for an upload: its
        fields, each file as its name only). ``uploads``: the route takes multipart bodies this large."""
        query: bytes = scope.get("query_string", b"")
        try:
            tree = forms.decode(query) if query else {}
            if method != "POST":
                return tree, (query, b"")
            limit = max(uploads, self.settings.max_body_bytes) if uploads else self.settings.max_body_bytes
            body = await self._read_body(receive, headers, limit)
            if body:
                full_type = headers.get("content-type", "application/x-www-form-urlencoded")
                ctype = full_type.split(";")[0].strip().lower()
                if ctype == "multipart/form-data" and uploads:
                    fields, logged = multipart.parse(body, full_type)
                    tree.update(fields)
                    return tree, (query, logged)
                if ctype not in ("application/x-www-form-urlencoded", ""):
                    raise StripeError(errors.UNSUPPORTED_CONTENT_TYPE.format(content_type=ctype[:100]))
                if len(body) > self.settings.max_body_bytes:
                    raise StripeError(errors.BODY_TOO_LARGE.format(limit=self.settings.max_body_bytes), status=413)
                tree.update(forms.decode(body))
            return tree, (query, body)
        except forms.FormError as exc:
            raise StripeError(str(exc)) from None

    async def _unread(
        self, scope: Scope_, receive: Receive, method: str, headers: dict[str, str]
    ) -> tuple[bytes, bytes]:
        """The query string and form body of a request refused before they were read, for its log
        entry (an upload's bytes, or a body over the limit, are not kept)."""
        query: bytes = scope.get("query_string", b"")
        if method != "POST" or not _is_form(headers.get("content-type")):
            return query, b""
        try:
            return query, await self._read_body(receive, headers, self.settings.max_body_bytes)
        except StripeError:
            return query, b""

    async def _read_body(self, receive: Receive, headers: dict[str, str], limit: int) -> bytes:
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
        # one line per request: through the CLI's writer, else logging (an embedded server)
        line: request_lines.Line | None = self.lines
        if line is None:
            if not log.isEnabledFor(logging.INFO):
                return
            line = request_lines.log_through
        line(
            request_lines.Served(
                method, path, status, elapsed_ms, request_id, meta["account"], meta["idempotency_key"], meta["replayed"]
            )
        )


def account_header(headers: dict[str, str]) -> str | None:
    """The account a request acts on: ``Stripe-Context`` ("supersedes the Stripe-Account header",
    Stripe's docs; what ``stripe_context``/``stripeContext`` send), else ``Stripe-Account``. A context
    path (``acct_platform/acct_child``) acts on its last account."""
    context = headers.get("stripe-context")
    if context:
        # an empty last account (``acct_x/``) names no account: the whole path is refused as unknown
        return context.strip().rsplit("/", 1)[-1] or context.strip()
    return headers.get("stripe-account")


def context_ancestors(headers: dict[str, str]) -> list[str]:
    """The accounts a ``Stripe-Context`` path names before the one it acts on (each must be one the
    key may act on too: a path through another platform's account is ``account_invalid``)."""
    context = headers.get("stripe-context")
    if not context:
        return []
    return [part or context.strip() for part in context.strip().split("/")[:-1]]  # ``/acct_x``: refused


def _note_sent(meta: dict[str, Any], method: str, headers: dict[str, str]) -> None:
    """What a refused request named that it did not get to use: its account and Idempotency-Key."""
    if meta["account"] is None:
        meta["account"] = account_header(headers)
    if meta["idempotency_key"] is None and method == "POST":
        meta["idempotency_key"] = headers.get("idempotency-key")


def _is_form(content_type: str | None) -> bool:
    """Whether a body of this type (if any) is a form: a recorded request is sent again as one
    (a multipart file upload is not recorded)."""
    return content_type is None or content_type.split(";")[0].strip().lower() in FORM_TYPES


def _log_base(scope: Scope_, headers: dict[str, str]) -> str:
    """``http://<host the client called>/_emulator/requests/``: where an error's ``request_log_url``
    points (the emulator's own log of that request)."""
    host = headers.get("host", "")
    if not _HOST.fullmatch(host):
        server = scope.get("server")
        if not server:
            return errors.DASHBOARD_LOGS
        host = f"{server[0]}:{server[1]}" if ":" not in str(server[0]) else f"[{server[0]}]:{server[1]}"
    scheme = "https" if scope.get("scheme") == "https" else "http"
    return f"{scheme}://{host}{errors.REQUEST_LOG_PATH}"


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
