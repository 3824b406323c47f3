"""Test clocks through the real SDK: create, advance (forward, at most two years), delete, expiry."""

from __future__ import annotations

import calendar
from typing import Any

import httpx
import pytest
import stripe

from emulator.resources import test_clocks

DAY = 86_400
START = 1_577_836_800  # 2020-01-01T00:00:00Z


def _types(client: stripe.StripeClient, clock_id: str) -> list[str]:
    events = client.v1.events.list({"limit": 100}).data
    return [e.type for e in reversed(events) if e.type.startswith("test_helpers.") and e.data.object["id"] == clock_id]


def test_a_clock_is_created_ready_and_listed(client: stripe.StripeClient) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "Annual renewal"})
    assert clock.id.startswith("clock_") and clock.object == "test_helpers.test_clock"
    assert (clock.status, clock.frozen_time, clock.name, clock.livemode) == ("ready", START, "Annual renewal", False)
    assert clock.deletes_after == clock.created + 30 * DAY
    assert clock.status_details.to_dict() == {}
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).to_dict() == clock.to_dict()
    listed = client.v1.test_helpers.test_clocks.list()
    assert [c.id for c in listed.data] == [clock.id] and listed.url == "/v1/test_helpers/test_clocks"
    assert _types(client, clock.id) == ["test_helpers.test_clock.created"]


def test_advance_answers_advancing_then_the_clock_is_ready_at_the_target(client: stripe.StripeClient) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    target = START + 40 * DAY
    moving = client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": target})
    assert moving.status == "advancing" and moving.frozen_time == START
    assert moving.status_details.advancing.target_frozen_time == target
    ready = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert (ready.status, ready.frozen_time, ready.status_details.to_dict()) == ("ready", target, {})
    assert _types(client, clock.id) == [
        "test_helpers.test_clock.created",
        "test_helpers.test_clock.advancing",
        "test_helpers.test_clock.ready",
    ]
    ready_event = client.v1.events.list({"type": "test_helpers.test_clock.ready"}).data[0]
    assert ready_event.data.object["frozen_time"] == target
    assert "previous_attributes" not in ready_event.data  # "only included in events of type *.updated"


@pytest.mark.parametrize(
    ("offset", "fragment"),
    [(0, "must be after"), (-DAY, "must be after"), (2 * 366 * DAY, "two years")],
)
def test_advance_only_goes_forward_and_at_most_two_years(
    client: stripe.StripeClient, offset: int, fragment: str
) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + offset})
    assert raised.value.param == "frozen_time" and fragment in str(raised.value.user_message)
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time == START  # nothing moved


def at(year: int, month: int, day: int) -> int:
    return calendar.timegm((year, month, day, 0, 0, 0))


def test_two_years_is_calendar_years() -> None:
    assert test_clocks.two_years_after(at(2020, 1, 1)) == at(2022, 1, 1)
    assert test_clocks.two_years_after(at(2020, 2, 29)) == at(2022, 2, 28)


def test_exactly_two_years_is_allowed(client: stripe.StripeClient) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": test_clocks.two_years_after(START)})
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time == test_clocks.two_years_after(START)


def test_delete_then_the_clock_is_stripes_billingclock_404(client: stripe.StripeClient) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    deleted = client.v1.test_helpers.test_clocks.delete(clock.id)
    assert deleted.deleted is True and deleted.id == clock.id
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert raised.value.http_status == 404 and raised.value.code == "resource_missing"
    assert str(raised.value.user_message) == f"No such billingclock: '{clock.id}'"
    assert _types(client, clock.id)[-1] == "test_helpers.test_clock.deleted"


def test_bad_times_are_400s(http: httpx.Client) -> None:
    for body in ({"frozen_time": "-1"}, {"frozen_time": "99999999999999"}, {"frozen_time": "soon"}, {}):
        r = http.post("/v1/test_helpers/test_clocks", data=body)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == "frozen_time"
    assert http.get("/v1/test_helpers/test_clocks").json()["data"] == []


def test_a_clock_deletes_itself_after_30_days_of_platform_time(http: httpx.Client) -> None:
    made: dict[str, Any] = http.post("/v1/test_helpers/test_clocks", data={"frozen_time": START}).json()
    assert http.post("/_emulator/clock", data={"advance": 30 * DAY - 1}).status_code == 200
    assert http.get(f"/v1/test_helpers/test_clocks/{made['id']}").status_code == 200
    assert http.post("/_emulator/clock", data={"advance": 1}).status_code == 200
    assert http.get(f"/v1/test_helpers/test_clocks/{made['id']}").status_code == 404
    types = [e["type"] for e in http.get("/v1/events", params={"limit": 10}).json()["data"]]
    assert types[0] == "test_helpers.test_clock.deleted"
