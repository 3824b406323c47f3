"""A hypothesis state machine over Connect money: top-ups, transfers, reversals, payouts.

Random sequences of platform top-ups, usd transfers to two connected accounts, one in the US and one
in the UK (any amount, often more than the platform holds; the UK account's settle in gbp at the
emulator's fixed rates), transfer reversals (any amount, often more than remains or than the
connected account still holds; partial and full), payouts from any of the three accounts in its own
currency to bank accounts that pay, fail (Stripe's test numbers) or stay pending (the emulator's
number, US only), payout cancels and payout reversals (connected accounts' payouts to US bank
accounts only) run through the real SDK against a model of each account's available balance per
currency. After every step, for every account and currency:

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
from emulator.resources.currencies import convert
from tests.support import flows, machines

NUMBERS = {"pays": "000123456789", "fails": "000111111116", "pending": bank_accounts.PENDING_NUMBER}
GB_NUMBERS = {"pays": "00012345", "fails": "11111116"}  # Stripe's GB test numbers (sort code 108800)
AMOUNTS = st.integers(min_value=1, max_value=6_000)
CURRENCIES = ("usd", "gbp")


@dataclass
class Transfer:
    destination: str
    amount: int
    settled: int  # what the destination received, in its currency
    reversed: int = 0
    settled_reversed: int = 0


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
            gb = flows.connected_account(self.client, country="GB", capabilities={"transfers": {"requested": True}})
            self.connected = [flows.connected_account(self.client).id, gb.id]
            self.accounts = [self.platform, *self.connected]
            self.currency = {self.platform: "usd", self.connected[0]: "usd", gb.id: "gbp"}
            self.available = {(a, c): 0 for a in self.accounts for c in CURRENCIES}
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
            self.available[self.platform, "usd"] += amount

        @rule(which=st.sampled_from([0, 1]), amount=AMOUNTS, target=transfers)
        def transfer(self, which: int, amount: int) -> str:
            destination = self.connected[which]
            params = {"amount": amount, "currency": "usd", "destination": destination}
            if amount > self.available[self.platform, "usd"]:
                self.refused(self.client.v1.transfers.create, params)
                return ""
            tr = self.client.v1.transfers.create(params)
            settled = convert(amount, "usd", self.currency[destination])
            self.available[self.platform, "usd"] -= amount
            self.available[destination, self.currency[destination]] += settled
            self.t[tr.id] = Transfer(destination, amount, settled)
            return tr.id

        @rule(transfer=transfers, amount=st.one_of(st.none(), AMOUNTS))
        def reverse_transfer(self, transfer: str, amount: int | None) -> None:
            if not transfer:
                return
            t = self.t[transfer]
            currency = self.currency[t.destination]
            remaining = t.amount - t.reversed
            wanted = remaining if amount is None else amount
            params = {} if amount is None else {"amount": amount}
            left = t.settled - t.settled_reversed
            # the converted share, never more than is left; the completing reversal takes all that is left
            debit = left if wanted == remaining else min(left, convert(wanted, "usd", currency))
            if remaining == 0 or wanted > remaining or debit > self.available[t.destination, currency]:
                self.refused(self.client.v1.transfers.reversals.create, transfer, params)
                return
            self.client.v1.transfers.reversals.create(transfer, params)
            t.reversed += wanted
            t.settled_reversed += debit
            self.available[t.destination, currency] -= debit
            self.available[self.platform, "usd"] += wanted
            if t.reversed == t.amount:
                assert t.settled_reversed == t.settled  # a fully reversed transfer took back all it settled

        @rule(who=st.sampled_from([0, 1, 2]), kind=st.sampled_from(sorted(NUMBERS)))
        def add_bank_account(self, who: int, kind: str) -> None:
            account = self.accounts[who]
            gb = self.currency[account] == "gbp"
            if gb and kind not in GB_NUMBERS:  # the emulator's stays-pending number is a US one
                return
            details = {
                "object": "bank_account",
                "country": "GB" if gb else "US",
                "currency": self.currency[account],
                "routing_number": "108800" if gb else "110000000",
                "account_number": (GB_NUMBERS if gb else NUMBERS)[kind],
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
            currency = self.currency[account]
            params = {"amount": amount, "currency": currency}
            kind = self.bank[account]
            if kind is None or amount > self.available[account, currency]:
                self.refused(self.client.v1.payouts.create, params, self.opts(account))
                return ""
            po = self.client.v1.payouts.create(params, self.opts(account))
            status = {"pays": "paid", "fails": "failed", "pending": "pending"}[kind]
            if status != "failed":
                self.available[account, currency] -= amount
            # Stripe reverses payouts to US and Canadian bank accounts only
            self.p[po.id] = Payout(account, amount, status, reversible=currency == "usd")
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
            self.available[p.account, self.currency[p.account]] += p.amount

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
            self.available[p.account, self.currency[p.account]] += p.amount

        @invariant()
        def balances_are_the_sum_of_their_transactions(self) -> None:
            platform = server.state.platforms[self.key]
            for account in self.accounts:
                opts = self.opts(account)
                balance = self.client.v1.balance.retrieve(options=opts)
                txns = list(self.client.v1.balance_transactions.list({"limit": 100}, opts).auto_paging_iter())
                for currency in CURRENCIES:
                    shown = sum(a.amount for a in balance.available if a.currency == currency)
                    summed = sum(t.net for t in txns if t.currency == currency and t.balance_type != "issuing")
                    assert shown == summed == self.available[account, currency], (account, currency)
                assert {t.currency for t in txns} <= {self.currency[account]}, account
                ledger.check_invariant(platform.scope(account))

    return ConnectMoneyMachine


@pytest.mark.slow
def test_connect_money_keeps_every_balance_equal_to_its_transactions(server: EmulatorServer) -> None:
    machines.run(machine(server), examples=15, steps=20)
