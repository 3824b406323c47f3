"""Webhook deliveries (kept by ``emulator.webhooks``) as tables: one row per delivery, and the
attempts of one delivery with their status code, latency and error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.dashboard import fmt
from emulator.dashboard.forms import replay_form
from emulator.dashboard.html import Child, Markup, el, join
from emulator.dashboard.view import View
from emulator.webhooks.book import FORWARD_KEY, Delivery

HEADERS = ("Delivery", "Event", "To", "Status", "Attempts", "Last answer", "Latency", "Error", "")
ATTEMPT_HEADERS = ("#", "Trigger", "At", "URL", "Status code", "Latency", "Error", "Answer")


def target(view: View, delivery: Delivery) -> Child:
    if delivery.target.key == FORWARD_KEY:
        return join(el("span", {"class": "muted"}, "--forward-to "), delivery.target.url or "")
    return view.id_link(delivery.target.key)


def status(delivery: Delivery) -> Markup:
    outcome = f" ({delivery.outcome})" if delivery.outcome else ""
    return join(fmt.badge(delivery.status), el("span", {"class": "muted small"}, outcome) if outcome else None)


def _last(delivery: Delivery) -> dict[str, Any]:
    return delivery.attempts[-1] if delivery.attempts else {}


def code(value: Any) -> Markup:
    if value is None:
        return el("span", {"class": "muted"}, "—")
    ok = isinstance(value, int) and 200 <= value < 300
    return el("span", {"class": f"badge {'good' if ok else 'bad'}"}, str(value))


def table(view: View, rows: Sequence[Delivery], *, empty: str = "No webhook deliveries yet.") -> Markup:
    if not rows:
        return el("p", {"class": "muted empty"}, empty)
    body = []
    for d in rows:
        last = _last(d)
        body.append(
            el(
                "tr",
                {"data_id": d.id},
                el("td", None, view.id_link(d.id), el("div", {"class": "muted small"}, d.kind)),
                el(
                    "td",
                    None,
                    view.id_link(d.event_id),
                    el("div", {"class": "small"}, el("code", None, d.event_type)),
                ),
                el("td", None, target(view, d)),
                el("td", None, status(d)),
                el("td", {"class": "num"}, str(len(d.attempts))),
                el("td", None, code(last.get("status_code"))),
                el("td", {"class": "num"}, fmt.duration_ms(last.get("duration_ms"))),
                el("td", {"class": "small"}, last.get("error") or ""),
                el("td", None, replay_form(view, d.id, compact=True)),
            )
        )
    head = el("thead", None, el("tr", None, [el("th", None, h) for h in HEADERS]))
    return el("table", {"class": "objects t-deliveries"}, head, el("tbody", None, body))


def attempts_table(delivery: Delivery) -> Markup:
    if not delivery.attempts:
        return el("p", {"class": "muted empty"}, "Not attempted yet.")
    rows = []
    for a in delivery.attempts:
        rows.append(
            el(
                "tr",
                None,
                el("td", {"class": "num"}, str(a.get("attempt", ""))),
                el("td", None, str(a.get("trigger") or "")),
                el(
                    "td",
                    {"class": "nowrap"},
                    fmt.timestamp(int(a["at"])) if isinstance(a.get("at"), (int, float)) else "—",
                ),
                el("td", {"class": "small"}, str(a.get("url") or "—")),
                el("td", None, code(a.get("status_code"))),
                el("td", {"class": "num"}, fmt.duration_ms(a.get("duration_ms"))),
                el("td", {"class": "small"}, str(a.get("error") or "")),
                el("td", None, el("code", {"class": "small"}, str(a.get("response_body") or "")[:300])),
            )
        )
    head = el("thead", None, el("tr", None, [el("th", None, h) for h in ATTEMPT_HEADERS]))
    return el("table", {"class": "objects t-attempts"}, head, el("tbody", None, rows))
