"""``/_emulator/clock``: each platform's time moves forward on demand, and what falls due happens.

Driven like a user would: the real SDK over a socket, the clock endpoint over HTTP.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.pytest_plugin import EmulatorError, StripeEmulator
from emulator.settings import Settings
from tests.support import flows, issuing_flows
from tests.support.issuing_flows import Spender
from tests.support.node import run_node, steps_of
from tests.support.receiver import Receiver, json_answer

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

DAY = 24 * 3600


def move(http: httpx.Client, **params: Any) -> dict[str, Any]:
    r = http.post("/_emulator/clock", data={k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def clock(http: httpx.Client) -> dict[str, Any]:
    r = http.get("/_emulator/clock")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def spender(client: stripe.StripeClient) -> Spender:
    return issuing_flows.spender(client)


def other_http(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer sk_test_{uuid.uuid4().hex}"})


# --- the endpoint ------------------------------------------------------------------------------------


def test_a_new_platform_runs_on_the_servers_clock(http: httpx.Client) -> None:
    body = clock(http)
    assert set(body) == {"now", "offset", "frozen"}
    assert abs(body["now"] - time.time()) < 5
    assert (body["offset"], body["frozen"]) == (0, False)


def test_advance_and_to_move_forward(http: httpx.Client) -> None:
    start = clock(http)["now"]
    moved = move(http, advance=3600)
    assert moved["now"] - start in range(3600, 3605) and moved["offset"] in range(3599, 3602)
    target = moved["now"] + 10 * DAY
    assert move(http, to=target)["now"] in range(target, target + 3)
    assert http.post("/_emulator/clock", json={"advance": 60}).json()["now"] >= target + 60  # JSON bodies too


def test_freeze_stops_the_clock(client: stripe.StripeClient, http: httpx.Client) -> None:
    frozen = move(http, freeze=True)
    assert frozen["frozen"] is True
    time.sleep(1.1)
    assert clock(http)["now"] == frozen["now"]
    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params())  # type: ignore[arg-type]
    assert holder.created == frozen["now"]
    assert move(http, advance=DAY)["now"] == frozen["now"] + DAY  # a frozen clock moves exactly
    later = move(http, freeze=False)
    assert later["frozen"] is False and later["now"] >= frozen["now"] + DAY
    time.sleep(1.1)
    assert clock(http)["now"] > later["now"]


def test_platforms_keep_their_own_time(server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client) -> None:
    with other_http(server) as other:
        mine = move(http, advance=30 * DAY)["now"]
        theirs = clock(other)["now"]
        assert mine - theirs >= 30 * DAY - 2
        assert abs(theirs - time.time()) < 5
        fa_mine = client.v1.treasury.financial_accounts.create({"supported_currencies": ["usd"], "features": {}})
        assert fa_mine.created >= mine
        fa_theirs = other.post("/v1/treasury/financial_accounts", data={"supported_currencies[]": "usd"}).json()
        assert abs(fa_theirs["created"] - time.time()) < 5
        event = client.v1.events.list({"limit": 1}).data[0]
        assert event.created >= mine


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"advance": "0"}, "advance"),
        ({"advance": "-5"}, "advance"),
        ({"advance": "soon"}, "advance"),
        ({"advance": "1.5"}, "advance"),
        ({"advance": "99999999999999999999"}, "advance"),
        ({"to": "1000"}, "to"),
        ({"to": "tomorrow"}, "to"),
        ({"advance": "10", "to": str(int(time.time()) + 10**6)}, "to"),
        ({"freeze": "maybe"}, "freeze"),
        ({"speed": "2"}, "speed"),
        ({}, None),
    ],
)
def test_bad_input_is_a_stripe_400(http: httpx.Client, params: dict[str, str], param: str | None) -> None:
    before = clock(http)
    r = http.post("/_emulator/clock", data=params)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    assert error.get("param") == param and error.get("code")  # every refusal has its code (docs)
    after = clock(http)
    assert after["now"] - before["now"] < 3 and after["frozen"] == before["frozen"]  # nothing moved


@pytest.mark.parametrize(
    "body", [b"[1, 2]", b'{"advance": true}', b'{"advance": [1]}', b'{"to": {"a": 1}}', b"{", b'{"advance": 1e400}']
)
def test_bad_json_is_a_stripe_400(http: httpx.Client, body: bytes) -> None:
    r = http.post("/_emulator/clock", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_the_key_is_required(server: EmulatorServer) -> None:
    assert httpx.get(server.url + "/_emulator/clock").status_code == 401
    assert httpx.post(server.url + "/_emulator/clock", data={"advance": "10"}).status_code == 401


def test_other_sites_cannot_move_the_clock(http: httpx.Client) -> None:
    r = http.post("/_emulator/clock", data={"advance": "10"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert clock(http)["offset"] == 0


# --- what falls due ----------------------------------------------------------------------------------


def test_authorization_expires_after_seven_days(spender: Spender, http: httpx.Client) -> None:
    s = spender
    auth = s.authorize(1000)
    hotel = s.authorize(2000, merchant_data={"category": "hotels_motels_and_resorts"})
    captured = s.authorize(500)
    s.client.v1.test_helpers.issuing.authorizations.capture(captured.id, options=s.opts)
    assert s.balance() == {"cash": 46_500, "inbound_pending": 0, "outbound_pending": 3000}
    move(http, advance=6 * DAY)
    assert s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts).status == "pending"
    move(http, advance=2 * DAY)  # 8 days after the purchase
    out = s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts)
    assert out.status == "expired"
    old = http.get(
        f"/v1/issuing/authorizations/{auth.id}", headers={"Stripe-Account": s.account, "Stripe-Version": "2024-06-20"}
    )
    assert old.json()["status"] == "reversed"
    assert s.balance() == {"cash": 47_500, "inbound_pending": 0, "outbound_pending": 2000}  # the hold came back
    updates = s.client.v1.events.list({"type": "issuing_authorization.updated"}, s.opts).data
    expired = [e for e in updates if e.data.object["id"] == auth.id]
    assert len(expired) == 1
    assert expired[0].created == auth.created + 7 * DAY  # it happened when it fell due
    assert expired[0].data.object["status"] == "expired"
    assert expired[0].data.previous_attributes["status"] == "pending"
    assert s.client.v1.issuing.authorizations.retrieve(hotel.id, options=s.opts).status == "pending"
    assert s.client.v1.issuing.authorizations.retrieve(captured.id, options=s.opts).status == "closed"
    move(http, advance=24 * DAY)  # 32 days: hotels hold up to 31
    assert s.client.v1.issuing.authorizations.retrieve(hotel.id, options=s.opts).status == "expired"
    assert s.balance() == {"cash": 49_500, "inbound_pending": 0, "outbound_pending": 0}
    trxns = s.client.v1.treasury.transactions.list({"financial_account": s.fa}, s.opts).data
    assert all(t.status != "open" for t in trxns)


@pytest.mark.parametrize("category", ["hotels_motels_and_resorts", "car_rental_agencies", "airlines_air_carriers"])
def test_lodging_car_rental_and_airlines_hold_for_31_days(spender: Spender, http: httpx.Client, category: str) -> None:
    """Stripe's transactions guide: "hotels, airlines, and car rental companies are able to capture
    up to 31 days after authorization"."""
    s = spender
    auth = s.authorize(1000, merchant_data={"category": category})
    move(http, advance=30 * DAY)
    assert s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts).status == "pending"
    move(http, advance=2 * DAY)
    assert s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts).status == "expired"


def test_expiry_happens_on_the_next_request_as_real_time_passes(spender: Spender, http: httpx.Client) -> None:
    s = spender
    move(http, freeze=True)
    auth = s.authorize(1000)
    move(http, advance=7 * DAY - 1)
    assert s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts).status == "pending"
    move(http, freeze=False)  # time runs again: one more second of it makes the authorization due
    time.sleep(1.2)
    assert s.client.v1.issuing.authorizations.retrieve(auth.id, options=s.opts).status == "expired"


def _next_midnight(now: int) -> int:
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).date() + dt.timedelta(days=1)
    return calendar.timegm(day.timetuple())


def test_daily_spending_limit_resets_after_midnight_utc(spender: Spender, http: httpx.Client) -> None:
    s = spender
    card = s.new_card(spending_controls={"spending_limits": [{"amount": 1000, "interval": "daily"}]})
    th = s.client.v1.test_helpers.issuing.authorizations
    midnight = _next_midnight(clock(http)["now"] + 3700)  # an hour before it is still ahead (23:xx UTC runs)
    move(http, to=midnight - 3600)
    assert th.create({"card": card, "amount": 800}, s.opts).approved
    late = th.create({"card": card, "amount": 300}, s.opts)
    assert not late.approved and late.request_history[0].reason == "spending_controls"
    move(http, to=midnight + 60)
    assert th.create({"card": card, "amount": 300}, s.opts).approved  # a new day, a new window


@pytest.mark.parametrize("interval", ["weekly", "monthly", "yearly"])
def test_longer_windows_roll_over_at_their_start(spender: Spender, http: httpx.Client, interval: str) -> None:
    s = spender
    card = s.new_card(spending_controls={"spending_limits": [{"amount": 1000, "interval": interval}]})
    th = s.client.v1.test_helpers.issuing.authorizations
    today = dt.datetime.fromtimestamp(clock(http)["now"], tz=dt.UTC).replace(hour=0, minute=0, second=0)
    if interval == "weekly":  # weeks start on Sunday
        start = today + dt.timedelta(days=(6 - today.weekday()) % 7 or 7)
    elif interval == "monthly":
        start = dt.datetime(today.year + (today.month == 12), today.month % 12 + 1, 1, tzinfo=dt.UTC)
    else:
        start = dt.datetime(today.year + 1, 1, 1, tzinfo=dt.UTC)
    boundary = int(start.timestamp())
    move(http, to=boundary - 12 * 3600)
    assert th.create({"card": card, "amount": 900}, s.opts).approved
    assert not th.create({"card": card, "amount": 200}, s.opts).approved
    move(http, to=boundary + 60)
    assert th.create({"card": card, "amount": 200}, s.opts).approved
    assert not th.create({"card": card, "amount": 900}, s.opts).approved  # 200 + 900 > 1000 in the new window


def test_card_expires_at_the_end_of_its_month(spender: Spender, http: httpx.Client) -> None:
    s = spender
    card = s.client.v1.issuing.cards.retrieve(s.card, options=s.opts)
    last_day = calendar.monthrange(card.exp_year, card.exp_month)[1]
    end = calendar.timegm((card.exp_year, card.exp_month, last_day, 23, 0, 0))
    move(http, to=end)
    ok = s.authorize(10)
    assert ok.approved
    s.client.v1.test_helpers.issuing.authorizations.reverse(ok.id, options=s.opts)
    move(http, advance=2 * 3600)  # into the next month
    late = s.authorize(10)
    assert not late.approved and late.request_history[0].reason == "card_expired"


def test_unsubmitted_dispute_expires_after_110_days(spender: Spender, http: httpx.Client) -> None:
    s = spender
    auth = s.authorize(1000)
    captured = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts)
    tx = captured.transactions[0]
    tx_id = tx if isinstance(tx, str) else tx.id
    dispute = s.client.v1.issuing.disputes.create({"transaction": tx_id}, s.opts)
    move(http, advance=100 * DAY)
    assert s.client.v1.issuing.disputes.retrieve(dispute.id, options=s.opts).status == "unsubmitted"
    move(http, advance=11 * DAY)
    closed = s.client.v1.events.list({"type": "issuing_dispute.closed"}, s.opts).data
    assert [e.data.object["status"] for e in closed] == ["expired"]
    assert s.client.v1.issuing.disputes.retrieve(dispute.id, options=s.opts).status == "expired"


def test_idempotency_keys_are_forgotten_after_24_hours(client: stripe.StripeClient, http: httpx.Client) -> None:
    params = {"supported_currencies": ["usd"], "features": {}}
    first = client.v1.treasury.financial_accounts.create(params, {"idempotency_key": "clock-key"})  # type: ignore[arg-type]
    again = client.v1.treasury.financial_accounts.create(params, {"idempotency_key": "clock-key"})  # type: ignore[arg-type]
    assert again.id == first.id
    move(http, advance=23 * 3600)
    with pytest.raises(stripe.IdempotencyError):
        client.v1.treasury.financial_accounts.create(
            {**params, "metadata": {"x": "1"}},  # type: ignore[arg-type]
            {"idempotency_key": "clock-key"},
        )
    move(http, advance=2 * 3600)  # 25 hours after the first use
    fresh = client.v1.treasury.financial_accounts.create(params, {"idempotency_key": "clock-key"})  # type: ignore[arg-type]
    assert fresh.id != first.id


def test_a_webhook_retry_happens_when_the_clock_passes_it(client: stripe.StripeClient, http: httpx.Client) -> None:
    answers = iter([500, 500, 200])
    with Receiver(lambda r: json_answer(next(answers, 200), {})) as receiver:
        assert http.post("/_emulator/webhooks/settings", json={"retry_schedule": [3600, 7200, 3600]}).status_code == 200
        we = client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
        fa = client.v1.treasury.financial_accounts.create({"supported_currencies": ["usd"], "features": {}})
        receiver.wait_for(1)
        time.sleep(0.2)
        (delivery,) = http.get("/_emulator/webhooks/deliveries").json()["data"]
        assert delivery["status"] == "pending" and len(delivery["attempts"]) == 1
        assert delivery["next_attempt_at"] >= clock(http)["now"] + 3500  # an hour away on the platform's clock
        move(http, advance=3 * 3600 + 60)  # both retries (after 1 h, then 2 h more) fell due
        assert len(receiver.requests) == 3  # ... and happened before the clock answered
        (delivery,) = http.get("/_emulator/webhooks/deliveries").json()["data"]
        assert delivery["status"] == "succeeded"
        assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
        assert receiver.requests[-1].event(str(we.secret)).data.object["id"] == fa.id  # signed: verifies today
        assert client.v1.events.list({"delivery_success": False}).data == []


def test_reset_puts_the_platform_back_in_the_present(http: httpx.Client) -> None:
    move(http, advance=50 * DAY, freeze=True)
    assert http.post("/_emulator/reset").status_code == 200
    assert clock(http)["offset"] == 0 and clock(http)["frozen"] is False


# --- the dashboard -----------------------------------------------------------------------------------

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FLASH = re.compile(r'<div class="flash (ok|error)" role="status">(.*?)</div>', re.S)


def test_the_dashboard_shows_and_moves_the_platforms_time(
    server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client
) -> None:
    fa = client.v1.treasury.financial_accounts.create({"supported_currencies": ["usd"], "features": {}})
    with httpx.Client(base_url=server.url) as web:  # a browser: no API key
        found = web.get("/_emulator/search", params={"q": fa.id})
        handle = found.headers["location"].split("/")[3]
        page = web.get(f"/_emulator/platforms/{handle}")
        assert page.status_code == 200 and "Move time forward" in page.text and "the present" in page.text
        token = TOKEN.search(page.text)
        assert token is not None
        form = {"csrf_token": token.group(1), "object": client.v1.accounts.retrieve_current().id}
        action = f"/_emulator/platforms/{handle}/actions/clock"

        def act(origin: str, **fields: str) -> httpx.Response:
            return web.post(action, data={**form, **fields}, headers={"Origin": origin})

        assert act("https://evil.example", days="8").status_code == 403
        assert clock(http)["offset"] == 0
        moved = act(server.url, days="8", hours="1")
        assert moved.status_code == 303 and moved.headers["location"].startswith(f"/_emulator/platforms/{handle}?")
        shown = web.get(moved.headers["location"])
        flash = FLASH.search(shown.text)
        assert flash is not None and flash.group(1) == "ok" and "8 d 1 h" in flash.group(2)
        assert "8 d 1 h ahead" in shown.text
        assert clock(http)["offset"] >= 8 * DAY + 3600 - 2
        refused = web.get(act(server.url, days="soon").headers["location"])
        flash = FLASH.search(refused.text)
        assert flash is not None and flash.group(1) == "error" and "Invalid days" in flash.group(2)
        nothing = web.get(act(server.url).headers["location"])
        flash = FLASH.search(nothing.text)
        assert flash is not None and flash.group(1) == "error"


# --- --persist ----------------------------------------------------------------------------------------


def test_clock_moves_and_what_fell_due_survive_a_restart(tmp_path: Path) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    settings = Settings(port=0, persist=str(tmp_path / "state.db"))

    def started() -> tuple[EmulatorServer, httpx.Client, stripe.StripeClient]:
        srv = EmulatorServer(settings=settings)
        url = srv.start()
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"})
        return srv, http, stripe.StripeClient(key, base_addresses={"api": url})

    srv, http, client = started()
    try:
        s = issuing_flows.spender(client)
        first = s.authorize(1000)
        move(http, advance=8 * DAY)  # expires ``first`` inside the clock POST
        second = s.authorize(2000)
        move(http, advance=7 * DAY - 1)
        time.sleep(1.2)  # real time makes ``second`` due: the next request (a GET) expires it
        assert s.client.v1.issuing.authorizations.retrieve(second.id, options=s.opts).status == "expired"
        assert s.client.v1.issuing.authorizations.retrieve(first.id, options=s.opts).status == "expired"
        before = clock(http)
        objects = http.get("/_emulator/state").json()
    finally:
        http.close()
        srv.stop()
    srv, http, client = started()
    try:
        after = clock(http)
        assert abs(after["offset"] - before["offset"]) <= 1 and after["frozen"] is False
        assert http.get("/_emulator/state").json() == objects  # same objects, events, timestamps
        s = Spender(client, s.account, s.fa, s.cardholder, s.card)
        assert s.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    finally:
        http.close()
        srv.stop()


def test_the_pytest_plugin_moves_a_platforms_clock(stripe_emulator: StripeEmulator) -> None:
    key = stripe_emulator.new_key()
    assert stripe_emulator.clock(key)["offset"] == 0
    moved = stripe_emulator.clock(key, advance=3600, freeze=True)
    assert moved["frozen"] is True and moved["offset"] >= 3599
    assert stripe_emulator.clock(key, to=moved["now"] + 60)["now"] == moved["now"] + 60
    with pytest.raises(EmulatorError, match="only moves forward"):
        stripe_emulator.clock(key, to=moved["now"])


def test_clock_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    """The same through stripe-node (tests/node/clock_flow.mjs); skipped without node or its modules."""
    proc = run_node("clock_flow.mjs", server.url, api_key)
    steps = [s["step"] for s in steps_of(proc)]
    assert steps == ["pending", "clock", "expired", "done"], proc.stdout
