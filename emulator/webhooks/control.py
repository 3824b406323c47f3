"""``/_emulator/webhooks/...``: see and replay deliveries, tune retries and real-time decisions.

* ``GET /_emulator/webhooks/deliveries`` every delivery of the calling key's platform (all
  platforms without a key), oldest first; filters ``event``, ``endpoint``, ``status``, ``kind``,
  ``type``, ``limit`` (the newest N).
* ``GET /_emulator/webhooks/deliveries/{id}`` one delivery with its attempts (status code,
  response time, error, the receiver's answer).
* ``POST /_emulator/webhooks/deliveries/{id}/replay`` sends it again now and returns it.
* ``GET|POST /_emulator/webhooks/settings`` per platform: ``retry_schedule`` (seconds between
  attempts; ``null`` = the server's), ``rta_timeout_seconds``, ``rta_timeout_approves`` (``null`` = the
  default: 2 s, decline).
  JSON or form body. Everything but the unfiltered list needs the key in ``Authorization``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from emulator.core.state import Platform, PlatformSettings, State
from emulator.http.control_plane import api_key, ascii_int, ascii_number, endpoint, limit_param, read_body, required_key
from emulator.http.errors import StripeError, mask_key
from emulator.http.guard import refuse_cross_site
from emulator.webhooks.book import EXTRA_KEY, Book, book_of
from emulator.webhooks.delivery import DeliveryEngine

NO_SUCH_DELIVERY = "No such webhook delivery: '{id}'"
INVALID_BODY = "Invalid request body: send JSON or a form."
INVALID_SCHEDULE = "Invalid retry_schedule: must be a list of at most {max} numbers between 0 and {top} seconds"
UNKNOWN_SETTING = "Received unknown parameter: {name}"
RTA_SETTINGS = frozenset({"rta_timeout_seconds", "rta_timeout_approves"})
MAX_SCHEDULE = 20
MAX_DELAY = 86_400.0
SETTINGS = ("retry_schedule", "rta_timeout_seconds", "rta_timeout_approves")


class WebhookControl:
    def __init__(self, state: State, engine: DeliveryEngine) -> None:
        self.state = state
        self.engine = engine

    def routes(self) -> list[Route]:
        return [
            Route("/_emulator/webhooks/deliveries", endpoint(self.list_deliveries), methods=["GET"]),
            Route("/_emulator/webhooks/deliveries/{delivery}", endpoint(self.retrieve), methods=["GET"]),
            Route("/_emulator/webhooks/deliveries/{delivery}/replay", endpoint(self.replay), methods=["POST"]),
            Route("/_emulator/webhooks/settings", endpoint(self.settings), methods=["GET", "POST"]),
        ]

    # --- helpers -----------------------------------------------------------------------------------

    def _book(self, key: str) -> Book | None:
        platform = self.state.platforms.get(key)
        book = platform.extra.get(EXTRA_KEY) if platform is not None else None
        return book if isinstance(book, Book) else None

    # --- deliveries --------------------------------------------------------------------------------

    async def list_deliveries(self, request: Request) -> dict[str, Any]:
        key = api_key(request)
        query = request.query_params
        limit = limit_param(request)
        platforms: list[tuple[str, Platform]]
        if key is not None:
            platform = self.state.platforms.get(key)
            platforms = [(key, platform)] if platform is not None else []
        else:
            platforms = list(self.state.platforms.items())
        filters = {
            "event": query.get("event"),
            "endpoint": query.get("endpoint"),
            "status": query.get("status"),
            "kind": query.get("kind"),
            "event_type": query.get("type"),
        }
        out: list[dict[str, Any]] = []
        for platform_key, platform in platforms:
            book = platform.extra.get(EXTRA_KEY)
            if not isinstance(book, Book):
                continue
            for delivery in book.deliveries.values():
                record = delivery.to_json()
                if any(value is not None and record.get(name) != value for name, value in filters.items()):
                    continue
                if key is None:
                    record["platform"] = mask_key(platform_key)
                out.append(record)
        if key is None:
            out.sort(key=lambda r: r["created"])
        if limit is not None:
            out = out[-limit:]
        return {"object": "list", "data": out}

    async def retrieve(self, request: Request) -> dict[str, Any]:
        key = required_key(request)
        delivery_id = request.path_params["delivery"]
        book = self._book(key)
        delivery = book.deliveries.get(delivery_id) if book is not None else None
        if delivery is None:
            raise StripeError(NO_SUCH_DELIVERY.format(id=delivery_id), status=404, code="resource_missing")
        return delivery.to_json()

    async def replay(self, request: Request) -> dict[str, Any]:
        refuse_cross_site(request)
        key = required_key(request)
        delivery_id = request.path_params["delivery"]
        book = self._book(key)
        delivery = book.deliveries.get(delivery_id) if book is not None else None
        if book is None or delivery is None:
            raise StripeError(NO_SUCH_DELIVERY.format(id=delivery_id), status=404, code="resource_missing")
        return await self.engine.replay(book, delivery)

    # --- settings ----------------------------------------------------------------------------------

    def _settings_json(self, platform: Platform | None) -> dict[str, Any]:
        """The platform's settings (the defaults for a platform not made yet)."""
        book = self._book(platform.key) if platform is not None else None
        schedule = self.engine.schedule(book) if book is not None else self.engine.settings.webhook_retry_schedule
        settings = platform.settings if platform is not None else PlatformSettings()
        return {
            "retry_schedule": list(schedule),
            "retry_schedule_overridden": book is not None and book.retry_schedule is not None,
            "rta_timeout_seconds": settings.rta_timeout_seconds,
            "rta_timeout_approves": settings.rta_timeout_approves,
            "forward_to": self.engine.forward.url if self.engine.forward is not None else None,
        }

    async def settings(self, request: Request) -> dict[str, Any]:
        key = required_key(request)
        if request.method != "POST":  # GET or HEAD: a look makes no platform
            return self._settings_json(self.state.platforms.get(key))
        refuse_cross_site(request)
        changes = _read_settings(await read_body(request, INVALID_BODY))
        platform = self.state.platform(key)  # only once the request is known to be good
        _apply(platform, changes)
        return self._settings_json(platform)


def _read_settings(raw: dict[str, Any]) -> dict[str, Any]:
    for name in raw:
        if name not in SETTINGS:
            raise StripeError(UNKNOWN_SETTING.format(name=name), param=name, code="parameter_unknown")
    out: dict[str, Any] = {}
    if "retry_schedule" in raw:
        out["retry_schedule"] = _schedule(raw["retry_schedule"])
    from emulator.platform_settings import parse_changes  # pydantic: imported on first use

    rta = {k: v for k, v in raw.items() if k != "retry_schedule"}
    out.update(parse_changes({k: v for k, v in rta.items() if v is not None and v != ""}, allowed=RTA_SETTINGS))
    defaults = PlatformSettings()
    for name in rta.keys() - out.keys():  # null (JSON) or "" (form): back to the server's default
        out[name] = getattr(defaults, name)
    return out


def _schedule(value: Any) -> tuple[float, ...] | None:
    """A list (JSON), indexed dict or comma-separated string (form) of delays; None/"" = default."""
    if value is None or value == "":
        return None
    items: list[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict) and all(k.isdigit() and ascii_int(k) is not None for k in value):
        items = [v for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
    elif isinstance(value, str):
        items = [p for p in value.split(",") if p.strip()]
    else:
        items = [None]
    delays = [ascii_number(v) for v in items]  # ASCII digits only: not "٣", "1_0" or true
    if len(delays) > MAX_SCHEDULE or any(d is None or not 0 <= d <= MAX_DELAY for d in delays):
        raise StripeError(INVALID_SCHEDULE.format(max=MAX_SCHEDULE, top=MAX_DELAY), param="retry_schedule")
    return tuple(d for d in delays if d is not None)


def _apply(platform: Platform, changes: dict[str, Any]) -> None:
    if "retry_schedule" in changes:
        book_of(platform).retry_schedule = changes["retry_schedule"]
    if "rta_timeout_seconds" in changes:
        platform.settings.rta_timeout_seconds = changes["rta_timeout_seconds"]
    if "rta_timeout_approves" in changes:
        platform.settings.rta_timeout_approves = changes["rta_timeout_approves"]
