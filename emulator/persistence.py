"""``--persist PATH``: all state survives a restart (and ``kill -9``) in one SQLite file.

The store is a request journal, not a snapshot. Every request that changed state is appended
and committed **before its response is sent**: the method, path, query, the headers the API
reads, the body, and the *tape* of everything random the request drew (ids, card numbers,
request ids, clock readings; see :class:`emulator.core.ids.Tape`). A write costs one small
INSERT however large the store is. At start-up the journal is replayed through the same
ASGI application, each request with its tape, so objects, ids, timestamps, balances,
events and Idempotency-Key replays come back exactly as they were. Webhook delivery is off
while replaying (those events were delivered the first time).

What is journaled: API ``POST``/``DELETE`` answered 200 (or 402, or 400/404 under an
Idempotency-Key, since those answers are replayed to the client too), any API request that
created a new platform (the first request of a key), and every successful settings ``POST``
of the control plane (``/_emulator/platform_settings``, ``/_emulator/webhooks/settings``,
``/_emulator/clock``: a platform's time is replayed from the clock readings on the tape). Any
request (a GET too) that ran work which fell due as the platform's time passed (an authorization
expiring, see :mod:`emulator.timekeeping`) is kept as well, so the work happens at the same point
of the replay.
``POST /_emulator/reset`` deletes the journal entries it makes obsolete (all, or one key's). The file carries SQLite's
``application_id`` and a schema version: a file that is not SQLite, belongs to another
application, is damaged, or is held by another running emulator is refused with a message;
it is never overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from emulator import __version__
from emulator.control import cross_site
from emulator.core.ids import CURRENT_TAPE, Tape
from emulator.fixtures.inprocess import call_app
from emulator.http import auth
from emulator.http.errors import StripeError

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

log = logging.getLogger("emulator.persistence")

APPLICATION_ID = 0x5354454D  # "STEM": PRAGMA application_id of every journal file
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
# Request headers the API reads; only these are journaled (not the SDKs' user-agent blobs).
KEPT_HEADERS = frozenset({"authorization", "content-type", "idempotency-key", "stripe-account", "stripe-version"})
# Control-plane POSTs that change settings state and are journaled (others are not: a fixture
# load's API calls are journaled one by one, a webhook delivery replay only sends a request).
JOURNALED_CONTROL = frozenset({"/_emulator/platform_settings", "/_emulator/webhooks/settings", "/_emulator/clock"})
DUE_MARK = "due"  # on a tape: the request ran work that fell due (emulator.timekeeping), so it is kept
RESET_PATH = "/_emulator/reset"

IS_DIRECTORY = "cannot use --persist {path}: it is a directory"
NOT_SQLITE = "cannot use --persist {path}: the file exists but is not a SQLite database (refusing to overwrite it)"
FOREIGN = (
    "cannot use --persist {path}: it is a SQLite database of another application "
    "(application_id {found:#x}; refusing to overwrite it)"
)
NEWER = "cannot use --persist {path}: it was written by a newer stripe-emulator (schema {found}, this one reads {ours})"
DAMAGED = "cannot use --persist {path}: the database is damaged ({detail})"
CANNOT_OPEN = "cannot use --persist {path}: it cannot be opened for writing ({detail})"
LOCKED = "cannot use --persist {path}: another running stripe-emulator is using it"
BAD_ENTRY = "cannot use --persist {path}: journal entry {seq} is unreadable ({detail})"
WRITE_FAILED = "could not persist a change to {path}: {detail}"

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Dispatch = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query BLOB NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    tape TEXT NOT NULL,
    status INTEGER NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX journal_by_key ON journal (key, seq);
"""


class PersistenceError(Exception):
    """The persistence file cannot be used (the message says why); the emulator does not start."""


@dataclass(frozen=True)
class Entry:
    seq: int
    key: str
    method: str
    path: str
    query: bytes
    headers: list[tuple[str, str]]
    body: bytes
    tape: list[list[Any]]
    status: int


class Journal:
    """The SQLite file: an append-only table of requests plus a small ``meta`` table."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn = _open(path)
        self.fresh: bool = self.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0

    # --- reading ---------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        cursor = self.conn.execute(
            "SELECT seq, key, method, path, query, headers, body, tape, status FROM journal ORDER BY seq"
        )
        for seq, key, method, path, query, headers, body, tape, status in cursor:
            try:
                pairs = [(str(k), str(v)) for k, v in json.loads(headers)]
                drawn = json.loads(tape)
                if not isinstance(drawn, list):
                    raise ValueError("the tape is not a list")
            except (ValueError, TypeError) as exc:
                raise PersistenceError(BAD_ENTRY.format(path=self.path, seq=seq, detail=exc)) from None
            yield Entry(seq, key, method, path, bytes(query), pairs, bytes(body), drawn, status)

    def meta(self, name: str) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def last_seq(self) -> int:
        row = self.conn.execute("SELECT MAX(seq) FROM journal").fetchone()
        return int(row[0] or 0)

    # --- writing (each call is one committed transaction) --------------------------------------

    def append(self, entry: Entry, rng_state: Any) -> None:
        with self._transaction():
            self.conn.execute(
                "INSERT INTO journal (key, method, path, query, headers, body, tape, status, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.key,
                    entry.method,
                    entry.path,
                    entry.query,
                    json.dumps(entry.headers),
                    entry.body,
                    json.dumps(entry.tape, separators=(",", ":")),
                    entry.status,
                    time.time(),
                ),
            )
            if rng_state is not None:
                self._set_meta("rng_state", rng_state)

    def forget(self, key: str | None) -> None:
        """Drop the entries a reset made obsolete: one key's, or all of them."""
        with self._transaction():
            if key is None:
                self.conn.execute("DELETE FROM journal")
                self.conn.execute("DELETE FROM meta WHERE name = 'rng_state'")
            else:
                self.conn.execute("DELETE FROM journal WHERE key = ?", (key,))

    def forget_since(self, key: str, seq: int) -> None:
        """Drop one key's entries after ``seq`` (a fixture file that failed half-way)."""
        with self._transaction():
            self.conn.execute("DELETE FROM journal WHERE key = ? AND seq > ?", (key, seq))

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover - closing twice or after a failed open
            pass

    def _set_meta(self, name: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, json.dumps(value, separators=(",", ":"))),
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


def _open(path: str) -> sqlite3.Connection:
    if os.path.isdir(path):
        raise PersistenceError(IS_DIRECTORY.format(path=path))
    try:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, "rb") as fh:
                if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                    raise PersistenceError(NOT_SQLITE.format(path=path))
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0.2)
    except (OSError, sqlite3.Error) as exc:
        raise PersistenceError(CANNOT_OPEN.format(path=path, detail=getattr(exc, "strerror", None) or exc)) from None
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")  # one emulator per file; the lock dies with it
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id == 0 and not tables:
            _create(conn)
        elif app_id != APPLICATION_ID:
            raise PersistenceError(FOREIGN.format(path=path, found=app_id))
        else:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise PersistenceError(NEWER.format(path=path, found=version, ours=SCHEMA_VERSION))
            if not {"journal", "meta"} <= tables:
                raise PersistenceError(DAMAGED.format(path=path, detail="tables are missing"))
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise PersistenceError(DAMAGED.format(path=path, detail=check))
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # pragma: no cover - only on file systems without WAL support
            log.warning("%s could not use WAL (journal mode %s)", path, mode)
        conn.execute("PRAGMA synchronous = FULL")  # a commit is on disk before the response goes out
    except PersistenceError:
        conn.close()
        raise
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise PersistenceError(LOCKED.format(path=path)) from None
        if "unable to open" in str(exc) or "readonly" in str(exc):
            raise PersistenceError(CANNOT_OPEN.format(path=path, detail=exc)) from None
        raise PersistenceError(DAMAGED.format(path=path, detail=exc)) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise PersistenceError(DAMAGED.format(path=path, detail=exc)) from None
    return conn


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute(
        "INSERT INTO meta (name, value) VALUES ('format', ?), ('created_by', ?)",
        (json.dumps("stripe-issuing-emulator request journal"), json.dumps(__version__)),
    )
    conn.execute("COMMIT")


# --- the application side ----------------------------------------------------------------------


class Persistence:
    """Journals the requests an :class:`EmulatorApp` serves and replays them at start-up."""

    def __init__(self, app: EmulatorApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    @property
    def fresh(self) -> bool:
        return bool(self.journal.fresh)

    def close(self) -> None:
        self.journal.close()

    # --- live requests -------------------------------------------------------------------------

    async def handle(self, scope: dict[str, Any], receive: Receive, send: Send, dispatch: Dispatch) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        is_api = path.startswith(("/v1/", "/v2/"))
        if not is_api and method in ("GET", "HEAD", "OPTIONS"):
            await dispatch(scope, receive, send)
            return
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", ())]
        valid, key = _key_of(dict(headers))
        if path == RESET_PATH:
            if method == "POST" and valid and not cross_site(Request(scope)):
                self.journal.forget(key or None)
            await dispatch(scope, receive, send)
            return
        if not valid or (is_api and not key) or (not is_api and path not in JOURNALED_CONTROL):
            await dispatch(scope, receive, send)  # refused before it changed anything, or changes nothing kept
            return
        existed = key in self.app.state.platforms
        chunks: list[bytes] = []

        async def receive_and_keep() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        tape = Tape()

        async def send_after_commit(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                replayed = any(k.lower() == b"idempotent-replayed" for k, _ in message.get("headers", ()))
                ran_due = any(kind == DUE_MARK for kind, _ in tape.drawn)
                if ran_due or self._worth_keeping(is_api, method, status, replayed, existed, key, headers):
                    entry = Entry(
                        0,
                        key,
                        method,
                        path,
                        scope.get("query_string", b""),
                        [(k, v) for k, v in headers if k in KEPT_HEADERS],
                        b"".join(chunks),
                        tape.drawn,
                        status,
                    )
                    try:
                        self.journal.append(entry, self.app.state.ids.get_state())
                    except sqlite3.Error as exc:
                        log.error(WRITE_FAILED.format(path=self.journal.path, detail=exc))
                        raise
            await send(message)

        token = CURRENT_TAPE.set(tape)
        try:
            await dispatch(scope, receive_and_keep, send_after_commit)
        finally:
            CURRENT_TAPE.reset(token)

    def _worth_keeping(
        self,
        is_api: bool,
        method: str,
        status: int,
        replayed: bool,
        existed: bool,
        key: str,
        headers: list[tuple[str, str]],
    ) -> bool:
        if not is_api:
            return 200 <= status < 300
        if not existed and key in self.app.state.platforms:
            return True  # the first request of a key made its platform (and drew its account id)
        if method not in ("POST", "DELETE") or replayed:
            return False
        if status in (200, 402):
            return True
        return status in (400, 404) and any(k == "idempotency-key" for k, _ in headers)

    # --- start-up ------------------------------------------------------------------------------

    async def replay(self) -> int:
        """Run every journaled request again, with its tape; returns how many ran."""
        state = self.app.state
        listeners = list(state.event_listeners)
        state.event_listeners.clear()  # no webhook deliveries for events of the past
        request_log = logging.getLogger("emulator.requests")
        level = request_log.level
        request_log.setLevel(logging.WARNING)
        count = mismatches = 0
        try:
            for entry in self.journal.entries():
                token = CURRENT_TAPE.set(Tape(entry.tape))
                try:
                    status, _ = await call_app(
                        self.app.dispatch,
                        entry.method,
                        entry.path,
                        query=entry.query,
                        body=entry.body,
                        headers=entry.headers,
                    )
                finally:
                    CURRENT_TAPE.reset(token)
                count += 1
                if status != entry.status:
                    mismatches += 1
                    if mismatches <= 10:
                        log.warning(
                            "replaying %s %s (entry %d) answered %d, not %d as before",
                            entry.method,
                            entry.path,
                            entry.seq,
                            status,
                            entry.status,
                        )
        finally:
            state.event_listeners[:] = listeners + [x for x in state.event_listeners if x not in listeners]
            request_log.setLevel(level)
        state.ids.set_state(self.journal.meta("rng_state"))
        return count


def _key_of(headers: dict[str, str]) -> tuple[bool, str]:
    """``(valid, key)``: the API key of a request, ``(True, "")`` without Authorization."""
    header = headers.get("authorization")
    if not header:
        return True, ""
    try:
        return True, auth.key_from_header(header)
    except StripeError:
        return False, ""


async def restore(app: EmulatorApp) -> bool:
    """Open ``app.settings.persist``, replay it, and journal from now on; True if it was empty."""
    assert app.settings.persist is not None
    journal = Journal(app.settings.persist)
    persistence = Persistence(app, journal)
    try:
        started = time.perf_counter()
        count = await persistence.replay()
    except BaseException:
        journal.close()
        raise
    if count:
        log.info(
            "restored %d requests from %s in %.0f ms",
            count,
            app.settings.persist,
            (time.perf_counter() - started) * 1000,
        )
    app.journal = persistence
    return bool(journal.fresh)
