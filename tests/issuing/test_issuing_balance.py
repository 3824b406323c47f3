"""Cards without a financial account spend the Issuing balance: funding, holds, captures, refunds,
disputes, and the push-funding instructions of UK and euro-area programs."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows
from tests.support.receiver import Receiver, json_answer

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


class Program:
    """An account with an active card on its Issuing balance (no financial account)."""

    def __init__(self, client: stripe.StripeClient, account: str | None = None, currency: str = "usd") -> None:
        self.client = client
        self.account = account
        self.currency = currency
        self.opts: Any = {}
        if account:
            self.opts = {"stripe_account": account}
        billing = flows.billed_in(flows.COUNTRY_OF_CURRENCY[currency])
        holder: dict[str, Any] = flows.guide_cardholder_params(phone_number="+442071234567", billing=billing)
        self.holder = client.v1.issuing.cardholders.create(holder, self.opts).id  # type: ignore[arg-type]
        self.card = client.v1.issuing.cards.create(
            {"cardholder": self.holder, "currency": currency, "type": "virtual", "status": "active"}, self.opts
        ).id

    def topup(self, amount: int) -> stripe.Topup:
        return self.client.v1.topups.create(
            {"amount": amount, "currency": self.currency, "destination_balance": "issuing"},  # type: ignore[typeddict-unknown-key]
            self.opts,
        )

    def authorize(self, amount: int, **params: Any) -> stripe.issuing.Authorization:
        return self.client.v1.test_helpers.issuing.authorizations.create(
            {"card": self.card, "amount": amount, **params},  # type: ignore[typeddict-item]
            self.opts,
        )

    def issuing_available(self) -> int:
        balance = self.client.v1.balance.retrieve(options=self.opts)
        assert balance.issuing is not None
        amounts = {a.currency: a.amount for a in balance.issuing.available}
        return amounts.get(self.currency, 0)

    def txns(self, **params: Any) -> list[stripe.BalanceTransaction]:
        listed = self.client.v1.balance_transactions.list({"limit": 100, **params}, self.opts)  # type: ignore[arg-type]
        return list(listed.data)

    def check_sum(self) -> None:
        """``issuing.available`` is the sum of the Issuing balance transactions."""
        total = sum(t.net for t in self.txns() if t.balance_type == "issuing" and t.currency == self.currency)
        assert self.issuing_available() == total


@pytest.fixture
def program(client: stripe.StripeClient) -> Program:
    p = Program(client, flows.connected_account(client).id)
    p.topup(10_000)
    return p


def test_insufficient_issuing_balance_declines(client: stripe.StripeClient) -> None:
    p = Program(client, flows.connected_account(client).id)
    auth = p.authorize(100)
    assert (auth.approved, auth.status) == (False, "closed")
    assert [r.reason for r in auth.request_history] == ["insufficient_funds"]
    assert auth.balance_transactions == [] and p.txns() == []
    p.topup(100)
    assert p.authorize(100).approved
    assert p.issuing_available() == 0
    p.check_sum()


def test_hold_then_capture_settles_on_the_issuing_balance(program: Program) -> None:
    p = program
    auth = p.authorize(2_500)
    assert auth.approved and auth.treasury is None
    [hold] = auth.balance_transactions
    assert (hold.type, hold.amount, hold.source, hold.reporting_category) == (
        "issuing_authorization_hold",
        -2_500,
        auth.id,
        "issuing_authorization_hold",
    )
    # the fields of a livemode issuing_authorization.created payload's hold
    assert (hold.description, hold.status, hold.fee, hold.fee_details, hold.net) == (
        "Hold for authorization",
        "available",
        0,
        [],
        -2_500,
    )
    assert p.issuing_available() == 7_500
    captured = p.client.v1.test_helpers.issuing.authorizations.capture(auth.id, {"capture_amount": 2_000}, p.opts)
    assert [t.type for t in captured.balance_transactions] == [
        "issuing_authorization_hold",
        "issuing_authorization_release",
    ]
    assert captured.balance_transactions[1].amount == 2_500
    tx = p.client.v1.issuing.transactions.retrieve(
        captured.transactions[0].id, {"expand": ["balance_transaction"]}, p.opts
    )
    bt = tx.balance_transaction
    assert isinstance(bt, stripe.BalanceTransaction)
    assert (bt.type, bt.amount, bt.source, bt.reporting_category) == (
        "issuing_transaction",
        -2_000,
        tx.id,
        "issuing_transaction",
    )
    assert p.issuing_available() == 8_000
    p.check_sum()


def test_reverse_and_expire_release_the_hold(program: Program) -> None:
    p = program
    auth = p.authorize(4_000)
    p.client.v1.test_helpers.issuing.authorizations.reverse(auth.id, {"reverse_amount": 1_000}, p.opts)
    assert p.issuing_available() == 7_000
    expired = p.client.v1.test_helpers.issuing.authorizations.expire(auth.id, options=p.opts)
    assert [(t.type, t.amount) for t in expired.balance_transactions] == [
        ("issuing_authorization_hold", -4_000),
        ("issuing_authorization_release", 1_000),
        ("issuing_authorization_release", 3_000),
    ]
    assert p.issuing_available() == 10_000
    p.check_sum()


def test_increment_holds_more_and_is_declined_when_short(program: Program) -> None:
    p = program
    auth = p.authorize(6_000, is_amount_controllable=True)
    more = p.client.v1.test_helpers.issuing.authorizations.increment(auth.id, {"increment_amount": 3_000}, p.opts)
    assert more.amount == 9_000 and p.issuing_available() == 1_000
    refused = p.client.v1.test_helpers.issuing.authorizations.increment(auth.id, {"increment_amount": 2_000}, p.opts)
    assert refused.amount == 9_000 and refused.request_history[-1].reason == "insufficient_funds"
    assert len(refused.balance_transactions) == 2  # the declined increment wrote nothing
    p.check_sum()


def test_refunds_force_captures_and_unlinked_refunds_move_the_balance(program: Program) -> None:
    p = program
    auth = p.authorize(3_000)
    captured = p.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=p.opts)
    tx_id = captured.transactions[0].id
    p.client.v1.test_helpers.issuing.transactions.refund(tx_id, {"refund_amount": 1_000}, p.opts)
    [refund] = p.client.v1.issuing.transactions.list({"type": "refund"}, p.opts).data
    assert refund.amount == 1_000 and refund.balance_transaction is not None
    assert p.issuing_available() == 8_000
    forced = p.client.v1.test_helpers.issuing.transactions.create_force_capture(
        {"card": p.card, "amount": 9_500}, p.opts
    )
    assert forced.balance_transaction is not None
    assert p.issuing_available() == -1_500  # captures always succeed, even into a negative balance
    assert not p.authorize(1).approved  # nothing left to spend
    p.client.v1.test_helpers.issuing.transactions.create_unlinked_refund({"card": p.card, "amount": 2_000}, p.opts)
    assert p.issuing_available() == 500
    types = Counter(t.type for t in p.txns())
    assert types == Counter(
        {
            "topup": 1,
            "issuing_authorization_hold": 1,
            "issuing_authorization_release": 1,
            "issuing_transaction": 4,
        }
    )
    p.check_sum()


def test_won_dispute_credits_the_issuing_balance(program: Program) -> None:
    p = program
    auth = p.authorize(3_000)
    captured = p.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=p.opts)
    dispute = p.client.v1.issuing.disputes.create(
        {
            "transaction": captured.transactions[0].id,
            "evidence": {
                "reason": "other",
                "other": {
                    "explanation": "never arrived",
                    "product_description": "a service",
                    "product_type": "service",
                },
            },
        },
        p.opts,
    )
    disputes = p.client.v1.issuing.disputes
    assert "balance_transactions" not in dispute
    before = disputes.retrieve(dispute.id, {"expand": ["balance_transactions"]}, p.opts)
    assert before.balance_transactions == []  # asked for before any money moved: an empty list
    disputes.submit(dispute.id, options=p.opts)
    won = disputes.retrieve(dispute.id, options=p.opts)
    assert won.status == "won"
    assert "balance_transactions" not in won  # includable: only when asked for
    assert all("balance_transactions" not in d for d in disputes.list(options=p.opts).data)
    expanded = disputes.retrieve(dispute.id, {"expand": ["balance_transactions"]}, p.opts)
    assert expanded.balance_transactions is not None
    assert [(t.type, t.amount, t.source) for t in expanded.balance_transactions] == [
        ("issuing_dispute", 3_000, dispute.id)
    ]
    listed = disputes.list({"expand": ["data.balance_transactions"]}, p.opts).data
    assert [[t.id for t in d.balance_transactions] for d in listed] == [[expanded.balance_transactions[0].id]]
    deep = disputes.retrieve(dispute.id, {"expand": ["balance_transactions.source"]}, p.opts)
    assert deep.balance_transactions[0].source.id == dispute.id
    for event in p.client.v1.events.list({"limit": 100}, p.opts).data:
        if event.type.startswith("issuing_dispute."):
            assert "balance_transactions" not in event.data.object, event.type
    assert p.issuing_available() == 10_000
    p.check_sum()


def test_platform_cards_spend_the_platform_issuing_balance(client: stripe.StripeClient) -> None:
    p = Program(client)
    p.topup(1_000)
    assert p.authorize(600).approved
    assert not p.authorize(600).approved
    assert p.issuing_available() == 400
    p.check_sum()


async def _fire(server: EmulatorServer, api_key: str, p: Program, n: int, amount: int) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {api_key}", **({"Stripe-Account": p.account} if p.account else {})}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as http:
        calls = [
            http.post("/v1/test_helpers/issuing/authorizations", data={"card": p.card, "amount": amount})
            for _ in range(n)
        ]
        return [r.json() for r in await asyncio.gather(*calls)]


def test_fifty_concurrent_purchases_on_a_balance_funded_for_ten(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    p = Program(client, flows.connected_account(client).id)
    p.topup(10_000)
    results = asyncio.run(_fire(server, api_key, p, 50, 1_000))
    assert sum(r["approved"] for r in results) == 10
    reasons = Counter(r["request_history"][0]["reason"] for r in results)
    assert reasons == Counter({"card_active": 10, "insufficient_funds": 40})
    assert p.issuing_available() == 0
    assert Counter(t.type for t in p.txns()) == Counter({"topup": 1, "issuing_authorization_hold": 10})
    p.check_sum()


# --- push funding (UK and euro area) -----------------------------------------------------------------


def test_funding_instructions_are_created_once_per_currency(http: httpx.Client) -> None:
    body = {"currency": "gbp", "funding_type": "bank_transfer", "bank_transfer[type]": "gb_bank_transfer"}
    first = http.post("/v1/issuing/funding_instructions", data=body).json()
    again = http.post("/v1/issuing/funding_instructions", data=body).json()
    assert first == again and first["object"] == "funding_instructions"
    address = first["bank_transfer"]["financial_addresses"][0]
    assert address["type"] == "sort_code" and address["supported_networks"] == ["bacs", "fps"]
    eur = http.post(
        "/v1/issuing/funding_instructions",
        data={"currency": "eur", "funding_type": "bank_transfer", "bank_transfer[type]": "eu_bank_transfer"},
    ).json()
    iban = eur["bank_transfer"]["financial_addresses"][0]["iban"]
    assert iban["bic"] == "SXPYDEHH"
    # stripe-node 17.3 added both addresses to the records, typed as always present
    address_fields = {"city", "country", "line1", "line2", "postal_code", "state"}
    for record in (address["sort_code"], iban):
        assert set(record["account_holder_address"]) == set(record["bank_address"]) == address_fields
    assert (address["sort_code"]["account_holder_address"]["country"], iban["account_holder_address"]["country"]) == (
        "GB",
        "IE",
    )
    listed = http.get("/v1/issuing/funding_instructions").json()
    assert [i["currency"] for i in listed["data"]] == ["eur", "gbp"]


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        (
            "/v1/issuing/funding_instructions",
            {"currency": "usd", "funding_type": "bank_transfer", "bank_transfer[type]": "gb_bank_transfer"},
            "currency",
        ),
        (
            "/v1/issuing/funding_instructions",
            {"currency": "gbp", "funding_type": "bank_transfer", "bank_transfer[type]": "eu_bank_transfer"},
            "bank_transfer[type]",
        ),
        ("/v1/issuing/funding_instructions", {"currency": "gbp", "funding_type": "bank_transfer"}, "bank_transfer"),
        ("/v1/test_helpers/issuing/fund_balance", {"amount": "0", "currency": "gbp"}, "amount"),
        ("/v1/test_helpers/issuing/fund_balance", {"amount": "100", "currency": "xyz"}, "currency"),
        ("/v1/test_helpers/issuing/fund_balance", {"amount": "100000000", "currency": "eur"}, "amount"),
    ],
)
def test_bad_funding_requests_are_refused(http: httpx.Client, path: str, body: dict[str, str], param: str) -> None:
    resp = http.post(path, data=body)
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param
    assert http.get("/v1/balance_transactions").json()["data"] == []


def test_fund_balance_needs_card_issuing(client: stripe.StripeClient, http: httpx.Client) -> None:
    acct = flows.connected_account(client, country="GB", capabilities={"transfers": {"requested": True}})
    resp = http.post(
        "/v1/test_helpers/issuing/fund_balance",
        data={"amount": "100", "currency": "gbp"},
        headers={"Stripe-Account": acct.id},
    )
    assert resp.status_code == 400 and "card_issuing" in resp.json()["error"]["message"]


def test_uk_expense_management_program(client: stripe.StripeClient, http: httpx.Client) -> None:
    """GB program: card without a financial account -> funding instructions -> fund_balance ->
    issuing.available -> purchase -> capture -> balance transactions add up."""
    p = Program(client, currency="gbp")
    body = {"currency": "gbp", "funding_type": "bank_transfer", "bank_transfer[type]": "gb_bank_transfer"}
    instructions = http.post("/v1/issuing/funding_instructions", data=body).json()
    funded = http.post("/v1/test_helpers/issuing/fund_balance", data={"amount": "50000", "currency": "gbp"}).json()
    assert funded == instructions
    assert p.issuing_available() == 50_000
    [topup] = client.v1.topups.list().data
    assert (topup.status, topup.amount, topup.currency) == ("succeeded", 50_000, "gbp")
    assert topup["destination_balance"] == "issuing"
    pushed = [e.data.object for e in client.v1.events.list({"limit": 100}).data if e.type.startswith("topup.")]
    assert [t["destination_balance"] for t in pushed] == ["issuing", "issuing"]
    auth = p.authorize(12_345, merchant_data={"category": "taxicabs_limousines", "name": "London Cabs"})
    assert auth.approved and p.issuing_available() == 37_655
    client.v1.test_helpers.issuing.authorizations.capture(auth.id)
    assert p.issuing_available() == 37_655
    txns = p.txns()
    assert [(t.type, t.amount) for t in reversed(txns)] == [
        ("topup", 50_000),
        ("issuing_authorization_hold", -12_345),
        ("issuing_authorization_release", 12_345),
        ("issuing_transaction", -12_345),
    ]
    assert sum(t.net for t in txns) == 37_655
    p.check_sum()
    events = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert {"topup.created", "topup.succeeded", "balance.available", "issuing_transaction.created"} <= set(events)


# --- dashboard -------------------------------------------------------------------------------------


def test_dashboard_shows_balances_topups_and_balance_transactions(
    server: EmulatorServer, client: stripe.StripeClient
) -> None:
    acct = flows.connected_account(client).id
    p = Program(client, acct)
    topup = p.topup(12_345)
    p.authorize(2_000)
    with httpx.Client(base_url=server.url) as web:  # a browser: no API key
        found = web.get("/_emulator/search", params={"q": topup.id})
        assert found.status_code == 303
        handle = found.headers["location"].split("/")[3]
        platform_page = web.get(f"/_emulator/platforms/{handle}").text
        assert "Top-ups" in platform_page and "Balance transactions" in platform_page
        assert "$103.45" in platform_page  # the connected account's Issuing balance, next to it
        account_page = web.get(f"/_emulator/platforms/{handle}/objects/{acct}").text
        assert "Issuing balance" in account_page and "$103.45" in account_page
        listing = web.get(f"/_emulator/platforms/{handle}/types/balance_transaction").text
        assert "issuing_authorization_hold" in listing and topup.id in listing


def test_push_funding_with_the_python_sdks_raw_request(client: stripe.StripeClient) -> None:
    """The calls docs/balances.md shows."""
    client.raw_request(
        "post",
        "/v1/issuing/funding_instructions",
        currency="gbp",
        funding_type="bank_transfer",
        bank_transfer={"type": "gb_bank_transfer"},
    )
    client.raw_request("post", "/v1/test_helpers/issuing/fund_balance", amount=50_000, currency="gbp")
    balance = client.v1.balance.retrieve()
    assert balance.issuing is not None
    assert {a.currency: a.amount for a in balance.issuing.available}["gbp"] == 50_000


def test_topup_and_balance_events_are_delivered_to_webhook_endpoints(client: stripe.StripeClient) -> None:
    with Receiver() as rx:
        we = client.v1.webhook_endpoints.create(
            {"url": rx.url, "enabled_events": ["topup.created", "topup.succeeded", "balance.available"]}
        )
        topup = client.v1.topups.create(
            {"amount": 3_000, "currency": "usd", "destination_balance": "issuing"}  # type: ignore[typeddict-unknown-key]
        )
        rx.wait_for(3)
        events = rx.events(we.secret or "")
    assert [e.type for e in events] == ["topup.created", "balance.available", "topup.succeeded"]
    assert events[0].data.object["id"] == topup.id
    balance = events[1].data.object
    assert balance["object"] == "balance"
    assert [(a["amount"], a["currency"]) for a in balance["issuing"]["available"]] == [(3_000, "usd")]


def test_requests_awaiting_a_decision_reserve_the_issuing_balance(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """While the real-time endpoint decides, requests in flight reserve their amount; approvals
    write the holds, declines leave no balance transaction."""
    p = Program(client)
    p.topup(3_000)
    answers = [True, False, True, True, True, True]
    lock = threading.Lock()

    def decide(_: Any) -> Any:
        time.sleep(0.3)  # every request is in flight before the first answer
        with lock:
            approve = answers.pop(0)
        return json_answer(200, {"approved": approve}, {"Stripe-Version": "2026-10-28.endive"})

    with Receiver(decide) as rx:
        client.v1.webhook_endpoints.create({"url": rx.url, "enabled_events": ["issuing_authorization.request"]})
        results = asyncio.run(_fire(server, api_key, p, 6, 1_000))
    reasons = Counter(r["request_history"][-1]["reason"] for r in results)
    approved = sum(r["approved"] for r in results)
    assert reasons == Counter({"webhook_approved": 2, "webhook_declined": 1, "insufficient_funds": 3})
    assert p.issuing_available() == 3_000 - 1_000 * approved
    holds = [t for t in p.txns() if t.type == "issuing_authorization_hold"]
    assert len(holds) == approved and not [t for t in p.txns() if t.type == "issuing_authorization_release"]
    p.check_sum()
