"""Instructions per request, in-process, of the emulator and of the floor (valgrind's callgrind).

    python bench/bench_instructions.py [--only "POST card,POST authorization"] [--hot 256] [--protocol]

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

``--protocol`` sends them as HTTP bytes through the uvicorn protocol class each server runs
(the emulator's, with its limits and one-write answers; the floor's plain httptools one), on
uvloop, into a transport that keeps what is written: the count then includes HTTP parsing,
uvicorn's request cycle and task, and the answer's writing, still without the kernel.
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run_bench  # noqa: E402

KEY = "sk_test_instructions"
Scope = dict[str, Any]
# (method, target, headers, body) -> (status, body)
Send = Callable[[str, str, dict[str, str], bytes], Awaitable[tuple[int, bytes]]]


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


def direct(app: Any) -> Send:
    async def send(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        return await call(app, method, target, headers, body)

    return send


class MemoryTransport(asyncio.Transport):
    """Where a uvicorn protocol writes: kept in memory; ``wrote`` is set at each write."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.wrote = asyncio.Event()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data
        self.wrote.set()

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 12111), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


def through_protocol(config: Any) -> Send:
    """Requests as HTTP/1.1 bytes on one keep-alive connection of ``config``'s protocol class."""
    from uvicorn.server import ServerState

    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = MemoryTransport()
    protocol.connection_made(transport)

    async def send(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1:12111"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        transport.written.clear()
        protocol.data_received(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        while True:  # until the whole answer is written (the floor writes its head and body apart)
            head, _, answer = bytes(transport.written).partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            if length is not None and len(answer) >= int(length.group(1)):
                break
            transport.wrote.clear()
            await transport.wrote.wait()
        while protocol.tasks:  # the request's task ends after its answer
            await asyncio.sleep(0)
        return int(head.split(b" ", 2)[1]), answer

    return send


async def emulator_app(hot: int, protocol: bool) -> tuple[Send, dict[str, str]]:
    from emulator.app import create_app
    from emulator.core.state import State
    from emulator.server import uvicorn_config
    from emulator.settings import Settings

    app = create_app(State(hot_objects=hot), settings=Settings())
    await app.startup()
    send = through_protocol(uvicorn_config(app, "warning", log_config=None)) if protocol else direct(app)
    base = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}

    async def api(path: str, params: dict[str, str], account: str | None = None) -> str:
        headers = dict(base, **({"Stripe-Account": account} if account else {}))
        status, body = await send("POST", path, headers, urlencode(params).encode())
        if status != 200:
            raise RuntimeError(f"set-up {path}: {status} {body[:300]!r}")
        found: str = json.loads(body)["id"]
        return found

    status, body = await send("POST", "/_emulator/platform_settings", base, run_bench.NO_DEFAULT_LIMITS.encode())
    if status != 200:
        raise RuntimeError(f"set-up platform_settings: {status} {body[:300]!r}")
    acct = await api("/v1/accounts", run_bench.CONNECTED_ACCOUNT)
    fa = await api("/v1/treasury/financial_accounts", run_bench.FINANCIAL_ACCOUNT, acct)
    await api("/v1/test_helpers/treasury/received_credits", run_bench.received_credit(fa, 10**12), acct)
    holder = await api("/v1/issuing/cardholders", run_bench.CARDHOLDER, acct)
    card = await api("/v1/issuing/cards", run_bench.active_card(holder, fa), acct)
    return send, {"account": acct, "financial_account": fa, "cardholder": holder, "card": card}


async def child(which: str, name: str, count: int, hot: int, size: int, protocol: bool) -> None:
    """Send ``count`` of the endpoint's requests to the emulator's or the floor's app."""
    if which == "emulator":
        send, ids = await emulator_app(hot, protocol)
    else:
        import uvicorn
        from floor_app import app

        floor = uvicorn.Config(app, http="httptools", log_level="warning", access_log=False, lifespan="off")
        send = through_protocol(floor) if protocol else direct(app)
        ids = {"account": "acct_floor", "financial_account": "fa_floor", "cardholder": "ich_floor", "card": "ic_floor"}
    ep = {e.name: e for e in run_bench.endpoints(KEY, ids)}[name]
    headers = {**ep.headers, "Content-Type": "application/x-www-form-urlencoded", "X-Floor-Size": str(size)}
    body = (ep.body or "").encode()
    for _ in range(count):
        if ep.method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        status, answer = await send(ep.method, ep.path, headers, body)
        if status != 200:
            raise RuntimeError(f"{name}: {status} {answer[:300]!r}")
    print(len(answer))


def instructions(which: str, name: str, count: int, hot: int, size: int, protocol: bool = False) -> tuple[int, int]:
    """(instructions callgrind counted, the last answer's size) for one child run."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, __file__, "--child", which, name, str(count), str(hot), str(size)]
        argv.append("protocol" if protocol else "asgi")
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
        which, endpoint, count, hot, answer_size, how = sys.argv[2:8]
        work = child(which, endpoint, int(count), int(hot), int(answer_size), how == "protocol")
        if how == "protocol":
            from emulator.server import run  # on uvloop, as both servers run

            run(work)
        else:
            asyncio.run(work)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="GET card,POST card,POST cardholder,POST authorization")
    parser.add_argument("--hot", type=int, default=256, help="objects each store keeps decoded")
    parser.add_argument("--counts", default="400,1600", help="N1,N2 requests")
    parser.add_argument("--protocol", action="store_true", help="through each server's uvicorn protocol class")
    args = parser.parse_args()
    n1, n2 = (int(n) for n in args.counts.split(","))
    print("| endpoint | emulator instructions/request | floor instructions/request |")
    print("|---|---|---|")
    for name in args.only.split(","):
        low, size = instructions("emulator", name, n1, args.hot, 1000, args.protocol)
        high, _ = instructions("emulator", name, n2, args.hot, 1000, args.protocol)
        floor_low, _ = instructions("floor", name, n1, args.hot, size, args.protocol)
        floor_high, _ = instructions("floor", name, n2, args.hot, size, args.protocol)
        mine, floor = (high - low) // (n2 - n1), (floor_high - floor_low) // (n2 - n1)
        print(f"| {name} | {mine:,} | {floor:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
