"""Where a request's time goes: the emulator (its defaults) runs under cProfile on one core while
wrk drives one endpoint; the time is summed per function.

    python bench/profile_path.py                           # GET card, POST card, POST cardholder, 50 connections
    python bench/profile_path.py --only "POST card" --seconds 10 --connections 1

Prints, per endpoint, a markdown table of the stages of the request path (inclusive: the function
and what it calls, as a share of all the time the profiler saw) and of the functions that spend
the most time themselves. cProfile slows every Python call down, so the shares lean towards code
that makes many small calls; py-spy (a sampler) would be fairer but cannot read processes on
every machine. Needs ``wrk`` and ``taskset``. The figures in ``bench/PROFILE.md`` come from here.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import run_bench  # bench/ is on sys.path when this script runs

# inclusive stages: a label and the function (name, file suffix) that is it
STAGES = [
    ("uvicorn: the request head parsed (httptools protocol)", "data_received", "httptools_impl.py"),
    ("uvicorn: the ASGI cycle (run_asgi, all that follows)", "run_asgi", "httptools_impl.py"),
    ("emulator app: guard, body read, dispatch", "__call__", "emulator/app.py"),
    ("body read (BodyReader.read)", "read", "emulator/http/limits.py"),
    ("/v1 wire protocol (Api.__call__)", "__call__", "emulator/http/api.py"),
    ("one request (Api._handle)", "_handle", "emulator/http/api.py"),
    ("form decoding (forms.decode)", "decode", "emulator/http/forms.py"),
    ("parameter checks (params: the operation's checker)", "__call__", "emulator/http/params.py"),
    ("idempotency (begin)", "begin", "emulator/http/idempotency.py"),
    ("events (Ctx.emit)", "emit", "emulator/core/context.py"),
    ("rendering (Representation.render)", "render", "emulator/http/render.py"),
    ("JSON encoding (jsonutil.dumps)", "dumps", "emulator/core/jsonutil.py"),
    ("the request log and its line (Api._record)", "_record", "emulator/http/api.py"),
    ("logging (Logger.info, handler, formatter)", "info", "logging/__init__.py"),
    ("response sent (one write: emulator/http/one_write.py)", "__call__", "emulator/http/one_write.py"),
    ("response sent (uvicorn send: answers not written in one piece)", "send", "httptools_impl.py"),
]


def serve(port: str, out: str) -> None:
    """The child: ``python -m emulator --port PORT`` under cProfile, stats written to ``out`` at exit."""
    sys.path.insert(0, str(run_bench.ROOT))  # this checkout's emulator, not an installed one
    from emulator import cli

    assert cli.__file__.startswith(str(run_bench.ROOT)), cli.__file__

    profiler = cProfile.Profile()
    try:
        profiler.runcall(cli.main, ["--port", port])
    finally:
        profiler.dump_stats(out)


def tables(stats_file: Path, top: int) -> str:
    stats = pstats.Stats(str(stats_file))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values()) or 1.0
    lines = ["| stage (inclusive) | share of time |", "|---|---|"]
    for label, name, suffix in STAGES:
        cum = max(
            (ct for (file, _, func), (_, _, _, ct, _) in entries.items() if func == name and file.endswith(suffix)),
            default=0.0,
        )
        lines.append(f"| {label} | {cum / total:.1%} |")
    lines += ["", "| function (self time) | share of time |", "|---|---|"]
    own = sorted(entries.items(), key=lambda item: -item[1][2])[:top]
    for (file, line, func), (_, _, tt, _, _) in own:
        lines.append(f"| `{func}` ({_short(file)}:{line}) | {tt / total:.1%} |")
    return "\n".join(lines)


def _short(path: str) -> str:
    for marker in ("site-packages/", "wt-speed/", "python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="GET card,POST card,POST cardholder")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--keep", help="copy the (last) cProfile stats to this file")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for name in names:
            port = run_bench.free_port()
            key = "sk_test_profile_" + uuid.uuid4().hex[:8]
            out = tmp / f"{uuid.uuid4().hex}.prof"
            argv = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port), str(out)]
            with run_bench.process(run_bench.pinned(run_bench.SERVER_CORE, argv), port, tmp / "log") as proc:
                ids = run_bench.set_up(port, key)
                ep = next(e for e in run_bench.endpoints(key, ids) if e.name == name)
                size = run_bench.response_size(port, ep)
                result = run_bench.wrk(port, ep, args.connections, args.seconds, size, tmp)
                proc.send_signal(signal.SIGINT)  # uvicorn re-raises it after a graceful stop: stats are written
                proc.wait(timeout=30)
            print(f"\n### {ep.name}, {args.connections} connections ({result.rps:.0f} req/s under cProfile)\n")
            print(tables(out, args.top))
            if args.keep:
                Path(args.keep).write_bytes(out.read_bytes())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
