"""This checkout's emulator against another build of it, alternating under wrk (an A/B of a change).

    git worktree add /tmp/before HEAD~1
    python bench/ab_emulators.py /tmp/before --only "POST card,POST cardholder" --pairs 10

Both emulators run with their defaults on the server core, each set up as ``run_bench.py`` sets
up its emulator (a connected account, a funded financial account, a cardholder, a card); wrk
drives one, then the other, with the same requests, ``--pairs`` times per endpoint and connection
count, the order swapped every other pair. The machine's speed moves by ±30 % from one minute to
the next, so a single run says little: what is printed is the median of the pairs' ratios
(this build's requests per second over the other's), with both builds' median p50 and p99.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import run_bench as rb

ROOT = Path(__file__).resolve().parent.parent


def serve(checkout: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m emulator`` from ``checkout`` (its own ``emulator`` package comes first on the path)."""
    port = rb.free_port()
    argv = rb.pinned(rb.SERVER_CORE, [sys.executable, "-m", "emulator", "--port", str(port)])
    with open(log, "ab") as err:
        proc = subprocess.Popen(argv, cwd=checkout, stdout=subprocess.DEVNULL, stderr=err)
    rb.wait_healthy(port)
    return proc, port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (a git worktree of another commit)")
    parser.add_argument("--only", default="POST card,POST cardholder", help="comma-separated endpoint names")
    parser.add_argument("--connections", default="1,50")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    args = parser.parse_args()
    names = [name.strip() for name in args.only.split(",")]
    if not set(names) <= set(rb.TARGETS):
        sys.exit(f"--only: unknown endpoint; the names are {', '.join(rb.TARGETS)}")
    if not (args.other / "emulator" / "__main__.py").exists():
        sys.exit(f"{args.other}: not a checkout of the emulator")
    key = "sk_test_ab_" + uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        this, this_port = serve(ROOT, tmp / "this.log")
        other, other_port = serve(args.other.resolve(), tmp / "other.log")
        try:
            eps = {
                port: {e.name: e for e in rb.endpoints(key, rb.set_up(port, key))} for port in (this_port, other_port)
            }
            print("| endpoint | conns | this / other (median of pairs) | p50 ms this / other | p99 ms this / other |")
            print("|---|---|---|---|---|")
            for name in names:
                for c in (int(c) for c in args.connections.split(",")):
                    pairs = [
                        rb.measure_pair(
                            this_port,
                            other_port,
                            eps[this_port][name],
                            c,
                            args.duration,
                            1000,
                            tmp,
                            i,
                            floor_ep=eps[other_port][name],
                        )
                        for i in range(args.pairs)
                    ]
                    ratio = statistics.median(a.rps / b.rps for a, b in pairs)
                    p50 = [statistics.median(r.p50_ms for r in side) for side in zip(*pairs, strict=True)]
                    p99 = [statistics.median(r.p99_ms for r in side) for side in zip(*pairs, strict=True)]
                    print(
                        f"| {name} | {c} | {ratio:.2f} | {p50[0]:.3f} / {p50[1]:.3f} | {p99[0]:.2f} / {p99[1]:.2f} |",
                        flush=True,
                    )
        finally:
            for proc in (this, other):
                proc.terminate()
                proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
