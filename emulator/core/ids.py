"""Stripe-shaped identifiers: ``<prefix>_1`` followed by random alphanumerics.

Every random value the emulator draws goes through :class:`IdFactory`, and every reading of
the clock through :class:`emulator.core.clock.Clock`. While a request runs with a
:class:`Tape` (persistence is on), each drawn value is recorded on it; replaying the request
with that tape after a restart gives back exactly the same ids, numbers and timestamps.
"""

from __future__ import annotations

import os
import random
import secrets
import string
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

ALPHABET = string.ascii_letters + string.digits
_BYTE_TO_CHAR = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))
T = TypeVar("T")


class Tape:
    """The random values and clock readings one request drew, as ``[kind, value]`` pairs.

    A live tape records; a replay tape (built from a recording) hands the recorded values
    back, each to the first draw of the same kind, and records nothing.

    A request that waits for something outside its own code (a webhook endpoint's answer,
    another request) does it through :func:`outside`. Persistence sets ``suspended``: live, it
    commits what the request did so far before the wait (so the journal holds the parts of all
    requests in the order they ran); replaying, it holds the request at that point until the
    journal says it went on, then hands it the next part's recording. ``abandoned`` makes a
    live tape answer every wait with its ``abandoned`` value without waiting (a request that was
    waiting when the server stopped is finished that way after the restart).
    """

    __slots__ = ("drawn", "pending", "suspended", "abandoned")

    def __init__(self, recorded: list[list[Any]] | None = None) -> None:
        self.drawn: list[list[Any]] = []
        self.pending: list[list[Any]] | None = list(recorded) if recorded is not None else None
        self.suspended: Callable[[Tape], Awaitable[None]] | None = None
        self.abandoned = False

    @property
    def replaying(self) -> bool:
        return self.pending is not None

    def draw(self, kind: str, make: Callable[[], T]) -> T:
        pending = self.pending
        if pending is not None:
            found, value = self.take(kind)
            return value if found else make()  # the code now draws more than it did: a fresh value
        value = make()
        self.drawn.append([kind, value])
        return value

    def take(self, kind: str) -> tuple[bool, Any]:
        """``(True, value)``: the first recorded ``kind`` value, removed (replay tapes only)."""
        pending = self.pending
        if pending is not None:
            for i, (recorded_kind, value) in enumerate(pending):
                if recorded_kind == kind:
                    del pending[i]
                    return True, value
        return False, None

    async def outside(self, kind: str, ask: Callable[[], Awaitable[T]], abandoned: T) -> T:
        if self.suspended is not None:
            await self.suspended(self)
        if self.pending is not None:
            found, value = self.take(kind)
            return value if found else abandoned  # never ask the outside world while replaying
        value = abandoned if self.abandoned else await ask()
        self.drawn.append([kind, value])
        return value


# The tape of the request running in this context (each request is its own asyncio task, so
# this holds no data shared between requests or servers; None = nothing is recorded).
CURRENT_TAPE: ContextVar[Tape | None] = ContextVar("emulator_tape", default=None)


def recorded(kind: str, make: Callable[[], T]) -> T:
    """Draw a value the emulator cannot recompute on replay (e.g. an outside answer), taped."""
    tape = CURRENT_TAPE.get()
    return make() if tape is None else tape.draw(kind, make)


async def outside(kind: str, ask: Callable[[], Awaitable[T]], abandoned: T) -> T:
    """Wait, inside a request, for something the emulator does not decide itself.

    ``ask()`` gives a JSON-serialisable answer (a webhook endpoint's decision, ...). With
    persistence on, the request's effects up to here are journaled before it waits, and the
    answer is recorded, so a replay after a restart interleaves this request with the others
    exactly as it ran and gets the same answer without asking again. ``abandoned`` is the answer
    of a wait the server did not see the end of (it stopped meanwhile). Every ``await`` in a
    handler that lets other requests run after this request changed state must go through here.
    """
    tape = CURRENT_TAPE.get()
    if tape is None:
        return await ask()
    return await tape.outside(kind, ask, abandoned)


def record_value(kind: str, value: Any) -> None:
    """Record a JSON-serialisable value on the running request's live tape (no-op otherwise)."""
    tape = CURRENT_TAPE.get()
    if tape is not None and tape.pending is None:
        tape.drawn.append([kind, value])


def replaying() -> bool:
    """True while the running request is replayed from the persistence journal."""
    tape = CURRENT_TAPE.get()
    return tape is not None and tape.pending is not None


class IdFactory:
    """Makes ids; seeded, it makes the same sequence every run (``--seed``)."""

    def __init__(self, seed: int | None = None) -> None:
        # A Mersenne twister seeded from the OS once: fast, and unique enough for ids.
        self._seeded = seed is not None
        self._seed = seed if seed is not None else int.from_bytes(os.urandom(16), "big")
        self._rng = random.Random(self._seed)
        # Request ids come from a stream of their own: reads draw them too, and they are not
        # journaled, so drawing them from ``_rng`` would make a restart repeat them and shift the
        # object ids after it (see :meth:`restarted`).
        self._requests = random.Random(f"{self._seed}:requests")

    def _chars(self, n: int) -> str:
        # random bytes mapped onto the 62 characters in C (the slight bias toward the first 8 is harmless)
        return self._rng.randbytes(n).translate(_BYTE_TO_CHAR).decode("ascii")

    @staticmethod
    def _draw(kind: str, make: Callable[[], T]) -> T:
        tape = CURRENT_TAPE.get()
        return make() if tape is None else tape.draw(kind, make)

    def make(self, prefix: str, length: int = 24) -> str:
        if CURRENT_TAPE.get() is None:  # the common case, without a closure (an id or two per request)
            return f"{prefix}_1{self._chars(length - 1)}"
        return self._draw(prefix, lambda: f"{prefix}_1{self._chars(length - 1)}")

    def account(self) -> str:
        return self._draw("acct", lambda: f"acct_1{self._chars(15)}")

    def _request_id(self) -> str:
        return "req_" + self._requests.randbytes(14).translate(_BYTE_TO_CHAR).decode("ascii")

    def request(self) -> str:
        if CURRENT_TAPE.get() is None:
            return self._request_id()
        return self._draw("req", self._request_id)

    def secret(self, prefix: str = "whsec") -> str:
        return self._draw("secret", lambda: f"{prefix}_{self._chars(32)}")

    def digits(self, n: int) -> str:
        if CURRENT_TAPE.get() is None:
            return str(self._rng.randrange(10**n)).zfill(n)
        return self._draw("digits", lambda: str(self._rng.randrange(10**n)).zfill(n))

    def randint(self, low: int, high: int) -> int:
        return self._draw("randint", lambda: self._rng.randint(low, high))

    def uuid4(self) -> str:
        """A random (version 4) UUID drawn from this factory, so ``--seed`` fixes it too."""
        return self._draw("uuid", lambda: str(uuid.UUID(int=self._rng.getrandbits(128), version=4)))

    @staticmethod
    def token() -> str:
        return IdFactory._draw("token", lambda: secrets.token_hex(16))

    # --- persistence: the seeded generator's position survives a restart --------------------------

    def get_state(self) -> Any:
        """The seeded generator's state as JSON-able data (None when ids are not seeded)."""
        if not self._seeded:
            return None
        version, internal, gauss = self._rng.getstate()
        return [version, list(internal), gauss]

    def restarted(self, starts: int) -> None:
        """The ``starts``-th start over a ``--persist`` file: request ids go on from a stream of that
        start's own, so none given before a restart (to a read, which nothing keeps) comes again."""
        self._requests = random.Random(f"{self._seed}:requests:{starts}")

    def set_state(self, value: Any) -> None:
        if value is None or not self._seeded:
            return
        version, internal, gauss = value
        self._rng.setstate((version, tuple(internal), gauss))
