"""One signed POST of an event to a URL, as Stripe sends it. Never raises: failures are results."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from emulator.core import api_changes, jsonutil
from emulator.http.guard import OUTBOUND_HEADER
from emulator.webhooks import self_target, signing

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
MAX_KEPT_BODY = 2000  # characters of a receiver's answer kept for /_emulator/webhooks/deliveries
TIMED_OUT = "timed out after {seconds:g} s"
CANCELED = "canceled: no answer within the decision window"


@dataclass
class Result:
    """What one attempt got back: a status and body, or an error text."""

    started: float
    duration_ms: float
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def record(self, attempt: int, trigger: str, url: str | None) -> dict[str, Any]:
        """The attempt as shown by ``/_emulator/webhooks/deliveries``."""
        return {
            "attempt": attempt,
            "trigger": trigger,
            "url": url,
            "at": round(self.started, 3),
            "duration_ms": round(self.duration_ms, 3),
            "status_code": self.status,
            "error": self.error,
            "response_body": self.body[:MAX_KEPT_BODY].decode("utf-8", "replace") if self.body else None,
        }


def payload(event: dict[str, Any], api_version: str | None = None) -> bytes:
    """The event as the request body (pretty-printed, like Stripe's webhook bodies).

    ``api_version`` is the endpoint's pinned version, if any: Stripe renders each endpoint's
    copy in it, so the delivered copy names it and shows ``data`` as that version does
    (:func:`emulator.core.api_changes.adapt`; the stored event keeps its own)."""
    source = event.get("api_version")
    if api_version and source and api_version != source:
        data = _adapted(event.get("data") or {}, source, api_version)
        event = {**api_changes.event_as_shown(event, api_version), "api_version": api_version, "data": data}
    return jsonutil.dumps_pretty(event)


def _adapted(data: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    obj = _plain(data.get("object"))
    if not isinstance(obj, dict):
        return data
    kind = str(obj.get("object", ""))
    out = {**data, "object": api_changes.adapt(obj, kind, source, target)}
    previous = _plain(data.get("previous_attributes"))
    if isinstance(previous, dict):
        out["previous_attributes"] = api_changes.adapt(previous, kind, source, target)
    return out


def _plain(value: Any) -> Any:
    """An event's snapshot as a dict (stored events keep ``data`` as frozen JSON bytes)."""
    return value.value() if isinstance(value, jsonutil.FrozenJSON) else value


def headers(body: bytes, secret: str, *, realtime_version: str | None = None) -> dict[str, str]:
    """A delivery's headers. A real-time authorization request (``realtime_version``: the version
    its body is rendered in) asks for JSON from 2025-03-31.basil on, as Stripe's changelog says
    ("issuing-json-webhook"); before, and for every other event, Stripe's generic ``Accept``."""
    json_only = realtime_version is not None and api_changes.since(realtime_version, api_changes.REALTIME_JSON_ACCEPT)
    out = {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "no-cache",
        "User-Agent": USER_AGENT,
        "Accept": "application/json" if json_only else "*/*; q=0.5, application/xml",
        "Stripe-Signature": signing.header(body, secret, int(time.time())),
        OUTBOUND_HEADER: "1",  # the control plane of any emulator refuses requests that carry it
    }
    return out


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    hdrs: dict[str, str],
    timeout: float,
    served: Iterable[tuple[str, int]] = (),
) -> Result:
    """POST ``body`` to ``url``, unless ``url`` is this emulator (``served``: where it listens).
    Redirects are never followed: a 3xx answer is a failed attempt like any other non-2xx."""
    started = time.time()
    t0 = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - t0) * 1000

    import httpx  # imported on first use: it costs ~50 ms of start-up

    refused = await self_target.refusal(url, served)
    if refused is not None:
        return Result(started, elapsed(), error=refused)
    try:
        resp = await client.post(url, content=body, headers=hdrs, timeout=timeout, follow_redirects=False)
        content = await resp.aread()
    except httpx.TimeoutException:
        return Result(started, elapsed(), error=TIMED_OUT.format(seconds=timeout))
    except asyncio.CancelledError:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return Result(started, elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
    hdr = {k.lower(): v for k, v in resp.headers.items()}
    return Result(started, elapsed(), status=resp.status_code, headers=hdr, body=content)


async def post_once(
    url: str, body: bytes, hdrs: dict[str, str], timeout: float, served: Iterable[tuple[str, int]] = ()
) -> Result:
    """One POST on its own short-lived connection."""
    import httpx

    async with httpx.AsyncClient() as client:
        return await post(client, url, body, hdrs, timeout, served)
