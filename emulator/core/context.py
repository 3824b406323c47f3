"""The context one API call runs in: who calls, on which account, with which parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from emulator.core import api_changes
from emulator.core.jsonutil import FrozenJSON, clone, previous_attributes
from emulator.core.state import Platform, Scope, State
from emulator.core.store import Obj

DEFAULT_API_VERSION = "2026-10-28.endive"
UNDECLARED_PREFIX = "id prefix {prefix!r} is not declared by any resource (emulator.resources.resource.Resource.prefix)"


class Renderer(Protocol):
    def render(self, ctx: Ctx, obj: Obj, expand: list[str]) -> Obj: ...


class Ctx:
    """What a resource rule sees of a request. It knows nothing of HTTP."""

    __slots__ = (
        "state",
        "platform",
        "scope",
        "params",
        "path",
        "request_id",
        "idempotency_key",
        "api_version",
        "account_version",
        "renderer",
        "now",
        "pinned",
        "includes",
        "origin",
        "client_ip",
        "after_response",
        "answer",
        "_plain",
    )

    def __init__(
        self,
        state: State,
        platform: Platform,
        scope: Scope,
        renderer: Renderer,
        *,
        params: dict[str, Any] | None = None,
        path: dict[str, str] | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        account_version: str | None = None,
        now: int | None = None,
        pinned: bool = False,
    ) -> None:
        self.state = state
        self.platform = platform
        self.scope = scope
        self.renderer = renderer
        self.params: dict[str, Any] = params if params is not None else {}
        self.path: dict[str, str] = path or {}
        self.request_id = request_id
        self.idempotency_key = idempotency_key
        self.api_version = api_version
        # the account's default API version: its events are rendered in it, whatever the request's
        self.account_version = account_version or api_version
        # the platform's time when the request began; ``pinned``: work that fell due at ``now``
        # runs as if it were that time (its events are stamped ``now`` too)
        self.now = platform.now() if now is None else now
        self.pinned = pinned
        self.includes: frozenset[str] = frozenset()  # includable fields asked for (card number/cvc)
        self.origin = ""  # scheme://host[:port] the client reached the emulator at (links it hands out)
        self.client_ip: str | None = None  # the address the request came from (a token's client_ip)
        self.after_response: list[Callable[[], Any]] = []
        # (object, its event's snapshot) when the handler returns that object as the event showed it
        self.answer: tuple[Obj, FrozenJSON] | None = None
        self._plain: Ctx | None = None

    def in_scope(self, scope: Scope) -> Ctx:
        """The same request acting on another account's objects (events land there too)."""
        if scope is self.scope:
            return self
        return self._copy(scope, self.request_id, self.idempotency_key)

    def after_answer(self, work: Callable[[Ctx], Any]) -> None:
        """Do ``work`` once the answer is sent, as Stripe's own doing: it is given this context
        without the request's id and idempotency key, so the events it sends name no request
        (the spec: an event whose ``request.id`` is null "was automatic")."""
        self.after_response.append(lambda: work(self._copy(self.scope, None, None)))

    def _copy(self, scope: Scope, request_id: str | None, idempotency_key: str | None) -> Ctx:
        sub = Ctx(
            self.state,
            self.platform,
            scope,
            self.renderer,
            params=self.params,
            path=self.path,
            request_id=request_id,
            idempotency_key=idempotency_key,
            api_version=self.api_version,
            account_version=self.account_version,
            now=self.now,
            pinned=self.pinned,
        )
        sub.after_response = self.after_response
        sub.origin = self.origin
        sub.client_ip = self.client_ip
        return sub

    # --- objects -----------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A new object id; ``prefix`` must be declared by a resource (``Resource.prefix``), or
        look-ups, ``expand[]`` and the dashboard would not find the object."""
        if prefix not in self.state.prefixes:
            raise LookupError(UNDECLARED_PREFIX.format(prefix=prefix))
        return self.state.ids.make(prefix)

    def lookup(self, obj_id: str) -> Obj | None:
        return self.scope.lookup(obj_id)

    def _plain_in(self, version: str) -> Ctx:
        """This request without parameters or includes, in ``version`` (kept for the request's own)."""
        plain = self._plain
        if plain is None or plain.api_version != version:
            plain = Ctx(
                self.state,
                self.platform,
                self.scope,
                self.renderer,
                api_version=version,
                now=self.now,
                pinned=self.pinned,
            )
            if version == self.api_version:
                self._plain = plain
        return plain

    def rendered(self, obj: Obj) -> Obj:
        """The object as the API shows it now. It may share parts with the stored object: read only."""
        return self.renderer.render(self._plain_in(self.api_version), obj, [])

    def _as_events_show(self, obj: Obj) -> Obj:
        """The object as the account's default API version shows it now (what an event carries)."""
        return self.renderer.render(self._plain_in(self.account_version), obj, [])

    def snapshot(self, obj: Obj) -> Obj:
        """The object as an event shows it now, detached from the stored one (a ``before`` image,
        or what a deleted object was)."""
        snap: Obj = clone(self._as_events_show(obj))
        return snap

    def current_time(self) -> int:
        """The platform's time at this moment (later than ``now`` after an ``await``), or ``now``
        for work that fell due (it happens at its due time)."""
        return self.now if self.pinned else self.platform.now()

    # --- events --------------------------------------------------------------------------------

    def emit(self, event_type: str, obj: Obj, before: Obj | None = None, *, answer: bool = False) -> Obj:
        """Record an event about ``obj``; ``before`` (a snapshot) makes ``previous_attributes``.

        ``answer``: the handler promises to return ``obj`` unchanged from here on, so the API may
        answer with this event's snapshot rather than render and encode ``obj`` again (only when
        the request asks for no ``expand[]`` and is made in the account's default API version,
        the one events are rendered in; the test suite compares each such answer with a fresh
        render)."""
        now = self._as_events_show(obj)
        snapshot = FrozenJSON(now)  # immutable, ~100-300 bytes once packed with its event
        if answer and self.account_version == self.api_version:  # else the answer is rendered apart
            self.answer = (obj, snapshot)
        data: dict[str, Any] = {"object": snapshot}
        if before is not None:
            data["previous_attributes"] = previous_attributes(before, now)
        event: Obj = {"id": self.new_id("evt"), "object": "event"}
        if self.scope.is_connected:
            event["account"] = self.scope.account_id
        event["api_version"] = self.account_version
        if self.scope.is_connected and api_changes.since(self.account_version, api_changes.EVENT_CONTEXT):
            event["context"] = self.scope.account_id  # Stripe: "Connect events include both"
        event["created"] = self.current_time()
        event["data"] = data
        event["livemode"] = False
        event["pending_webhooks"] = 0
        event["request"] = {"id": self.request_id, "idempotency_key": self.idempotency_key}
        event["type"] = event_type
        self.scope.add(event)
        for listener in self.state.event_listeners:
            listener(self.platform, self.scope, event)
        return event
