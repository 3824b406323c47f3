"""An in-process emulator persisted to a file, stopped and started again at will."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
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
