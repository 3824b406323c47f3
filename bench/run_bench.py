"""Throughput and latency of the emulator against the floor, with wrk, on pinned cores.

    python bench/run_bench.py                 # the full run (about 11 minutes)
    python bench/run_bench.py --quick         # one 2 s run per measurement, 10,000 objects for the size test
    python bench/run_bench.py --only "POST cardholder"   # only the shares of the endpoints named

One run: start the emulator (``python -m emulator``) and the floor (``bench/floor_app.py``: bare
starlette + uvicorn that parses the same form body and answers a JSON of the same size), both on
core 0; wrk runs on core 1. For each endpoint, at 1 and 50 connections, wrk drives the emulator
and the floor back to back with the same requests (every POST with its own ``Idempotency-Key``,
like the SDKs), ``--repeat`` pairs, the floor first in every other pair. Each side's figures are
the medians of its runs; the share of the floor is the median of the pairs' shares, so that the
machine's speed drifting during the run (it does on a shared VM) counts as little as it can.
Then the store is filled (100,000 cards and 100,000 authorizations by default), the serial
latency of GET card and the list page is measured in pairs against a second emulator holding
100 cards, and the emulator's memory read.
Needs ``wrk`` (Debian: ``apt-get install wrk``) and ``taskset`` (util-linux). Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import bench_startup  # bench/ is on sys.path when this script runs

ROOT = Path(__file__).resolve().parent.parent
STARTUP_RUNS = 10
SERVER_CORE = "0"
LOAD_CORE = "1"
TARGETS = {  # endpoint -> least share of the floor's throughput at 1 and at 50 connections (issue #20)
    "GET card": {1: 0.85, 50: 0.80},
    "POST card": {1: 0.85, 50: 0.80},
    "POST cardholder": {1: 0.85, 50: 0.80},
    "POST authorization": {1: 0.50, 50: 0.50},
    "GET cards list expand": {1: 0.60, 50: 0.60},
}
# stripe-mock on one core of this kind of machine, wrk on the other (median of 3 runs, issue #20): the reference to beat
STRIPE_MOCK = {("GET card", 50): 6719, ("POST card", 50): 6051, ("POST cardholder", 50): 4542}
STRIPE_MOCK.update({("GET card", 1): 4617, ("POST card", 1): 4521, ("POST cardholder", 1): 4024})
CARDHOLDER = {  # the guide's 15 fields
    "type": "individual",
    "name": "Jenny Rosen",
    "email": "jenny.rosen@example.com",
    "phone_number": "+18888675309",
    "status": "active",
    "individual[first_name]": "Jenny",
    "individual[last_name]": "Rosen",
    "individual[dob][day]": "1",
    "individual[dob][month]": "11",
    "individual[dob][year]": "1981",
    "billing[address][line1]": "1234 Main Street",
    "billing[address][city]": "San Francisco",
    "billing[address][state]": "CA",
    "billing[address][postal_code]": "94111",
    "billing[address][country]": "US",
}
# the rest of the set-up every benchmark and soak starts from, as form bodies
CONNECTED_ACCOUNT = {
    "country": "US",
    "type": "custom",  # Issuing and Treasury only on accounts the platform controls
    "capabilities[card_issuing][requested]": "true",
    "capabilities[transfers][requested]": "true",
    "capabilities[treasury][requested]": "true",
}
FINANCIAL_ACCOUNT = {"supported_currencies[0]": "usd", "features[card_issuing][requested]": "true"}


def received_credit(fa: str, amount: int) -> dict[str, str]:
    """A test-helper ACH credit of ``amount`` cents to the financial account ``fa``."""
    return {"amount": str(amount), "currency": "usd", "financial_account": fa, "network": "ach"}


# The benchmarks spend far more than Stripe's default limits of a card (500 USD a day, 10,000 USD
# per authorization) allow: their platforms have them off, as Stripe Support can do.
NO_DEFAULT_LIMITS = "default_spending_limits=false"


def active_card(holder: str, fa: str) -> dict[str, str]:
    """An active virtual usd card of ``holder`` spending from the financial account ``fa``."""
    return {"cardholder": holder, "currency": "usd", "type": "virtual", "status": "active", "financial_account": fa}


LUA = """
local method, path, body = %(method)s, %(path)s, %(body)s
local base = %(headers)s
local idem = %(idem)s
local prefix = %(prefix)s
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  non200 = 0
  approved = 0
end
function request()
  n = n + 1
  if idem then base["Idempotency-Key"] = prefix .. id .. "-" .. n end
  return wrk.format(method, path, base, body)
end
function response(status, headers, resp)
  if status ~= 200 then non200 = non200 + 1 end
  if string.find(resp, '"approved":true', 1, true) then approved = approved + 1 end
end
function done(summary, latency, requests)
  local bad, ok = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    ok = ok + t:get("approved")
  end
  io.write(string.format("BENCH non200=%%d approved=%%d\\n", bad, ok))
end
"""


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non200: int
    approved: int


# --- processes -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else argv


def wait_healthy(port: int, timeout: float = 20.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/_emulator/health")
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.002)
    raise RuntimeError(f"nothing healthy on port {port}")


@contextmanager
def process(argv: list[str], port: int, log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` running until the block ends; its stderr (the emulator's log lines) goes to ``log``."""
    with open(log or os.devnull, "ab") as err:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_healthy(port) if "floor_app" not in " ".join(argv) else _wait_port(port)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_port(port: int) -> None:
    for _ in range(2000):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"nothing listening on port {port}")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# --- HTTP set-up ---------------------------------------------------------------------------------


class Api:
    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.key = key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, params: dict[str, str] | None = None, account: str | None = None) -> dict:  # type: ignore[type-arg]
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/x-www-form-urlencoded"}
        if account:
            headers["Stripe-Account"] = account
        body = urlencode(params or {}) if method == "POST" else None
        if method != "POST" and params:
            path = f"{path}?{urlencode(params)}"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data: dict = json.loads(resp.read())  # type: ignore[type-arg]
        if resp.status != 200:
            raise RuntimeError(f"{method} {path}: {resp.status} {data}")
        return data


def set_up(port: int, key: str) -> dict[str, str]:
    api = Api(port, key)
    api.call("POST", "/_emulator/platform_settings", dict(parse_qsl(NO_DEFAULT_LIMITS)))
    acct = api.call("POST", "/v1/accounts", CONNECTED_ACCOUNT)["id"]
    fa = api.call("POST", "/v1/treasury/financial_accounts", FINANCIAL_ACCOUNT, acct)["id"]
    api.call("POST", "/v1/test_helpers/treasury/received_credits", received_credit(fa, 10**12), acct)
    holder = api.call("POST", "/v1/issuing/cardholders", CARDHOLDER, acct)["id"]
    card = api.call("POST", "/v1/issuing/cards", active_card(holder, fa), acct)["id"]
    return {"account": acct, "financial_account": fa, "cardholder": holder, "card": card}


def fill(port: int, key: str, account: str, path: str, bodies: Iterator[dict[str, str]], count: int) -> float:
    """POST ``count`` bodies with 8 keep-alive connections; returns the seconds it took."""
    started = time.perf_counter()
    items = [next(bodies) for _ in range(count)]

    def worker(chunk: list[dict[str, str]]) -> None:
        api = Api(port, key)
        for params in chunk:
            api.call("POST", path, params, account)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, [items[i::8] for i in range(8)]))
    return time.perf_counter() - started


# --- wrk -----------------------------------------------------------------------------------------


def lua_str(value: str | None) -> str:
    return "nil" if value is None else json.dumps(value)


def wrk(port: int, ep: Endpoint, connections: int, seconds: int, size: int, tmp: Path) -> Result:
    headers = dict(ep.headers, **{"X-Floor-Size": str(size)})
    if ep.body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    script = tmp / f"{uuid.uuid4().hex}.lua"
    script.write_text(
        LUA
        % {
            "method": lua_str(ep.method),
            "path": lua_str(ep.path),
            "body": lua_str(ep.body),
            "headers": "{" + ", ".join(f"[{json.dumps(k)}]={json.dumps(v)}" for k, v in headers.items()) + "}",
            "idem": "true" if ep.method == "POST" else "false",
            "prefix": lua_str("bench-" + uuid.uuid4().hex[:12] + "-"),
        }
    )
    argv = pinned(
        LOAD_CORE,
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(int(seconds), 1)}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
    )
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    out = done.stdout
    return Result(
        rps=float(_find(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_ms(_find(r"\s50%\s+([\d.]+\w+)", out)),
        p99_ms=_ms(_find(r"\s99%\s+([\d.]+\w+)", out)),
        requests=int(_find(r"(\d+) requests in", out)),
        non200=int(_find(r"BENCH non200=(\d+)", out)),
        approved=int(_find(r"approved=(\d+)", out)),
    )


def measure_pair(
    eport: int,
    fport: int,
    ep: Endpoint,
    c: int,
    seconds: int,
    size: int,
    tmp: Path,
    i: int,
    floor_ep: Endpoint | None = None,
) -> tuple[Result, Result]:
    """One run of each side, back to back; every other pair the second side first, so that a
    machine getting faster or slower during a pair favours neither. ``floor_ep``: the second
    side's request, when it is not the same (another emulator, with ids of its own)."""
    other = floor_ep or ep
    if i % 2:
        second = wrk(fport, other, c, seconds, size, tmp)
        return wrk(eport, ep, c, seconds, size, tmp), second
    first = wrk(eport, ep, c, seconds, size, tmp)
    return first, wrk(fport, other, c, seconds, size, tmp)


SIZE_TEST = ("GET card", "GET cards list expand")


def size_test(
    port: int, key: str, eps: list[Endpoint], sizes: dict[str, int], seconds: int, repeat: int, tmp: Path
) -> tuple[dict[str, float], dict[str, float]]:
    """Serial p50 of the filled emulator and of a second one with 100 cards, started now on the
    same core and measured in alternating pairs: both see the machine at the same speed."""
    sport = free_port()
    with process(
        pinned(SERVER_CORE, [sys.executable, "-m", "emulator", "--port", str(sport)]), sport, tmp / "small.log"
    ):
        ids = set_up(sport, key)
        card_params = {
            "cardholder": ids["cardholder"],
            "currency": "usd",
            "type": "virtual",
            "financial_account": ids["financial_account"],
        }
        fill(sport, key, ids["account"], "/v1/issuing/cards", iter(lambda: card_params, None), 99)
        small_eps = {ep.name: ep for ep in endpoints(key, ids)}
        big: dict[str, float] = {}
        small: dict[str, float] = {}
        for ep in eps:
            if ep.name not in SIZE_TEST:
                continue
            runs = [
                measure_pair(port, sport, ep, 1, seconds, sizes[ep.name], tmp, i, floor_ep=small_eps[ep.name])
                for i in range(repeat)
            ]
            big[ep.name] = median([r[0] for r in runs]).p50_ms
            small[ep.name] = median([r[1] for r in runs]).p50_ms
    return big, small


def median(results: list[Result]) -> Result:
    """Field by field median (throughput, latencies); counts are summed."""

    def mid(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    return Result(
        rps=mid([r.rps for r in results]),
        p50_ms=mid([r.p50_ms for r in results]),
        p99_ms=mid([r.p99_ms for r in results]),
        requests=sum(r.requests for r in results),
        non200=sum(r.non200 for r in results),
        approved=sum(r.approved for r in results),
    )


def _find(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    if m is None:
        raise RuntimeError(f"wrk output without {pattern!r}:\n{text}")
    return m.group(1)


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    assert m is not None, value
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def response_size(port: int, ep: Endpoint) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = dict(ep.headers)
    if ep.body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Idempotency-Key"] = uuid.uuid4().hex
    conn.request(ep.method, ep.path, body=ep.body, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{ep.name}: {resp.status} {body[:300]!r}")
    return len(body)


# --- the run -------------------------------------------------------------------------------------


def endpoints(key: str, ids: dict[str, str]) -> list[Endpoint]:
    auth = {"Authorization": f"Bearer {key}", "Stripe-Account": ids["account"]}
    card_body = urlencode(
        {
            "cardholder": ids["cardholder"],
            "currency": "usd",
            "type": "virtual",
            "financial_account": ids["financial_account"],
        }
    )
    return [
        Endpoint("GET card", "GET", f"/v1/issuing/cards/{ids['card']}", None, auth),
        Endpoint("POST card", "POST", "/v1/issuing/cards", card_body, auth),
        Endpoint(
            "POST cardholder",
            "POST",
            "/v1/issuing/cardholders",
            urlencode(CARDHOLDER).replace("%5B", "[").replace("%5D", "]"),
            auth,
        ),
        Endpoint(
            "POST authorization",
            "POST",
            "/v1/test_helpers/issuing/authorizations",
            urlencode({"card": ids["card"], "amount": "100", "currency": "usd"}),
            auth,
        ),
        Endpoint("GET cards list expand", "GET", "/v1/issuing/cards?limit=10&expand[0]=data.cardholder", None, auth),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="emulator vs floor with wrk (see the module docstring)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk measurement")
    parser.add_argument("--connections", default="1,50")
    parser.add_argument("--repeat", type=int, default=5, help="emulator/floor pairs per measurement (median)")
    parser.add_argument("--big", type=int, default=100_000, help="cards and authorizations for the size test")
    parser.add_argument("--quick", action="store_true", help="--duration 2 --repeat 1 --big 10000")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--only", help="comma-separated endpoint names (e.g. 'POST cardholder'): only their shares, no size test"
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.repeat, args.big = 2, 1, 10_000
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    conns = [int(c) for c in args.connections.split(",")]
    key = "sk_test_bench_" + uuid.uuid4().hex[:8]
    eport, fport = free_port(), free_port()
    # the emulator with its defaults: one log line per request (to a file, as a redirected terminal would)
    emulator = pinned(SERVER_CORE, [sys.executable, "-m", "emulator", "--port", str(eport)])
    floor = pinned(SERVER_CORE, [sys.executable, str(ROOT / "bench" / "floor_app.py"), "--port", str(fport)])
    report: dict[str, object] = {
        "cores": {"servers": SERVER_CORE, "wrk": LOAD_CORE},
        "duration_s": args.duration,
        "repeat": args.repeat,
    }
    rows: list[tuple[str, int, Result, Result, float, list[float]]] = []
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    if only is not None and not set(only) <= set(TARGETS):
        sys.exit(f"--only: unknown endpoint; the names are {', '.join(TARGETS)}")
    if only is None:
        starts = bench_startup.startup_times(STARTUP_RUNS, [])  # byte-compiles first, as pip install does
        report["startup_to_healthy_s"] = round(statistics.median(starts), 3)
        report["startup_runs_s"] = [round(t, 3) for t in starts]
    with (
        tempfile.TemporaryDirectory() as tmpdir,
        process(emulator, eport, Path(tmpdir) / "emulator.log") as proc,
        process(floor, fport),
    ):
        tmp = Path(tmpdir)
        ids = set_up(eport, key)
        holder = ids["cardholder"]
        card_params = {
            "cardholder": holder,
            "currency": "usd",
            "type": "virtual",
            "financial_account": ids["financial_account"],
        }
        fill(eport, key, ids["account"], "/v1/issuing/cards", iter(lambda: card_params, None), 99)
        eps = [ep for ep in endpoints(key, ids) if only is None or ep.name in only]
        sizes = {ep.name: response_size(eport, ep) for ep in eps}
        for ep in eps:
            for c in conns:
                pairs = [
                    measure_pair(eport, fport, ep, c, args.duration, sizes[ep.name], tmp, i) for i in range(args.repeat)
                ]
                emu, flo = median([p[0] for p in pairs]), median([p[1] for p in pairs])
                shares = [e.rps / f.rps for e, f in pairs]
                rows.append((ep.name, c, emu, flo, statistics.median(shares), shares))
                print(
                    f"{ep.name:24} c={c:<3} emulator {emu.rps:8.0f} req/s p50 {emu.p50_ms:.3f} ms p99 {emu.p99_ms:.3f} ms"
                    f" | floor {flo.rps:8.0f} req/s p50 {flo.p50_ms:.3f} ms | {rows[-1][4]:.0%}"
                    f"{f' | non-200 {emu.non200}' if emu.non200 else ''}"
                    f"{f' | approved {emu.approved}/{emu.requests}' if ep.name == 'POST authorization' else ''}",
                    flush=True,
                )
        if only is None:  # else just the shares asked for
            # the size test: as many cards and authorizations as --big
            cards_now = 100 + sum(r[2].requests for r in rows if r[0] == "POST card")
            more_cards = max(args.big - cards_now, 0)
            t_cards = fill(eport, key, ids["account"], "/v1/issuing/cards", iter(lambda: card_params, None), more_cards)
            spend_cards = [
                Api(eport, key).call("POST", "/v1/issuing/cards", dict(card_params, status="active"), ids["account"])[
                    "id"
                ]
                for _ in range(100)
            ]
            auths_now = sum(r[2].requests for r in rows if r[0] == "POST authorization")
            more_auths = max(args.big - auths_now, 0)
            auth_bodies = (
                {"card": spend_cards[i % 100], "amount": "100", "currency": "usd"} for i in range(more_auths + 1)
            )
            t_auths = fill(
                eport, key, ids["account"], "/v1/test_helpers/issuing/authorizations", auth_bodies, more_auths
            )
            big, small = size_test(eport, key, eps, sizes, args.duration, args.repeat, tmp)
            report["size_test"] = {
                "cards": cards_now + more_cards + 100,
                "authorizations": auths_now + more_auths,
                "cardholders": 1 + sum(r[2].requests for r in rows if r[0] == "POST cardholder"),
                "fill_seconds": {"cards": round(t_cards, 1), "authorizations": round(t_auths, 1)},
                "p50_ms_small_store": small,
                "p50_ms_big_store": big,
                "ratio": {k: round(big[k] / small[k], 2) for k in small},
                "emulator_rss_mb": round(rss_mb(_server_pid(proc)), 1),
            }
    report["results"] = [
        {
            "endpoint": name,
            "connections": c,
            "emulator": vars(emu),
            "floor": vars(flo),
            "share_of_floor": round(share, 3),
            "shares_per_repeat": [round(x, 3) for x in shares],
            "target": TARGETS[name][c] if c in TARGETS[name] else min(TARGETS[name].values()),
            "stripe_mock_rps": STRIPE_MOCK.get((name, c)),
        }
        for name, c, emu, flo, share, shares in rows
    ]
    print()
    print(markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


def _server_pid(proc: subprocess.Popen[bytes]) -> int:
    """The python process (``taskset`` execs it, so it is the same pid)."""
    return proc.pid


def markdown(report: dict) -> str:  # type: ignore[type-arg]
    lines = [
        "| endpoint | conns | emulator req/s | floor req/s | share (target) | stripe-mock req/s (emulator ×) "
        "| emulator p50 / p99 ms | floor p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        emu, flo = r["emulator"], r["floor"]
        ok = "ok" if r["share_of_floor"] >= r["target"] else "BELOW"
        mock = r["stripe_mock_rps"]
        versus = f"{mock} ({emu['rps'] / mock:.2f}×)" if mock else "–"
        lines.append(
            f"| {r['endpoint']} | {r['connections']} | {emu['rps']:.0f} | {flo['rps']:.0f} | "
            f"{r['share_of_floor']:.0%} (≥{r['target']:.0%}, {ok}) | {versus} | "
            f"{emu['p50_ms']:.3f} / {emu['p99_ms']:.3f} | "
            f"{flo['p50_ms']:.3f} / {flo['p99_ms']:.3f} |"
        )
    size = report.get("size_test")
    if size is None:  # --only
        return "\n".join(lines)
    lines += [
        "",
        f"Start-up to healthy: median {report['startup_to_healthy_s']} s of {STARTUP_RUNS} starts (target < 0.3 s).",
        f"Serial p50 with {size['cards']:,} cards and {size['authorizations']:,} authorizations vs 100 cards: "
        + ", ".join(
            f"{k} {size['p50_ms_big_store'][k]:.3f} ms vs {size['p50_ms_small_store'][k]:.3f} ms ({size['ratio'][k]}x)"
            for k in size["ratio"]
        )
        + " (target ≤ 1.2x).",
        f"Emulator memory (RSS) then: {size['emulator_rss_mb']} MB, holding {size['cards']:,} cards, "
        f"{size['authorizations']:,} authorizations and {size['cardholders']:,} cardholders with their events "
        "(the aim, < 600 MB for 100,000 cards + 100,000 authorizations, is measured by bench_memory.py).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
