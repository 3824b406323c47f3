"""Asynchronous, retried delivery of events to webhook endpoints.

The engine listens to every new event (``State.event_listeners``). For each endpoint that
should hear the event (see ``routing``) it records a delivery, counts it in the event's
``pending_webhooks`` and appends it to that endpoint's queue of first attempts. One worker task
per endpoint sends, signed, one attempt at a time: first attempts in the order the events
happened. A 2xx answer delivers it (``pending_webhooks`` counts down); anything else puts the
delivery aside until the next delay of the retry schedule has passed on the platform's clock,
and later events go on meanwhile (as at Stripe, which does not order deliveries). A retry that
is due is sent before any first attempt still waiting, so a frozen platform clock holds back
the retries only. After the last delay the delivery is ``failed``;
``/_emulator/webhooks/deliveries/{id}/replay`` sends it again on demand. Nothing here runs inside
the API request: the listener only schedules work on the server's event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

from emulator.core.state import Platform, Scope, State
from emulator.core.store import Obj
from emulator.settings import Settings
from emulator.webhooks import routing, transport
from emulator.webhooks.book import EXTRA_KEY, FORWARD_KEY, Book, Delivery, Target, book_of
from emulator.webhooks.forward import ForwardTarget, from_settings

ASYNC_TIMEOUT = 10.0  # seconds a receiver has to answer one asynchronous delivery
CATCH_UP_POLL = 0.01  # seconds between looks while a clock move waits for due retries
CATCH_UP_SLACK = 2.0  # beyond ASYNC_TIMEOUT without any attempt: a clock move stops waiting
ENDPOINT_GONE = "the webhook endpoint no longer exists"
ENDPOINT_DISABLED = "the webhook endpoint is disabled"
NO_SECRET = "the webhook endpoint has no signing secret"


class Recorder(Protocol):
    """Keeps endpoint deliveries that are not delivered yet across restarts (``--persist``)."""

    def created(self, book: Book, delivery: Delivery) -> None: ...

    def changed(self, book: Book, delivery: Delivery) -> None: ...


class DeliveryEngine:
    def __init__(self, state: State, settings: Settings) -> None:
        self.state = state
        self.settings = settings
        self.forward: ForwardTarget | None = from_settings(settings)
        self.books: set[Book] = set()
        self.recorder: Recorder | None = None

    def install(self) -> None:
        """Listen to the state's events (once, however many times it is called)."""
        if self.on_event not in self.state.event_listeners:
            self.state.event_listeners.append(self.on_event)

    def schedule(self, book: Book) -> tuple[float, ...]:
        return book.retry_schedule if book.retry_schedule is not None else self.settings.webhook_retry_schedule

    # --- new events ------------------------------------------------------------------------------

    def on_event(self, platform: Platform, scope: Scope, event: Obj) -> None:
        if self.forward is None and not routing.may_have_endpoints(platform, scope):
            return  # nobody listens (``pending_webhooks`` stays 0)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # not serving (start-up replay, direct calls): nothing is delivered
        targets: list[tuple[Target, bool]] = []
        if event["type"] != routing.REALTIME_EVENT:  # that one is sent synchronously by ``realtime``
            for owner, endpoint in routing.endpoints_for(platform, scope, event["type"]):
                targets.append((Target(endpoint["id"], owner, endpoint["url"]), True))
        event["pending_webhooks"] = len(targets)
        if self.forward is not None:
            targets.append((Target(FORWARD_KEY, None, self.forward.url, self.forward.secret), False))
        if not targets:
            return
        book = book_of(platform)
        self.books.add(book)
        now = time.time()
        for target, counts in targets:
            delivery = book.new_delivery(event, scope, target, now, counts=counts)
            if counts and self.recorder is not None:
                self.recorder.created(book, delivery)
            self._enqueue(book, delivery)

    def resume(self, book: Book, delivery: Delivery) -> None:
        """Queue a delivery restored after a restart (its attempts go on where they stopped)."""
        self.books.add(book)
        self._enqueue(book, delivery)

    def _enqueue(self, book: Book, delivery: Delivery) -> None:
        """A delivery never attempted joins its endpoint's first attempts; one attempted before (restored)
        waits for its retry. The endpoint's worker is woken, or started if none runs."""
        key = delivery.target.key
        if delivery.automatic_attempts or delivery.next_attempt_at is not None:
            book.retrying(key).append(delivery)
        else:
            book.queue(key).append(delivery)
        book.wake_event(key).set()
        self._ensure_worker(book, key)

    def _ensure_worker(self, book: Book, key: str) -> None:
        task = book.workers.get(key)
        if task is None or task.done():
            loop = asyncio.get_running_loop()
            book.workers[key] = loop.create_task(self._work(book, key), name=f"webhooks:{key}")

    # --- the per-endpoint worker -------------------------------------------------------------------

    async def _work(self, book: Book, key: str) -> None:
        queue = book.queue(key)
        retries = book.retrying(key)
        wake = book.wake_event(key)
        clock = book.platform.clock
        import httpx  # imported on first delivery: it costs ~50 ms of start-up

        while True:
            async with httpx.AsyncClient() as client:
                while book.alive:
                    wake.clear()  # before looking: an event queued, a replay or a clock move after this sets it
                    delivery = _next(queue, retries, clock.wall())
                    if delivery is not None:
                        await self._send(book, client, delivery)
                        continue
                    if not retries:
                        break
                    # every retry is due later: wait for the soonest, or for news (never by itself while frozen)
                    soonest = min(d.next_attempt_at or 0.0 for d in retries)
                    timeout = None if clock.frozen else max(soonest - clock.wall(), 0.0)
                    try:
                        await asyncio.wait_for(wake.wait(), timeout=timeout)
                    except TimeoutError:
                        pass
            # no await from here on: an event queued now finds this worker gone and starts another
            if (queue or retries) and book.alive:
                continue
            if book.workers.get(key) is asyncio.current_task():
                del book.workers[key]
            return

    async def _send(self, book: Book, client: httpx.AsyncClient, delivery: Delivery) -> None:
        """One automatic attempt; if it did not settle the delivery, its next attempt's due time."""
        clock = book.platform.clock
        due = delivery.next_attempt_at
        started = clock.wall()
        await self.attempt(client, delivery, "automatic")
        schedule = self.schedule(book)
        if delivery.status == "pending" and delivery.automatic_attempts > len(schedule):
            delivery.fail()
        if delivery.status == "pending":
            # the next retry is due ``delay`` after this attempt, on the platform's clock: after a
            # jump of that clock, an attempt that was due at T counts from T (retries catch up)
            took = max(clock.wall() - started, 0.0)
            base = (due if due is not None and due < started else started) + took
            delivery.next_attempt_at = base + schedule[delivery.automatic_attempts - 1]
        self._changed(book, delivery)

    # --- the platform's clock moved ------------------------------------------------------------------

    def _wake_behind(self, book: Book, until: float) -> int:
        """Endpoints with a first attempt to make or a retry due at or before ``until`` (their workers
        started if none runs). Every worker is woken: one that began waiting on a frozen clock has
        no timeout, and a clock that runs again must give it one."""
        behind = 0
        for key in book.queues.keys() | book.retries.keys():
            book.wake_event(key).set()
            if any(d.status == "pending" for d in book.queues.get(key, ())) or any(
                _is_due(d, until) for d in book.retries.get(key, ())
            ):
                behind += 1
                self._ensure_worker(book, key)
        return behind

    def catch_up(self, platform: Platform, now: int) -> Awaitable[None] | None:
        """After ``platform``'s time jumped: attempt every delivery whose retry fell due, with the first
        attempts still queued, and return once none due by the new time is left (or, should a
        receiver hang, once no attempt was made for longer than one attempt may take). None when
        nothing is queued: the move then waits for nothing."""
        book = platform.extra.get(EXTRA_KEY)
        if not isinstance(book, Book) or not (book.queues or book.retries):
            return None
        return self._catch_up(book, platform)

    async def _catch_up(self, book: Book, platform: Platform) -> None:
        until = platform.clock.wall()
        loop = asyncio.get_running_loop()
        attempts = -1
        progress_at = loop.time()
        while book.alive and self._wake_behind(book, until):
            made = sum(len(d.attempts) for q in (*book.queues.values(), *book.retries.values()) for d in q)
            if made != attempts:
                attempts, progress_at = made, loop.time()
            elif loop.time() - progress_at > ASYNC_TIMEOUT + CATCH_UP_SLACK:
                return
            await asyncio.sleep(CATCH_UP_POLL)

    # --- one attempt -------------------------------------------------------------------------------

    def _resolve(self, delivery: Delivery) -> tuple[str, str, str | None] | str:
        """(url, secret, pinned api_version) to send to now, or why the delivery cannot be sent."""
        target = delivery.target
        if target.owner is None:
            assert target.url is not None and target.secret is not None
            return target.url, target.secret, None
        endpoint = target.owner.get(routing.WEBHOOK_ENDPOINT, target.key)
        if endpoint is None:
            return ENDPOINT_GONE
        if endpoint.get("status") != "enabled":
            return ENDPOINT_DISABLED
        secret = routing.secret_of(target.owner, target.key)
        if secret is None:
            return NO_SECRET
        return endpoint["url"], secret, endpoint.get("api_version")

    async def attempt(self, client: httpx.AsyncClient, delivery: Delivery, trigger: str) -> None:
        """Send ``delivery`` once and record the attempt; a 2xx answer delivers it."""
        if trigger == "automatic":
            delivery.automatic_attempts += 1
        resolved = self._resolve(delivery)
        if isinstance(resolved, str):
            now = time.time()
            delivery.attempts.append(
                transport.Result(now, 0.0, error=resolved).record(len(delivery.attempts) + 1, trigger, None)
            )
            if trigger == "automatic":
                delivery.fail()
            return
        url, secret, api_version = resolved
        body = transport.payload(delivery.event, api_version)
        version = (api_version or delivery.event["api_version"]) if delivery.kind == "realtime" else None
        hdrs = transport.headers(body, secret, realtime_version=version)
        result = await transport.post(client, url, body, hdrs, ASYNC_TIMEOUT, self.state.served)
        delivery.attempts.append(result.record(len(delivery.attempts) + 1, trigger, url))
        if result.ok:
            delivery.succeed()

    async def replay(self, book: Book, delivery: Delivery) -> dict[str, Any]:
        """Send a delivery again now (whatever its status) and return its record."""
        import httpx

        async with httpx.AsyncClient() as client:
            await self.attempt(client, delivery, "replay")
        self._changed(book, delivery)
        if delivery.status == "succeeded":
            book.wake_event(delivery.target.key).set()  # a worker waiting to retry it moves on
        return delivery.to_json()

    def _changed(self, book: Book, delivery: Delivery) -> None:
        if delivery.counts and delivery.kind == "event" and self.recorder is not None:
            self.recorder.changed(book, delivery)

    # --- reset ---------------------------------------------------------------------------------------

    def on_reset(self, key: str | None) -> None:
        """Stop the workers of platforms that were reset."""
        for book in list(self.books):
            if book.alive:
                continue
            self.books.discard(book)
            for task in (*book.workers.values(), *book.background):
                task.cancel()
            book.workers.clear()


def _is_due(delivery: Delivery, now: float) -> bool:
    """Pending, and its next attempt is due by ``now`` (a restored delivery without a time: at once)."""
    due = delivery.next_attempt_at
    return delivery.status == "pending" and (due is None or due <= now)


def _next(queue: deque[Delivery], retries: list[Delivery], now: float) -> Delivery | None:
    """What an endpoint's worker sends now: the retry due longest ago, else the oldest first attempt
    (which then waits among the retries). Settled deliveries are dropped on the way."""
    retries[:] = [d for d in retries if d.status == "pending"]
    due = [d for d in retries if _is_due(d, now)]
    if due:
        return min(due, key=lambda d: d.next_attempt_at or 0.0)
    while queue:
        delivery = queue.popleft()
        if delivery.status == "pending":
            retries.append(delivery)  # counted by a clock move while it is being attempted
            return delivery
    return None
