"""The dashboard in a real headless Chromium (Debian's ``chromium``, driven by Playwright; no browser
is downloaded): after the guide flow, find the card, simulate a declined purchase and read the
reason, refund a transaction and see the balance move, watch a page update without reloading,
and check that hostile text stays text and that another site cannot trigger an action.

Screenshots go to ``test-artifacts/screenshots/`` (copies are in ``docs/screenshots/``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from emulator.dashboard import fmt
from emulator.http.errors import mask_key
from tests.support import guide, schema
from tests.support.browser import CHROMIUM, needs_chromium

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
KEY = "sk_test_dashboardBrowser0000000042"
TIMEOUT_MS = 10_000
HOSTILE_NAME = "<script>window.__pwned = 1</script>"
HOSTILE_MERCHANT = '<img src=x onerror="window.__pwned = 2">'


pytestmark = needs_chromium


@dataclass
class Site:
    server: EmulatorServer
    client: stripe.StripeClient
    ids: dict[str, str]
    recorder: schema.ConformanceRecorder

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def opts(self) -> Any:
        return {"stripe_account": self.ids["account"]}

    def cash(self) -> int:
        fa = self.client.v1.treasury.financial_accounts.retrieve(self.ids["financial_account"], options=self.opts)
        return int(fa.balance.cash["usd"])


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """Its own emulator (one platform, so the dashboard's front page shows everything) after the guide."""
    server = EmulatorServer()
    recorder = schema.attach(server)  # the dashboard's actions are API calls: they must match the schema too
    server.start()
    try:
        client = stripe.StripeClient(KEY, base_addresses={"api": server.url})
        flow = guide.run(client)
        assert not flow.missing, flow.missing
        yield Site(server, client, flow.ids, recorder)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="dashboard-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1360, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    try:
        yield tab
    finally:
        tab.close()
    assert not errors, errors
    violations = site.recorder.take()
    assert not violations, violations


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def find(page: Any, obj_id: str) -> None:
    """Use the id search in the top bar, and land on the object's page."""
    page.fill("header input[name=q]", obj_id)
    page.press("header input[name=q]", "Enter")
    page.wait_for_url(re.compile(rf"/objects/{re.escape(obj_id)}$"))


def test_overview_after_the_guide_flow(page: Any, site: Site) -> None:
    page.goto(site.url + "/_emulator/")
    assert page.title().startswith("Dashboard")
    platforms = page.locator("table.t-platforms")
    assert mask_key(KEY) in platforms.inner_text()
    assert KEY not in page.content()
    cards = page.locator("#s-issuing-card")
    assert site.ids["card"] in cards.inner_text()
    assert "Jenny Rosen" in cards.inner_text()
    fa = page.locator("#s-treasury-financial_account")
    assert fmt.money(site.cash(), "usd") in fa.inner_text()
    assert "card_issuing" in fa.inner_text()
    assert "issuing_transaction.created" in page.locator("#s-event").inner_text()
    shot(page, "dashboard-overview")


def test_find_the_card_and_see_a_declined_purchase(page: Any, site: Site) -> None:
    page.goto(site.url + "/_emulator/")
    find(page, site.ids["card"])
    summary = page.locator("#summary").inner_text()
    assert "active" in summary and "Jenny Rosen" in summary
    shot(page, "card")
    purchase = page.locator('form[data-action="purchase"]')
    purchase.locator("input[name=amount]").fill("100000.00")  # past Stripe's 10,000 USD per authorization
    purchase.locator("select[name=category]").select_option("electronics_stores")
    purchase.locator("input[name=country]").fill("US")
    purchase.locator("input[name=merchant_name]").fill("Big Screen TVs")
    purchase.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/objects/iauth_\w+\?flash="))
    flash = page.locator(".flash").inner_text()
    assert "declined: spending_controls" in flash
    summary = page.locator("#summary").inner_text()
    assert "Declined" in summary and "spending_controls" in summary
    history = page.locator("table.t-request-history").inner_text()
    assert "spending_controls" in history and "$100,000.00" in history
    auth_id = page.url.split("/objects/")[1].split("?")[0]
    auth = site.client.v1.issuing.authorizations.retrieve(auth_id, options=site.opts)
    assert auth.approved is False and auth.merchant_data.category == "electronics_stores"
    assert auth.request_history[-1].reason == "spending_controls"
    shot(page, "declined-purchase")


def test_refund_a_transaction_and_see_the_balance_change(page: Any, site: Site) -> None:
    before = site.cash()
    page.goto(site.url + "/_emulator/")
    find(page, site.ids["transaction"])
    assert fmt.money(before, "usd") in page.locator("#summary").inner_text()
    refund = page.locator('form[data-action="refund"]')
    refund.locator("input[name=amount]").fill("4.00")
    refund.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?flash="))
    after = site.cash()
    assert after == before + 400
    flash = page.locator(".flash").inner_text()
    assert f"{fmt.money(before, 'usd')} → {fmt.money(after, 'usd')}" in flash
    shot(page, "refund")
    page.locator("#summary a", has_text=site.ids["financial_account"]).first.click()
    page.wait_for_url(re.compile(rf"/objects/{site.ids['financial_account']}$"))
    assert fmt.money(after, "usd") in page.locator("#summary .balance-cash").inner_text()
    shot(page, "financial-account")


def test_pages_update_without_reload(page: Any, site: Site) -> None:
    page.goto(site.url + f"/_emulator/platforms/{handle_of(page, site)}")
    page.wait_for_selector("#live.on")
    page.evaluate("window.__sameDocument = true")
    auth = site.client.v1.test_helpers.issuing.authorizations.create(
        {"card": site.ids["card"], "amount": 321, "currency": "usd"}, site.opts
    )
    page.locator("#s-issuing-authorization", has_text=auth.id).wait_for()
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, not reloaded


def handle_of(page: Any, site: Site) -> str:
    page.goto(site.url + "/_emulator/")
    href = page.locator("table.t-platforms a").first.get_attribute("href")
    assert href is not None and href.startswith("/_emulator/platforms/pl_")
    return str(href.rsplit("/", 1)[1])


def test_hostile_text_renders_as_text(page: Any, site: Site) -> None:
    holder = site.client.v1.issuing.cardholders.create(
        {**guide.CARDHOLDER, "metadata": {"note": HOSTILE_NAME}},
        site.opts,  # type: ignore[typeddict-item]
    )
    # Stripe (and the emulator) refuse such a name on create; a stored one must still show as plain text.
    found = site.server.state.platforms[KEY].find(holder.id)
    assert found is not None
    found[1]["name"] = HOSTILE_NAME
    site.client.v1.test_helpers.issuing.authorizations.create(
        {"card": site.ids["card"], "amount": 100, "merchant_data": {"name": HOSTILE_MERCHANT}}, site.opts
    )
    page.goto(site.url + "/_emulator/")
    find(page, holder.id)
    assert page.locator("#summary dd", has_text=HOSTILE_NAME).count() == 1  # shown, as text
    page.goto(site.url + "/_emulator/")
    assert HOSTILE_MERCHANT in page.locator("#s-issuing-authorization").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_another_site_cannot_trigger_an_action(page: Any, site: Site) -> None:
    """A page on another origin that knows everything (even the form token) posts a form: refused."""
    page.goto(site.url + "/_emulator/")
    find(page, site.ids["financial_account"])
    form = page.locator('form[data-action="fund"]')
    action = site.url + str(form.get_attribute("action"))
    token = str(form.locator("input[name=csrf_token]").get_attribute("value"))
    attack = (
        f'<form method="post" action="{action}"><input name="csrf_token" value="{token}">'
        f'<input name="object" value="{site.ids["financial_account"]}"><input name="amount" value="1000">'
        '<button id="go">go</button></form>'
    )
    page.route("http://attacker.test/**", lambda route: route.fulfill(body=attack, content_type="text/html"))
    before = site.cash()
    page.goto("http://attacker.test/")
    with page.expect_navigation():
        page.click("#go")
    assert "Refused" in page.content()
    assert "another site" in page.locator("main").inner_text()
    assert site.cash() == before
