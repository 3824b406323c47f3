"""Time as the emulator sees it.

:class:`Clock` is the server's clock: wall-clock seconds (plus an offset a test may move for the
whole server). Every reading goes through it, so a request running with a tape (``--persist``)
reads back the same time when it is replayed.

:class:`PlatformClock` is one platform's time: the server's clock plus the platform's own offset,
or a frozen instant. ``POST /_emulator/clock`` moves it forward; it never goes back. Two platforms
(two API keys) never see each other's time.
"""

from __future__ import annotations

import time

from emulator.core.ids import CURRENT_TAPE

BACKWARDS = "the clock only moves forward"


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
            raise ValueError(BACKWARDS)
        self.offset += seconds


class PlatformClock:
    """One platform's time: ``base`` plus ``offset`` seconds, or ``frozen_at`` while frozen."""

    __slots__ = ("base", "frozen_at", "offset")

    def __init__(self, base: Clock) -> None:
        self.base = base
        self.offset = 0
        self.frozen_at: int | None = None

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def now(self) -> int:
        frozen = self.frozen_at
        if frozen is not None:
            return frozen
        return int(self.base.time()) + self.offset

    def wall(self) -> float:
        """This platform's time in fractional seconds, never taped: for timers that are not part
        of any object (webhook retries), which must not draw from a request's tape."""
        frozen = self.frozen_at
        if frozen is not None:
            return float(frozen)
        return time.time() + self.base.offset + self.offset

    def move_to(self, when: int) -> None:
        """Jump forward to ``when`` (unix seconds); ``ValueError`` if that is in the past."""
        now = self.now()
        if when < now:
            raise ValueError(BACKWARDS)
        if self.frozen_at is not None:
            self.frozen_at = when
        self.offset += when - now

    def freeze(self) -> None:
        if self.frozen_at is None:
            self.frozen_at = self.now()

    def unfreeze(self) -> None:
        """Time runs again from the frozen instant (the offset absorbs the time spent frozen)."""
        frozen = self.frozen_at
        if frozen is None:
            return
        self.frozen_at = None
        self.offset = frozen - int(self.base.time())
