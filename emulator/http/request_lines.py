"""The one log line per request, cheap enough to leave on.

Through :mod:`logging` a line cost more than everything else the API does to book a request
(the caller's frame looked up, a ``LogRecord``, the time formatted, one write and flush per
line). The CLI owns stderr, so it hands the API a :class:`RequestLines`: it writes the line the
CLI's formatter would (text or JSON), the time formatted once a second, and the lines of one
event-loop turn in one write. An embedded server (tests, the pytest plugin) has none, and its
lines go through :mod:`logging` (:func:`log_through`), where the application's handlers see them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TextIO

import orjson

LOGGER = "emulator.requests"
TEXT_TIME = "%Y-%m-%d %H:%M:%S"  # logging.Formatter's asctime, without its milliseconds
JSON_TIME = "%Y-%m-%dT%H:%M:%S"

log = logging.getLogger(LOGGER)
# (method, path, status, elapsed_ms, request_id, account, idempotency key, replayed)
Line = Callable[[str, str, int, float, str, "str | None", "str | None", bool], None]


def message(
    method: str, path: str, status: int, elapsed_ms: float, request_id: str, account: str | None, idem: str | None
) -> str:
    """``POST /v1/x -> 200 (1.2 ms) req_… acct_… idem=…`` (``replayed`` is added by the caller)."""
    line = f"{method} {path} -> {status} ({elapsed_ms:.1f} ms) {request_id}"
    if account:
        line += f" {account}"
    if idem:
        line += f" idem={idem}"
    return line


def fields(
    method: str,
    path: str,
    status: int,
    elapsed_ms: float,
    request_id: str,
    account: str | None,
    idem: str | None,
    replayed: bool,
) -> dict[str, Any]:
    """What a JSON line carries besides time, level, logger and message."""
    return {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(elapsed_ms, 3),
        "request_id": request_id,
        "account": account,
        "idempotency_key": idem,
        "replayed": replayed,
    }


def log_through(
    method: str,
    path: str,
    status: int,
    elapsed_ms: float,
    request_id: str,
    account: str | None,
    idem: str | None,
    replayed: bool,
) -> None:
    """The line as a :mod:`logging` record (fields in ``emulator_request``, for a JSON formatter)."""
    text = message(method, path, status, elapsed_ms, request_id, account, idem) + (" replayed" if replayed else "")
    log.info(
        text, extra={"emulator_request": fields(method, path, status, elapsed_ms, request_id, account, idem, replayed)}
    )


class RequestLines:
    """Writes request lines to ``stream`` as text (``logging``'s layout in the CLI) or JSON lines."""

    def __init__(self, stream: TextIO, json_lines: bool) -> None:
        self.stream = stream
        self.json_lines = json_lines
        self.pending: list[str] = []
        self._second = -1
        self._stamp = ""

    def __call__(
        self,
        method: str,
        path: str,
        status: int,
        elapsed_ms: float,
        request_id: str,
        account: str | None,
        idem: str | None,
        replayed: bool,
    ) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = (
                time.strftime(JSON_TIME, time.gmtime(now))
                if self.json_lines
                else time.strftime(TEXT_TIME, time.localtime(now))
            )
        millis = int((now - second) * 1000)
        text = message(method, path, status, elapsed_ms, request_id, account, idem) + (" replayed" if replayed else "")
        if self.json_lines:
            out = {"time": f"{self._stamp}.{millis:03d}Z", "level": "info", "logger": LOGGER, "message": text}
            out.update(fields(method, path, status, elapsed_ms, request_id, account, idem, replayed))
            line = orjson.dumps(out).decode() + "\n"
        else:
            line = f"{self._stamp},{millis:03d} INFO {LOGGER}: {text}\n"
        if not self.pending:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop running: write it now
                self.pending.append(line)
                self.flush()
                return
        self.pending.append(line)

    def flush(self) -> None:
        data = "".join(self.pending)
        self.pending.clear()
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed or gone: the request was served all the same
            pass
