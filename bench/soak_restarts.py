"""Soak with restarts: real-time authorizations, restarts (graceful and ``kill -9``) and malformed
traffic on one ``--persist`` file; after every restart the books and every acknowledged answer
must be as before. Loopback only, bounded in rounds and time (about 2 minutes by default).

    python bench/soak_restarts.py
    python bench/soak_restarts.py --rounds 9 --seconds 10 --clients 16

One platform key and one connected account for the whole run (the journal grows from round to
round). A real-time endpoint on 127.0.0.1 answers each ``issuing_authorization.request`` after a
random 50-1000 ms: approve, decline, or ``/approve`` through the API. The financial account is
funded for a few purchases at a time, so concurrent purchases race for the money. Each round,
``--clients`` threads send a random mix (purchases, increments, captures, reversals, funding, card
updates, reads, malformed requests) for ``--seconds``, then the emulator is restarted:

- rounds 1, 4, 7, ...: the traffic ends, then ``SIGTERM`` (a graceful stop);
- rounds 2, 5, 8, ...: the traffic ends, then ``kill -9``;
- rounds 3, 6, 9, ...: ``kill -9`` in the middle of the traffic (purchases still waiting for the
  endpoint are then unanswered: nobody was told their outcome).

Checked after each restart, through the API only:

- when the traffic had ended: the whole state (``/_emulator/state``: every object, event and
  balance) is identical to the state before the stop;
- always: every answer a client got is still true: each acknowledged authorization's
  ``request_history`` up to what the client saw is unchanged (same decision, reason, amounts,
  authorization code), every object a client was told about exists;
- always: the books balance (``soak.check_books``: balance = sum of entries, money conserved,
  ``outbound_pending`` = what pending authorizations hold), and a second restart right away
  changes nothing (requests cut short by ``kill -9`` were finished and journaled);
- no answer was a 5xx, every refusal was a Stripe error body.

Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_bench import CONNECTED_ACCOUNT, NO_DEFAULT_LIMITS, ROOT, free_port, wait_healthy  # noqa: E402
from soak import Client, check_books, issuing_program, tally  # noqa: E402

REQUEST = "issuing_authorization.request"
VERSION = "2026-10-28.endive"


@dataclass
class World:
    port: int
    key: str
    account: str = ""
    fa: str = ""
    cards: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    told: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # auth id -> request_history seen
    seen: set[str] = field(default_factory=set)  # every other object id a client was told about
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    cut: int = 0  # requests without an answer (the emulator was killed)
    problems: list[str] = field(default_factory=list)

    def tell(self, body: Any) -> None:
        """Remember what an answer told the client."""
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            return
        with self.lock:
            if body.get("object") == "issuing.authorization":
                history = body.get("request_history") or []
                if len(history) >= len(self.told.get(body["id"], [])):
                    self.told[body["id"]] = history
                if body.get("status") == "pending" and body["id"] not in self.pending:
                    self.pending.append(body["id"])
            else:
                self.seen.add(body["id"])

    def take_pending(self) -> str | None:
        with self.lock:
            return self.pending.pop(random.randrange(len(self.pending))) if self.pending else None


# --- the real-time endpoint ----------------------------------------------------------------------


def endpoint_server(world: World) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(random.uniform(0.05, 1.0))
            how = random.choice(["approve"] * 5 + ["decline"] * 2 + ["api"] * 2)
            answer = b""
            try:
                auth = json.loads(body)["data"]["object"]["id"]
            except (ValueError, KeyError, TypeError):
                return  # the emulator gave up on this request before its body arrived (it timed out)
            if how == "api":
                try:
                    Client(world.port, world.key, world.account).call(
                        "POST", f"/v1/issuing/authorizations/{auth}/approve"
                    )
                except (OSError, http.client.HTTPException, ValueError):
                    pass  # killed meanwhile
            else:
                answer = json.dumps({"approved": how == "approve"}).encode()
            try:
                self.send_response(200)
                self.send_header("Stripe-Version", VERSION)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # every client may be waiting on it at once
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- the emulator --------------------------------------------------------------------------------


class Emulator:
    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None
        self.startups: list[float] = []

    def start(self) -> None:
        argv = [sys.executable, "-m", "emulator", "--port", str(self.port), "--persist", self.path]
        self.proc = subprocess.Popen(
            [*argv, "--log-level", "warning"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.startups.append(wait_healthy(self.port, timeout=120))

    def stop(self, how: str) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def set_up(world: World, endpoint_url: str) -> None:
    api = Client(world.port, world.key)
    # without Stripe's default card limits (500 USD a day), which would decline most of the traffic
    # before the real-time endpoint is asked: this soak is about those decisions surviving restarts
    api.ok("POST", "/_emulator/platform_settings", dict(parse_qsl(NO_DEFAULT_LIMITS)))
    world.account = api.ok("POST", "/v1/accounts", CONNECTED_ACCOUNT)["id"]
    api.ok("POST", "/v1/webhook_endpoints", {"url": endpoint_url, "enabled_events[0]": REQUEST, "connect": "true"})
    api.account = world.account
    world.fa, world.cards = issuing_program(api, 10_000, 4)


# --- traffic -------------------------------------------------------------------------------------


def one_step(c: Client, w: World) -> None:
    roll = random.random()
    card = random.choice(w.cards)
    if roll < 0.40:
        c.call("POST", "/v1/test_helpers/issuing/authorizations", {"card": card, "amount": random.randint(500, 3000)})
    elif roll < 0.50:
        auth = w.take_pending()
        if auth is not None:
            c.call("POST", f"/v1/test_helpers/issuing/authorizations/{auth}/capture")
    elif roll < 0.56:
        auth = w.take_pending()
        if auth is not None:
            c.call("POST", f"/v1/test_helpers/issuing/authorizations/{auth}/reverse")
    elif roll < 0.62:
        auth = w.take_pending()
        if auth is not None:
            params = {"increment_amount": random.randint(100, 1500)}
            c.call("POST", f"/v1/test_helpers/issuing/authorizations/{auth}/increment", params)
    elif roll < 0.70:
        c.call(
            "POST",
            "/v1/test_helpers/treasury/received_credits",
            {"amount": random.randint(500, 4000), "currency": "usd", "financial_account": w.fa, "network": "ach"},
        )
    elif roll < 0.75:
        c.call("POST", f"/v1/issuing/cards/{card}", {"metadata[soak]": str(random.randint(0, 9))})
    elif roll < 0.90:
        path = random.choice(
            [f"/v1/issuing/cards/{card}", f"/v1/treasury/financial_accounts/{w.fa}", "/v1/issuing/authorizations"]
        )
        c.call("GET", path)
    else:
        garbage = random.choice(
            [
                b"amount=-5&card=" + card.encode(),
                b"\xff\xfe",
                b"a[b=1",
                b"card=" + card.encode() + b"&amount=99999999999999999999",
                b"card=ic_nope&amount=100",
            ]
        )
        c.call("POST", "/v1/test_helpers/issuing/authorizations", raw=garbage)


def worker(w: World, deadline: float, stop: threading.Event) -> None:
    c = Client(w.port, w.key, w.account)
    c.observe = lambda method, path, status, body: record(w, method, path, status, body)
    while time.monotonic() < deadline and not stop.is_set():
        try:
            one_step(c, w)
        except (OSError, http.client.HTTPException):
            with w.lock:
                w.cut += 1  # no answer: the emulator was killed (nothing was acknowledged)
            if stop.is_set():
                return
            time.sleep(0.05)
        except Exception as exc:  # an unreadable answer is a failure
            with w.lock:
                w.problems.append(f"{type(exc).__name__}: {exc}")


def record(w: World, method: str, path: str, status: int, body: Any) -> None:
    """Tally the answer and remember what a successful POST told the client."""
    tally(w, method, path, status, body)
    if status == 200 and method == "POST":
        w.tell(body)
        for txn in (body.get("transactions") or []) if isinstance(body, dict) else []:
            if isinstance(txn, dict):
                w.tell(txn)


def malformed_control(port: int, key: str, problems: list[str]) -> None:
    """Malformed control-plane and protocol traffic: every answer a 4xx with a message."""
    cases: list[tuple[str, str, bytes, dict[str, str]]] = [
        ("POST", "/_emulator/platform_settings", b"{not json", {"Content-Type": "application/json"}),
        ("POST", "/_emulator/platform_settings", b'{"rta_timeout_seconds": "x"}', {"Content-Type": "application/json"}),
        ("POST", "/_emulator/webhooks/settings", b'{"retry_schedule": [-1]}', {"Content-Type": "application/json"}),
        ("POST", "/v1/issuing/authorizations/iauth_nope/approve", b"", {}),
        ("POST", "/v1/test_helpers/issuing/authorizations", b"card=x", {"Content-Type": "text/plain"}),
        ("DELETE", "/v1/issuing/cards", b"", {}),
    ]
    for method, path, body, headers in cases:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers={"Authorization": f"Bearer {key}", **headers})
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            return  # killed in the middle of the traffic
        try:
            message = json.loads(data).get("error", {}).get("message")
        except ValueError:
            message = None
        if not 400 <= resp.status < 500 or not isinstance(message, str):
            problems.append(f"malformed {method} {path} -> {resp.status}: {data[:200]!r}")


# --- checks --------------------------------------------------------------------------------------


def dump(port: int, key: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/_emulator/state", headers={"Authorization": f"Bearer {key}"})
    return json.loads(conn.getresponse().read())


def still_true(w: World) -> list[str]:
    """Every acknowledged answer is still what the state says."""
    problems: list[str] = []
    api = Client(w.port, w.key, w.account)
    for auth_id, history in sorted(w.told.items()):
        status, now = api.call("GET", f"/v1/issuing/authorizations/{auth_id}")
        if status != 200:
            problems.append(f"{auth_id}: acknowledged, now {status}")
        elif now["request_history"][: len(history)] != history:
            problems.append(f"{auth_id}: request_history changed: {history} -> {now['request_history']}")
    dumped = json.dumps(dump(w.port, w.key))
    missing = [obj_id for obj_id in w.seen if f'"{obj_id}"' not in dumped]
    if missing:
        problems.append(f"acknowledged objects missing after the restart: {missing[:10]}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="real-time authorizations and restarts on one --persist file")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=8.0, help="traffic per round")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    random.seed(args.seed)
    folder = tempfile.mkdtemp(prefix="soak-restarts-")
    path = os.path.join(folder, "state.db")
    world = World(free_port(), "sk_test_soak_restarts_" + uuid.uuid4().hex)
    receiver = endpoint_server(world)
    emulator = Emulator(world.port, path)
    failures: list[str] = []
    emulator.start()
    set_up(world, f"http://127.0.0.1:{receiver.server_address[1]}/realtime")
    started = time.monotonic()
    try:
        for n in range(1, args.rounds + 1):
            mode = ("graceful", "kill", "kill mid-traffic")[(n - 1) % 3]
            stop = threading.Event()
            deadline = time.monotonic() + args.seconds
            threads = [threading.Thread(target=worker, args=(world, deadline, stop)) for _ in range(args.clients)]
            problems: list[str] = []
            threads.append(threading.Thread(target=malformed_control, args=(world.port, world.key, problems)))
            for t in threads:
                t.start()
            if mode == "kill mid-traffic":
                time.sleep(args.seconds / 2)
                stop.set()
                emulator.stop("kill")
            for t in threads:
                t.join()
            before = dump(world.port, world.key) if mode != "kill mid-traffic" else None
            if mode != "kill mid-traffic":
                emulator.stop("kill" if mode == "kill" else "term")
            emulator.start()
            after = dump(world.port, world.key)
            if before is not None and after != before:
                problems.append("the state after the restart differs from the state before it")
            problems += still_true(world)
            problems += check_books(world.port, SimpleNamespace(key=world.key, account=world.account, fa=world.fa))  # type: ignore[arg-type]
            emulator.stop("term")  # and once more: nothing may change
            emulator.start()
            if dump(world.port, world.key) != after:
                problems.append("a second restart changed the state")
            failures += [f"round {n} ({mode}): {p}" for p in world.problems[:20] + problems]
            world.problems.clear()
            size = os.path.getsize(path) + sum(
                os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f != "state.db"
            )
            print(
                f"round {n} ({mode}): {sum(world.statuses.values())} answers so far, {world.cut} cut off, "
                f"{len(world.told)} authorizations acknowledged, statuses {dict(sorted(world.statuses.items()))}, "
                f"{'ok' if not problems else 'WRONG'}; journal {size / 1e6:.1f} MB, "
                f"start-up {emulator.startups[-1] * 1000:.0f} ms",
                flush=True,
            )
    finally:
        if emulator.proc is not None:
            emulator.stop("term")
        receiver.shutdown()
    reasons = Counter(h[-1]["reason"] for h in world.told.values() if h)
    print(
        f"total: {args.rounds} rounds, {2 * args.rounds} restarts in {time.monotonic() - started:.0f} s, "
        f"{sum(world.statuses.values())} answers, {world.cut} requests cut off by kill -9, "
        f"{len(world.told)} authorizations acknowledged (last reasons {dict(reasons)})"
    )
    if failures:
        print("FAILURES:\n  " + "\n  ".join(failures[:50]))
        return 1
    print("soak ok: every acknowledged answer and the books survived every restart")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
