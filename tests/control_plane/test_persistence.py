"""``--persist PATH``: state survives restarts and ``kill -9``; foreign files are refused."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer, Settings, create_app
from emulator.core.state import State
from emulator.persistence import APPLICATION_ID, Journal, Persistence, PersistenceError
from tests.support.flows import GUIDE_ADDRESS
from tests.support.running import ROOT, Running, new_key, spawned, state_of

CAPABILITIES = {"card_issuing": {"requested": True}, "transfers": {"requested": True}, "treasury": {"requested": True}}


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    r = Running(tmp_path / "state.db")
    try:
        yield r
    finally:
        r.stop()


def build_some_state(client: stripe.StripeClient) -> dict[str, str]:
    """An account, a funded financial account, a cardholder, a card and an authorization."""
    account = client.v1.accounts.create({"country": "US", "type": "custom", "capabilities": CAPABILITIES})  # type: ignore[typeddict-item]
    opts: Any = {"stripe_account": account.id}
    fa = client.v1.treasury.financial_accounts.create(
        {"supported_currencies": ["usd"], "features": {"card_issuing": {"requested": True}}}, opts
    )
    client.v1.test_helpers.treasury.received_credits.create(
        {"amount": 5000, "currency": "usd", "financial_account": fa.id, "network": "ach"},
        {"stripe_account": account.id, "idempotency_key": "fund-1"},
    )
    holder = client.v1.issuing.cardholders.create(
        {
            "name": "Jenny Rosen",
            "individual": {"first_name": "Jenny", "last_name": "Rosen"},
            "billing": {"address": GUIDE_ADDRESS},
        },
        opts,
    )
    card = client.v1.issuing.cards.create(
        {"cardholder": holder.id, "currency": "usd", "type": "virtual", "status": "active", "financial_account": fa.id},
        opts,
    )
    auth = client.v1.test_helpers.issuing.authorizations.create({"card": card.id, "amount": 700}, opts)
    return {"account": account.id, "financial_account": fa.id, "card": card.id, "authorization": auth.id}


# --- restart -----------------------------------------------------------------------------------


def test_everything_comes_back_after_a_restart(running: Running) -> None:
    key = new_key()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    ids = build_some_state(client)
    before = state_of(url, key)
    running.stop()

    url = running.start()
    assert state_of(url, key) == before
    client = stripe.StripeClient(key, base_addresses={"api": url})
    opts: Any = {"stripe_account": ids["account"]}
    fa = client.v1.treasury.financial_accounts.retrieve(ids["financial_account"], options=opts)
    assert fa.balance.cash["usd"] == 5000 - 700 and fa.balance.inbound_pending["usd"] == 0
    # an Idempotency-Key used before the restart still replays the first answer
    again = client.v1.test_helpers.treasury.received_credits.create(
        {"amount": 5000, "currency": "usd", "financial_account": fa.id, "network": "ach"},
        {"stripe_account": ids["account"], "idempotency_key": "fund-1"},
    )
    assert again.last_response.headers["idempotent-replayed"] == "true"
    # and new writes keep working (and persist) after the replay
    client.v1.issuing.cards.update(ids["card"], {"metadata": {"after": "restart"}}, opts)
    running.stop()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    assert client.v1.issuing.cards.retrieve(ids["card"], options=opts).metadata.to_dict() == {"after": "restart"}


def test_what_a_publishable_key_made_comes_back_after_a_restart(running: Running) -> None:
    """Stripe.js makes account tokens with the publishable key; the platform's server then uses them."""
    key = new_key()
    publishable = "pk_test_" + key[len("sk_test_") :]
    url = running.start()
    made = httpx.post(
        url + "/v1/tokens",
        data={"account[business_type]": "individual", "account[tos_shown_and_accepted]": "true"},
        headers={"Authorization": f"Bearer {publishable}"},
    )
    assert made.status_code == 200, made.text
    token = made.json()["id"]
    nonce = httpx.post(url + "/v1/ephemeral_key_nonces", headers={"Authorization": f"Bearer {publishable}"})
    assert nonce.status_code == 200, nonce.text
    running.stop()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    account = client.v1.accounts.create({"country": "US", "type": "custom", "account_token": token})
    assert account.business_type == "individual"
    # a reset of the platform's key forgets them on disk too
    httpx.post(url + "/_emulator/reset", headers={"Authorization": f"Bearer {key}"})
    running.stop()
    url = running.start()
    assert state_of(url, key) == {"platforms": {}}


def test_a_request_made_in_a_stripe_context_comes_back_on_its_account(running: Running) -> None:
    key = new_key()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    account = client.v1.accounts.create({"country": "US", "type": "custom", "capabilities": CAPABILITIES})  # type: ignore[typeddict-item]
    context: Any = {"stripe_context": account.id}
    made = client.v1.issuing.cardholders.create({"name": "Jenny Rosen", "billing": {"address": GUIDE_ADDRESS}}, context)
    running.stop()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    listed = client.v1.issuing.cardholders.list(options={"stripe_account": account.id})  # type: ignore[arg-type]
    assert [h.id for h in listed.data] == [made.id]


def test_seeded_ids_continue_as_if_there_had_been_no_restart(tmp_path: Path) -> None:
    """Reads between the last write and a restart (their request ids are not journaled) neither
    shift the object ids after it nor have their request ids given again."""

    def accounts(server_path: Path | None, restart: bool) -> tuple[list[str], list[str]]:
        made: list[str] = []
        request_ids: list[str] = []
        settings: dict[str, Any] = {"seed": 99}
        if server_path is not None:
            settings["persist"] = str(server_path)
        srv = EmulatorServer(settings=Settings(port=0, **settings))
        url = srv.start()
        try:
            client = stripe.StripeClient("sk_test_seeded", base_addresses={"api": url})
            made.append(client.v1.accounts.create({"country": "US"}).id)
            for _ in range(3):
                read = client.v1.accounts.list()
                assert read.last_response is not None
                request_ids.append(read.last_response.request_id or "")
            for _ in range(2 if restart else 0):
                srv.stop()
                srv = EmulatorServer(settings=Settings(port=0, **settings))
                url = srv.start()
                client = stripe.StripeClient("sk_test_seeded", base_addresses={"api": url})
                read = client.v1.accounts.list()
                assert read.last_response is not None
                request_ids.append(read.last_response.request_id or "")
            made.append(client.v1.accounts.create({"country": "US"}).id)
        finally:
            srv.stop()
        return made, request_ids

    restarted, request_ids = accounts(tmp_path / "a.db", restart=True)
    assert restarted == accounts(None, restart=False)[0]
    assert len(set(request_ids)) == len(request_ids) == 5


def test_reset_forgets_what_it_reset_on_disk_too(running: Running) -> None:
    kept, dropped = new_key(), new_key()
    url = running.start()
    kept_account = stripe.StripeClient(kept, base_addresses={"api": url}).v1.accounts.create({"country": "US"}).id
    stripe.StripeClient(dropped, base_addresses={"api": url}).v1.accounts.create({"country": "US"})
    httpx.post(url + "/_emulator/reset", headers={"Authorization": f"Bearer {dropped}"})
    running.stop()
    url = running.start()
    assert state_of(url, dropped) == {"platforms": {}}
    accounts = next(iter(state_of(url, kept)["platforms"].values()))["accounts"]
    assert kept_account in accounts
    httpx.post(url + "/_emulator/reset")
    running.stop()
    url = running.start()
    assert httpx.get(url + "/_emulator/state").json() == {"platforms": {}}


def test_platform_settings_persist(running: Running) -> None:
    key = new_key()
    url = running.start()
    resp = httpx.post(
        url + "/_emulator/platform_settings",
        json={"require_terms_acceptance": True},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert resp.status_code == 200 and resp.json()["require_terms_acceptance"] is True
    running.stop()
    url = running.start()
    got = httpx.get(url + "/_emulator/platform_settings", headers={"Authorization": f"Bearer {key}"}).json()
    assert got["require_terms_acceptance"] is True


def test_fixtures_are_not_loaded_twice_over_persisted_state(tmp_path: Path) -> None:
    key = new_key()
    running = Running(tmp_path / "f.db", fixtures=(str(ROOT / "fixtures" / "guide_flow.json"),), fixtures_key=key)
    try:
        url = running.start()
        first = state_of(url, key)
        loads = httpx.get(url + "/_emulator/fixtures").json()["fixtures"]
        assert [load["ids"]["card"].startswith("ic_") for load in loads] == [True]
        running.stop()
        url = running.start()
        assert state_of(url, key) == first  # restored, not reloaded
        # the loads are still listed, naming the same objects (a harness finds them by step name)
        assert httpx.get(url + "/_emulator/fixtures").json()["fixtures"] == loads
        httpx.post(url + "/_emulator/reset", headers={"Authorization": f"Bearer {key}"}).raise_for_status()
        reloaded = httpx.get(url + "/_emulator/fixtures").json()["fixtures"]  # a reset loads them afresh
        assert len(reloaded) == 1 and reloaded[0]["ids"]["card"] != loads[0]["ids"]["card"]
        running.stop()
        url = running.start()
        assert httpx.get(url + "/_emulator/fixtures").json()["fixtures"] == reloaded
    finally:
        running.stop()


def test_a_failed_fixture_file_leaves_nothing_on_disk(running: Running) -> None:
    key = new_key()
    url = running.start()
    document = {
        "fixtures": [
            {"name": "account", "path": "/v1/accounts", "method": "post", "params": {"country": "US"}},
            {"name": "bad", "path": "/v1/issuing/cards", "method": "post", "params": {"currency": "usd"}},
        ]
    }
    resp = httpx.post(url + "/_emulator/fixtures", json=document, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 400
    running.stop()
    url = running.start()
    assert state_of(url, key) == {"platforms": {}}


def test_failed_requests_and_reads_are_not_journaled(running: Running) -> None:
    key = new_key()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    client.v1.accounts.create({"country": "US"})
    client.v1.accounts.list()
    auth = {"Authorization": f"Bearer {key}"}
    assert httpx.post(url + "/v1/issuing/cards", data={"currency": "usd"}, headers=auth).status_code == 400
    # a refusal under an Idempotency-Key is kept: a retry after a restart must get the same answer
    # (stripe-python sends a key with every POST)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.issuing.cards.create({"currency": "usd", "type": "virtual"})  # type: ignore[typeddict-item]
    running.stop()
    journal = Journal(str(running.path))
    try:
        assert [(e.method, e.path, e.status) for e in journal.entries()] == [
            ("POST", "/v1/accounts", 200),
            ("POST", "/v1/issuing/cards", 400),
        ]
    finally:
        journal.close()


def test_a_write_costs_the_same_however_big_the_store(running: Running) -> None:
    """Each journaled request is a constant number of SQL statements (no snapshot of the store)."""
    key = new_key()
    url = running.start()
    client = stripe.StripeClient(key, base_addresses={"api": url})
    assert running.server is not None and running.server.app.journal is not None
    conn: sqlite3.Connection = running.server.app.journal.journal.conn
    statements: list[str] = []
    conn.set_trace_callback(statements.append)

    def cost() -> int:
        statements.clear()
        client.v1.accounts.create({"country": "US", "metadata": {"n": "x"}})
        return len(statements)

    early = cost()
    for _ in range(60):
        client.v1.accounts.create({"country": "US"})
    assert cost() == early <= 4
    conn.set_trace_callback(None)


def test_webhook_delivery_is_off_while_replaying(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    calls: list[str] = []

    async def scenario() -> None:
        app = create_app(State(), Settings(persist=str(path)))
        await app.startup()
        from emulator.fixtures.inprocess import call_app

        status, _ = await call_app(
            app,
            "POST",
            "/v1/accounts",
            body=b"country=US",
            headers=[("authorization", "Bearer sk_test_replay"), ("content-type", "application/x-www-form-urlencoded")],
        )
        assert status == 200
        app.shutdown()
        again = create_app(State(), Settings(persist=str(path)))
        again.state.event_listeners.append(lambda platform, scope, event: calls.append(event["type"]))
        journal = Journal(str(path))
        replayed = await Persistence(again, journal).replay()
        journal.close()
        assert replayed == 1
        assert len(again.state.event_listeners) >= 1  # put back after the replay

    asyncio.run(scenario())
    assert calls == []


# --- kill -9 --------------------------------------------------------------------------------------


def test_kill_9_between_two_requests_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    key = new_key()
    with spawned(path) as (_, url):
        client = stripe.StripeClient(key, base_addresses={"api": url})
        ids = build_some_state(client)
        before = state_of(url, key)
    with spawned(path) as (_, url):
        assert state_of(url, key) == before
        client = stripe.StripeClient(key, base_addresses={"api": url})
        auth = client.v1.issuing.authorizations.retrieve(
            ids["authorization"], options={"stripe_account": ids["account"]}
        )
        assert auth.amount == 700 and auth.status == "pending"


# --- refusing files that are not ours ---------------------------------------------------------------


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my precious notes\n")
    with pytest.raises(PersistenceError, match="exists but is not a SQLite database"):
        Journal(str(path))
    assert path.read_text() == "my precious notes\n"


def _truncated_sqlite_header(tmp_path: Path, size: int) -> bytes:
    real = tmp_path / "real.db"
    conn = sqlite3.connect(real)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    return real.read_bytes()[:size]


@pytest.mark.parametrize("size", [24, 32, 40, 48, 56, 64, 80, 100, 600])
def test_a_refused_small_or_truncated_file_stays_byte_identical(tmp_path: Path, size: int) -> None:
    """Issue #19 item 5: a SQLite header cut to 24-80 bytes used to be rewritten to 4 KB by the refusal."""
    path = tmp_path / "state.db"
    data = _truncated_sqlite_header(tmp_path, size)
    path.write_bytes(data)
    with pytest.raises(PersistenceError, match="the database is damaged"):
        Journal(str(path))
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.db", "state.db"]  # no -wal/-shm/-journal left


@pytest.mark.parametrize(
    "data",
    [
        b"SQLite format 3\x00" + bytes(16),
        b"SQLite format 3\x00" + bytes(range(32)),
        b"SQLite format 3\x00" + b"\xff" * 48,
        bytes(range(40)),
        b"%PDF-1.4\n" + b"x" * 50,
        b"x",
    ],
    ids=["magic+zeros", "magic+bytes", "magic+ff", "binary", "pdf", "one-byte"],
)
def test_a_refused_garbage_file_stays_byte_identical(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(data)
    with pytest.raises(PersistenceError, match="damaged|not a SQLite database"):
        Journal(str(path))
    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["state.db"]


def test_a_place_that_cannot_hold_the_file_is_refused_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder\n")
    with pytest.raises(
        PersistenceError, match=r"cannot use --persist .*a_file/state\.db: it cannot be opened for writing"
    ):
        Journal(str(blocker / "state.db"))
    assert blocker.read_text() == "not a folder\n"
    fresh = tmp_path / "new" / "folder" / "state.db"  # missing folders are made
    Journal(str(fresh)).close()
    assert fresh.exists()


def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PersistenceError, match="a SQLite database of another application"):
        Journal(str(path))
    assert path.read_bytes() == before


def test_a_damaged_or_newer_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ours.db"
    Journal(str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(PersistenceError, match="written by a newer stripe-emulator"):
        Journal(str(path))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("DROP TABLE journal")
    conn.commit()
    conn.close()
    with pytest.raises(PersistenceError, match="the database is damaged"):
        Journal(str(path))
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    with pytest.raises(PersistenceError, match="damaged"):
        Journal(str(path))


def test_a_journal_in_use_by_another_emulator_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    first = Journal(str(path))
    try:
        with pytest.raises(PersistenceError, match="another running stripe-emulator is using it"):
            Journal(str(path))
    finally:
        first.close()


def test_an_unreadable_entry_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad-entry.db"
    journal = Journal(str(path))
    journal.close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO journal (key, method, path, query, headers, body, tape, status, at) "
        "VALUES ('sk_test_x', 'POST', '/v1/accounts', x'', 'not json', x'', '[]', 200, 0)"
    )
    conn.commit()
    conn.close()
    journal = Journal(str(path))
    try:
        with pytest.raises(PersistenceError, match="journal entry 1 is unreadable"):
            list(journal.entries())
    finally:
        journal.close()


def test_the_file_carries_our_application_id(tmp_path: Path) -> None:
    path = tmp_path / "id.db"
    Journal(str(path)).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        fmt = conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()[0]
        assert json.loads(fmt) == "stripe-issuing-emulator request journal"
    finally:
        conn.close()


def test_a_schema_1_journal_is_upgraded_and_replayed(tmp_path: Path) -> None:
    """A journal written before requests were kept in parts: its rows are whole requests."""
    path = tmp_path / "v1.db"
    key = new_key()
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, method TEXT NOT NULL,"
        " path TEXT NOT NULL, query BLOB NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, tape TEXT NOT NULL,"
        " status INTEGER NOT NULL, at REAL NOT NULL);"
        "CREATE INDEX journal_by_key ON journal (key, seq);"
        f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
    )
    headers = json.dumps([["authorization", f"Bearer {key}"], ["content-type", "application/x-www-form-urlencoded"]])
    tape = json.dumps(
        [["req", "req_v1v1v1v1v1v1v1"], ["acct", "acct_1V1V1V1V1V1V1V1"], ["acct", "acct_1V1CONNECTEDxxx"]]
    )
    conn.execute(
        "INSERT INTO journal (key, method, path, query, headers, body, tape, status, at)"
        " VALUES (?, 'POST', '/v1/accounts', x'', ?, ?, ?, 200, 0)",
        (key, headers, b"country=US", tape),
    )
    conn.commit()
    conn.close()
    running = Running(path)
    try:
        url = running.start()
        platform = state_of(url, key)["platforms"]
        (dump,) = platform.values()
        assert dump["platform_account"] == "acct_1V1V1V1V1V1V1V1"
        assert "acct_1V1CONNECTEDxxx" in dump["accounts"]
    finally:
        running.stop()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT part_of, done FROM journal").fetchall() == [(None, 1)]
        assert conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0
    finally:
        conn.close()
