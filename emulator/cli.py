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
from emulator.server import listening_socket
from emulator.settings import Settings
from emulator.webhooks.forward import READY


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
    parser.add_argument(
        "--forward-to",
        metavar="URL",
        help="also deliver every event to URL, signed with a secret printed at start "
        "(env STRIPE_EMULATOR_FORWARD_TO; fix the secret with STRIPE_EMULATOR_FORWARD_SECRET)",
    )
    parser.add_argument("--version", action="version", version=f"stripe-emulator {__version__}")
    return parser


def settings_from_args(argv: Sequence[str] | None = None) -> Settings:
    args = build_parser().parse_args(argv)
    return Settings.from_env(
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_format=args.log_format,
        seed=args.seed,
        forward_to=args.forward_to,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from_args(argv)
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s", stream=sys.stderr)
    state = State(seed=settings.seed)
    try:
        app = create_app(state, settings)
    except ValueError as exc:  # an unusable --forward-to URL
        print(f"stripe-emulator: {exc}", file=sys.stderr)
        return 2
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as exc:
        print(f"stripe-emulator: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if sock.family == socket.AF_INET6 else settings.host
    print(f"stripe-emulator {__version__} listening on http://{host}:{port}", flush=True)
    if app.webhooks.forward is not None:
        print(READY.format(url=app.webhooks.forward.url, secret=app.webhooks.forward.secret), flush=True)
    config = uvicorn.Config(app, log_level=settings.log_level, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
