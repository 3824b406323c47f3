"""An in-process emulator persisted to a file, stopped and started again at will."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from emulator import EmulatorServer, Settings


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
