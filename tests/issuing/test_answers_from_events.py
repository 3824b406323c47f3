"""A create answers with the snapshot its ``*.created`` event took (``Ctx.emit(answer=True)``):
byte for byte the event's ``data.object``, unless the request asks for more (``expand[]``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator import EmulatorServer
from emulator.core.context import Ctx
from tests.support import flows


def _created_event(http: httpx.Client, event_type: str, obj_id: str) -> dict[str, Any]:
    events = http.get("/v1/events", params={"type": event_type, "limit": 100}).json()["data"]
    found: dict[str, Any] = next(e for e in events if e["data"]["object"]["id"] == obj_id)
    return found


def test_a_created_card_and_cardholder_answer_as_their_events_show_them(http: httpx.Client) -> None:
    holder = http.post("/v1/issuing/cardholders", data=flows.minimal_cardholder_form())
    assert holder.status_code == 200, holder.text
    event = _created_event(http, "issuing_cardholder.created", holder.json()["id"])
    assert holder.json() == event["data"]["object"]
    card = http.post(
        "/v1/issuing/cards", data={"cardholder": holder.json()["id"], "currency": "usd", "type": "virtual"}
    )
    assert card.status_code == 200, card.text
    event = _created_event(http, "issuing_card.created", card.json()["id"])
    assert card.content == json.dumps(event["data"]["object"], separators=(",", ":")).encode()


def test_an_expanded_create_is_rendered_for_the_request(http: httpx.Client) -> None:
    holder = http.post("/v1/issuing/cardholders", data=flows.minimal_cardholder_form()).json()
    base = {"cardholder": holder["id"], "currency": "usd", "type": "virtual"}
    old = http.post("/v1/issuing/cards", data=base).json()
    http.post(f"/v1/issuing/cards/{old['id']}", data={"status": "canceled", "cancellation_reason": "lost"})
    card = http.post(
        "/v1/issuing/cards",
        data={**base, "replacement_for": old["id"], "replacement_reason": "lost", "expand[]": "replacement_for"},
    )
    assert card.status_code == 200, card.text
    assert card.json()["replacement_for"]["id"] == old["id"]  # expanded in this answer only
    event = _created_event(http, "issuing_card.created", card.json()["id"])
    assert event["data"]["object"]["replacement_for"] == old["id"]


def test_the_suite_check_notices_an_answer_that_is_not_the_object_as_rendered(
    http: httpx.Client, server: EmulatorServer, api_key: str
) -> None:
    holder = http.post("/v1/issuing/cardholders", data=flows.minimal_cardholder_form()).json()
    api = server.app.api
    platform = server.state.platform(api_key)
    ctx = Ctx(server.state, platform, platform.scope(), api.representation)
    stored = platform.scope().get("issuing.cardholder", holder["id"])
    api._check_answer(ctx, stored, json.dumps(holder, separators=(",", ":")).encode())  # the same: fine
    with pytest.raises(AssertionError):
        api._check_answer(ctx, stored, json.dumps({**holder, "name": "Someone Else"}).encode())
