"""Memory of a big store: the emulator's RSS with N cards and N authorizations.

    python bench/bench_memory.py                    # 100,000 cards + 100,000 authorizations (~2 minutes)
    python bench/bench_memory.py --count 20000      # a quicker look
    python bench/bench_memory.py --hot-objects 0    # every object kept decoded, for comparison

Starts ``python -m emulator`` on a free port, sets up the guide's connected account, funded
financial account and cardholder, then POSTs the cards and the approved authorizations (each
with its hold, its Treasury transaction and entry, and its event) over 8 keep-alive connections.
It prints the server's RSS after the set-up, after the cards and after the authorizations, and
what each object added. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run_bench as rb  # noqa: E402  (a script next to this one)


def main() -> int:
    parser = argparse.ArgumentParser(description="RSS of the emulator with N cards and N authorizations")
    parser.add_argument("--count", type=int, default=100_000, help="cards, and authorizations (default 100,000)")
    parser.add_argument("--hot-objects", type=int, help="passed to the emulator (default: its own)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    key = "sk_test_memory"
    port = rb.free_port()
    argv = [sys.executable, "-m", "emulator", "--port", str(port), "--log-level", "warning"]
    if args.hot_objects is not None:
        argv += ["--hot-objects", str(args.hot_objects)]
    with rb.process(argv, port) as proc:
        pid = proc.pid
        ids = rb.set_up(port, key)
        base = rb.rss_mb(pid)
        card_params = {
            "cardholder": ids["cardholder"],
            "currency": "usd",
            "type": "virtual",
            "financial_account": ids["financial_account"],
        }
        t_cards = rb.fill(port, key, ids["account"], "/v1/issuing/cards", iter(lambda: card_params, None), args.count)
        after_cards = rb.rss_mb(pid)
        api = rb.Api(port, key)
        spend = [
            api.call("POST", "/v1/issuing/cards", dict(card_params, status="active"), ids["account"])["id"]
            for _ in range(100)
        ]
        bodies = ({"card": spend[i % 100], "amount": "100", "currency": "usd"} for i in range(args.count + 1))
        t_auths = rb.fill(port, key, ids["account"], "/v1/test_helpers/issuing/authorizations", bodies, args.count)
        after_auths = rb.rss_mb(pid)
        # the store still answers: the oldest card and the newest page
        api = rb.Api(port, key)  # a new connection: the first one sat idle past keep-alive
        api.call("GET", f"/v1/issuing/cards/{ids['card']}", None, ids["account"])
        api.call("GET", "/v1/issuing/authorizations", {"limit": "10"}, ids["account"])
    report = {
        "count": args.count,
        "hot_objects": args.hot_objects,
        "rss_mb": {
            "after_set_up": round(base, 1),
            "after_cards": round(after_cards, 1),
            "after_authorizations": round(after_auths, 1),
        },
        "bytes_per_object": {
            "card": round((after_cards - base) * 2**20 / args.count),
            "authorization": round((after_auths - after_cards) * 2**20 / args.count),
        },
        "requests_per_second": {"cards": round(args.count / t_cards), "authorizations": round(args.count / t_auths)},
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
