"""``stripe-emulator`` / ``python -m emulator``: serve the emulator on a port."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Sequence

import uvicorn

from emulator import __version__
from emulator.app import create_app
from emulator.core.state import State
from emulator.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stripe-emulator",
        description="A local, stateful Stripe emulator for Issuing on Treasury. "
        "Every option can also be set with a STRIPE_EMULATOR_* environment variable.",
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; env STRIPE_EMULATOR_HOST)")
    parser.add_argument("--port", type=int, help="port (default 12111, 0 = any free port; env STRIPE_EMULATOR_PORT)")
    parser.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"], help="default info")
    parser.add_argument("--log-format", choices=["text", "json"], help="request log lines as text or JSON")
    parser.add_argument("--seed", type=int, help="make ids deterministic")
    parser.add_argument("--version", action="version", version=f"stripe-emulator {__version__}")
    return parser


def settings_from_args(argv: Sequence[str] | None = None) -> Settings:
    args = build_parser().parse_args(argv)
    return Settings.from_env(
        host=args.host, port=args.port, log_level=args.log_level, log_format=args.log_format, seed=args.seed
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from_args(argv)
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s", stream=sys.stderr)
    state = State(seed=settings.seed)
    app = create_app(state, settings)
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"stripe-emulator: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if family == socket.AF_INET6 else settings.host
    print(f"stripe-emulator {__version__} listening on http://{host}:{port}", flush=True)
    config = uvicorn.Config(app, log_level=settings.log_level, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
