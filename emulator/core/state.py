"""All the emulator's data: platforms (one per API key), their accounts and objects.

One :class:`State` is made per server and handed to ``create_app``. Nothing else in the
process holds mutable data, so two servers in one process never share anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from emulator.core.agenda import Agenda
from emulator.core.clock import Clock, PlatformClock
from emulator.core.ids import IdFactory
from emulator.core.packing import Codec
from emulator.core.store import HOT_OBJECTS, Cooling, Obj, ObjectStore


class Scope:
    """The objects of one account (the platform's own, or one connected account)."""

    __slots__ = ("account_id", "meta", "platform", "stores")

    def __init__(self, platform: Platform, account_id: str) -> None:
        self.platform = platform
        self.account_id = account_id
        self.stores: dict[str, ObjectStore] = {}
        # Book-keeping that is not part of an object's wire shape, keyed by object id.
        self.meta: dict[str, dict[str, Any]] = {}

    @property
    def is_connected(self) -> bool:
        return self.account_id != self.platform.account_id

    def store(self, object_type: str) -> ObjectStore:
        store = self.stores.get(object_type)
        if store is None:
            state = self.platform.state
            store = self.stores[object_type] = ObjectStore(state.codec, state.hot_objects, state.cooling)
        return store

    def get(self, object_type: str, obj_id: str) -> Obj | None:
        store = self.stores.get(object_type)
        return store.get(obj_id) if store is not None else None

    def add(self, obj: Obj) -> Obj:
        self.store(obj["object"]).add(obj)
        self.platform.index[obj["id"]] = self
        return obj

    def meta_of(self, obj_id: str) -> dict[str, Any]:
        meta = self.meta.get(obj_id)
        if meta is None:
            meta = self.meta[obj_id] = {}
        return meta

    def lookup(self, obj_id: str) -> Obj | None:
        object_type = self.platform.state.object_type_of(obj_id)
        if object_type is None:
            return None
        if object_type == "account":
            return self.platform.account_by_id(obj_id)
        return self.get(object_type, obj_id)


@dataclass
class PlatformSettings:
    """Per-platform switches (changed through ``/_emulator/`` or fixtures)."""

    # Real-time authorization: what happens when the endpoint does not answer in time.
    rta_timeout_approves: bool = False
    rta_timeout_seconds: float = 2.0
    # Require Authorized User Terms acceptance on individual cardholders (Stripe's stricter programs).
    require_terms_acceptance: bool = False
    # Connected accounts: "instant" (onboarded at once) or "required" (Stripe's requirements
    # per country, business type and capability; see emulator/resources/connect/requirements.py).
    onboarding: str = "instant"
    # Stripe's default limits (docs.stripe.com/issuing/controls/spending-controls): 500 a day of the
    # card's currency on a card created without ``spending_limits``, 10,000 per authorization (Support turns them off).
    default_spending_limits: bool = True


class Platform:
    """Everything one API key sees: its own account, connected accounts and their objects."""

    def __init__(self, state: State, key: str) -> None:
        self.state = state
        self.key = key
        self.clock = PlatformClock(state.clock)  # this platform's time (``/_emulator/clock``)
        self.agenda = Agenda()  # work that falls due as this platform's time passes
        self.created = state.clock.now()
        self.account_id = state.ids.account()
        self.account: Obj = {}
        self.accounts = ObjectStore(state.codec, state.hot_objects, state.cooling)  # connected accounts, newest last
        self.scopes: dict[str, Scope] = {}
        self.index: dict[str, Scope] = {}
        self.settings = PlatformSettings()
        self.idempotency: Any = None  # set by the HTTP layer (emulator.http.idempotency)
        self.extra: dict[str, Any] = {}  # per-platform data of optional subsystems (webhooks, ...)

    def now(self) -> int:
        """This platform's time in unix seconds (``created`` of its objects and events)."""
        return self.clock.now()

    def stores(self) -> Iterator[ObjectStore]:
        """Every object store of this platform (its accounts' and the connected accounts' list)."""
        yield self.accounts
        for scope in self.scopes.values():
            yield from scope.stores.values()

    def scope(self, account_id: str | None = None) -> Scope:
        account_id = account_id or self.account_id
        scope = self.scopes.get(account_id)
        if scope is None:
            scope = self.scopes[account_id] = Scope(self, account_id)
        return scope

    def account_by_id(self, account_id: str) -> Obj | None:
        if account_id == self.account_id:
            return self.account
        return self.accounts.get(account_id)

    def find(self, obj_id: str) -> tuple[Scope, Obj] | None:
        """Find any object of this platform by id, whichever account holds it."""
        scope = self.index.get(obj_id)
        if scope is None:
            return None
        obj = scope.lookup(obj_id)
        return (scope, obj) if obj is not None else None


Listener = Callable[["Platform", "Scope", Obj], None]


@dataclass
class State:
    """The root of all data. ``create_app(state, settings)`` serves exactly this."""

    seed: int | None = None
    # Objects per store kept decoded; older ones are packed (see emulator.core.store).
    hot_objects: int = HOT_OBJECTS
    codec: Codec = field(default_factory=Codec)
    # Stores due for packing after an answer when no other request waits (the API runs it).
    cooling: Cooling = field(default_factory=Cooling)
    clock: Clock = field(default_factory=Clock)
    platforms: dict[str, Platform] = field(default_factory=dict)
    # Called with every new event (webhook delivery, dashboards, persistence hook in).
    event_listeners: list[Listener] = field(default_factory=list)
    # Called with the context of an account whose capabilities or standing changed (financial
    # accounts refresh their features): declared as ``Resource.on_account_change``.
    account_listeners: list[Callable[[Any], None]] = field(default_factory=list)
    # Called for each new platform so subsystems can set it up (the platform account, ...).
    platform_initializers: list[Callable[[Platform], None]] = field(default_factory=list)
    # id prefix -> Stripe ``object`` name, from the resources' declarations (create_app fills it):
    # lets expansion and look-ups find an object by its id.
    prefixes: dict[str, str] = field(default_factory=dict)
    # The (address, port) pairs this state is served on: webhook deliveries never go there.
    served: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ids = IdFactory(self.seed)

    def object_type_of(self, obj_id: str) -> str | None:
        prefix, sep, _ = obj_id.partition("_")
        return self.prefixes.get(prefix) if sep else None

    def platform(self, key: str) -> Platform:
        platform = self.platforms.get(key)
        if platform is None:
            platform = self.platforms[key] = Platform(self, key)
            for init in self.platform_initializers:
                init(platform)
        return platform

    def reset(self, key: str | None = None) -> None:
        """Forget everything, or only one key's platform."""
        if key is None:
            self.platforms.clear()
            self.ids = IdFactory(self.seed)
            self.cooling.due.clear()
        else:
            dropped = self.platforms.pop(key, None)
            if dropped is not None:
                self.cooling.forget(dropped.stores())
