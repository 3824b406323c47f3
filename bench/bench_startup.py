"""Start-up time: spawn ``python -m emulator --port 0`` and time it until ``/_emulator/health`` is 200.

    python bench/bench_startup.py                 # 10 runs, no persistence (target: under 0.3 s)
    python bench/bench_startup.py --runs 20 -- --fixtures fixtures   # extra server flags after --

Reports the median, min and max of spawn -> first healthy answer, in seconds. Not a test.

The package is byte-compiled first, as ``pip install .`` does: a checkout run with
``PYTHONDONTWRITEBYTECODE=1`` (common in containers) would otherwise compile every module
of the emulator again at each start, which measures the compiler, not the emulator.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import os
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compile_package() -> None:
    """Write the emulator's bytecode (what ``pip install .`` leaves in site-packages)."""
    compileall.compile_dir(os.path.join(ROOT, "emulator"), quiet=1)


def startup_times(runs: int, extra: list[str]) -> list[float]:
    """Byte-compile, warm the OS file cache with one start, then time ``runs`` starts."""
    compile_package()
    one_run(extra)  # warm the OS file cache: the first start of a fresh checkout is not typical
    return [one_run(extra) for _ in range(runs)]


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/_emulator/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def one_run(extra: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--log-level", "warning", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "stripe-emulator X listening on http://127.0.0.1:PORT"
        if "listening on" not in line:
            raise RuntimeError(f"the emulator did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        port = int(line.strip().rsplit(":", 1)[1])
        while not healthy(port):
            if time.perf_counter() - started > 10:
                raise RuntimeError("no healthy answer within 10 s")
            time.sleep(0.002)
        return time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("extra", nargs="*", help="flags for the emulator (after --)")
    args = parser.parse_args()
    times = startup_times(args.runs, args.extra)
    median = statistics.median(times)
    print(
        f"start-up to healthy over {args.runs} runs: median {median:.3f} s, "
        f"min {min(times):.3f} s, max {max(times):.3f} s "
        f"({'within' if median < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS} s target)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
