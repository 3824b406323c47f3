"""A hypothesis state machine over Connect money: top-ups, transfers, reversals, payouts.

Random sequences of platform top-ups, transfers to two connected accounts (any amount, often more
than the platform holds), transfer reversals (any amount, often more than remains or than the
connected account still holds), payouts from any of the three accounts to bank accounts that pay,
fail (Stripe's test numbers) or stay pending (the emulator's number), payout cancels and payout
reversals (connected accounts' payouts only) run through the real SDK against a model of each account's available balance. After
every step, for every account:

* ``GET /v1/balance`` ``available`` equals the sum of the account's balance transactions (listed
  through the API) and the model's figure;
* the ledger's own invariant holds (``ledger.check_invariant``);
and every refusal the model predicts is a 400 that moved nothing, every success it predicts succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import stripe
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from emulator import EmulatorServer
from emulator.resources.balance import ledger
from emulator.resources.connect import bank_accounts
from tests.support import flows, machines

NUMBERS = {"pays": "000123456789", "fails": "000111111116", "pending": bank_accounts.PENDING_NUMBER}
AMOUNTS = st.integers(min_value=1, max_value=6_000)


@dataclass
class Transfer:
    destination: str
    amount: int
    reversed: int = 0


@dataclass
class Payout:
    account: str
    amount: int
    status: str
    reversible: bool


def machine(server: EmulatorServer) -> type[RuleBasedStateMachine]:
    class ConnectMoneyMachine(RuleBasedStateMachine):
        transfers = Bundle("transfers")
        payouts = Bundle("payouts")

        def __init__(self) -> None:
            super().__init__()
            self.key, self.client = machines.platform(server, max_network_retries=0)
            self.platform = self.client.v1.accounts.retrieve_current().id
            self.connected = [flows.connected_account(self.client).id for _ in range(2)]
            self.accounts = [self.platform, *self.connected]
            self.available = dict.fromkeys(self.accounts, 0)
            self.bank: dict[str, str | None] = dict.fromkeys(self.accounts)
            self.numbers: set[tuple[str, str]] = set()
            self.t: dict[str, Transfer] = {}
            self.p: dict[str, Payout] = {}

        def opts(self, account: str) -> Any:
            return {} if account == self.platform else {"stripe_account": account}

        def refused(self, call: Any, *args: Any) -> None:
            with pytest.raises(stripe.InvalidRequestError) as exc:
                call(*args)
            assert exc.value.http_status == 400

        @rule(amount=AMOUNTS)
        def top_up(self, amount: int) -> None:
            self.client.v1.topups.create({"amount": amount, "currency": "usd"})
            self.available[self.platform] += amount

        @rule(which=st.sampled_from([0, 1]), amount=AMOUNTS, target=transfers)
        def transfer(self, which: int, amount: int) -> str:
            destination = self.connected[which]
            params = {"amount": amount, "currency": "usd", "destination": destination}
            if amount > self.available[self.platform]:
                self.refused(self.client.v1.transfers.create, params)
                return ""
            tr = self.client.v1.transfers.create(params)
            self.available[self.platform] -= amount
            self.available[destination] += amount
            self.t[tr.id] = Transfer(destination, amount)
            return tr.id

        @rule(transfer=transfers, amount=st.one_of(st.none(), AMOUNTS))
        def reverse_transfer(self, transfer: str, amount: int | None) -> None:
            if not transfer:
                return
            t = self.t[transfer]
            remaining = t.amount - t.reversed
            wanted = remaining if amount is None else amount
            params = {} if amount is None else {"amount": amount}
            if remaining == 0 or wanted > remaining or wanted > self.available[t.destination]:
                self.refused(self.client.v1.transfers.reversals.create, transfer, params)
                return
            self.client.v1.transfers.reversals.create(transfer, params)
            t.reversed += wanted
            self.available[t.destination] -= wanted
            self.available[self.platform] += wanted

        @rule(who=st.sampled_from([0, 1, 2]), kind=st.sampled_from(sorted(NUMBERS)))
        def add_bank_account(self, who: int, kind: str) -> None:
            account = self.accounts[who]
            details = {
                "object": "bank_account",
                "country": "US",
                "currency": "usd",
                "routing_number": "110000000",
                "account_number": NUMBERS[kind],
            }
            if (account, kind) in self.numbers:  # the same routing and account number twice
                self.refused(self.client.v1.accounts.external_accounts.create, account, {"external_account": details})
                return
            self.numbers.add((account, kind))
            bank = self.client.v1.accounts.external_accounts.create(
                account, {"external_account": details, "default_for_currency": True}
            )
            self.bank[account] = kind
            assert bank["default_for_currency"] is True

        @rule(who=st.sampled_from([0, 1, 2]), amount=AMOUNTS, target=payouts)
        def payout(self, who: int, amount: int) -> str:
            account = self.accounts[who]
            params = {"amount": amount, "currency": "usd"}
            kind = self.bank[account]
            if kind is None or amount > self.available[account]:
                self.refused(self.client.v1.payouts.create, params, self.opts(account))
                return ""
            po = self.client.v1.payouts.create(params, self.opts(account))
            status = {"pays": "paid", "fails": "failed", "pending": "pending"}[kind]
            if status != "failed":
                self.available[account] -= amount
            self.p[po.id] = Payout(account, amount, status, reversible=True)
            assert self.client.v1.payouts.retrieve(po.id, options=self.opts(account)).status == status
            return po.id

        @rule(payout=payouts)
        def cancel_payout(self, payout: str) -> None:
            if not payout:
                return
            p = self.p[payout]
            if p.status != "pending":
                self.refused(self.client.v1.payouts.cancel, payout, None, self.opts(p.account))
                return
            self.client.v1.payouts.cancel(payout, options=self.opts(p.account))
            p.status = "canceled"
            self.available[p.account] += p.amount

        @rule(payout=payouts)
        def reverse_payout(self, payout: str) -> None:
            if not payout:
                return
            p = self.p[payout]
            # Stripe reverses only connected accounts' payouts (the platform's own are refused)
            if p.status != "paid" or not p.reversible or p.account == self.platform:
                self.refused(self.client.v1.payouts.reverse, payout, None, self.opts(p.account))
                return
            reversal = self.client.v1.payouts.reverse(payout, options=self.opts(p.account))
            p.reversible = False
            self.p[reversal.id] = Payout(p.account, p.amount, "paid", reversible=False)
            self.available[p.account] += p.amount

        @invariant()
        def balances_are_the_sum_of_their_transactions(self) -> None:
            platform = server.state.platforms[self.key]
            for account in self.accounts:
                opts = self.opts(account)
                balance = self.client.v1.balance.retrieve(options=opts)
                shown = sum(a.amount for a in balance.available if a.currency == "usd")
                txns = self.client.v1.balance_transactions.list({"limit": 100}, opts).auto_paging_iter()
                summed = sum(t.net for t in txns if t.currency == "usd" and t.balance_type != "issuing")
                assert shown == summed == self.available[account], account
                ledger.check_invariant(platform.scope(account))

    return ConnectMoneyMachine


@pytest.mark.slow
def test_connect_money_keeps_every_balance_equal_to_its_transactions(server: EmulatorServer) -> None:
    machines.run(machine(server), examples=15, steps=20)
