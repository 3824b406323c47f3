"""``--persist PATH``: all state survives a restart (and ``kill -9``) in one SQLite file.

The store is a request journal, not a snapshot. Every request that changed state is appended
and committed **before its response is sent**: the method, path, query, the headers the API
reads, the body, and the *tape* of everything random the request drew (ids, card numbers,
request ids, clock readings; see :class:`emulator.core.ids.Tape`). A write costs one small
INSERT however large the store is. At start-up the journal is replayed through the same
ASGI application, each request with its tape, so objects, ids, timestamps, balances,
events and Idempotency-Key replays come back exactly as they were. Webhook delivery is off
while replaying (those events were delivered the first time).

The journal is in the order the requests' effects happened, for any interleaving of concurrent
requests. A request's body is read in full before it is dispatched, so a request that never
waits runs from its first effect to its journal commit without letting another request run:
its row's place is its effects' place. A request that waits in the middle (a real-time
authorization waiting for the endpoint's answer, an ``/approve`` waiting for the engine) does so
through :func:`emulator.core.ids.outside`, which commits one row with what it did so far
(``done`` 0) before it waits; the rest follows in later rows (``part_of`` the first row) in
the order it ran, the answer it waited for recorded on their tape. The replay starts each
request as a task, holds it at each wait until the journal reaches its next part, then
hands it the recorded answer: the requests interleave as they did, so every balance check
sees the balance it saw the first time. A request that was waiting when the server stopped
(its last row has ``done`` 0; no client got an answer) is finished after the replay as if its
wait had been cut short (:data:`emulator.webhooks.realtime.ABANDONED` for a real-time
authorization: a ``timeout``), and that ending is journaled.

What is journaled: API ``POST``/``DELETE`` answered 200 (or 402, or 400/404 under an
Idempotency-Key, since those answers are replayed to the client too), any API request that
created a new platform (the first request of a key), every request that waited in the middle
(whatever it answered), and every successful settings ``POST`` of the control plane
(``/_emulator/platform_settings``, ``/_emulator/webhooks/settings``, ``/_emulator/clock``: a
platform's time is replayed from the clock readings on the tape). Any request (a GET too) that ran
work which fell due as the platform's time passed (an authorization expiring, see
:mod:`emulator.timekeeping`) is kept as well, so the work happens at the same point of the replay.
``POST /_emulator/reset`` deletes the journal entries it makes obsolete (all, or one key's). The file carries SQLite's
``application_id`` and a schema version: a file that is not SQLite, belongs to another
application, is damaged, or is held by another running emulator is refused with a message;
it is checked through a read-only connection first, so a refused file is never written to.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from starlette.requests import Request

from emulator import __version__
from emulator.core.ids import CURRENT_TAPE, Tape
from emulator.fixtures.inprocess import call_app
from emulator.http import auth
from emulator.http.errors import StripeError
from emulator.http.guard import cross_site
from emulator.http.limited_keys import publishable_to_secret
from emulator.webhooks import routing
from emulator.webhooks.book import Book, Delivery, Target, book_of

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

log = logging.getLogger("emulator.persistence")

APPLICATION_ID = 0x5354454D  # "STEM": PRAGMA application_id of every journal file
SCHEMA_VERSION = 2  # 2: a request that waits in the middle is journaled in parts (part_of, done)
SQLITE_MAGIC = b"SQLite format 3\x00"
# Request headers the API reads; only these are journaled (not the SDKs' user-agent blobs). The
# host names the emulator in what an answer links to (an error's request_log_url, an account link),
# which an idempotent replay after a restart must show as it was.
KEPT_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "host",
        "idempotency-key",
        "stripe-account",
        "stripe-context",
        "stripe-version",
        "x-forwarded-proto",
    }
)
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
MISMATCH = "replaying %s %s (entry %d) answered %d, not %d as before"
FINISHED_ABANDONED = "%d request(s) were waiting when the emulator stopped: finished as if their wait was cut short"
LOST_PART = "journal entry %d continues request %d, which is not waiting (skipped)"

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
    at REAL NOT NULL,
    part_of INTEGER,
    done INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX journal_by_key ON journal (key, seq);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    event TEXT NOT NULL,
    account TEXT NOT NULL,
    owner TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at REAL,
    UNIQUE (key, event, target)
);
"""
# Schema 1 -> 2: rows of requests journaled in parts, and the deliveries not delivered yet.
_UPGRADE = [
    "ALTER TABLE journal ADD COLUMN part_of INTEGER",
    "ALTER TABLE journal ADD COLUMN done INTEGER NOT NULL DEFAULT 1",
    _SCHEMA[_SCHEMA.index("CREATE TABLE deliveries") :],
]


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
    part_of: int | None = None  # the seq of the request's first row (None: this is the first row)
    done: bool = True  # False: the request waited after this row; its next part is a later row


class Delivered(NamedTuple):
    """A delivery of an event to an endpoint that is not delivered yet (or failed for good)."""

    key: str
    event: str
    account: str  # the account the event belongs to
    owner: str  # the account whose endpoint it is
    target: str  # the endpoint id
    status: str
    attempts: int
    next_at: float | None  # when the next automatic attempt is due (Unix time)


class Journal:
    """The SQLite file: an append-only table of requests plus a small ``meta`` table."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn = _open(path)
        self.fresh: bool = self.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0

    # --- reading ---------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        cursor = self.conn.execute(
            "SELECT seq, key, method, path, query, headers, body, tape, status, part_of, done FROM journal ORDER BY seq"
        )
        for seq, key, method, path, query, headers, body, tape, status, part_of, done in cursor:
            try:
                pairs = [(str(k), str(v)) for k, v in json.loads(headers)]
                drawn = json.loads(tape)
                if not isinstance(drawn, list):
                    raise ValueError("the tape is not a list")
            except (ValueError, TypeError) as exc:
                raise PersistenceError(BAD_ENTRY.format(path=self.path, seq=seq, detail=exc)) from None
            yield Entry(seq, key, method, path, bytes(query), pairs, bytes(body), drawn, status, part_of, bool(done))

    def meta(self, name: str) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def last_seq(self) -> int:
        row = self.conn.execute("SELECT MAX(seq) FROM journal").fetchone()
        return int(row[0] or 0)

    # --- writing (each call is one committed transaction) --------------------------------------

    def deliveries(self) -> list[Delivered]:
        """The deliveries kept (pending or failed), in the order they were made."""
        rows = self.conn.execute(
            "SELECT key, event, account, owner, target, status, attempts, next_at FROM deliveries ORDER BY id"
        ).fetchall()
        return [Delivered(*row) for row in rows]

    def append(self, entry: Entry, rng_state: Any, made: Sequence[Delivered] = ()) -> int:
        """Commit one row (and the deliveries its request made); returns its ``seq``."""
        with self._transaction():
            self._insert_deliveries(made)
            cursor = self.conn.execute(
                "INSERT INTO journal (key, method, path, query, headers, body, tape, status, at, part_of, done)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    entry.part_of,
                    int(entry.done),
                ),
            )
            if rng_state is not None:
                self._set_meta("rng_state", rng_state)
        return int(cursor.lastrowid or 0)

    def delivery_changed(self, made: Sequence[Delivered], changed: Delivered) -> None:
        """Keep a delivery's new state: gone once delivered (it no longer counts anywhere)."""
        with self._transaction():
            self._insert_deliveries(made)
            where = (changed.key, changed.event, changed.target)
            if changed.status == "succeeded":
                self.conn.execute("DELETE FROM deliveries WHERE key = ? AND event = ? AND target = ?", where)
            else:
                self.conn.execute(
                    "UPDATE deliveries SET status = ?, attempts = ?, next_at = ?"
                    " WHERE key = ? AND event = ? AND target = ?",
                    (changed.status, changed.attempts, changed.next_at, *where),
                )

    def _insert_deliveries(self, made: Sequence[Delivered]) -> None:
        if made:
            self.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (key, event, account, owner, target, status, attempts, next_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(d) for d in made],
            )

    def forget(self, key: str | None) -> None:
        """Drop the entries a reset made obsolete: one key's, or all of them."""
        with self._transaction():
            if key is None:
                self.conn.execute("DELETE FROM journal")
                self.conn.execute("DELETE FROM deliveries")
                self.conn.execute("DELETE FROM meta WHERE name = 'rng_state'")
            else:
                self.conn.execute("DELETE FROM journal WHERE key = ?", (key,))
                self.conn.execute("DELETE FROM deliveries WHERE key = ?", (key,))

    def forget_since(self, key: str, seq: int) -> None:
        """Drop one key's entries after ``seq`` (a fixture file that failed half-way)."""
        with self._transaction():
            self.conn.execute("DELETE FROM journal WHERE key = ? AND seq > ?", (key, seq))

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover - closing twice or after a failed open
            pass

    def set_meta(self, name: str, value: Any) -> None:
        """Keep ``value`` (JSON) under ``name``, committed (what the fixture loads made, ...)."""
        with self._transaction():
            self._set_meta(name, value)

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
        existing = os.path.exists(path) and os.path.getsize(path) > 0
        if existing:
            with open(path, "rb") as fh:
                if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                    raise PersistenceError(NOT_SQLITE.format(path=path))
    except OSError as exc:
        raise PersistenceError(CANNOT_OPEN.format(path=path, detail=exc.strerror or exc)) from None
    if existing:
        _guarded(path, lambda: _inspect(path))  # read-only: a file refused here is never written to
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0.2)
    except (OSError, sqlite3.Error) as exc:
        raise PersistenceError(CANNOT_OPEN.format(path=path, detail=getattr(exc, "strerror", None) or exc)) from None
    try:
        _guarded(path, lambda: _prepare(path, conn))
    except PersistenceError:
        conn.close()
        raise
    return conn


def _guarded(path: str, step: Callable[[], None]) -> None:
    """Run ``step``, turning SQLite's errors into the messages of :class:`PersistenceError`."""
    try:
        step()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise PersistenceError(LOCKED.format(path=path)) from None
        if "unable to open" in str(exc) or "readonly" in str(exc):
            raise PersistenceError(CANNOT_OPEN.format(path=path, detail=exc)) from None
        raise PersistenceError(DAMAGED.format(path=path, detail=exc)) from None
    except sqlite3.DatabaseError as exc:
        raise PersistenceError(DAMAGED.format(path=path, detail=exc)) from None


def _inspect(path: str) -> None:
    """Check an existing file through a read-only connection: ours, readable, not newer, not in use."""
    uri = Path(os.path.abspath(path)).as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=0.2)
    try:
        conn.execute("BEGIN")  # a shared lock: refused while another emulator holds its exclusive one
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id == 0 and not tables:
            return  # an empty database (e.g. made by ``sqlite3 FILE ''``): it becomes a journal
        if app_id != APPLICATION_ID:
            raise PersistenceError(FOREIGN.format(path=path, found=app_id))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise PersistenceError(NEWER.format(path=path, found=version, ours=SCHEMA_VERSION))
        if not {"journal", "meta"} <= tables:
            raise PersistenceError(DAMAGED.format(path=path, detail="tables are missing"))
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise PersistenceError(DAMAGED.format(path=path, detail=check))
    finally:
        conn.close()


def _prepare(path: str, conn: sqlite3.Connection) -> None:
    """Lock the (checked or new) file for this emulator, create or upgrade its tables, WAL on."""
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")  # one emulator per file; the lock dies with it
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("COMMIT")
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if app_id == 0 and not tables:
        _create(conn)
    elif app_id != APPLICATION_ID:  # pragma: no cover - _inspect refused it (unless it changed meanwhile)
        raise PersistenceError(FOREIGN.format(path=path, found=app_id))
    elif conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        _upgrade(conn)
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":  # pragma: no cover - only on file systems without WAL support
        log.warning("%s could not use WAL (journal mode %s)", path, mode)
    conn.execute("PRAGMA synchronous = FULL")  # a commit is on disk before the response goes out


def _upgrade(conn: sqlite3.Connection) -> None:
    """Schema 1 -> 2: every old row is a whole request; no delivery was kept."""
    conn.execute("BEGIN IMMEDIATE")
    for statement in _UPGRADE:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("COMMIT")


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
        self.abandoned: list[_Replaying] = []  # requests the replay found waiting (see ``finish_abandoned``)
        self.mismatches = 0  # replayed requests that answered another status than the first time
        self.made: list[Delivered] = []  # deliveries made since the last row (kept with the next one)

    @property
    def fresh(self) -> bool:
        return bool(self.journal.fresh)

    def close(self) -> None:
        self.journal.close()

    def _append(self, entry: Entry) -> int:
        made, self.made = self.made, []
        try:
            return self.journal.append(entry, self.app.state.ids.get_state(), made)
        except sqlite3.Error as exc:
            log.error(WRITE_FAILED.format(path=self.journal.path, detail=exc))
            raise

    # --- webhook deliveries (the DeliveryEngine's recorder) ---------------------------------------

    def created(self, book: Book, delivery: Delivery) -> None:
        """A new delivery: kept with the row of the request that made its event."""
        self.made.append(_delivered(book, delivery))

    def changed(self, book: Book, delivery: Delivery) -> None:
        made, self.made = self.made, []
        try:
            self.journal.delivery_changed(made, _delivered(book, delivery))
        except sqlite3.Error as exc:
            log.error(WRITE_FAILED.format(path=self.journal.path, detail=exc))

    def resume_deliveries(self) -> int:
        """After the replay: the deliveries that were not delivered count in their events'
        ``pending_webhooks`` again, and the pending ones are queued, each attempted again when its
        retry was due (at once if that time passed while the emulator was down)."""
        state = self.app.state
        resumed = 0
        for kept in self.journal.deliveries():
            platform = state.platforms.get(kept.key)
            scope = platform.scopes.get(kept.account) if platform is not None else None
            owner = platform.scopes.get(kept.owner) if platform is not None else None
            event = scope.get("event", kept.event) if scope is not None else None
            if platform is None or scope is None or owner is None or event is None:
                continue  # its event was reset, or its request never committed
            event["pending_webhooks"] = int(event.get("pending_webhooks") or 0) + 1
            endpoint = owner.get(routing.WEBHOOK_ENDPOINT, kept.target)
            url = endpoint.get("url") if endpoint is not None else None
            book = book_of(platform)
            delivery = book.new_delivery(event, scope, Target(kept.target, owner, url), time.time(), counts=True)
            delivery.automatic_attempts = kept.attempts
            delivery.next_attempt_at = kept.next_at
            if kept.status == "pending":
                self.app.webhooks.resume(book, delivery)
                resumed += 1
            else:
                delivery.fail()
        self.app.webhooks.recorder = self
        return resumed

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
        # The whole body first: from here to its journal row, a request that does not wait through
        # ``ids.outside`` runs without letting another request run, so rows are in effect order.
        buffered = await _read_ahead(receive, self.app.settings.max_body_bytes)
        existed = key in self.app.state.platforms
        chunks: list[bytes] = []

        async def receive_and_keep() -> dict[str, Any]:
            message = buffered.popleft() if buffered else await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        tape = Tape()
        first: list[int] = []  # the seq of the first row, once the request waited in the middle

        def entry(status: int, done: bool) -> Entry:
            drawn, tape.drawn = tape.drawn, []
            if first:
                return Entry(0, key, "", "", b"", [], b"", drawn, status, first[0], done)
            kept = [(k, v) for k, v in headers if k in KEPT_HEADERS]
            query = scope.get("query_string", b"")
            return Entry(0, key, method, path, query, kept, b"".join(chunks), drawn, status, None, done)

        async def suspended(_: Tape) -> None:
            seq = self._append(entry(0, done=False))  # what it did so far, before anything else runs
            if not first:
                first.append(seq)

        tape.suspended = suspended

        async def send_after_commit(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                replayed = any(k.lower() == b"idempotent-replayed" for k, _ in message.get("headers", ()))
                ran_due = any(kind == DUE_MARK for kind, _ in tape.drawn)  # work that fell due ran here
                if first or ran_due or self._worth_keeping(is_api, method, status, replayed, existed, key, headers):
                    self._append(entry(status, done=True))
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
        """Run every journaled request again, with its tape, interleaved as the journal says;
        returns how many requests ran. Requests found waiting are left in ``abandoned``."""
        state = self.app.state
        listeners = list(state.event_listeners)
        state.event_listeners.clear()  # no webhook deliveries for events of the past
        request_log = logging.getLogger("emulator.requests")
        level = request_log.level
        request_log.setLevel(logging.WARNING)
        running: dict[int, _Replaying] = {}
        count = 0
        try:
            for entry in self.journal.entries():
                if entry.part_of is None:
                    count += 1
                    replaying = _Replaying(entry, self.app.dispatch)
                    await replaying.until_it_waits()
                else:
                    found = running.pop(entry.part_of, None)
                    if found is None or found.task.done():
                        log.warning(LOST_PART, entry.seq, entry.part_of)
                        continue
                    replaying = found
                    await replaying.resume(entry)
                if replaying.task.done():
                    self._compare(replaying, entry)
                else:
                    running[replaying.first.seq] = replaying
        finally:
            state.event_listeners[:] = listeners + [x for x in state.event_listeners if x not in listeners]
            request_log.setLevel(level)
        state.ids.set_state(self.journal.meta("rng_state"))
        if count:
            starts = int(self.journal.meta("starts") or 0) + 1
            self.journal.set_meta("starts", starts)
            state.ids.restarted(starts)
        self.abandoned = sorted(running.values(), key=lambda r: r.first.seq)
        return count

    def _compare(self, replaying: _Replaying, entry: Entry) -> None:
        status = replaying.status()
        if status == entry.status:
            return
        self.mismatches += 1
        if self.mismatches <= 10:
            first = replaying.first
            log.warning(MISMATCH, first.method, first.path, entry.seq, status, entry.status)

    async def finish_abandoned(self) -> int:
        """Finish, live, the requests that were waiting when the server stopped (no client got
        their answer): each wait gets its ``abandoned`` answer; their ending is journaled."""
        finished = 0
        for replaying in self.abandoned:
            drawn = await replaying.abandon()
            status = replaying.status()
            self._append(Entry(0, replaying.first.key, "", "", b"", [], b"", drawn, status, replaying.first.seq, True))
            finished += 1
        self.abandoned = []
        return finished


async def _read_ahead(receive: Receive, limit: int) -> deque[dict[str, Any]]:
    """The request's body messages, read before it is dispatched (up to ``limit`` bytes: a larger
    body is refused by the API, the rest is then read as it comes)."""
    messages: deque[dict[str, Any]] = deque()
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > limit:
            return messages


class _Replaying:
    """One journaled request run again as its own task, held at each wait until the journal
    reaches its next part."""

    def __init__(self, first: Entry, dispatch: Dispatch) -> None:
        self.first = first
        self.tape = Tape(first.tape)
        self.reached: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.go_on: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self.tape.suspended = self._hold
        token = CURRENT_TAPE.set(self.tape)
        try:
            self.task: asyncio.Task[tuple[int, bytes]] = asyncio.get_running_loop().create_task(
                call_app(dispatch, first.method, first.path, query=first.query, body=first.body, headers=first.headers)
            )
        finally:
            CURRENT_TAPE.reset(token)

    async def _hold(self, tape: Tape) -> None:
        go_on = self.go_on
        self.reached.set_result(None)
        entry = await go_on
        if entry is None:  # abandoned: go on live, every further wait answered without waiting
            tape.pending = None
            tape.suspended = None
            tape.abandoned = True
        else:
            tape.pending = list(entry.tape)

    async def until_it_waits(self) -> None:
        either: set[asyncio.Future[Any]] = {self.task, self.reached}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)

    def _go_on(self, entry: Entry | None) -> None:
        loop = asyncio.get_running_loop()
        go_on, self.reached, self.go_on = self.go_on, loop.create_future(), loop.create_future()
        go_on.set_result(entry)

    async def resume(self, entry: Entry) -> None:
        self._go_on(entry)
        await self.until_it_waits()

    async def abandon(self) -> list[list[Any]]:
        self._go_on(None)
        await asyncio.wait({self.task})
        return self.tape.drawn

    def status(self) -> int:
        if self.task.cancelled() or self.task.exception() is not None:
            return 0
        return self.task.result()[0]


def _delivered(book: Book, delivery: Delivery) -> Delivered:
    platform = book.platform
    owner = delivery.target.owner
    return Delivered(
        platform.key,
        delivery.event_id,
        delivery.account or platform.account_id,
        owner.account_id if owner is not None else platform.account_id,
        delivery.target.key,
        delivery.status,
        delivery.automatic_attempts,
        delivery.next_attempt_at,
    )


def _key_of(headers: dict[str, str]) -> tuple[bool, str]:
    """``(valid, key)``: the platform key of a request (a publishable key's secret twin), ``(True, "")``
    without Authorization."""
    header = headers.get("authorization")
    if not header:
        return True, ""
    try:
        key = auth.key_from_header(header, limited=True)
    except StripeError:
        return False, ""
    if key.startswith("pk_test_"):  # nonces, tokens, uploads: kept with the platform the key belongs to
        return True, publishable_to_secret(key)
    if key.startswith("ek_test_"):  # an ephemeral key only reads its card: nothing to keep
        return False, ""
    return True, key


async def restore(app: EmulatorApp) -> Persistence:
    """Open ``app.settings.persist`` and replay it; the app journals through the result from now on."""
    assert app.settings.persist is not None
    journal = Journal(app.settings.persist)
    persistence = Persistence(app, journal)
    try:
        started = time.perf_counter()
        count = await persistence.replay()
        resumed = persistence.resume_deliveries()
        finished = await persistence.finish_abandoned()
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
    if resumed:
        log.info("%d webhook deliveries resumed", resumed)
    if finished:
        log.warning(FINISHED_ABANDONED, finished)
    return persistence
