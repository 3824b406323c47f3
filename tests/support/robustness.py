"""Checks of robustness tests: a Stripe-shaped answer, and a platform's whole state as one string."""

from __future__ import annotations

import json

import httpx

from emulator import EmulatorServer

STRIPE_ERROR_TYPES = {"api_error", "card_error", "idempotency_error", "invalid_request_error"}


def fingerprint(server: EmulatorServer, key: str) -> str:
    """Everything a platform holds, as one string (compared around refused requests). Stores and
    scopes are made lazily on first look, so empty ones do not count."""
    platform = server.state.platforms.get(key)
    if platform is None:
        return ""
    scopes = {}
    for sid, scope in platform.scopes.items():
        stores = {t: list(s.values()) for t, s in scope.stores.items() if len(s)}
        meta = {k: v for k, v in scope.meta.items() if v}
        if stores or meta:
            scopes[sid] = {"stores": stores, "meta": meta}
    dump = {"account": platform.account, "accounts": list(platform.accounts.values()), "scopes": scopes}
    return json.dumps(dump, sort_keys=True, default=repr)


def assert_stripe_shaped(r: httpx.Response) -> None:
    assert r.status_code < 500, r.text[:800]
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    if r.status_code >= 400:
        err = body["error"]
        assert err["type"] in STRIPE_ERROR_TYPES, body
        assert isinstance(err["message"], str) and err["message"], body
