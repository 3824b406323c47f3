"""A platform's webhook book-keeping: delivery records, per-endpoint queues of first attempts and
lists of deliveries waiting for a retry, waiting decisions.

Kept in ``platform.extra["webhooks"]``, so resetting a platform drops it with everything else.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.core.state import Platform, Scope
from emulator.core.store import Obj

EXTRA_KEY = "webhooks"
MAX_RECORDS = 5000  # finished delivery records kept per platform (oldest dropped first)
FORWARD_KEY = "forward"

Status = Literal["pending", "succeeded", "failed"]


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: an endpoint of ``owner`` or (``owner`` None) the --forward-to URL."""

    key: str  # queue key: the endpoint id, or "forward"
    owner: Scope | None = None
    url: str | None = None  # fixed URL (forward target); endpoints are read at each attempt
    secret: str | None = None


@dataclass
class Delivery:
    """One event's delivery to one target. It keeps the event's id and the scope that stores it, not
    the event dict: a delivery outlives its request by minutes (retries), and the store may pack
    the event meanwhile (the holders' contract in :mod:`emulator.core.packing`)."""

    id: str
    event_id: str
    event_type: str
    account: str | None  # the event's connected account (None: the platform's own)
    scope: Scope  # where the event is stored
    target: Target
    kind: Literal["event", "realtime"]
    created: float
    counts: bool  # counted in the event's pending_webhooks
    status: Status = "pending"
    attempts: list[dict[str, Any]] = field(default_factory=list)
    next_attempt_at: float | None = None
    automatic_attempts: int = 0
    outcome: str | None = None  # real-time decision outcome

    @property
    def event(self) -> Obj:
        """The event as stored now (fetched at each use; a placeholder once its platform was reset)."""
        found = self.scope.get("event", self.event_id)
        return found if found is not None else {"id": self.event_id, "object": "event", "type": self.event_type}

    def succeed(self) -> None:
        if self.status != "succeeded" and self.counts:
            self.event["pending_webhooks"] = max(0, int(self.event.get("pending_webhooks", 0)) - 1)
        self.status = "succeeded"
        self.next_attempt_at = None

    def fail(self) -> None:
        if self.status == "pending":
            self.status = "failed"
        self.next_attempt_at = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "emulator.webhook_delivery",
            "kind": self.kind,
            "event": self.event_id,
            "event_type": self.event_type,
            "account": self.account,
            "endpoint": None if self.target.key == FORWARD_KEY else self.target.key,
            "forward": self.target.key == FORWARD_KEY,
            "url": self.target.url,
            "status": self.status,
            "outcome": self.outcome,
            "created": round(self.created, 3),
            "next_attempt_at": round(self.next_attempt_at, 3) if self.next_attempt_at else None,
            "attempts": list(self.attempts),
        }


@dataclass
class Waiter:
    """A real-time decision waiting for ``/approve`` or ``/decline`` on an authorization."""

    account: str
    controllable: bool
    future: asyncio.Future[Any]


class Book:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.deliveries: OrderedDict[str, Delivery] = OrderedDict()
        self.queues: dict[str, deque[Delivery]] = {}  # per endpoint: not attempted yet, in event order
        self.retries: dict[str, list[Delivery]] = {}  # per endpoint: attempted, waiting for the next attempt
        self.workers: dict[str, asyncio.Task[None]] = {}
        self.wake: dict[str, asyncio.Event] = {}
        self.waiters: dict[str, list[Waiter]] = {}
        self.background: set[asyncio.Task[Any]] = set()
        self.retry_schedule: tuple[float, ...] | None = None  # per-platform override
        self.seq = 0

    @property
    def alive(self) -> bool:
        """False once the platform was reset (its workers then stop)."""
        return self.platform.state.platforms.get(self.platform.key) is self.platform

    def new_delivery(
        self,
        event: Obj,
        scope: Scope,
        target: Target,
        now: float,
        *,
        kind: Literal["event", "realtime"] = "event",
        counts: bool,
    ) -> Delivery:
        """A delivery of ``event`` (stored in ``scope``) to ``target``."""
        self.seq += 1
        delivery = Delivery(
            f"whdel_{self.seq:08d}", event["id"], event["type"], event.get("account"), scope, target, kind, now, counts
        )
        self.deliveries[delivery.id] = delivery
        self._prune()
        return delivery

    def _prune(self) -> None:
        if len(self.deliveries) <= MAX_RECORDS:
            return
        for delivery_id in list(self.deliveries):
            if len(self.deliveries) <= MAX_RECORDS:
                break
            if self.deliveries[delivery_id].status != "pending":
                del self.deliveries[delivery_id]

    def queue(self, key: str) -> deque[Delivery]:
        q = self.queues.get(key)
        if q is None:
            q = self.queues[key] = deque()
        return q

    def retrying(self, key: str) -> list[Delivery]:
        waiting = self.retries.get(key)
        if waiting is None:
            waiting = self.retries[key] = []
        return waiting

    def wake_event(self, key: str) -> asyncio.Event:
        ev = self.wake.get(key)
        if ev is None:
            ev = self.wake[key] = asyncio.Event()
        return ev

    def keep(self, task: asyncio.Task[Any]) -> None:
        """Hold a strong reference to a background task until it ends."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    # --- real-time waiters --------------------------------------------------------------------

    def add_waiter(self, authorization_id: str, waiter: Waiter) -> None:
        self.waiters.setdefault(authorization_id, []).append(waiter)

    def remove_waiter(self, authorization_id: str, waiter: Waiter) -> None:
        waiting = self.waiters.get(authorization_id)
        if waiting is None:
            return
        if waiter in waiting:
            waiting.remove(waiter)
        if not waiting:
            del self.waiters[authorization_id]

    def open_waiter(self, authorization_id: str, account: str) -> Waiter | None:
        for waiter in self.waiters.get(authorization_id, ()):
            if waiter.account == account and not waiter.future.done():
                return waiter
        return None


def book_of(platform: Platform) -> Book:
    book = platform.extra.get(EXTRA_KEY)
    if not isinstance(book, Book):
        book = platform.extra[EXTRA_KEY] = Book(platform)
    return book
