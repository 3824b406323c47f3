"""Short garbage-collection pauses for a long-running emulator process.

The emulator keeps millions of small dicts (stored objects) alive for its whole life. CPython's
full collections walk all of them, so as the store grows each one pauses every request for
hundreds of milliseconds. :class:`GcTuner` runs on the server's event loop, between requests:
every second it collects the young generations (freeing fresh garbage cycles) and freezes the
survivors (``gc.freeze``), so automatic collections only ever look at the last second's objects.
Every ten minutes it unfreezes everything and runs one full collection, so cycles that became
garbage after being frozen are still freed eventually; after a reset (``collect_soon``) it does so
at its next tick, since a forgotten platform is mostly frozen cycles (objects, scopes, platform).

The young collection walks every object the last second made, and under load it seldom finds
garbage: the emulator makes few reference cycles. So when one finds almost nothing
(``QUIET_GARBAGE``), the next one waits twice as many ticks (up to ``MAX_QUIET_TICKS``), and the
ticks between only freeze. A collection that finds garbage brings it back to every tick. What
a freeze-only tick freezes and later becomes garbage waits for the full collection.

Only the command-line server turns this on: it changes process-wide GC settings, which an
emulator embedded in someone's test process (``EmulatorServer``, the pytest plugin) must not do.
"""

from __future__ import annotations

import asyncio
import gc
import time

# Net new containers before an automatic young collection. Above what a busy second adds
# (~20 per request), so the tick is usually the only collection: each new container is walked
# once before it is frozen, not once by an automatic collection and again by the tick.
YOUNG_THRESHOLD = 100_000
FREEZE_EVERY = 1.0
FULL_EVERY = 600.0
QUIET_GARBAGE = 1_000  # unreachable objects a young collection may find and still count as quiet
MAX_QUIET_TICKS = 8


def next_every(every: int, found: int) -> int:
    """Ticks until the next young collection, after one that found ``found`` unreachable objects."""
    return min(every * 2, MAX_QUIET_TICKS) if found < QUIET_GARBAGE else 1


class GcTuner:
    def __init__(self, freeze_every: float = FREEZE_EVERY, full_every: float = FULL_EVERY) -> None:
        self.freeze_every = freeze_every
        self.full_every = full_every
        self._task: asyncio.Task[None] | None = None
        self._full_due = False

    def collect_soon(self, *_: object) -> None:
        """Run the full collection at the next tick (a reset just dropped a platform's objects)."""
        self._full_due = True

    def start(self) -> None:
        gc.set_threshold(YOUNG_THRESHOLD, 20, 20)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gc-tuner")

    async def _run(self) -> None:
        await asyncio.sleep(self.freeze_every)  # after start-up, not in its way
        gc.collect()
        gc.freeze()  # what start-up made (the spec, modules) is never walked again
        last_full = time.monotonic()
        every, waited = 1, 0  # young collections every ``every`` ticks; ticks since the last one
        while True:
            await asyncio.sleep(self.freeze_every)
            waited += 1
            if self._full_due or time.monotonic() - last_full >= self.full_every:
                self._full_due = False
                gc.unfreeze()
                gc.collect()
                last_full = time.monotonic()
                every, waited = 1, 0
            elif waited >= every:
                every, waited = next_every(every, gc.collect(1)), 0
            gc.freeze()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
