"""Read-only queries over :class:`State` for the dashboard. Nothing here creates or changes data
(``state.platform(key)`` or ``platform.scope(id)`` would create; only ``.get`` is used)."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
from collections.abc import Iterator
from typing import Any

from emulator.core.state import Platform, Scope, State
from emulator.core.store import Obj
from emulator.resources import events
from emulator.webhooks.book import EXTRA_KEY, Book, Delivery

ACCOUNT = "account"
EVENT = "event"
DELIVERY_PREFIX = "whdel_"
HANDLE_PREFIX = "pl_"
MAX_SCANNED = 5_000  # objects looked at for "referenced by" on one page (the newest of each type first)
MAX_EVENTS_SCANNED = 20_000  # events looked at for "events of" on one page


def handle_of(secret: bytes, key: str) -> str:
    """The opaque per-platform handle the dashboard uses in URLs instead of the key."""
    return HANDLE_PREFIX + hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def platform_by_handle(state: State, secret: bytes, handle: str) -> Platform | None:
    if not handle.startswith(HANDLE_PREFIX):
        return None
    for key, platform in list(state.platforms.items()):
        if hmac.compare_digest(handle_of(secret, key), handle):
            return platform
    return None


def looks_like_id(state: State, value: str) -> bool:
    prefix, sep, rest = value.partition("_")
    return bool(sep) and bool(rest) and (prefix in state.prefixes or value.startswith(DELIVERY_PREFIX))


def account_ids(platform: Platform) -> list[str]:
    return [platform.account_id, *platform.accounts.objects]


def accounts(platform: Platform) -> list[Obj]:
    """The platform's own account, then its connected accounts newest first."""
    return [platform.account, *platform.accounts.newest_first()]


def scope_for_reading(platform: Platform, account_id: str) -> Scope:
    """The account's scope, or a detached empty one (never registered) when it has none yet."""
    return platform.scopes.get(account_id) or Scope(platform, account_id)


def find(platform: Platform, obj_id: str) -> tuple[Scope, Obj] | None:
    """Any object of the platform by id, accounts included."""
    if obj_id.startswith("acct_"):
        account = platform.account_by_id(obj_id)
        return (scope_for_reading(platform, obj_id), account) if account else None
    return platform.find(obj_id)


def _stores(platform: Platform, object_type: str) -> list[tuple[Scope, Any]]:
    out = []
    for scope in list(platform.scopes.values()):
        store = scope.stores.get(object_type)
        if store is not None and len(store):
            out.append((scope, store))
    return out


def count(platform: Platform, object_type: str) -> int:
    if object_type == ACCOUNT:
        return 1 + len(platform.accounts)
    return sum(len(store) for _, store in _stores(platform, object_type))


def newest(platform: Platform, object_type: str, limit: int, offset: int = 0) -> list[tuple[Scope, Obj]]:
    """Objects of one type across all the platform's accounts, newest first (a lazy merge)."""
    if object_type == ACCOUNT:
        rows = [(scope_for_reading(platform, a["id"]), a) for a in accounts(platform)]
        return rows[offset : offset + limit]

    def stream(scope: Scope, store: Any) -> Iterator[tuple[int, int, Scope, Obj]]:
        for n, obj in enumerate(store.newest_first()):
            yield (-int(obj.get("created") or 0), n, scope, obj)

    streams = [stream(scope, store) for scope, store in _stores(platform, object_type)]
    merged = heapq.merge(*streams, key=lambda row: (row[0], row[1]))
    return [(scope, obj) for _, _, scope, obj in itertools.islice(merged, offset, offset + limit)]


def types_held(platform: Platform) -> dict[str, int]:
    """Object type -> count, over all accounts (accounts included)."""
    out: dict[str, int] = {ACCOUNT: count(platform, ACCOUNT)}
    for scope in list(platform.scopes.values()):
        for name, store in scope.stores.items():
            if len(store):
                out[name] = out.get(name, 0) + len(store)
    return out


def ids_in(state: State, value: Any, out: list[str] | None = None) -> list[str]:
    """Every string that looks like an object id inside ``value``, in document order."""
    found = out if out is not None else []
    if isinstance(value, str):
        if looks_like_id(state, value) and value not in found:
            found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            ids_in(state, item, found)
    elif isinstance(value, list):
        for item in value:
            ids_in(state, item, found)
    return found


def mentions(value: Any, obj_id: str) -> bool:
    if isinstance(value, str):
        return value == obj_id
    if isinstance(value, dict):
        return any(mentions(v, obj_id) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, obj_id) for v in value)
    return False


def referenced_by(platform: Platform, obj_id: str, limit: int) -> list[tuple[Scope, Obj]]:
    """Objects (events aside) that name ``obj_id`` anywhere, newest first per type."""
    out: list[tuple[Scope, Obj]] = []
    scanned = 0
    for scope in list(platform.scopes.values()):
        for name, store in list(scope.stores.items()):
            if name == EVENT:
                continue
            for obj in store.newest_first():
                scanned += 1
                if scanned > MAX_SCANNED or len(out) >= limit:
                    return out
                if obj.get("id") != obj_id and mentions(obj, obj_id):
                    out.append((scope, obj))
    return out


def events_of(platform: Platform, obj_id: str, limit: int) -> list[tuple[Scope, Obj]]:
    """Events whose ``data.object`` is ``obj_id``, newest first."""
    out: list[tuple[Scope, Obj]] = []
    scanned = 0
    for scope, event in _newest_events(platform):
        scanned += 1
        if scanned > MAX_EVENTS_SCANNED or len(out) >= limit:
            break
        target = events.data_object(event)
        if target is not None and target.get("id") == obj_id:
            out.append((scope, event))
    return out


def _newest_events(platform: Platform) -> Iterator[tuple[Scope, Obj]]:
    def stream(scope: Scope, store: Any) -> Iterator[tuple[int, int, Scope, Obj]]:
        for n, obj in enumerate(store.newest_first()):
            yield (-int(obj.get("created") or 0), n, scope, obj)

    merged = heapq.merge(*(stream(s, st) for s, st in _stores(platform, EVENT)), key=lambda r: (r[0], r[1]))
    for _, _, scope, event in merged:
        yield scope, event


# --- webhook deliveries (kept by emulator.webhooks in platform.extra) -------------------------------


def book(platform: Platform) -> Book | None:
    found = platform.extra.get(EXTRA_KEY)
    return found if isinstance(found, Book) else None


def deliveries(platform: Platform, limit: int, offset: int = 0, event_id: str | None = None) -> list[Delivery]:
    """The platform's webhook deliveries, newest first (of one event when ``event_id``)."""
    kept = book(platform)
    if kept is None:
        return []
    rows = (d for d in reversed(list(kept.deliveries.values())) if event_id is None or d.event_id == event_id)
    return list(itertools.islice(rows, offset, offset + limit))


def delivery_count(platform: Platform) -> int:
    kept = book(platform)
    return len(kept.deliveries) if kept is not None else 0


def delivery(platform: Platform, delivery_id: str) -> Delivery | None:
    kept = book(platform)
    return kept.deliveries.get(delivery_id) if kept is not None else None


def deliveries_to(platform: Platform, endpoint_id: str, limit: int) -> list[Delivery]:
    kept = book(platform)
    if kept is None:
        return []
    rows = (d for d in reversed(list(kept.deliveries.values())) if d.target.key == endpoint_id)
    return list(itertools.islice(rows, limit))


def attempts_total(state: State) -> int:
    """All delivery attempts of all platforms (lets live pages notice retries and replays)."""
    total = 0
    for platform in list(state.platforms.values()):
        kept = book(platform)
        if kept is not None:
            total += kept.seq + sum(len(d.attempts) for d in kept.deliveries.values())
    return total
