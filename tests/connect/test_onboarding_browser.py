"""Hosted onboarding in a real headless Chromium (as ``tests/test_dashboard_browser.py``): an account
created under ``onboarding=required`` gets an account link, the browser opens it, submits, lands on
the platform's ``return_url``, and the account has nothing left due and active capabilities. The
link is then used up (a second visit lands on ``refresh_url``), hostile text stays text, and a
form posted from another site is refused."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows, schema
from tests.support.browser import CHROMIUM, needs_chromium

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 10_000
KEY = "sk_test_onboardingBrowser000000042"
PLATFORM = "http://platform.test"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
HOSTILE = "<script>window.__pwned = 1</script>"


pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[EmulatorServer, stripe.StripeClient, schema.ConformanceRecorder]]:
    server = EmulatorServer()
    recorder = schema.attach(server)  # the page's submit is API calls: they must match the schema too
    server.start()
    try:
        resp = httpx.post(
            server.url + "/_emulator/platform_settings",
            data={"onboarding": "required"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        assert resp.status_code == 200
        yield server, stripe.StripeClient(KEY, base_addresses={"api": server.url}), recorder
    finally:
        server.stop()


@pytest.fixture
def page(site: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="onboarding-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.route(f"{PLATFORM}/**", lambda route: route.fulfill(body="<p id=back>back on the platform</p>"))
        try:
            yield tab
        finally:
            context.close()
        assert not errors, errors
    violations = site[2].take()
    assert not violations, violations


def link_for(client: stripe.StripeClient, account_id: str, refresh_url: str = f"{PLATFORM}/refresh") -> str:
    link = client.v1.account_links.create(
        {
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": refresh_url,
            "return_url": f"{PLATFORM}/return",
        }
    )
    return str(link.url)


def test_hosted_onboarding_in_chromium(page: Any, site: Any) -> None:
    server, client, _ = site
    account = flows.connected_account(client, business_type="company", business_profile={"name": HOSTILE})
    assert account.requirements is not None and account.requirements.currently_due
    assert account.capabilities is not None and account.capabilities.card_issuing == "inactive"
    refresh = server.url + "/_emulator/health"  # a page that resolves (the fake platform is routed, not served)
    url = link_for(client, account.id, refresh)
    page.goto(url)
    assert page.title().startswith("Onboarding")
    due = page.locator("ul.due").inner_text()
    assert "company.tax_id" in due and "representative.first_name" in due
    assert HOSTILE in page.locator("main").inner_text()  # shown as text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert KEY not in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hosted-onboarding.png"), full_page=True)
    page.click("form#onboard button[type=submit]")
    page.wait_for_url(f"{PLATFORM}/return")
    assert page.locator("#back").inner_text() == "back on the platform"
    done = client.v1.accounts.retrieve(account.id)
    assert done.requirements is not None and done.requirements.currently_due == []
    assert done.details_submitted is True and done.charges_enabled is True
    assert done.capabilities is not None
    assert done.capabilities.card_issuing == "active" and done.capabilities.treasury == "active"
    page.goto(url)  # used up
    page.wait_for_url(refresh)


def test_individual_onboarding_and_eventually_due(page: Any, site: Any) -> None:
    _, client, _ = site
    account = flows.connected_account(client, business_type="individual")
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "collection_options": {"fields": "eventually_due"},
            "return_url": f"{PLATFORM}/return",
        }
    )
    page.goto(link.url)
    assert "individual.dob.day" in page.locator("ul.due").inner_text()
    page.click("form#onboard button[type=submit]")
    page.wait_for_url(f"{PLATFORM}/return")
    done = client.v1.accounts.retrieve(account.id)
    assert done.requirements is not None
    assert done.requirements.currently_due == [] and done.requirements.eventually_due == []
    assert done.individual is not None and done.individual.verification is not None
    assert done.individual.verification.status == "verified"


def test_another_site_cannot_submit_the_form(page: Any, site: Any) -> None:
    """A page elsewhere that even knows the form token posts the form: refused, nothing filled."""
    _, client, _ = site
    account = flows.connected_account(client, business_type="company")
    url = link_for(client, account.id)
    page.goto(url)
    token = str(page.locator("input[name=form_token]").get_attribute("value"))
    attack = (
        f'<form method="post" action="{url}"><input name="form_token" value="{token}">'
        '<button id="go">go</button></form>'
    )
    page.route("http://attacker.test/**", lambda route: route.fulfill(body=attack, content_type="text/html"))
    page.goto("http://attacker.test/")
    with page.expect_navigation():
        page.click("#go")
    assert re.search("another site", page.locator("main").inner_text())
    still = client.v1.accounts.retrieve(account.id)
    assert still.requirements is not None and "company.tax_id" in (still.requirements.currently_due or [])
