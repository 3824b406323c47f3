"""Stripe's webhook signature: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256>``.

The HMAC key is the endpoint secret string (``whsec_...``) as UTF-8 bytes, not decoded; the
message is ``"{t}.{raw body}"``. This is what ``stripe.Webhook.construct_event`` (Python) and
``stripe.webhooks.constructEvent`` (Node) verify. Like Stripe's test-mode events, the header
also carries a ``v0`` signature that no secret verifies (verifiers must ignore every scheme but
``v1``).
"""

from __future__ import annotations

import hashlib
import hmac

V0_KEY_PREFIX = "stripe-emulator-fake-v0:"


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The lowercase hex ``v1`` signature of ``payload`` sent at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def fake_v0(payload: bytes, secret: str, timestamp: int) -> str:
    """The extra ``v0`` signature Stripe adds to test-mode events: made with a key nobody has, so a
    verifier that does not ignore schemes other than ``v1`` fails, as it would against Stripe."""
    return signature(payload, V0_KEY_PREFIX + secret, timestamp)


def header(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value: ``t=...,v1=...,v0=...`` as Stripe sends in test mode."""
    return f"t={timestamp},v1={signature(payload, secret, timestamp)},v0={fake_v0(payload, secret, timestamp)}"


def verify(payload: bytes, value: str, secret: str) -> bool:
    """Whether a ``Stripe-Signature`` value carries a valid ``v1`` for ``payload`` (no age check)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in value.split(","):
        key, _, val = item.strip().partition("=")
        if key == "t" and val.isdigit():
            timestamp = int(val)
        elif key == "v1":
            candidates.append(val)
    if timestamp is None:
        return False
    expected = signature(payload, secret, timestamp)
    return any(hmac.compare_digest(expected, c) for c in candidates)
