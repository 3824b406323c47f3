"""Secrets hidden from ``GET /_emulator/requests`` unless it is asked for them (``?reveal=true``).

Hidden: every string that is a webhook signing secret (``whsec_...``) or an ephemeral key secret
(``ek_...``), and the values of card ``number`` and ``cvc`` fields, wherever they appear in a
logged request's parameters or its response body.
"""

from __future__ import annotations

from typing import Any

REDACTED = "[redacted: add ?reveal=true to see it]"
SECRET_PREFIXES = ("whsec_", "ek_test_", "ek_live_")
SECRET_FIELDS = frozenset({"number", "cvc"})


def redact(tree: Any) -> Any:
    """A copy of ``tree`` (decoded JSON or form parameters) with the secrets replaced."""
    if isinstance(tree, dict):
        return {
            k: REDACTED if (k in SECRET_FIELDS and isinstance(v, str) and v) else redact(v) for k, v in tree.items()
        }
    if isinstance(tree, list):
        return [redact(v) for v in tree]
    if isinstance(tree, str) and tree.startswith(SECRET_PREFIXES):
        return REDACTED
    return tree
