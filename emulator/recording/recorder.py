"""Notes each platform's successful state-changing ``/v1`` requests, in order.

Kept: ``POST`` and ``DELETE`` answered 200 that were not idempotent replays, with the query
string and body as sent, the ``Stripe-Account`` header, the answer's ``object`` and every id the
answer holds with its place in it (``transactions.0.id``), so an export can write later uses of
an id as a reference to the step that produced it. The answer itself is not kept. At most
:data:`MAX_ENTRIES` requests per platform are kept; beyond that the recording is marked
incomplete (an export then refuses rather than rebuild half a session).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

from emulator.core.state import Platform, State
from emulator.http import auth
from emulator.http.errors import StripeError

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

EXTRA_KEY = "recording"
MAX_ENTRIES = 20_000
MAX_DEPTH = 32
RECORDED_METHODS = frozenset({"POST", "DELETE"})
# a reference's path cannot hold these (``${name:path|default}``)
_UNREFERABLE = frozenset("|}\n")


@dataclass(frozen=True, slots=True)
class Entry:
    method: str
    path: str
    query: bytes
    body: bytes
    account: str | None
    object: str | None
    ids: tuple[tuple[str, str], ...]  # (id, gjson path in the answer)


class Recording:
    """One platform's recorded requests (``platform.extra["recording"]``)."""

    __slots__ = ("dropped", "entries")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.dropped = 0

    def add(self, entry: Entry) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            self.dropped += 1
            return
        self.entries.append(entry)

    def mark(self) -> tuple[int, int]:
        """Where the recording stands (:meth:`rewind` goes back there)."""
        return len(self.entries), self.dropped

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget what was recorded since ``mark`` (a fixture file that failed half-way is undone)."""
        del self.entries[mark[0] :]
        self.dropped = mark[1]


def recording_of(platform: Platform) -> Recording:
    recording = platform.extra.get(EXTRA_KEY)
    if not isinstance(recording, Recording):
        recording = platform.extra[EXTRA_KEY] = Recording()
    return recording


def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace(".", "\\.")


def ids_in(doc: Any, is_id: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    """Every id in an answer with its gjson path (``metadata`` is the user's text, not looked in)."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if path and is_id(value):
                yield value, path
            continue
        if depth >= MAX_DEPTH:
            continue
        if isinstance(value, dict):
            children = [
                (v, f"{path}.{_escape(k)}" if path else _escape(k), depth + 1)
                for k, v in value.items()
                if k != "metadata" and not _UNREFERABLE.intersection(k)
            ]
        elif isinstance(value, list):
            children = [(v, f"{path}.{i}" if path else str(i), depth + 1) for i, v in enumerate(value)]
        else:
            continue
        stack.extend(reversed(children))  # depth first, in the answer's own order


def _first_of_each(found: Iterator[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    places: dict[str, str] = {}
    for obj_id, path in found:
        places.setdefault(obj_id, path)
    return tuple(places.items())


class Recorder:
    """ASGI layer around the API: passes everything through, notes what changed state."""

    def __init__(self, state: State, inner: ASGIApp) -> None:
        self.state = state
        self.inner = inner

    def _is_id(self, text: str) -> bool:
        return "_" in text and len(text) <= 255 and self.state.object_type_of(text) is not None

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["method"] not in RECORDED_METHODS or not scope["path"].startswith("/v1/"):
            await self.inner(scope, receive, send)
            return
        sent: list[bytes] = []
        answer: list[bytes] = []
        outcome = {"status": 0, "replayed": False}

        async def receive_kept() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                sent.append(message.get("body", b""))
            return message

        async def send_kept(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = int(message["status"])
                outcome["replayed"] = any(k == b"idempotent-replayed" for k, _ in message.get("headers", ()))
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
            await send(message)

        await self.inner(scope, receive_kept, send_kept)
        if outcome["status"] == 200 and not outcome["replayed"]:
            self._note(scope, b"".join(sent), b"".join(answer))

    def _note(self, scope: dict[str, Any], body: bytes, answer: bytes) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        try:
            key = auth.key_from_header(headers.get(b"authorization", b"").decode("latin-1") or None)
        except StripeError:
            return
        platform = self.state.platforms.get(key)
        if platform is None:
            return
        try:
            doc = orjson.loads(answer)
        except orjson.JSONDecodeError:
            doc = None
        account = headers.get(b"stripe-account", b"").decode("latin-1").strip() or None
        entry = Entry(
            scope["method"],
            scope["path"],
            bytes(scope.get("query_string", b"")),
            body,
            account,
            doc.get("object") if isinstance(doc, dict) and isinstance(doc.get("object"), str) else None,
            _first_of_each(ids_in(doc, self._is_id)),
        )
        recording_of(platform).add(entry)
