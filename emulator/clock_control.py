"""``GET|POST /_emulator/clock``: each platform's time (the key in ``Authorization`` names it).

* ``GET`` (and ``HEAD``, without the body) answers ``{"now", "offset", "frozen"}``: the platform's time in unix seconds, how far
  it is ahead of the server's clock, and whether it is frozen.
* ``POST`` (form or JSON body) with ``advance=<seconds>`` (> 0) or ``to=<unix seconds>`` (not in
  the platform's past) moves the platform's time forward, and with ``freeze=true|false`` stops or
  restarts it. The answer comes once everything that fell due has happened
  (:meth:`emulator.timekeeping.Timekeeper.move`). Bad input is a Stripe-shaped 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.core.state import Platform, State
from emulator.http.control_plane import ascii_int, endpoint, read_body, reading, required_key
from emulator.http.errors import StripeError
from emulator.http.guard import refuse_cross_site

if TYPE_CHECKING:
    from emulator.timekeeping import Timekeeper

PATH = "/_emulator/clock"
MAX_TIME = 32503680000  # 3000-01-01T00:00:00Z: the platform's time stays below it
PARAMS = ("advance", "to", "freeze")

UNKNOWN = "Received unknown parameter: {name}"
NOTHING = "Send advance=<seconds>, to=<unix seconds> or freeze=true|false."
EXCLUSIVE = "You may only specify one of these parameters: advance, to."
NOT_INTEGER = "Invalid integer: {value}"
NOT_POSITIVE = "advance must be a positive number of seconds; the clock only moves forward."
IN_THE_PAST = (
    "The clock only moves forward: to ({to}) is before this platform's current time ({now}). "
    "Reset the platform (POST /_emulator/reset) to start again from the present."
)
TOO_FAR = "The clock cannot be moved to or beyond {limit} (3000-01-01T00:00:00Z)."
NOT_BOOLEAN = "Invalid boolean: {value}"


@dataclass(frozen=True)
class Move:
    """A checked clock request: where to move (None: stay) and the frozen switch (None: keep)."""

    to: int | None
    freeze: bool | None


def _integer(value: Any, param: str) -> int:
    number = ascii_int(value)
    if number is not None:
        return number
    if isinstance(value, bool):
        value = str(value).lower()
    shown = value if isinstance(value, (str, int, float)) else type(value).__name__
    raise StripeError(NOT_INTEGER.format(value=str(shown)[:100]), param=param, code="parameter_invalid_integer")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    shown = value if isinstance(value, (str, int, float)) else type(value).__name__
    raise StripeError(NOT_BOOLEAN.format(value=str(shown)[:100]), param="freeze", code="parameter_invalid_boolean")


def parse_move(body: dict[str, Any], now: int) -> Move:
    """Check a clock request's parameters against the platform's time ``now``."""
    for name in body:
        if name not in PARAMS:
            raise StripeError(UNKNOWN.format(name=str(name)[:100]), param=str(name)[:100], code="parameter_unknown")
    given = {name: body[name] for name in PARAMS if body.get(name) not in (None, "")}
    if not given:
        raise StripeError(NOTHING, code="parameter_missing")
    if "advance" in given and "to" in given:
        raise StripeError(EXCLUSIVE, param="to", code="parameters_exclusive")
    to: int | None = None
    if "advance" in given:
        seconds = _integer(given["advance"], "advance")
        if seconds <= 0:
            raise StripeError(NOT_POSITIVE, param="advance", code="parameter_invalid_integer")
        to, param = now + seconds, "advance"
    elif "to" in given:
        to, param = _integer(given["to"], "to"), "to"
        if to < now:
            raise StripeError(IN_THE_PAST.format(to=to, now=now), param="to", code="parameter_invalid_integer")
    if to is not None and to >= MAX_TIME:
        raise StripeError(TOO_FAR.format(limit=MAX_TIME), param=param, code="parameter_invalid_integer")
    freeze = _boolean(given["freeze"]) if "freeze" in given else None
    return Move(to, freeze)


def clock_json(state: State, platform: Platform | None) -> dict[str, Any]:
    if platform is None:
        return {"now": state.clock.now(), "offset": 0, "frozen": False}
    now = platform.now()
    return {"now": now, "offset": now - int(state.clock.time()), "frozen": platform.clock.frozen}


async def apply_move(timekeeper: Timekeeper, platform: Platform, move: Move) -> None:
    """Freeze first (a frozen clock then jumps and stays), move, restart last; then let what is
    due happen. A restart alone also wakes the webhook retries."""
    if move.freeze is True:
        platform.clock.freeze()
    if move.freeze is False:
        platform.clock.unfreeze()
    await timekeeper.move(platform, move.to if move.to is not None else platform.now())


class ClockControl:
    def __init__(self, state: State, timekeeper: Timekeeper) -> None:
        self.state = state
        self.timekeeper = timekeeper

    def routes(self) -> list[Route]:
        return [Route(PATH, endpoint(self.clock), methods=["GET", "POST"])]

    async def clock(self, request: Request) -> dict[str, Any]:
        key = required_key(request)
        if reading(request):  # GET, and HEAD (the same answer without its body): never a move
            return clock_json(self.state, self.state.platforms.get(key))
        refuse_cross_site(request)
        body = await read_body(request)
        existing = self.state.platforms.get(key)
        move = parse_move(body, existing.now() if existing is not None else self.state.clock.now())
        platform = self.state.platform(key)  # only once the request is known to be good
        await apply_move(self.timekeeper, platform, move)
        return clock_json(self.state, platform)
