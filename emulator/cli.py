"""``stripe-emulator`` / ``python -m emulator``: serve the emulator on a port.

Every option of :class:`emulator.settings.Settings` is a flag here and a
``STRIPE_EMULATOR_*`` variable (a flag wins). Start-up: bind, restore ``--persist``, load
``--fixtures``, then print ``listening on http://HOST:PORT`` and serve; a bad option, an
unusable persistence file or a broken fixture file ends it with exit status 2 and a message.
``stripe-emulator export --key sk_test_...`` prints a running emulator's session of that key
as a fixture document instead (:mod:`emulator.recording.command`).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import uvicorn

from emulator import __version__
from emulator.app import EmulatorApp, create_app
from emulator.core.state import State
from emulator.gc_tuning import GcTuner
from emulator.http import request_lines
from emulator.server import listening_socket, run, uvicorn_config
from emulator.settings import Settings, SettingsError, default_of, env_var, flag, kind, options, parse_value
from emulator.webhooks.forward import READY

LISTENING = "stripe-emulator {version} listening on http://{host}:{port}"
CANNOT_LISTEN = "cannot listen on {host}:{port}: {detail}"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stripe-emulator",
        description="A local, stateful Stripe emulator for Issuing on Treasury. Every option can also "
        "be set with the STRIPE_EMULATOR_* environment variable shown with it (a flag wins).",
    )
    for f in options():
        default = default_of(f)
        shown = "" if default in (None, "", ()) else f"; default {default}"
        helptext = f"{f.metadata.get('help', '')} (env {env_var(f)}{shown})".replace("%", "%%")
        choices = f.metadata.get("choices")
        metavar = None if choices else f.name.upper()
        if kind(f) == "strs":
            parser.add_argument(
                flag(f), dest=f.name, action="append", metavar=f.metadata.get("metavar", "PATH"), help=helptext
            )
        else:
            # --log-level INFO works like STRIPE_EMULATOR_LOG_LEVEL=INFO
            convert: Callable[[str], str] = str.lower if choices else str
            parser.add_argument(flag(f), dest=f.name, choices=choices, type=convert, metavar=metavar, help=helptext)
    parser.add_argument("--version", action="version", version=f"stripe-emulator {__version__}")
    return parser


def settings_from_args(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Flags over ``STRIPE_EMULATOR_*`` over defaults; a :class:`SettingsError` names a bad one."""
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {}
    for f in options():
        raw = getattr(args, f.name)
        if raw is None:
            continue
        if isinstance(raw, list):  # a repeatable flag: each use is one value
            overrides[f.name] = tuple(v for item in raw for v in parse_value(f, item, flag(f)))
        else:
            overrides[f.name] = parse_value(f, raw, flag(f))
    return Settings.from_env(environ, **overrides)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; request lines carry their fields (method, path, status, ...)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "emulator_request", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def configure_logging(settings: Settings, stream: Any = None) -> logging.StreamHandler[Any]:
    """Send every log record (the emulator's and uvicorn's) to stderr as text or JSON lines."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler


def _fail(message: str) -> int:
    print(f"stripe-emulator: {message}", file=sys.stderr, flush=True)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["export"]:  # python -m emulator export --key ...: a session as a fixture document
        from emulator.recording.command import main as export

        return export(args[1:])
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        return _fail(str(exc))
    handler = configure_logging(settings)
    state = State(seed=settings.seed, hot_objects=settings.hot_objects)
    try:
        app = create_app(state, settings)
    except ValueError as exc:  # an unusable --forward-to URL
        return _fail(str(exc))
    if logging.getLogger(request_lines.LOGGER).isEnabledFor(logging.INFO):
        app.api.lines = request_lines.RequestLines(handler.stream, settings.log_format == "json")
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as exc:
        return _fail(CANNOT_LISTEN.format(host=settings.host, port=settings.port, detail=exc))
    app.listening_on(settings.host, sock.getsockname())
    server = uvicorn.Server(uvicorn_config(app, settings.log_level, log_config=None))
    try:
        return run(_serve(app, server, sock))
    except KeyboardInterrupt:
        return 0
    finally:
        app.shutdown()
        sock.close()


async def _serve(app: EmulatorApp, server: uvicorn.Server, sock: socket.socket) -> int:
    from emulator.fixtures.document import FixtureError

    failures: tuple[type[Exception], ...] = (FixtureError,)
    if app.settings.persist:  # sqlite3 and the journal are imported only when they are used
        from emulator.persistence import PersistenceError

        failures = (FixtureError, PersistenceError)
    try:
        await app.startup()
    except failures as exc:
        return _fail(str(exc))
    sock.listen(server.config.backlog)  # connections queue from now on: "listening" is true
    port = sock.getsockname()[1]
    host = f"[{app.settings.host}]" if sock.family == socket.AF_INET6 else app.settings.host
    print(LISTENING.format(version=__version__, host=host, port=port), flush=True)
    if app.webhooks.forward is not None:
        print(READY.format(url=app.webhooks.forward.url, secret=app.webhooks.forward.secret), flush=True)
    tuner = GcTuner()
    tuner.start()
    app.on_reset.append(tuner.collect_soon)  # what a reset forgets is frozen: free it at the next tick
    try:
        await server.serve(sockets=[sock])
    finally:
        tuner.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
