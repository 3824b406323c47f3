"""Test clocks (``/v1/test_helpers/test_clocks``): Billing's simulated time, as bare objects.

Stripe attaches customers, subscriptions and quotes to a test clock; the emulator serves none of
those, so a clock here has nothing attached and moving it changes nothing else. What it keeps is
the object's own life, the way Stripe's API reference and Billing docs describe it:

* create: ``frozen_time`` (required, any time, past or future) and ``name``; ``status`` ``ready``;
  ``customer`` (an existing customer to attach) is Stripe's 404: the emulator has no customers;
  ``deletes_after`` is 30 days after ``created``, and the clock is deleted then (on the platform's
  time, like every other thing that falls due), with ``test_helpers.test_clock.deleted``.
* advance: only forward (after the current ``frozen_time``), at most two years ahead (a clock
  without subscriptions). The answer shows the clock ``advancing`` toward the target
  (``status_details.advancing.target_frozen_time``, ``frozen_time`` not yet moved), as Stripe's
  does; with nothing attached the advance has no work, so the clock is ``ready`` at the target
  before the next request (``…advancing`` then ``…ready``).
* delete: gone, ``test_helpers.test_clock.deleted``; an unknown or deleted id is Stripe's 404
  naming the object by its internal name (``No such billingclock``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources.resource import Resource

OBJECT = "test_helpers.test_clock"
URL = "/v1/test_helpers/test_clocks"
NOUN = "billingclock"  # what Stripe's 404 calls a test clock
LIFETIME = 30 * 86_400
LATEST = 253_402_300_799  # 9999-12-31T23:59:59Z
CREATED = "test_helpers.test_clock.created"
ADVANCING = "test_helpers.test_clock.advancing"
READY = "test_helpers.test_clock.ready"
DELETED = "test_helpers.test_clock.deleted"
INVALID_TIME = "Invalid timestamp: must be an integer Unix timestamp."
NOT_FORWARD = "Invalid timestamp: must be after the test clock's current frozen_time ({current})."
TOO_FAR = (
    "Invalid timestamp: a test clock without subscriptions cannot be advanced more than two years "
    "past its current frozen_time ({latest} at the latest)."
)


def _time(value: int) -> int:
    if not 0 <= value <= LATEST:
        raise StripeError(INVALID_TIME, param="frozen_time")
    return value


def two_years_after(when: int) -> int:
    """``when`` two calendar years later (29 February goes to 28 February)."""
    moment = datetime.fromtimestamp(when, UTC)
    try:
        later = moment.replace(year=moment.year + 2)
    except ValueError:
        later = moment.replace(year=moment.year + 2, day=28)
    return int(later.timestamp())


def _get(ctx: Ctx) -> Obj:
    clock_id = ctx.path["test_clock"]
    clock = ctx.scope.get(OBJECT, clock_id)
    if clock is None:
        raise errors.no_such(NOUN, clock_id, param="test_clock")
    return clock


def create(ctx: Ctx) -> Obj:
    params = ctx.params
    if params.get("customer"):
        raise errors.no_such("customer", params["customer"], param="customer")
    clock: Obj = {
        "id": ctx.new_id("clock"),
        "object": OBJECT,
        "created": ctx.now,
        "deletes_after": ctx.now + LIFETIME,
        "frozen_time": _time(params["frozen_time"]),
        "livemode": False,
        "name": params.get("name"),
        "status": "ready",
        "status_details": {},
    }
    ctx.scope.add(clock)
    ctx.platform.agenda.add(clock["deletes_after"], delete_due, ctx.scope.account_id, clock["id"])
    ctx.emit(CREATED, clock, answer=True)
    return clock


def retrieve(ctx: Ctx) -> Obj:
    return _get(ctx)


def advance(ctx: Ctx) -> Obj:
    clock = _get(ctx)
    current = int(clock["frozen_time"])
    target = _time(ctx.params["frozen_time"])
    if target <= current:
        raise StripeError(NOT_FORWARD.format(current=current), param="frozen_time")
    latest = two_years_after(current) if current <= LATEST - 2 * 366 * 86_400 else LATEST
    if target > latest:
        raise StripeError(TOO_FAR.format(latest=latest), param="frozen_time")
    clock["status"] = "advancing"
    clock["status_details"] = {"advancing": {"target_frozen_time": target}}
    # no previous_attributes: Stripe includes them "only in events of type *.updated"
    ctx.emit(ADVANCING, clock)
    answer = ctx.snapshot(clock)
    clock["frozen_time"] = target
    clock["status"] = "ready"
    clock["status_details"] = {}
    ctx.emit(READY, clock)
    return answer


def _remove(ctx: Ctx, clock: Obj) -> Obj:
    ctx.scope.store(OBJECT).remove(clock["id"])
    ctx.platform.index.pop(clock["id"], None)
    ctx.emit(DELETED, clock)
    return {"id": clock["id"], "object": OBJECT, "deleted": True}


def delete(ctx: Ctx) -> Obj:
    return _remove(ctx, _get(ctx))


def delete_due(ctx: Ctx, clock_id: str) -> None:
    """The agenda's work at ``deletes_after``: the clock is deleted unless it is gone already."""
    clock = ctx.scope.get(OBJECT, clock_id)
    if clock is not None:
        _remove(ctx, clock)


def list_all(ctx: Ctx) -> Obj:
    return paginate(ctx.scope.store(OBJECT), URL, ctx.params, noun=NOUN)


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_all),
    route("GET", URL + "/{test_clock}", retrieve),
    route("DELETE", URL + "/{test_clock}", delete),
    route("POST", URL + "/{test_clock}/advance", advance),
]

RESOURCE = Resource(
    OBJECT,
    prefix="clock",
    title="Test clocks",
    routes=ROUTES,
    events=(CREATED, ADVANCING, READY, DELETED),
)
