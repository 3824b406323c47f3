"""An in-process emulator persisted to a file, stopped and started again at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from emulator import EmulatorServer, Settings

ROOT = Path(__file__).resolve().parents[2]


def new_key() -> str:
    return "sk_test_" + uuid.uuid4().hex


def spawn(path: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--persist", str(path), "--log-level", "warning"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening on" in line, proc.stderr.read() if proc.stderr else line
    return proc, "http://127.0.0.1:" + line.strip().rsplit(":", 1)[1]


@contextmanager
def spawned(path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``spawn(path)`` for the ``with`` block, then ``kill -9`` (unless it is gone already)."""
    proc, url = spawn(path)
    try:
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def persisted(path: Path, how: str) -> Iterator[str]:
    """An emulator journaling to ``path`` for the ``with`` block (its url): in this process and
    stopped gracefully at the end (``how="graceful"``), or a process of its own killed with
    ``kill -9`` at the end (``how="kill -9"``)."""
    if how == "graceful":
        with EmulatorServer(settings=Settings(port=0, persist=str(path))) as url:
            yield url
    else:
        with spawned(path) as (_, url):
            yield url


def state_of(url: str, key: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(url + "/_emulator/state", headers={"Authorization": f"Bearer {key}"}).json()
    return body


class Running:
    """An in-process emulator on ``path`` that can be stopped and started again."""

    def __init__(self, path: Path, **settings: Any) -> None:
        self.path = path
        self.settings = settings
        self.server: EmulatorServer | None = None

    def start(self) -> str:
        self.server = EmulatorServer(settings=Settings(port=0, persist=str(self.path), **self.settings))
        return self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
