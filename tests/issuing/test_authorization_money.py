"""The money interface of Issuing authorizations (``authorization_money.Funds``), in-process.

One contract, two implementations: a card on a Treasury financial account and a card on the
account's Issuing balance. The authorization is made through the SDK (so it has its book); the
test then drives its ``Funds`` directly and checks that what the money shows as held always
equals the book's ``hold``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION, FINANCIAL_ACCOUNT, TREASURY_TRANSACTION
from emulator.core.store import Obj
from emulator.resources.issuing import authorization_money as money
from emulator.resources.issuing import issuing_balance
from emulator.resources.issuing.authorization_books import account_book_of, book_of
from tests.support import flows, issuing_flows

FUNDED = 10_000


@dataclass
class Case:
    ctx: Ctx
    card: Obj
    auth: Obj
    on_fa: bool

    def shown_held(self) -> int:
        """What the money itself holds for the authorization (placed, awaiting included)."""
        if self.on_fa:
            fa = self.ctx.scope.get(FINANCIAL_ACCOUNT, self.card["financial_account"])
            assert fa is not None
            return int(fa["balance"]["outbound_pending"]["usd"])
        booked = -sum(t["amount"] for t in issuing_balance.balance_transactions(self.ctx, self.auth))
        reserved = account_book_of(self.ctx.scope).get("issuing_reserved", {}).get("usd", 0)
        return booked + reserved

    def held(self) -> int:
        return book_of(self.ctx.scope, self.auth["id"])["hold"]


def _case(server: EmulatorServer, api_key: str, client: stripe.StripeClient, on_fa: bool, amount: int) -> Case:
    account = flows.connected_account(client).id
    opts: Any = {"stripe_account": account}
    holder = issuing_flows.cardholder(client, account)
    if on_fa:
        fa = flows.funded_financial_account(client, account, amount=FUNDED).id
        card_id = issuing_flows.card(client, account, holder, fa)
    else:
        card_id = issuing_flows.card(client, account, holder, None)
        client.v1.topups.create({"amount": FUNDED, "currency": "usd", "destination_balance": "issuing"}, opts)
    auth = client.v1.test_helpers.issuing.authorizations.create({"card": card_id, "amount": amount}, opts)
    assert auth.approved
    platform = server.state.platform(api_key)
    scope = platform.scope(account)
    ctx = Ctx(server.state, platform, scope, server.app.representation)
    card, stored = scope.get("issuing.card", card_id), scope.get(AUTHORIZATION, auth.id)
    assert card is not None and stored is not None
    return Case(ctx, card, stored, on_fa)


@pytest.fixture(params=[True, False], ids=["financial_account", "issuing_balance"])
def case(request: pytest.FixtureRequest, server: EmulatorServer, api_key: str, client: stripe.StripeClient) -> Case:
    return _case(server, api_key, client, request.param, 1_000)


def test_the_place_is_the_cards_and_stays_the_authorizations(case: Case) -> None:
    expected = money.TreasuryFunds if case.on_fa else money.IssuingBalanceFunds
    assert isinstance(money.of_authorization(case.ctx, case.auth), expected)
    assert isinstance(money.of_card(case.ctx, case.card), expected)
    assert book_of(case.ctx.scope, case.auth["id"])["fa"] == case.card["financial_account"]


def test_shortfall_is_the_funds_check(case: Case) -> None:
    funds = money.of_card(case.ctx, case.card)
    left = FUNDED - 1_000
    assert funds.shortfall("usd", left) is None
    assert funds.shortfall("usd", left + 1) == "insufficient_funds"


def test_hold_and_release_keep_the_money_equal_to_the_book(case: Case) -> None:
    funds = money.of_authorization(case.ctx, case.auth)
    assert case.held() == case.shown_held() == 1_000
    funds.hold(case.auth, 500)
    assert case.held() == case.shown_held() == 1_500
    assert funds.release(case.auth, 200) == 200
    assert case.held() == case.shown_held() == 1_300
    assert funds.release(case.auth, 5_000) == 1_300  # never more than is held
    assert case.held() == case.shown_held() == 0
    assert funds.release(case.auth, 1) == 0
    assert funds.shortfall("usd", FUNDED) is None  # all of it is spendable again


def test_a_hold_awaiting_a_decision_is_counted_before_it_is_booked(case: Case) -> None:
    funds = money.of_authorization(case.ctx, case.auth)
    before = len(issuing_balance.balance_transactions(case.ctx, case.auth))
    funds.hold(case.auth, 2_000, book=False)
    assert case.held() == case.shown_held() == 3_000
    assert funds.shortfall("usd", FUNDED - 3_000) is None
    assert funds.shortfall("usd", FUNDED - 3_000 + 1) == "insufficient_funds"
    written = len(issuing_balance.balance_transactions(case.ctx, case.auth))
    assert written == before  # on the Issuing balance only reserved (no balance transaction yet)
    funds.decided(case.auth)
    assert case.held() == case.shown_held() == 3_000
    if not case.on_fa:
        assert len(issuing_balance.balance_transactions(case.ctx, case.auth)) == before + 1
        assert account_book_of(case.ctx.scope)["issuing_reserved"]["usd"] == 0


def test_close_releases_everything_and_ends_the_hold(case: Case) -> None:
    funds = money.of_authorization(case.ctx, case.auth)
    funds.show_amount(case.auth, 1_000)
    funds.close(case.auth)
    assert case.held() == case.shown_held() == 0
    trxn_id = book_of(case.ctx.scope, case.auth["id"]).get("trxn")
    if case.on_fa:
        trxn = case.ctx.scope.get(TREASURY_TRANSACTION, trxn_id or "")
        assert trxn is not None and trxn["status"] == "void" and trxn["amount"] == -1_000
    else:
        assert trxn_id is None


def test_settle_posts_a_capture_and_a_refund_where_the_card_spends(case: Case) -> None:
    funds = money.of_card(case.ctx, case.card)
    for amount in (-700, 300):
        item = money.Settlement(case.card, amount, "ipi_test", case.auth["id"], "Rocket Rides")
        settled = funds.settle(item)
        if case.on_fa:
            assert settled.balance_transaction is None and settled.flow is not None
            kind = "treasury.received_debit" if amount < 0 else "treasury.received_credit"
            assert settled.flow["object"] == kind and settled.flow["amount"] == abs(amount)
            assert settled.flow["linked_flows"]["issuing_authorization"] == case.auth["id"]
        else:
            assert settled.flow is None and settled.balance_transaction is not None
            txn = settled.balance_transaction
            assert (txn["type"], txn["amount"], txn["source"]) == ("issuing_transaction", amount, "ipi_test")
