"""Running what falls due as a platform's time passes.

A platform's time (:class:`emulator.core.clock.PlatformClock`) moves by itself with the wall clock
and jumps forward on ``POST /_emulator/clock``. Either way, the entries of its agenda
(:mod:`emulator.core.agenda`) whose time has come run in time order, each as if its moment had
come: ``ctx.now`` is the due time, and the events it emits carry it as ``created``.

* On every API request, before the handler runs, the work already due runs first (one comparison
  when nothing is due), so a request never sees an object in a state its time has passed.
* :meth:`Timekeeper.move` (the clock endpoint and the dashboard) moves the clock, runs everything
  due up to the new time, then lets the webhook retries that fell due happen, and returns once
  all of that has.

Due work drawn inside a request is marked on the request's tape (``--persist`` keeps such a
request and replays it, so the work happens again at the same point of the replay).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from emulator.core.context import Ctx, Renderer
from emulator.core.ids import outside, record_value, recorded, replaying
from emulator.core.state import Platform, State
from emulator.settings import Settings

log = logging.getLogger("emulator.time")

DUE_MARK = "due"  # tape kind recorded for each piece of due work a request ran
AFTER_MOVE_MARK = "after_move"  # tape kind: whether a clock move waited for what it set off (webhook retries)
AFTER_MOVE_DONE = "after_move_done"  # tape kind of the end of that wait


class Timekeeper:
    def __init__(self, state: State, settings: Settings, renderer: Renderer) -> None:
        self.state = state
        self.settings = settings
        self.renderer = renderer
        # called as hook(platform, now) after each move, awaited if they return an awaitable
        # (the webhook engine attempts the retries that fell due; idempotency keys age out)
        self.after_move: list[Callable[[Platform, int], Any]] = []

    def catch_up(self, platform: Platform, now: int) -> int:
        """Run every agenda entry of ``platform`` due at or before ``now``, earliest first.
        Work that schedules more work that is also due runs in the same pass. Returns how many ran."""
        agenda = platform.agenda
        ran = 0
        while entries := agenda.pop_due(now):
            for at, fn, account_id, obj_id in entries:
                if self.state.platforms.get(platform.key) is not platform:
                    return ran  # the platform was reset meanwhile
                scope = platform.scopes.get(account_id)
                if scope is None:
                    continue
                ctx = Ctx(
                    self.state,
                    platform,
                    scope,
                    self.renderer,
                    api_version=self.settings.api_version,
                    now=at,
                    pinned=True,
                )
                record_value(DUE_MARK, obj_id)
                try:
                    fn(ctx, obj_id)
                except Exception:  # one broken piece of work must not stop the others nor the request
                    log.exception("due work %s on %s failed", getattr(fn, "__qualname__", fn), obj_id)
                ran += 1
        return ran

    async def move(self, platform: Platform, when: int) -> int:
        """Move ``platform``'s time forward to ``when`` and let everything due happen (see the module
        docstring); ``ValueError`` if ``when`` is in its past. Returns how many agenda entries ran."""
        platform.clock.move_to(when)
        now = platform.now()
        ran = self.catch_up(platform, now)
        waits: list[Awaitable[Any]] = []
        for hook in list(self.after_move):
            outcome = hook(platform, now)
            if inspect.isawaitable(outcome):
                waits.append(outcome)
        # Other requests run while the retries wait for their endpoints: through ids.outside, the
        # move is journaled before them. Replayed (--persist), it waits where it waited, for nothing.
        waited = recorded(AFTER_MOVE_MARK, lambda: bool(waits))
        if replaying():
            for wait in waits:
                if inspect.iscoroutine(wait):
                    wait.close()
            waits = []
        if waited:
            await outside(AFTER_MOVE_DONE, lambda: _all(waits), None)
        return ran


async def _all(waits: list[Awaitable[Any]]) -> None:
    for wait in waits:
        await wait
