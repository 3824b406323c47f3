"""Instructions per request, in-process, of the emulator and of the floor (valgrind's callgrind).

    python bench/bench_instructions.py [--only "POST card,POST authorization"] [--hot 256]

Wall-clock figures on this VM vary by +-30 % from one minute to the next; an instruction count
is the same for the same build and inputs whatever else the machine does, so it is what an A/B of
a change to the request path can rely on (run it in two checkouts). It is not time: the floor's
instructions are mostly tight C loops (JSON-escaping its padding, ``parse_qsl``) that run several
per cycle, the emulator's mostly the interpreter's, so compare the emulator with itself and use
``run_bench.py`` for shares of the floor.

Each figure is (instructions with N2 requests - instructions with N1) / (N2 - N1): start-up and
set-up cancel out. The requests are ``run_bench.py``'s, sent straight to the ASGI app (no sockets,
no HTTP parsing). ``--hot`` is the number of objects each store keeps decoded: the default 256
makes the window include packing, which the default 2,000 would put after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run_bench  # noqa: E402

KEY = "sk_test_instructions"
Scope = dict[str, Any]


async def call(app: Any, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    path, _, query = target.partition("?")
    scope: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "scheme": "http",
        "server": ("127.0.0.1", 12111),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }
    sent: list[dict[str, Any]] = []
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if given:
            await asyncio.Event().wait()  # the request has no more body
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


async def emulator_app(hot: int) -> tuple[Any, dict[str, str]]:
    from emulator.app import create_app
    from emulator.core.state import State
    from emulator.settings import Settings

    app = create_app(State(hot_objects=hot), settings=Settings())
    await app.startup()
    base = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}

    async def api(path: str, params: dict[str, str], account: str | None = None) -> str:
        headers = dict(base, **({"Stripe-Account": account} if account else {}))
        status, body = await call(app, "POST", path, headers, urlencode(params).encode())
        if status != 200:
            raise RuntimeError(f"set-up {path}: {status} {body[:300]!r}")
        found: str = json.loads(body)["id"]
        return found

    acct = await api("/v1/accounts", run_bench.CONNECTED_ACCOUNT)
    fa = await api("/v1/treasury/financial_accounts", run_bench.FINANCIAL_ACCOUNT, acct)
    await api("/v1/test_helpers/treasury/received_credits", run_bench.received_credit(fa, 10**12), acct)
    holder = await api("/v1/issuing/cardholders", run_bench.CARDHOLDER, acct)
    card = await api("/v1/issuing/cards", run_bench.active_card(holder, fa), acct)
    return app, {"account": acct, "financial_account": fa, "cardholder": holder, "card": card}


async def child(which: str, name: str, count: int, hot: int, size: int) -> None:
    """Send ``count`` of the endpoint's requests to the emulator's or the floor's app."""
    if which == "emulator":
        app, ids = await emulator_app(hot)
    else:
        from floor_app import app

        ids = {"account": "acct_floor", "financial_account": "fa_floor", "cardholder": "ich_floor", "card": "ic_floor"}
    ep = {e.name: e for e in run_bench.endpoints(KEY, ids)}[name]
    headers = {**ep.headers, "Content-Type": "application/x-www-form-urlencoded", "X-Floor-Size": str(size)}
    body = (ep.body or "").encode()
    for _ in range(count):
        if ep.method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        status, answer = await call(app, ep.method, ep.path, headers, body)
        if status != 200:
            raise RuntimeError(f"{name}: {status} {answer[:300]!r}")
    print(len(answer))


def instructions(which: str, name: str, count: int, hot: int, size: int) -> tuple[int, int]:
    """(instructions callgrind counted, the last answer's size) for one child run."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, __file__, "--child", which, name, str(count), str(hot), str(size)]
        env = dict(os.environ, PYTHONHASHSEED="0")
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(out.stderr[-2000:])
    return int(found.group(1)), int(out.stdout.split()[-1])


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        which, name, count, hot, size = sys.argv[2:7]
        asyncio.run(child(which, name, int(count), int(hot), int(size)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="GET card,POST card,POST cardholder,POST authorization")
    parser.add_argument("--hot", type=int, default=256, help="objects each store keeps decoded")
    parser.add_argument("--counts", default="400,1600", help="N1,N2 requests")
    args = parser.parse_args()
    n1, n2 = (int(n) for n in args.counts.split(","))
    print("| endpoint | emulator instructions/request | floor instructions/request |")
    print("|---|---|---|")
    for name in args.only.split(","):
        low, size = instructions("emulator", name, n1, args.hot, 1000)
        high, _ = instructions("emulator", name, n2, args.hot, 1000)
        floor_low, _ = instructions("floor", name, n1, args.hot, size)
        floor_high, _ = instructions("floor", name, n2, args.hot, size)
        mine, floor = (high - low) // (n2 - n1), (floor_high - floor_low) // (n2 - n1)
        print(f"| {name} | {mine:,} | {floor:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
