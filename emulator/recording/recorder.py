"""Notes each platform's successful state-changing ``/v1`` requests, in order.

Kept: ``POST`` and ``DELETE`` with a form body (or none) answered 200 that were not idempotent
replays, with the query string and body as sent, the ``Stripe-Account`` header and the answer,
compressed. What the answer holds is read only when the recording is exported (:func:`read`):
the answer's ``object`` and each id the answer is the first to hold, with its place in it
(``id``, ``transactions.0.id``), so an export can write later uses of an id as a reference to the
step that produced it. Reading it then rather than on every request keeps recording off the
request's path: compressing an answer costs a fraction of finding its ids. Answers are compressed
``FRAME_OBJECTS`` at a time, in one frame (:mod:`emulator.core.packing` says why); until then
the newest few are kept as sent.
At most :data:`MAX_ENTRIES` requests per platform are kept; beyond that the recording is marked
incomplete (an export then refuses rather than rebuild half a session).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import orjson

from emulator.core.packing import FRAME_OBJECTS, Codec, Frame
from emulator.core.state import Platform, State

EXTRA_KEY = "recording"
MAX_ENTRIES = 20_000
MAX_DEPTH = 32
RECORDED_METHODS = frozenset({"POST", "DELETE"})
# a reference's path cannot hold these (``${name:path|default}``)
_UNREFERABLE = frozenset("|}\n")


@dataclass(slots=True)
class Entry:
    method: str
    path: str
    query: bytes
    body: bytes
    account: str | None
    answer: bytes | tuple[Frame, int]  # as sent, then its place in a frame of the state's codec

    def answer_text(self, codec: Codec) -> bytes:
        answer = self.answer
        return answer if isinstance(answer, bytes) else bytes(codec.text(*answer))


@dataclass(frozen=True, slots=True)
class Step:
    """A recorded request as an export reads it."""

    entry: Entry
    object: str | None  # what the answer was (``issuing.card``)
    ids: tuple[tuple[str, str], ...]  # (id, gjson path in the answer) for ids no earlier answer held


class Recording:
    """One platform's recorded requests (``platform.extra["recording"]``)."""

    __slots__ = ("dropped", "entries", "unframed")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.dropped = 0
        self.unframed = 0  # the newest entries whose answers are as sent

    def add(self, entry: Entry, codec: Codec) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            self.dropped += 1
            return
        self.entries.append(entry)
        self.unframed += 1
        if self.unframed >= FRAME_OBJECTS:
            newest = self.entries[-self.unframed :]
            frame = codec.frame([cast(bytes, e.answer) for e in newest])  # all still as sent
            for index, e in enumerate(newest):
                e.answer = (frame, index)
            self.unframed = 0

    def mark(self) -> tuple[int, int]:
        """Where the recording stands (:meth:`rewind` goes back there)."""
        return len(self.entries), self.dropped

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget what was recorded since ``mark`` (a fixture file that failed half-way is undone)."""
        removed = len(self.entries) - mark[0]
        del self.entries[mark[0] :]
        self.unframed = max(self.unframed - removed, 0)
        self.dropped = mark[1]


def recording_of(platform: Platform) -> Recording:
    recording = platform.extra.get(EXTRA_KEY)
    if not isinstance(recording, Recording):
        recording = platform.extra[EXTRA_KEY] = Recording()
    return recording


# how an answer rendered by the API starts: its own id and object (read without decoding it)
_HEAD = re.compile(rb'\{"id":"([0-9A-Za-z_]{1,255})","object":"([0-9a-z_.]{1,100})"')


def id_pattern(prefixes: frozenset[str]) -> re.Pattern[bytes]:
    """A JSON string value (not a key) that is an id with one of ``prefixes``."""
    names = b"|".join(re.escape(p.encode()) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rb'"((?:' + names + rb")_[0-9A-Za-z]{6,250})\"(?=[,\]}])")


def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace(".", "\\.")


def locate(doc: Any, wanted: set[str]) -> dict[str, str]:
    """Where in ``doc`` each of the ``wanted`` ids sits, as a gjson path (``transactions.0.id``);
    ``metadata`` (the user's own text) is not looked in, and ids under keys a reference cannot
    name are left out."""
    found: dict[str, tuple[str, ...]] = {}
    stack: list[tuple[Any, tuple[str, ...], int]] = [(doc, (), 0)]
    while stack and len(found) < len(wanted):
        value, path, depth = stack.pop()
        if depth >= MAX_DEPTH:
            continue
        items = value.items() if type(value) is dict else ((str(i), v) for i, v in enumerate(value))
        for name, child in items:
            kind = type(child)
            if kind is str:
                if child in wanted and child not in found:
                    found[child] = (*path, name)
            elif (kind is dict or kind is list) and name != "metadata":
                stack.append((child, (*path, name), depth + 1))
    return {
        obj_id: ".".join(_escape(part) for part in parts)
        for obj_id, parts in found.items()
        if not any(_UNREFERABLE.intersection(part) for part in parts)
    }


def read(recording: Recording, state: State) -> Iterator[Step]:
    """The recorded requests in order, each with what its answer first held."""
    ids = id_pattern(frozenset(state.prefixes))
    known: set[str] = set()  # every id an earlier step says where to find
    for entry in recording.entries:
        kind, places = _read_answer(entry.answer_text(state.codec), ids, known)
        known.update(places)
        yield Step(entry, kind, tuple(places.items()))


def _read_answer(answer: bytes, ids: re.Pattern[bytes], known: set[str]) -> tuple[str | None, dict[str, str]]:
    """The answer's ``object`` and the places of the ids in it that are not ``known``."""
    # usually the only new id is the answer's own ``id``: found without decoding the answer
    new = {text for raw in ids.findall(answer) if (text := raw.decode()) not in known}
    head = _HEAD.match(answer)
    own, kind = (head.group(1).decode(), head.group(2).decode()) if head else (None, None)
    places: dict[str, str] = {}
    if own is not None and own in new:
        places[own] = "id"
        new.discard(own)
    if new or head is None:
        try:
            doc = orjson.loads(answer)
        except orjson.JSONDecodeError:
            doc = None
        obj = doc if isinstance(doc, dict) else {}
        if head is None:
            found = obj.get("object")
            kind = found if isinstance(found, str) else None
            if isinstance(obj.get("id"), str) and obj["id"] in new:
                places[obj["id"]] = "id"
                new.discard(obj["id"])
        if new:
            places.update(locate(obj, new))
    return kind, places


class Recorder:
    """Notes what changed state. The API calls :meth:`note` after each answer it sent."""

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def note(
        self,
        platform: Platform,
        method: str,
        path: str,
        query: bytes,
        body: bytes,
        account: str | None,
        answer: bytes,
    ) -> None:
        """Record a request the API answered 200 (not a replay): ``platform``'s own key sent it,
        ``account`` is its ``Stripe-Account`` header. Requests that cannot be rebuilt are skipped."""
        if method not in RECORDED_METHODS or not path.startswith("/v1/"):
            return
        recording = recording_of(platform)
        if len(recording.entries) >= MAX_ENTRIES:
            recording.dropped += 1  # the export is refused from now on: nothing more to keep
            return
        account = account.strip() if account is not None else None
        recording.add(Entry(method, path, query, body, account or None, answer), self.codec)
