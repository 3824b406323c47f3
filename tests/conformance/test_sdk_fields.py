"""Every field stripe-python 16.1 declares on a resource is in our responses.

The resource classes of the installed SDK (``stripe/issuing/_card.py`` ...: class annotations,
with nested ``StripeObject`` classes for sub-hashes) say which fields an integration can read.
For every object the emulator returns in a varied scenario (accounts, capabilities, financial
accounts and features, money movement, cardholders, cards in several states, authorizations
approved/declined/captured/reversed, transactions, disputes, events, webhook endpoints), found
in the raw JSON of every GET route we serve (and in everything embedded in it: expansions,
``data.object`` of events), each declared field:

- is present, at every depth, unless Stripe itself leaves it out (``MAY_BE_ABSENT``: the fields
  stripe-node 23.1 types as optional ``field?:`` for API 2026-10-28, e.g. ``number``/``cvc`` of a
  card without ``expand``, evidence hashes of other dispute reasons);
- is ``null`` only where the SDK type is ``Optional``;
- holds a hash where the SDK declares a nested object (a list of hashes for a list of them).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe
from stripe._request_options import RequestOptions
from stripe.params.issuing._dispute_create_params import DisputeCreateParamsEvidence

from emulator import EmulatorServer
from emulator.app import create_app
from tests.support import flows, issuing_flows
from tests.support.cards import SHIPPING
from tests.support.sdk_fields import check, embedded

APP = create_app()


# --- what the SDK declares --------------------------------------------------------------------------


# --- the scenario ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    http: httpx.Client
    account: str
    ids: dict[str, str]

    def get(self, path: str, params: dict[str, Any] | None = None, *, connected: bool = True) -> Any:
        headers = {"Stripe-Account": self.account} if connected else {}
        r = self.http.get(path, params=params, headers=headers)
        assert r.status_code == 200, (path, r.text)
        return r.json()


def _activity(client: stripe.StripeClient) -> dict[str, str]:
    """Objects in many states on one connected account; returns their ids by kind."""
    sp = issuing_flows.spender(client, funds=1_000_000)
    opts: RequestOptions = {"stripe_account": sp.account}
    helpers = client.v1.test_helpers.issuing
    company = issuing_flows.cardholder(
        client, sp.account, type="company", name="Rocket Rides", individual=None, company={"tax_id": "000000000"}
    )
    physical = sp.new_card(type="physical", shipping=SHIPPING)
    helpers.cards.ship_card(physical, options=opts)
    lost = sp.new_card()
    client.v1.issuing.cards.update(lost, {"status": "canceled", "cancellation_reason": "lost"}, opts)
    sp.new_card(replacement_for=lost, replacement_reason="lost")
    capture_txn = helpers.authorizations.capture(sp.authorize(2000).id, options=opts).transactions[0].id
    helpers.transactions.refund(capture_txn, {"refund_amount": 500}, opts)
    helpers.authorizations.reverse(sp.authorize(700).id, options=opts)
    sp.authorize(10_000_000)  # declined: insufficient funds
    pending = sp.authorize(300, merchant_data={"category": "fast_food_restaurants", "name": "Burgers"})
    helpers.transactions.create_force_capture({"card": sp.card, "amount": 400}, opts)
    helpers.transactions.create_unlinked_refund({"card": sp.card, "amount": 100}, opts)
    lost_txn = helpers.authorizations.capture(sp.authorize(900).id, options=opts).transactions[0].id
    evidence: DisputeCreateParamsEvidence = {
        "reason": "other",
        "other": {"explanation": "not what I bought", "product_description": "a lamp", "product_type": "merchandise"},
    }
    dispute = client.v1.issuing.disputes.create({"transaction": lost_txn, "evidence": evidence}, opts)
    client.v1.issuing.disputes.submit(dispute.id, options=opts)
    fraud_txn = helpers.authorizations.capture(sp.authorize(100).id, options=opts).transactions[0].id
    fraud: DisputeCreateParamsEvidence = {"reason": "fraudulent", "fraudulent": {"explanation": "not me"}}
    client.v1.issuing.disputes.create({"transaction": fraud_txn, "evidence": fraud}, opts)
    client.v1.test_helpers.treasury.received_debits.create(
        {"amount": 100, "currency": "usd", "financial_account": sp.fa, "network": "ach"}, opts
    )
    we = client.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/sdk-fields", "enabled_events": ["account.updated"]}
    )
    return {
        "account": sp.account,
        "financial_account": sp.fa,
        "cardholder": company,
        "card": physical,
        "authorization": pending.id,
        "transaction": capture_txn,
        "dispute": dispute.id,
        "webhook_endpoint": we.id,
        "capability": "card_issuing",
    }


@pytest.fixture(scope="module")
def scenario(server: EmulatorServer) -> Iterator[Scenario]:
    key = "sk_test_" + uuid.uuid4().hex
    client = stripe.StripeClient(key, base_addresses={"api": server.url}, max_network_retries=0)
    flows.connected_account(client)  # a second account, so account lists have more than one
    ids = _activity(client)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:
        yield Scenario(http, ids["account"], ids)
    client.v1.webhook_endpoints.delete(ids["webhook_endpoint"])  # no deliveries after this module


PLATFORM_PREFIXES = ("/v1/accounts", "/v1/account", "/v1/webhook_endpoints")
SINGLETONS = frozenset({"/v1/balance", "/v1/balance_settings"})  # one object, not a list: no paging parameters


def _gets() -> list[str]:
    return [r.template for r in APP.router.routes if r.method == "GET"]


def _fill(template: str, s: Scenario, listed: dict[str, list[str]]) -> str | None:
    """The template with its ids: known ones, else the first id a list of the same collection gave."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in s.ids:
            return s.ids[name]
        collection = template[: m.start()].rstrip("/")
        found = listed.get(collection)
        return found[0] if found else ""

    path = re.sub(r"\{(\w+)\}", one, template)
    return None if "//" in path or path.endswith("/") else path


def _responses(s: Scenario) -> Iterator[tuple[str, Any]]:
    listed: dict[str, list[str]] = {}
    lists = [t for t in _gets() if "{" not in t]
    for template in lists:
        connected = not template.startswith(PLATFORM_PREFIXES)
        params: dict[str, Any] = {"limit": 100} if template not in SINGLETONS else {}
        if template == "/v1/issuing/tokens":
            params["card"] = s.ids["card"]
        if template.startswith("/v1/treasury/") and template != "/v1/treasury/financial_accounts":
            params["financial_account"] = s.ids["financial_account"]
        body = s.get(template, params if template != "/v1/account" else None, connected=connected)
        if body.get("object") == "list":
            listed[template] = [item["id"] for item in body["data"] if "id" in item]
        yield template, body
        if template == "/v1/events":
            yield "/v1/events (platform)", s.get(template, params, connected=False)
    for template in (t for t in _gets() if "{" in t):
        path = _fill(template, s, listed)
        if path is None:
            continue
        yield template, s.get(path, connected=not template.startswith(PLATFORM_PREFIXES))


def test_the_scenario_covers_the_issuing_and_treasury_objects(scenario: Scenario) -> None:
    seen = {obj["object"] for _, body in _responses(scenario) for obj in embedded(body)}
    wanted = {
        "account",
        "capability",
        "event",
        "webhook_endpoint",
        "issuing.authorization",
        "issuing.card",
        "issuing.cardholder",
        "issuing.dispute",
        "issuing.transaction",
        "treasury.financial_account",
        "treasury.financial_account_features",
        "treasury.received_credit",
        "treasury.received_debit",
        "treasury.transaction",
        "treasury.transaction_entry",
        "treasury.debit_reversal",
    }
    assert wanted <= seen, sorted(wanted - seen)


def test_every_sdk_field_is_present(scenario: Scenario) -> None:
    found: dict[str, str] = {}
    checked = 0
    for template, body in _responses(scenario):
        for obj in embedded(body):
            checked += 1
            for p in check(obj):
                found.setdefault(re.sub(r"\[\d+\]", "[]", p), template)
    assert checked > 100
    assert not found, "fields the SDK declares that our responses lack:\n  " + "\n  ".join(
        f"{p}  (GET {t})" for p, t in sorted(found.items())
    )


def test_checker_flags_missing_and_null_fields() -> None:
    """The check itself: a missing field, a null where the SDK does not allow it, a scalar for a hash."""
    card = {"id": "ic_1", "object": "issuing.card", "brand": None, "spending_controls": "x"}
    found = check(card)
    assert "issuing.card.brand: null, but the SDK type is not Optional (<class 'str'>)" in found
    assert "issuing.card.spending_controls: not a hash (str)" in found
    assert "issuing.card.exp_month: missing" in found
    assert not any(p.startswith(("issuing.card.number", "issuing.card.cvc")) for p in found)
    assert check({"id": "acct_1", "object": "account", "deleted": True}) == []
