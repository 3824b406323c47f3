"""A platform's recording as a stripe CLI fixture document (``GET /_emulator/requests?format=fixture``).

Each recorded request is one step, named after the object it answered (``issuing_card_2``).
Every id in a step's path, parameters or ``Stripe-Account`` header that an earlier step's answer
held is written as a reference to that answer (``${issuing_card_2:id}``,
``${issuing_authorization_1:transactions.0.id}``), so loading the document into a fresh platform
rebuilds the same objects under new ids. ``Stripe-Account`` naming the platform's own account is
left out (it means the same as no header).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.core.state import State
from emulator.http import auth, forms
from emulator.http.errors import StripeError
from emulator.http.responses import JSONResponse
from emulator.recording.recorder import Recording, read, recording_of

FORMATS = ("json", "fixture")
BAD_FORMAT = "Invalid format: must be json or fixture"
INCOMPLETE = (
    "This platform made more state-changing requests than the emulator keeps ({kept}; {dropped} more were not "
    "recorded), so its session cannot be exported faithfully. Reset the platform and record a shorter session."
)
_TOKEN = re.compile(r"[A-Za-z0-9_]+")


def _substitute(text: str, refs: dict[str, str]) -> str:
    if "_" not in text:
        return text
    return _TOKEN.sub(lambda m: refs.get(m.group(0), m.group(0)), text)


def _tree(value: Any, refs: dict[str, str], free_form: bool = False) -> Any:
    """``value`` with ids replaced by references; an indexed hash (``a[0]=x&a[1]=y``) as a list,
    except in ``metadata``, whose keys are the user's own."""
    if isinstance(value, str):
        return _substitute(value, refs)
    if isinstance(value, dict):
        if not free_form and value and all(k == str(i) for i, k in enumerate(value)):
            return [_tree(v, refs) for v in value.values()]
        return {k: _tree(v, refs, k == "metadata") for k, v in value.items()}
    if isinstance(value, list):
        return [_tree(v, refs) for v in value]
    return value


def _params(query: bytes, body: bytes) -> dict[str, Any]:
    try:
        tree = forms.decode(query) if query else {}
        if body:
            tree.update(forms.decode(body))
    except forms.FormError:  # the API accepted it, so it decodes; never fail an export on it
        return {}
    return tree


def fixture_document(recording: Recording, platform_account: str, state: State) -> dict[str, Any]:
    if recording.dropped:
        raise StripeError(INCOMPLETE.format(kept=len(recording.entries), dropped=recording.dropped), status=409)
    refs: dict[str, str] = {}
    names: Counter[str] = Counter()
    steps: list[dict[str, Any]] = []
    for done in read(recording, state):
        entry = done.entry
        base = (done.object or "request").replace(".", "_")
        names[base] += 1
        name = f"{base}_{names[base]}"
        step: dict[str, Any] = {
            "name": name,
            "path": _substitute(entry.path, refs),
            "method": entry.method.lower(),
            "params": _tree(_params(entry.query, entry.body), refs),
        }
        if entry.account and entry.account != platform_account:
            step["headers"] = {"Stripe-Account": _substitute(entry.account, refs)}
        steps.append(step)
        for obj_id, path in done.ids:
            refs.setdefault(obj_id, f"${{{name}:{path}}}")
    return {"_meta": {"template_version": 0}, "fixtures": steps}


def requested_format(request: Request) -> str:
    fmt = (request.query_params.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise StripeError(BAD_FORMAT, param="format")
    return fmt


def fixture_response(state: State, request: Request) -> Response:
    """The calling key's session as a fixture document (an empty one for a key never used)."""
    try:
        key = auth.key_from_header(request.headers.get("authorization"))
        platform = state.platforms.get(key)
        if platform is None:
            return JSONResponse({"_meta": {"template_version": 0}, "fixtures": []})
        document = fixture_document(recording_of(platform), platform.account_id, state)
    except StripeError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    return JSONResponse(document)
