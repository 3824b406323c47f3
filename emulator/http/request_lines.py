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
from typing import Any, NamedTuple, TextIO

import orjson

LOGGER = "emulator.requests"
TEXT_TIME = "%Y-%m-%d %H:%M:%S"  # logging.Formatter's asctime, without its milliseconds
JSON_TIME = "%Y-%m-%dT%H:%M:%S"

log = logging.getLogger(LOGGER)


class Served(NamedTuple):
    """What one line says of a request."""

    method: str
    path: str
    status: int
    elapsed_ms: float
    request_id: str
    account: str | None
    idempotency_key: str | None
    replayed: bool

    def message(self) -> str:
        """``POST /v1/x -> 200 (1.2 ms) req_… acct_… idem=… replayed``"""
        line = f"{self.method} {self.path} -> {self.status} ({self.elapsed_ms:.1f} ms) {self.request_id}"
        if self.account:
            line += f" {self.account}"
        if self.idempotency_key:
            line += f" idem={self.idempotency_key}"
        return line + " replayed" if self.replayed else line

    def fields(self) -> dict[str, Any]:
        """What a JSON line carries besides time, level, logger and message."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "duration_ms": round(self.elapsed_ms, 3),
            "request_id": self.request_id,
            "account": self.account,
            "idempotency_key": self.idempotency_key,
            "replayed": self.replayed,
        }


Line = Callable[[Served], None]


def log_through(served: Served) -> None:
    """The line as a :mod:`logging` record (fields in ``emulator_request``, for a JSON formatter)."""
    log.info(served.message(), extra={"emulator_request": served.fields()})


class RequestLines:
    """Writes request lines to ``stream`` as text (``logging``'s layout in the CLI) or JSON lines."""

    def __init__(self, stream: TextIO, json_lines: bool) -> None:
        self.stream = stream
        self.json_lines = json_lines
        self.pending: list[str] = []
        self._second = -1
        self._stamp = ""

    def __call__(self, served: Served) -> None:
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
        text = served.message()
        if self.json_lines:
            out = {"time": f"{self._stamp}.{millis:03d}Z", "level": "info", "logger": LOGGER, "message": text}
            out.update(served.fields())
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
