"""Stripe's webhook signature: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256>``.

The HMAC key is the endpoint secret string (``whsec_...``) as UTF-8 bytes, not decoded; the
message is ``"{t}.{raw body}"``. This is what ``stripe.Webhook.construct_event`` (Python) and
``stripe.webhooks.constructEvent`` (Node) verify.
"""

from __future__ import annotations

import hashlib
import hmac


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The lowercase hex ``v1`` signature of ``payload`` sent at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value."""
    return f"t={timestamp},v1={signature(payload, secret, timestamp)}"


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
