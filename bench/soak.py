"""Soak: many concurrent clients, mixed traffic, for minutes; then the books must balance and the
memory must not grow from round to round. Loopback only, bounded in time.

    python bench/soak.py                     # 3 minutes, 32 clients, 30 s rounds
    python bench/soak.py --minutes 10 --clients 64

Each round is a fresh platform (API key): a funded financial account, a cardholder and cards,
then ``--clients`` threads send a random mix (authorizations, increments, captures, reversals,
refunds, disputes with submit, funding, card updates, reads, lists, malformed requests) until
the round ends. After the round, through the API only:

- every financial account's balance equals the sum of its transaction entries' balance impacts,
  and each transaction's impact equals the sum of its entries';
- money is conserved: cash + outbound_pending = received credits - received debits + debit reversals;
- outbound_pending equals the amounts still held by pending authorizations;
- no answer was a 5xx, every refusal was a Stripe error body.

Then the platform is reset and the emulator's RSS sampled: it must stay flat across rounds (RSS
keeps the allocator's high-water mark, so after the warm-up round no later round may exceed the
second one by more than 10% + 25 MB). Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_bench import (  # noqa: E402
    CARDHOLDER,
    CONNECTED_ACCOUNT,
    FINANCIAL_ACCOUNT,
    active_card,
    free_port,
    pinned,
    process,
    received_credit,
    rss_mb,
)

FLOWS = ("cash", "inbound_pending", "outbound_pending")


class Client:
    """One keep-alive connection speaking Stripe's form encoding."""

    def __init__(self, port: int, key: str, account: str | None = None) -> None:
        self.port = port
        self.key = key
        self.account = account
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # told of every answer: (method, path, status, body)
        self.observe: Callable[[str, str, int, Any], None] | None = None

    def call(
        self, method: str, path: str, params: dict[str, Any] | None = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.key}"}
        if self.account:
            headers["Stripe-Account"] = self.account
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Idempotency-Key"] = uuid.uuid4().hex
            body = raw if raw is not None else urlencode(params or {}).encode()
        elif params:
            path = f"{path}?{urlencode(params)}"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        body = json.loads(data)
        if self.observe is not None:
            self.observe(method, path, resp.status, body)
        return resp.status, body

    def ok(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        status, body = self.call(method, path, params)
        if status != 200:
            raise RuntimeError(f"{method} {path} -> {status}: {body}")
        return body

    def all(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = self.ok("GET", path, {**params, "limit": 100, **({"starting_after": after} if after else {})})
            out.extend(page["data"])
            if not page["has_more"]:
                return out
            after = page["data"][-1]["id"]


@dataclass
class Round:
    key: str
    account: str
    fa: str
    cards: list[str]
    pending: list[str] = field(default_factory=list)
    captures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def take(self, bucket: list[str]) -> str | None:
        with self.lock:
            return bucket.pop(random.randrange(len(bucket))) if bucket else None

    def put(self, bucket: list[str], value: str) -> None:
        with self.lock:
            bucket.append(value)


def issuing_program(api: Client, funds: int, cards: int) -> tuple[str, list[str]]:
    """On ``api.account``: a financial account funded with ``funds`` and ``cards`` active cards of
    one cardholder spending from it; returns the financial account and the cards."""
    fa = api.ok("POST", "/v1/treasury/financial_accounts", FINANCIAL_ACCOUNT)["id"]
    api.ok("POST", "/v1/test_helpers/treasury/received_credits", received_credit(fa, funds))
    holder = api.ok("POST", "/v1/issuing/cardholders", CARDHOLDER)["id"]
    return fa, [api.ok("POST", "/v1/issuing/cards", active_card(holder, fa))["id"] for _ in range(cards)]


def set_up(port: int, cards: int) -> Round:
    key = "sk_test_soak_" + uuid.uuid4().hex
    api = Client(port, key)
    api.account = api.ok("POST", "/v1/accounts", CONNECTED_ACCOUNT)["id"]
    fa, ids = issuing_program(api, 5_000_000, cards)
    return Round(key, api.account, fa, ids)


def one_step(c: Client, r: Round) -> None:  # noqa: C901 - one branch per kind of traffic
    roll = random.random()
    card = random.choice(r.cards)
    if roll < 0.28:
        status, body = c.call(
            "POST",
            "/v1/test_helpers/issuing/authorizations",
            {"card": card, "amount": random.randint(1, 5000), "currency": "usd"},
        )
        if status == 200 and body["status"] == "pending":
            r.put(r.pending, body["id"])
    elif roll < 0.43:
        auth = r.take(r.pending)
        if auth is None:
            return
        params = {} if random.random() < 0.5 else {"capture_amount": random.randint(1, 6000)}
        status, body = c.call("POST", f"/v1/test_helpers/issuing/authorizations/{auth}/capture", params)
        if status == 200:
            r.put(r.captures, body["transactions"][-1]["id"])
    elif roll < 0.48:
        auth = r.take(r.pending)
        if auth is not None:
            c.call("POST", f"/v1/test_helpers/issuing/authorizations/{auth}/reverse")
    elif roll < 0.53:
        auth = r.take(r.pending)
        if auth is not None:
            status, _ = c.call(
                "POST",
                f"/v1/test_helpers/issuing/authorizations/{auth}/increment",
                {"increment_amount": random.randint(1, 800)},
            )
            status2, body = c.call("GET", f"/v1/issuing/authorizations/{auth}")
            if status2 == 200 and body["status"] == "pending":
                r.put(r.pending, auth)
    elif roll < 0.58:
        txn = r.take(r.captures)
        if txn is not None:
            c.call(
                "POST", f"/v1/test_helpers/issuing/transactions/{txn}/refund", {"refund_amount": random.randint(1, 300)}
            )
    elif roll < 0.61:
        txn = r.take(r.captures)
        if txn is not None:
            status, body = c.call(
                "POST",
                "/v1/issuing/disputes",
                {"transaction": txn, "evidence[reason]": "fraudulent", "evidence[fraudulent][explanation]": "not me"},
            )
            if status == 200:
                c.call("POST", f"/v1/issuing/disputes/{body['id']}/submit")
    elif roll < 0.66:
        c.call(
            "POST",
            "/v1/test_helpers/treasury/received_credits",
            {"amount": random.randint(1, 50_000), "currency": "usd", "financial_account": r.fa, "network": "ach"},
        )
    elif roll < 0.71:
        c.call("POST", f"/v1/issuing/cards/{card}", {"metadata[soak]": str(random.randint(0, 9))})
    elif roll < 0.97:
        reads: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"/v1/issuing/cards/{card}", None),
            ("GET", "/v1/issuing/cards", {"limit": 10, "expand[0]": "data.cardholder"}),
            ("GET", f"/v1/treasury/financial_accounts/{r.fa}", None),
            ("GET", "/v1/issuing/authorizations", {"limit": 20, "card": card}),
            ("GET", "/v1/treasury/transactions", {"financial_account": r.fa, "limit": 20}),
            ("GET", "/v1/issuing/transactions", {"limit": 20}),
            ("GET", "/v1/events", {"limit": 20}),
        ]
        method, path, query = random.choice(reads)
        c.call(method, path, query)
    else:
        garbage = random.choice(
            [
                b"amount=-5&currency=usd&card=" + card.encode(),
                b"\xff\xfe",
                b"a[b=1",
                b"card=" + card.encode() + b"&amount=99999999999999999999",
            ]
        )
        c.call("POST", "/v1/test_helpers/issuing/authorizations", raw=garbage)


class Tallied(Protocol):
    lock: threading.Lock
    statuses: Counter[int]
    problems: list[str]


def tally(t: Tallied, method: str, path: str, status: int, body: Any) -> None:
    """Count the answer's status; a 5xx, or a refusal without a Stripe error message, is a problem."""
    with t.lock:
        t.statuses[status] += 1
        if status >= 500 or (status >= 400 and not isinstance(body.get("error", {}).get("message"), str)):
            t.problems.append(f"{method} {path} -> {status}: {str(body)[:300]}")


def worker(port: int, r: Round, deadline: float) -> None:
    c = Client(port, r.key, r.account)
    c.observe = lambda method, path, status, body: tally(r, method, path, status, body)
    while time.monotonic() < deadline:
        try:
            one_step(c, r)
        except Exception as exc:  # a broken connection or an unreadable answer is a failure too
            with r.lock:
                r.problems.append(f"{type(exc).__name__}: {exc}")


def check_books(port: int, r: Round) -> list[str]:
    api = Client(port, r.key, r.account)
    problems: list[str] = []
    fa = api.ok("GET", f"/v1/treasury/financial_accounts/{r.fa}")
    balance = {k: fa["balance"][k]["usd"] for k in FLOWS}
    entries = api.all("/v1/treasury/transaction_entries", {"financial_account": r.fa})
    totals = {k: sum(e["balance_impact"][k] for e in entries) for k in FLOWS}
    if totals != balance:
        problems.append(f"balance {balance} != sum of entries {totals}")
    by_txn: dict[str, dict[str, int]] = {}
    for e in entries:
        t = by_txn.setdefault(e["transaction"], dict.fromkeys(FLOWS, 0))
        for k in FLOWS:
            t[k] += e["balance_impact"][k]
    for txn in api.all("/v1/treasury/transactions", {"financial_account": r.fa}):
        if txn["balance_impact"] != by_txn.get(txn["id"], dict.fromkeys(FLOWS, 0)):
            problems.append(f"{txn['id']}: impact {txn['balance_impact']} != its entries {by_txn.get(txn['id'])}")
    credits = sum(
        x["amount"]
        for x in api.all("/v1/treasury/received_credits", {"financial_account": r.fa})
        if x["status"] == "succeeded"
    )
    debits = sum(
        x["amount"]
        for x in api.all("/v1/treasury/received_debits", {"financial_account": r.fa})
        if x["status"] == "succeeded"
    )
    reversals = sum(x["amount"] for x in api.all("/v1/treasury/debit_reversals", {"financial_account": r.fa}))
    if balance["cash"] + balance["outbound_pending"] != credits - debits + reversals:
        problems.append(
            f"money not conserved: {balance} vs credits {credits} - debits {debits} + reversals {reversals}"
        )
    held = sum(a["amount"] for a in api.all("/v1/issuing/authorizations", {"status": "pending"}))
    if held != balance["outbound_pending"]:
        problems.append(f"outbound_pending {balance['outbound_pending']} != pending authorizations {held}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="mixed concurrent traffic, then books and memory checks")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--round-seconds", type=float, default=30.0)
    parser.add_argument("--cards", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    argv = pinned("0", [sys.executable, "-m", "emulator", "--port", str(port), "--log-level", "warning"])
    failures: list[str] = []
    memory: list[float] = []
    total = Counter[int]()
    started = time.monotonic()
    with process(argv, port) as proc:
        n = 0
        while time.monotonic() - started < args.minutes * 60:
            n += 1
            r = set_up(port, args.cards)
            deadline = time.monotonic() + min(
                args.round_seconds, max(args.minutes * 60 - (time.monotonic() - started), 1)
            )
            threads = [threading.Thread(target=worker, args=(port, r, deadline)) for _ in range(args.clients)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - t0
            books = check_books(port, r)
            failures += [f"round {n}: {p}" for p in r.problems[:20] + books]
            total.update(r.statuses)
            reset = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            reset.request("POST", "/_emulator/reset", headers={"Authorization": f"Bearer {r.key}"})
            reset.getresponse().read()
            memory.append(rss_mb(proc.pid))
            count = sum(r.statuses.values())
            print(
                f"round {n}: {count} requests in {elapsed:.1f} s ({count / elapsed:.0f}/s), statuses {dict(sorted(r.statuses.items()))}, "
                f"books {'ok' if not books else 'WRONG'}, RSS after reset {memory[-1]:.1f} MB",
                flush=True,
            )
    # RSS keeps the allocator's high-water mark, so the first round (the warm-up) sets no baseline
    baseline = memory[1] if len(memory) >= 3 else memory[0] if memory else 0.0
    if len(memory) >= 2 and max(memory[1:]) > baseline * 1.10 + 25:
        failures.append(f"memory grew across rounds: {memory}")
    print(f"total: {sum(total.values())} requests, statuses {dict(sorted(total.items()))}, RSS per round {memory}")
    if failures:
        print("FAILURES:\n  " + "\n  ".join(failures[:50]))
        return 1
    print("soak ok: books balance after every round, no 5xx, memory flat")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
