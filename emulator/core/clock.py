"""Time as the emulator sees it: wall-clock seconds plus an offset tests can move forward."""

from __future__ import annotations

import time

from emulator.core.ids import CURRENT_TAPE


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        tape = CURRENT_TAPE.get()
        if tape is None:
            return time.time() + self.offset
        return tape.draw("clock", self._read)  # recorded, so a replayed request sees the same time

    def _read(self) -> float:
        return time.time() + self.offset

    def now(self) -> int:
        """Unix seconds, the unit of every ``created`` field."""
        return int(self.time())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds
