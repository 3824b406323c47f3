"""What keeps the dashboard's actions from being triggered by another site.

An action is a ``POST`` that must (1) carry no foreign ``Origin`` (a browser sends the page's
origin with every form POST; ``null`` from sandboxed or opaque contexts is foreign too), (2) not be
marked cross-site by ``Sec-Fetch-Site``, and (3) carry the dashboard's form token, which only its
own pages contain (another site cannot read them). Non-browser clients that send no ``Origin``
still need the token. (1) and (2) are :func:`emulator.http.guard.same_origin`, shared with the
control plane; the ``Host`` they compare with is one the emulator serves (checked before routing).
"""

from __future__ import annotations

import hashlib
import hmac

TOKEN_LABEL = b"stripe-emulator dashboard actions"


def form_token(secret: bytes) -> str:
    return hmac.new(secret, TOKEN_LABEL, hashlib.sha256).hexdigest()[:40]


def token_ok(secret: bytes, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode("utf-8", "replace"), form_token(secret).encode())
