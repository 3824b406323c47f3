"""Benchmark: Issuing authorization create + capture throughput (not a test).

Starts an emulator (``EmulatorServer``, in-process, on a free port), sets up a connected account,
a funded financial account, a cardholder and an active card through the real stripe-python
SDK, then measures over HTTP (keep-alive):

* ``sequential``: one client doing ``create`` then ``capture``, N times; pairs/s and latency;
* ``concurrent``: C client processes doing the same pairs in parallel (the server is one event
  loop in its own thread; clients in other processes keep the GIL free for it).

Usage: ``python bench/bench_authorizations.py [--pairs 2000] [--concurrency 4]``
(clients connect first; the clock starts when all are ready)
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import stripe

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator import EmulatorServer  # noqa: E402
from tests import issuing_flows  # noqa: E402

CREATE = "/v1/test_helpers/issuing/authorizations"


def setup(server: EmulatorServer, pairs: int) -> tuple[str, issuing_flows.Spender]:
    key = "sk_test_" + uuid.uuid4().hex
    client = stripe.StripeClient(key, base_addresses={"api": server.url})
    return key, issuing_flows.spender(client, funds=pairs * 2 * 1_000 + 10_000)


def sequential(server: EmulatorServer, key: str, s: issuing_flows.Spender, pairs: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {key}", "Stripe-Account": s.account}
    latencies: list[float] = []
    with httpx.Client(base_url=server.url, headers=headers) as http:
        started = time.perf_counter()
        for _ in range(pairs):
            t0 = time.perf_counter()
            auth = http.post(CREATE, data={"card": s.card, "amount": "1000"}).json()
            assert auth["approved"], auth
            done = http.post(f"{CREATE}/{auth['id']}/capture").json()
            assert done["status"] == "closed", done
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "pairs_per_s": pairs / elapsed,
        "requests_per_s": 2 * pairs / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def _client_process(url: str, key: str, account: str, card: str, pairs: int, ready: Any, go: Any) -> None:
    headers = {"Authorization": f"Bearer {key}", "Stripe-Account": account}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        http.get("/v1/account")  # connect before the clock starts
        ready.release()
        go.wait()
        for _ in range(pairs):
            auth = http.post(CREATE, data={"card": card, "amount": "1000"}).json()
            assert auth["approved"], auth
            done = http.post(f"{CREATE}/{auth['id']}/capture").json()
            assert done["status"] == "closed", done


def concurrent(
    server: EmulatorServer, key: str, s: issuing_flows.Spender, pairs: int, workers: int
) -> dict[str, float]:
    share = max(pairs // workers, 1)
    context = multiprocessing.get_context("spawn")
    ready, go = context.Semaphore(0), context.Event()
    procs = [
        context.Process(target=_client_process, args=(server.url, key, s.account, s.card, share, ready, go))
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - started
    if any(proc.exitcode != 0 for proc in procs):
        raise RuntimeError("a client process failed")
    done = share * workers
    return {"pairs_per_s": done / elapsed, "requests_per_s": 2 * done / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2000, help="create+capture pairs per run")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes in the concurrent run")
    args = parser.parse_args()
    server = EmulatorServer(log_level="warning")
    server.start()
    try:
        key, s = setup(server, args.pairs)
        sequential(server, key, s, min(100, args.pairs))  # warm-up
        seq = sequential(server, key, s, args.pairs)
        print(
            f"sequential  {args.pairs} pairs: {seq['pairs_per_s']:.0f} create+capture/s "
            f"({seq['requests_per_s']:.0f} req/s), pair latency p50 {seq['p50_ms']:.2f} ms, p99 {seq['p99_ms']:.2f} ms"
        )
        key, s = setup(server, args.pairs)
        conc = concurrent(server, key, s, args.pairs, args.concurrency)
        print(
            f"concurrent  {args.pairs} pairs, {args.concurrency} clients: {conc['pairs_per_s']:.0f} create+capture/s "
            f"({conc['requests_per_s']:.0f} req/s)"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
