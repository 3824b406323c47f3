"""A hypothesis state machine over the Stripe balance of a platform and a connected account.

Random sequences of top-ups (to the payments or the Issuing balance), authorizations on cards
without a financial account, increments, captures (closing or not), reversals, expiries and
refunds run through the real SDK against a model; after every step, for each account:

* ``GET /v1/balance`` equals the sum of the account's balance transactions, in each balance;
* ``issuing.available`` and ``available`` are what the model expects;
* the Issuing balance never goes negative through an authorization: every approval the emulator
  gives is one the model predicts (never beyond ``issuing.available``), every refusal it predicts
  is refused with ``insufficient_funds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from emulator import EmulatorServer
from emulator.resources.balance import ledger
from tests.support import flows, machines

ACCOUNTS = (0, 1)  # 0: the platform, 1: a connected account


@dataclass
class Auth:
    account: int
    hold: int
    status: str = "pending"


@dataclass
class Capture:
    account: int
    amount: int
    refunded: int = 0


@dataclass
class Money:
    issuing: int = 0
    available: int = 0


@dataclass
class Model:
    money: dict[int, Money] = field(default_factory=lambda: {a: Money() for a in ACCOUNTS})
    auths: dict[str, Auth] = field(default_factory=dict)
    captures: dict[str, Capture] = field(default_factory=dict)


def machine(server: EmulatorServer) -> type[RuleBasedStateMachine]:
    class BalanceMachine(RuleBasedStateMachine):
        auths = Bundle("auths")
        captures = Bundle("captures")

        def __init__(self) -> None:
            super().__init__()
            self.key, self.client = machines.platform(server)
            connected = flows.connected_account(self.client).id
            self.account_ids: dict[int, str | None] = {0: None, 1: connected}
            self.cards = {a: self._card(a) for a in ACCOUNTS}
            self.model = Model()
            self.th = self.client.v1.test_helpers.issuing

        def opts(self, account: int) -> Any:
            acct = self.account_ids[account]
            return {"stripe_account": acct} if acct else {}

        def _card(self, account: int) -> str:
            holder_params: Any = flows.guide_cardholder_params()
            holder = self.client.v1.issuing.cardholders.create(holder_params, self.opts(account))
            params: Any = {"cardholder": holder.id, "currency": "usd", "type": "virtual", "status": "active"}
            return self.client.v1.issuing.cards.create(params, self.opts(account)).id

        # --- rules ----------------------------------------------------------------------------

        @rule(account=st.sampled_from(ACCOUNTS), amount=st.integers(1, 8_000), to_issuing=st.booleans())
        def topup(self, account: int, amount: int, to_issuing: bool) -> None:
            params: Any = {"amount": amount, "currency": "usd"}
            if to_issuing:
                params["destination_balance"] = "issuing"
            self.client.v1.topups.create(params, self.opts(account))
            money = self.model.money[account]
            if to_issuing:
                money.issuing += amount
            else:
                money.available += amount

        @rule(target=auths, account=st.sampled_from(ACCOUNTS), amount=st.integers(1, 9_000))
        def authorize(self, account: int, amount: int) -> Any:
            money = self.model.money[account]
            expected = money.issuing >= amount
            auth = self.th.authorizations.create({"card": self.cards[account], "amount": amount}, self.opts(account))
            assert auth.approved == expected, (auth.request_history[-1].reason, amount, money.issuing)
            if not expected:
                assert auth.request_history[-1].reason == "insufficient_funds"
                return multiple()
            money.issuing -= amount
            self.model.auths[auth.id] = Auth(account, amount)
            return auth.id

        @rule(target=auths, account=st.sampled_from(ACCOUNTS), delta=st.integers(-1, 1))
        def authorize_everything(self, account: int, delta: int) -> Any:
            """Right at the edge of the Issuing balance."""
            return self.authorize(account, max(self.model.money[account].issuing + delta, 1))

        @rule(auth=auths, amount=st.integers(1, 4_000))
        def increment(self, auth: str, amount: int) -> None:
            a = self.model.auths[auth]
            if a.status != "pending":
                return
            money = self.model.money[a.account]
            expected = money.issuing >= amount
            out = self.th.authorizations.increment(auth, {"increment_amount": amount}, self.opts(a.account))
            assert out.request_history[-1].approved == expected
            if expected:
                a.hold += amount
                money.issuing -= amount

        @rule(target=captures, auth=auths, share=st.floats(0.01, 1.0), close=st.booleans())
        def capture(self, auth: str, share: float, close: bool) -> Any:
            a = self.model.auths[auth]
            if a.status != "pending" or a.hold == 0:
                return multiple()
            amount = max(1, int(a.hold * share))
            out = self.th.authorizations.capture(
                auth, {"capture_amount": amount, "close_authorization": close}, self.opts(a.account)
            )
            money = self.model.money[a.account]
            if close:
                money.issuing += a.hold - amount
                a.hold = 0
                a.status = "closed"
            else:
                a.hold -= amount
            tx_id = out.transactions[-1].id
            self.model.captures[tx_id] = Capture(a.account, amount)
            return tx_id

        @rule(auth=auths, share=st.floats(0.0, 1.0))
        def reverse(self, auth: str, share: float) -> None:
            a = self.model.auths[auth]
            if a.status != "pending":
                return
            amount = int(a.hold * share)
            self.th.authorizations.reverse(auth, {"reverse_amount": amount}, self.opts(a.account))
            a.hold -= amount
            self.model.money[a.account].issuing += amount
            if a.hold == 0:
                a.status = "done"

        @rule(auth=auths)
        def expire(self, auth: str) -> None:
            a = self.model.auths[auth]
            if a.status != "pending":
                return
            self.th.authorizations.expire(auth, options=self.opts(a.account))
            self.model.money[a.account].issuing += a.hold
            a.hold = 0
            a.status = "expired"

        @rule(capture=captures, share=st.floats(0.01, 1.0))
        def refund(self, capture: str, share: float) -> None:
            c = self.model.captures[capture]
            left = c.amount - c.refunded
            if left == 0:
                return
            amount = max(1, int(left * share))
            self.th.transactions.refund(capture, {"refund_amount": amount}, self.opts(c.account))
            c.refunded += amount
            self.model.money[c.account].issuing += amount

        # --- invariants -----------------------------------------------------------------------

        @invariant()
        def balances_are_the_sum_of_their_transactions(self) -> None:
            for account in ACCOUNTS:
                balance = self.client.v1.balance.retrieve(options=self.opts(account))
                txns = [
                    t
                    for t in self.client.v1.balance_transactions.list(
                        {"limit": 100}, self.opts(account)
                    ).auto_paging_iter()
                ]
                issuing = sum(t.net for t in txns if t.balance_type == "issuing")
                payments = sum(t.net for t in txns if t.balance_type == "payments" and t.status == "available")
                assert balance.issuing is not None
                shown_issuing = sum(a.amount for a in balance.issuing.available)
                shown_available = sum(a.amount for a in balance.available)
                assert (shown_issuing, shown_available) == (issuing, payments)
                money = self.model.money[account]
                assert (shown_issuing, shown_available) == (money.issuing, money.available)
                assert shown_issuing >= 0
                platform = server.state.platform(self.key)
                ledger.check_invariant(platform.scope(self.account_ids[account]))

    return BalanceMachine


@pytest.mark.slow
def test_balances_hold_after_any_sequence(server: EmulatorServer) -> None:
    machines.run(machine(server), examples=30, steps=25)
