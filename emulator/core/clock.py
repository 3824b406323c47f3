"""Time as the emulator sees it: wall-clock seconds plus an offset tests can move forward."""

from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def now(self) -> int:
        """Unix seconds, the unit of every ``created`` field."""
        return int(self.time())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds
