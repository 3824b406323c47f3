"""Which webhook endpoints receive an event, and with which secret.

Endpoints are stored in the scope of the account that created them (normally the platform).
An event of the platform's own account goes to the platform's endpoints with ``connect=false``;
an event of a connected account goes to the platform's endpoints with ``connect=true`` and to
the connected account's own endpoints. Only ``enabled`` endpoints count, oldest first.
``enabled_events: ["*"]`` matches every event except those that need explicit selection:
``issuing_authorization.request``, which asks the endpoint for a synchronous decision, and the
``issuing_settlement.*`` events, which Stripe restricts to users enrolled in its Settlement feature
(they are not in the SDKs' GA event types, so a ``*`` handler would not know them).
"""

from __future__ import annotations

from emulator.core.state import Platform, Scope
from emulator.core.store import Obj

WEBHOOK_ENDPOINT = "webhook_endpoint"
REALTIME_EVENT = "issuing_authorization.request"
SETTLEMENT_EVENTS = frozenset({"issuing_settlement.created", "issuing_settlement.updated"})
# Event types that "*" does not cover: an endpoint must name them.
EXPLICIT_ONLY = frozenset({REALTIME_EVENT, *SETTLEMENT_EVENTS})


def enabled_for(endpoint: Obj, event_type: str) -> bool:
    events = endpoint.get("enabled_events") or ()
    if event_type in events:
        return True
    return "*" in events and event_type not in EXPLICIT_ONLY


def is_connect(owner: Scope, endpoint_id: str) -> bool:
    return bool(owner.meta.get(endpoint_id, {}).get("connect", False))


def secret_of(owner: Scope, endpoint_id: str) -> str | None:
    secret = owner.meta.get(endpoint_id, {}).get("secret")
    return secret if isinstance(secret, str) else None


def may_have_endpoints(platform: Platform, scope: Scope) -> bool:
    """False when no endpoint at all could hear an event of ``scope`` (the cheap common case)."""
    return bool(platform.scope().stores.get(WEBHOOK_ENDPOINT) or scope.stores.get(WEBHOOK_ENDPOINT))


def _candidates(platform: Platform, scope: Scope) -> list[tuple[Scope, Obj, bool]]:
    """(owner scope, endpoint, wants connect events) for every endpoint that could hear ``scope``."""
    out: list[tuple[Scope, Obj, bool]] = []
    home = platform.scope()
    store = home.stores.get(WEBHOOK_ENDPOINT)
    if store is not None:
        out.extend((home, ep, scope.is_connected) for ep in store.values())
    if scope.is_connected:
        own = scope.stores.get(WEBHOOK_ENDPOINT)
        if own is not None:
            out.extend((scope, ep, False) for ep in own.values())
    return out


def endpoints_for(platform: Platform, scope: Scope, event_type: str) -> list[tuple[Scope, Obj]]:
    """The enabled endpoints an event of ``scope`` of type ``event_type`` is delivered to, oldest first."""
    found: list[tuple[Scope, Obj]] = []
    for owner, endpoint, want_connect in _candidates(platform, scope):
        if endpoint.get("status") != "enabled" or not enabled_for(endpoint, event_type):
            continue
        if is_connect(owner, endpoint["id"]) == want_connect:
            found.append((owner, endpoint))
    return found
