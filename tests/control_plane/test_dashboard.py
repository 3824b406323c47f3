"""The dashboard at ``/_emulator/``: pages, id search, actions through the API, escaping, and
cross-site protection, driven over HTTP (the browser test is ``test_dashboard_browser.py``)."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from emulator.dashboard import fmt
from emulator.dashboard.html import el, escape
from emulator.http.errors import mask_key
from tests.support import flows, guide
from tests.support.receiver import Receiver, json_answer

FLASH = re.compile(r'<div class="flash (ok|error)" role="status">(.*?)</div>', re.S)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HOSTILE = "<script>window.__pwned=1</script>\"'&<img src=x onerror=alert(1)>"


@dataclass
class Dash:
    """A browser-less dashboard user: the page client (no API key) and the platform's handle."""

    web: httpx.Client
    url: str
    handle: str
    token: str

    def page(self, obj_id: str) -> httpx.Response:
        r = self.web.get(f"/_emulator/platforms/{self.handle}/objects/{obj_id}")
        assert r.status_code == 200, r.text
        return r

    def act(self, action: str, obj_id: str, origin: str | None = "same", **fields: str) -> httpx.Response:
        headers = {"Origin": self.url} if origin == "same" else ({"Origin": origin} if origin else {})
        form = {"csrf_token": self.token, "object": obj_id, **fields}
        return self.web.post(f"/_emulator/platforms/{self.handle}/actions/{action}", data=form, headers=headers)

    def act_and_follow(self, action: str, obj_id: str, **fields: str) -> tuple[bool, str, httpx.Response]:
        r = self.act(action, obj_id, **fields)
        assert r.status_code == 303, r.text
        page = self.web.get(r.headers["location"])
        assert page.status_code == 200
        match = FLASH.search(page.text)
        assert match is not None, "the page after an action shows its result"
        return match.group(1) == "ok", html.unescape(match.group(2)), page


@pytest.fixture
def web(server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as c:  # a browser has no API key
        yield c


@pytest.fixture
def flow(client: stripe.StripeClient) -> guide.Guide:
    g = guide.run(client)
    assert not g.missing, g.missing
    return g


def open_dashboard(web: httpx.Client, server: EmulatorServer, obj_id: str) -> Dash:
    found = web.get("/_emulator/search", params={"q": obj_id})
    assert found.status_code == 303, found.text
    location = found.headers["location"]
    handle = location.split("/")[3]
    page = web.get(location)
    token = TOKEN.search(page.text)  # pages with action forms carry the form token
    return Dash(web, server.url, handle, token.group(1) if token else "")


def opts(g: guide.Guide) -> Any:
    return {"stripe_account": g.account}


def cash(client: stripe.StripeClient, g: guide.Guide) -> int:
    fa = client.v1.treasury.financial_accounts.retrieve(g.ids["financial_account"], options=opts(g))
    return int(fa.balance.cash["usd"])


# --- pages ---------------------------------------------------------------------------------------------


def test_overview_masks_keys_and_links_platforms(
    web: httpx.Client, server: EmulatorServer, flow: guide.Guide, api_key: str
) -> None:
    r = web.get("/_emulator/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert api_key not in r.text
    assert mask_key(api_key) in r.text
    assert "Content-Security-Policy" in r.headers and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    dash = open_dashboard(web, server, flow.ids["card"])
    assert f'href="/_emulator/platforms/{dash.handle}"' in r.text  # newest platforms first
    assert dash.handle.startswith("pl_") and api_key[8:] not in dash.handle
    assert web.get("/_emulator", follow_redirects=False).status_code in (307, 308)


def test_platform_page_shows_everything_of_the_guide(
    web: httpx.Client, server: EmulatorServer, flow: guide.Guide, api_key: str
) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    r = web.get(f"/_emulator/platforms/{dash.handle}")
    assert r.status_code == 200
    text = r.text
    assert api_key not in text
    for name in ("account", "financial_account", "cardholder", "card", "authorization", "transaction", "dispute"):
        assert flow.ids[name] in text, name
    assert "card_issuing: active" in text  # capabilities
    assert "$468.00" in text  # 500 funded - 10 - 25 + 3 refunded
    assert "financial_addresses.aba" in text  # features
    assert "issuing_authorization.created" in text  # events
    for object_type in ("issuing.card", "event", "deliveries", "treasury.transaction", "account"):
        listing = web.get(f"/_emulator/platforms/{dash.handle}/types/{object_type}")
        assert listing.status_code == 200, object_type
    assert web.get(f"/_emulator/platforms/{dash.handle}/types/event", params={"page": "x"}).status_code == 400
    assert web.get(f"/_emulator/platforms/{dash.handle}/types/event", params={"page": "999"}).status_code == 200


def test_object_pages_show_json_links_and_events(web: httpx.Client, server: EmulatorServer, flow: guide.Guide) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    card = dash.page(flow.ids["card"]).text
    base = f"/_emulator/platforms/{dash.handle}/objects/"
    assert f'href="{base}{flow.ids["cardholder"]}"' in card  # links to
    assert f'href="{base}{flow.ids["financial_account"]}"' in card
    assert f'href="{base}{flow.ids["authorization"]}"' in card  # referenced by
    assert "issuing_card.created" in card  # its events
    assert "&quot;last4&quot;" in card  # its JSON
    auth = dash.page(flow.ids["authorization"]).text
    assert "Request history" in auth and "Approved" in auth
    for name in ("account", "financial_account", "cardholder", "transaction", "dispute"):
        assert flow.ids[name] in dash.page(flow.ids[name]).text
    event = web.get(f"{base}{flow.ids['card']}").text
    event_id = re.search(r"(evt_\w+)", event)
    assert event_id is not None
    assert "issuing_card" in dash.page(event_id.group(1)).text


def test_search_lands_on_any_id(web: httpx.Client, server: EmulatorServer, flow: guide.Guide) -> None:
    for name in ("card", "authorization", "transaction", "financial_account", "account", "dispute"):
        r = web.get("/_emulator/search", params={"q": f"  {flow.ids[name]} "})
        assert r.status_code == 303
        assert r.headers["location"].endswith(f"/objects/{flow.ids[name]}")
    for pasted in (
        f'"{flow.ids["card"]}",',
        f"'{flow.ids['card']}'",
        f"`{flow.ids['card']}`;",
    ):  # from JSON, logs, docs
        assert (
            web.get("/_emulator/search", params={"q": pasted})
            .headers["location"]
            .endswith(f"/objects/{flow.ids['card']}")
        )
    missing = web.get("/_emulator/search", params={"q": "ic_doesnotexist<script>"})
    assert missing.status_code == 404
    assert "ic_doesnotexist&lt;script&gt;" in missing.text and "<script>" not in missing.text.split("</head>")[1]
    assert web.get("/_emulator/search", params={"q": ""}).status_code == 303


def test_unknown_platform_and_object_are_404_pages(
    web: httpx.Client, server: EmulatorServer, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    assert web.get("/_emulator/platforms/pl_0000/objects/x").status_code == 404
    assert web.get("/_emulator/platforms/sk_test_123").status_code == 404
    assert web.get(f"/_emulator/platforms/{dash.handle}/objects/ic_nope").status_code == 404
    assert web.get(f"/_emulator/platforms/{dash.handle}/deliveries/whdel_nope").status_code == 404


def test_other_platforms_objects_are_not_shown_under_a_handle(
    web: httpx.Client, server: EmulatorServer, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    other = stripe.StripeClient("sk_test_other_" + dash.handle, base_addresses={"api": server.url})
    other_account = flows.connected_account(other)
    assert web.get(f"/_emulator/platforms/{dash.handle}/objects/{other_account.id}").status_code == 404


# --- escaping --------------------------------------------------------------------------------------------


def test_everything_shown_is_escaped(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide, api_key: str
) -> None:
    holder = client.v1.issuing.cardholders.create(
        {**guide.CARDHOLDER, "metadata": {"note": HOSTILE}},
        opts(flow),  # type: ignore[typeddict-item]
    )
    # The API refuses such a name (as Stripe does); a stored one (older data, a fixture) must still render as text.
    platform = server.state.platforms[api_key]
    found = platform.find(holder.id)
    assert found is not None
    found[1]["name"] = HOSTILE
    client.v1.test_helpers.issuing.authorizations.create(
        {"card": flow.ids["card"], "amount": 100, "merchant_data": {"name": HOSTILE}}, opts(flow)
    )
    dash = open_dashboard(web, server, holder.id)
    for page in (
        dash.page(holder.id).text,
        web.get(f"/_emulator/platforms/{dash.handle}").text,
        dash.page(flow.ids["card"]).text,
    ):
        body = page.split("</head>", 1)[1]
        assert "<script>window" not in body and "<img" not in body
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=40))
def test_html_builder_never_lets_text_become_markup(text: str) -> None:
    safe = html.escape(text, quote=True)
    assert el("td", {"title": text, "data_x": text}, text, [text, None]) == (
        f'<td title="{safe}" data-x="{safe}">{safe}{safe}</td>'
    )
    assert html.unescape(escape(text)) == text and escape(escape(text)) == escape(text)


def test_money_and_amount_parsing() -> None:
    assert fmt.money(-1234, "usd") == "-$12.34"
    assert fmt.money(1200, "jpy") == "1,200 JPY"
    assert fmt.money(None, "usd") == "—"
    assert fmt.parse_major("12.34", "usd") == 1234
    assert fmt.parse_major("$1,000", "usd") == 100_000
    assert fmt.parse_major("1,234,567.5", "usd") == 123_456_750 and fmt.parse_major(".5", "usd") == 50
    for bad in (
        "",
        "abc",
        "-1",
        "0",
        "1.234",
        "nan",
        "inf",
        "1e400",
        "1e3e",
        "1e2",
        "1,00",
        "12,34",
        "\u0661\u0662",
        "1.",
        "1 000",
    ):
        assert fmt.parse_major(bad, "usd") is None, bad
    assert fmt.parse_major("1.5", "jpy") is None


# --- actions ---------------------------------------------------------------------------------------------


def test_simulated_purchases_show_the_decision(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    ok, text, page = dash.act_and_follow(
        "purchase",
        flow.ids["card"],
        amount="12.34",
        category="fast_food_restaurants",
        country="GB",
        merchant_name="Corner Cafe",
    )
    assert ok and "approved for $12.34" in text
    auth_id = re.search(r"(iauth_\w+)", text)
    assert auth_id is not None
    auth = client.v1.issuing.authorizations.retrieve(auth_id.group(1), options=opts(flow))
    assert auth.approved and auth.amount == 1234
    assert auth.merchant_data.category == "fast_food_restaurants" and auth.merchant_data.country == "GB"
    assert auth.merchant_data.name == "Corner Cafe"
    ok, text, page = dash.act_and_follow("purchase", flow.ids["card"], amount="1000000")  # over 10,000 USD
    assert not ok and "declined: spending_controls" in text
    assert "spending_controls" in page.text and "Declined" in page.text


def test_bad_purchase_input_is_refused_without_calling_the_api(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    before = len(client.v1.issuing.authorizations.list({"limit": 100}, opts(flow)).data)
    for fields, fragment in (
        ({"amount": "abc"}, "Invalid amount"),
        ({"amount": "-5"}, "Invalid amount"),
        ({"amount": "1.234"}, "Invalid amount"),
        ({"amount": "5", "category": "<script>"}, "Invalid merchant category"),
        ({"amount": "5", "country": "USA"}, "Invalid merchant country"),
        ({"amount": "5", "merchant_name": "x" * 300}, "too long"),
    ):
        ok, text, page = dash.act_and_follow("purchase", flow.ids["card"], **fields)
        assert not ok and fragment in text, (fields, text)
        assert "<script>" not in page.text.split("</head>", 1)[1]
    ok, text, _ = dash.act_and_follow("refund", flow.ids["card"])
    assert not ok and "does not apply" in text
    assert dash.act("teleport", flow.ids["card"]).status_code == 404
    assert dash.act("purchase", "ic_missing", amount="1").status_code == 404
    assert len(client.v1.issuing.authorizations.list({"limit": 100}, opts(flow)).data) == before


def test_capture_reverse_expire_a_pending_authorization(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["card"])
    make = client.v1.test_helpers.issuing.authorizations.create
    first = make({"card": flow.ids["card"], "amount": 5000}, opts(flow))
    assert 'data-action="capture"' in dash.page(first.id).text
    ok, text, _ = dash.act_and_follow("capture", first.id, amount="20.00")
    assert ok and "$20.00 captured" in text
    assert client.v1.issuing.authorizations.retrieve(first.id, options=opts(flow)).status == "closed"
    second = make({"card": flow.ids["card"], "amount": 5000}, opts(flow))
    ok, text, _ = dash.act_and_follow("reverse", second.id, amount="10")
    assert ok and "$40.00 still authorized" in text
    ok, text, _ = dash.act_and_follow("reverse", second.id)
    assert ok and client.v1.issuing.authorizations.retrieve(second.id, options=opts(flow)).status == "reversed"
    ok, text, _ = dash.act_and_follow("capture", second.id)  # no longer pending: Stripe's refusal is shown
    assert not ok and "HTTP 400" in text
    third = make({"card": flow.ids["card"], "amount": 700}, opts(flow))
    ok, text, _ = dash.act_and_follow("expire", third.id)
    assert ok
    assert client.v1.issuing.authorizations.retrieve(third.id, options=opts(flow)).status in ("expired", "reversed")


def test_refund_moves_the_balance(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["transaction"])
    before = cash(client, flow)
    ok, text, page = dash.act_and_follow("refund", flow.ids["transaction"], amount="2.50")
    assert ok, text
    assert cash(client, flow) == before + 250
    assert f"{fmt.money(before, 'usd')} → {fmt.money(before + 250, 'usd')}" in text
    fa_page = dash.page(flow.ids["financial_account"]).text
    assert fmt.money(before + 250, "usd") in fa_page


def test_fund_a_financial_account(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["financial_account"])
    before = cash(client, flow)
    ok, text, _ = dash.act_and_follow("fund", flow.ids["financial_account"], amount="100", network="us_domestic_wire")
    assert ok and "Received credit rc_" in text
    assert cash(client, flow) == before + 10_000
    credits = client.v1.treasury.received_credits.list({"financial_account": flow.ids["financial_account"]}, opts(flow))
    assert credits.data[0].network == "us_domestic_wire" and credits.data[0].amount == 10_000
    ok, text, _ = dash.act_and_follow("fund", flow.ids["financial_account"], amount="1", network="swift")
    assert not ok and "Invalid network" in text


def test_advance_physical_card_shipping(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    card = client.v1.issuing.cards.create(
        {
            "cardholder": flow.ids["cardholder"],
            "currency": "usd",
            "type": "physical",
            "financial_account": flow.ids["financial_account"],
            "shipping": {"name": "Jenny Rosen", "address": guide.CARDHOLDER["billing"]["address"]},
        },
        opts(flow),
    )
    dash = open_dashboard(web, server, card.id)
    assert "Advance shipping (now pending)" in dash.page(card.id).text
    for step, status in (("ship", "shipped"), ("deliver", "delivered")):
        ok, text, _ = dash.act_and_follow("shipping", card.id, step=step)
        assert ok and status in text
    shipped = client.v1.issuing.cards.retrieve(card.id, options=opts(flow)).shipping
    assert shipped is not None and shipped.status == "delivered"
    ok, text, _ = dash.act_and_follow("shipping", card.id, step="ship")
    assert not ok and "status_transition_invalid" in text
    ok, text, _ = dash.act_and_follow("shipping", card.id, step="teleport")
    assert not ok and "Invalid shipping step" in text


def test_webhook_deliveries_and_replay(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client
) -> None:
    answers = iter([500, 200])
    with Receiver(lambda r: json_answer(next(answers, 200), {"ok": True})) as receiver:
        http.post("/_emulator/webhooks/settings", json={"retry_schedule": [3600]})
        account = flows.connected_account(client)  # before the endpoint: its creation's events go nowhere
        endpoint = client.v1.webhook_endpoints.create(
            {"url": receiver.url, "enabled_events": ["account.updated"], "connect": True}
        )
        client.v1.accounts.update(account.id, {"metadata": {"a": "b"}})
        receiver.wait_for(1)
        dash = open_dashboard(web, server, endpoint.id)
        page = dash.page(endpoint.id).text
        delivery_id = re.search(r"(whdel_\d+)", page)
        assert delivery_id is not None
        url = f"/_emulator/platforms/{dash.handle}/deliveries/{delivery_id.group(1)}"
        deadline = time.monotonic() + 5  # the receiver has answered; the emulator books the attempt just after
        while ">500<" not in (delivery_page := web.get(url)).text and time.monotonic() < deadline:
            time.sleep(0.02)
        assert delivery_page.status_code == 200 and ">500<" in delivery_page.text  # the attempt's status code
        ok, text, page_after = dash.act_and_follow("replay", delivery_id.group(1))
        assert ok and "HTTP 200" in text
        assert len(receiver.wait_for(2)) == 2
        assert "replay" in page_after.text


# --- cross-site protection ------------------------------------------------------------------------------


def test_actions_refuse_foreign_origins_and_missing_tokens(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient, flow: guide.Guide
) -> None:
    dash = open_dashboard(web, server, flow.ids["financial_account"])
    before = cash(client, flow)
    fa = flow.ids["financial_account"]
    for origin in ("http://evil.example", "null", server.url.replace("127.0.0.1", "localhost"), "file://", "x"):
        r = dash.act("fund", fa, origin=origin, amount="5")
        assert r.status_code == 403, origin
        assert "Refused" in r.text
    r = dash.web.post(
        f"/_emulator/platforms/{dash.handle}/actions/fund",
        data={"object": fa, "amount": "5"},
        headers={"Origin": server.url},
    )
    assert r.status_code == 403  # no token
    r = dash.web.post(
        f"/_emulator/platforms/{dash.handle}/actions/fund", data={"object": fa, "amount": "5", "csrf_token": "0" * 40}
    )
    assert r.status_code == 403  # wrong token
    r = dash.web.post(
        f"/_emulator/platforms/{dash.handle}/actions/fund",
        data={"object": fa, "amount": "5", "csrf_token": dash.token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403
    r = dash.web.post(
        f"/_emulator/platforms/{dash.handle}/actions/fund",
        json={"object": fa, "amount": "5", "csrf_token": dash.token},
        headers={"Origin": server.url},
    )
    assert r.status_code == 415
    r = dash.web.post(
        f"/_emulator/platforms/{dash.handle}/actions/fund",
        content=b"a=" + b"x" * 20_000,
        headers={"Origin": server.url, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413
    assert dash.web.get(f"/_emulator/platforms/{dash.handle}/actions/fund").status_code in (404, 405)
    assert cash(client, flow) == before
    assert dash.act("fund", fa, origin=None, amount="5").status_code == 303  # a non-browser client with the token


def test_changes_version_moves_with_api_requests(web: httpx.Client, client: stripe.StripeClient) -> None:
    first = web.get("/_emulator/dashboard/changes").json()["version"]
    flows.connected_account(client)
    assert web.get("/_emulator/dashboard/changes").json()["version"] != first
    js = web.get("/_emulator/dashboard/dashboard.js")
    assert js.status_code == 200 and "data-live" in js.text
    assert web.get("/_emulator/dashboard/dashboard.css").headers["content-type"].startswith("text/css")


def test_platform_page_shows_the_money_next_to_the_accounts(
    web: httpx.Client, server: EmulatorServer, client: stripe.StripeClient
) -> None:
    """Top-ups, balance transactions, transfers and payouts each have their section."""
    account = flows.connected_account(client)
    topup = client.v1.topups.create({"amount": 5_000, "currency": "usd"})
    transfer = client.v1.transfers.create({"amount": 3_000, "currency": "usd", "destination": account.id})
    client.v1.accounts.external_accounts.create(
        account.id,
        {
            "external_account": {
                "object": "bank_account",
                "country": "US",
                "currency": "usd",
                "routing_number": "110000000",
                "account_number": "000123456789",
            }
        },
    )
    payout = client.v1.payouts.create({"amount": 1_000, "currency": "usd"}, {"stripe_account": account.id})
    dash = open_dashboard(web, server, transfer.id)
    page = web.get(f"/_emulator/platforms/{dash.handle}").text
    for section, obj_id in (("Top-ups", topup.id), ("Transfers", transfer.id), ("Payouts", payout.id)):
        assert section in page and obj_id in page, section
    assert "Balance transactions" in page
