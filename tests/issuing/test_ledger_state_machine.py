"""A hypothesis state machine over the money of Issuing on Treasury.

Random sequences of fund / authorize / increment / capture / reverse / expire / refund / dispute
(opened and submitted at once, or submitted later, possibly after a refund)
run through the real SDK against a model of the financial account; after every step:

* the account's balance equals the sum of its transaction entries (each bucket);
* ``outbound_pending`` equals the holds of the pending authorizations (model and emulator);
* ``cash`` is what the model expects;
* every approval the emulator gives is one the model predicts (never beyond available cash or a
  spending limit), and every refusal the model predicts is refused;
* a capture is never refunded beyond its amount (nor twice in full).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from emulator import EmulatorServer
from tests.support import issuing_flows, machines

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

LIMIT_ALL_TIME = 20_000
LIMIT_PER_AUTH = 8_000
DEFAULT_DAILY = 50_000  # Stripe's default limit of a card made without spending_limits: 500 USD a day
FLOWS = ("cash", "inbound_pending", "outbound_pending")
FUEL_DEFAULT_HOLD = 10_000


@dataclass
class AuthModel:
    card: str
    amount: int
    hold: int
    captured: int = 0
    status: str = "pending"


@dataclass
class CaptureModel:
    amount: int
    refunded: int = 0
    dispute: str | None = None  # None, "open" (unsubmitted), "won", "lost"
    dispute_id: str = ""
    dispute_amount: int = 0
    wins: bool = False


@dataclass
class Model:
    cash: int = 0
    auths: dict[str, AuthModel] = field(default_factory=dict)
    captures: dict[str, CaptureModel] = field(default_factory=dict)

    def committed(self, card: str, exclude: str | None = None) -> int:
        return sum(a.captured + a.hold for i, a in self.auths.items() if a.card == card and i != exclude)

    def allows(self, card: str, limited: bool, amount: int, own: int = 0, exclude: str | None = None) -> bool:
        if limited:
            if own + amount > LIMIT_PER_AUTH:
                return False
            if self.committed(card, exclude) + own + amount > LIMIT_ALL_TIME:
                return False
        # the plain card has Stripe's default limit, 500 USD a day (the machine's sequences run in one day)
        elif self.committed(card, exclude) + own + amount > DEFAULT_DAILY:
            return False
        return self.cash >= amount


def machine(server: EmulatorServer) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        auths = Bundle("auths")
        captures = Bundle("captures")
        open_disputes = Bundle("open_disputes")  # captures with an unsubmitted dispute

        def __init__(self) -> None:
            super().__init__()
            self.key, self.client = machines.platform(server)
            s = issuing_flows.spender(self.client, funds=10_000)
            self.s = s
            self.opts: Any = s.opts
            self.plain = s.card
            self.limited = s.new_card(
                spending_controls={
                    "spending_limits": [
                        {"amount": LIMIT_ALL_TIME, "interval": "all_time"},
                        {"amount": LIMIT_PER_AUTH, "interval": "per_authorization"},
                    ]
                }
            )
            self.model = Model(cash=10_000)
            self.th = self.client.v1.test_helpers.issuing

        def _limited(self, card: str) -> bool:
            return card == self.limited

        # --- rules ----------------------------------------------------------------------------

        @rule(amount=st.integers(1, 8_000))
        def fund(self, amount: int) -> None:
            self.client.v1.test_helpers.treasury.received_credits.create(
                {"amount": amount, "currency": "usd", "financial_account": self.s.fa, "network": "ach"}, self.opts
            )
            self.model.cash += amount

        @rule(target=auths, limited=st.booleans(), amount=st.integers(0, 9_000))
        def authorize(self, limited: bool, amount: int, *, fuel: bool = False) -> Any:
            card = self.limited if limited else self.plain
            params: dict[str, Any] = {"card": card, "amount": amount}
            if fuel:  # a fuel dispenser's status check: Stripe's default 100 USD held up to it
                params["merchant_data"] = {"category": "automated_fuel_dispensers"}
                amount = max(amount, FUEL_DEFAULT_HOLD)
            expected = self.model.allows(card, limited, amount)
            auth = self.th.authorizations.create(params, self.opts)
            assert auth.approved == expected, (auth.request_history[-1].reason, amount, self.model.cash)
            if not expected:
                assert auth.status == "closed"
                return multiple()
            assert auth.amount == amount
            self.model.cash -= amount
            self.model.auths[auth.id] = AuthModel(card, amount, amount)
            return auth.id

        @rule(target=auths, limited=st.booleans(), amount=st.integers(0, 12_000))
        def authorize_fuel(self, limited: bool, amount: int) -> Any:
            return self.authorize(limited, amount, fuel=True)

        @rule(target=auths, limited=st.booleans(), delta=st.integers(-1, 1))
        def authorize_all_cash(self, limited: bool, delta: int) -> Any:
            """Right at the edge of the available cash."""
            return self.authorize(limited, max(self.model.cash + delta, 0))

        @rule(auth=auths, amount=st.integers(1, 4_000))
        def increment(self, auth: str, amount: int) -> None:
            a = self.model.auths[auth]
            if a.status != "pending":
                with pytest.raises(stripe.InvalidRequestError):
                    self.th.authorizations.increment(auth, {"increment_amount": amount}, self.opts)
                return
            own = a.captured + a.hold
            expected = self.model.allows(a.card, self._limited(a.card), amount, own=own, exclude=auth)
            out = self.th.authorizations.increment(auth, {"increment_amount": amount}, self.opts)
            assert out.request_history[-1].approved == expected
            if expected:
                a.amount += amount
                a.hold += amount
                self.model.cash -= amount
            assert out.amount == a.amount

        @rule(target=captures, auth=auths, amount=st.one_of(st.none(), st.integers(1, 10_000)), close=st.booleans())
        def capture(self, auth: str, amount: int | None, close: bool) -> Any:
            a = self.model.auths[auth]
            params: dict[str, Any] = {"close_authorization": close}
            if amount is not None:
                params["capture_amount"] = amount
            remaining = a.amount - a.captured
            # an expired authorization may still be captured (late), nothing held any more
            if a.status not in ("pending", "expired") or (amount is None and remaining <= 0):
                with pytest.raises(stripe.InvalidRequestError):
                    self.th.authorizations.capture(auth, params, self.opts)
                return multiple()
            taken = remaining if amount is None else amount
            out = self.th.authorizations.capture(auth, params, self.opts)
            released = a.hold if close else min(taken, a.hold)
            a.hold -= released
            a.captured += taken
            self.model.cash += released - taken
            if close:
                a.status = "closed"
            assert out.status == a.status
            tx = out.transactions[-1]
            assert (tx.type, tx.amount) == ("capture", -taken)
            self.model.captures[tx.id] = CaptureModel(taken)
            return tx.id

        @rule(auth=auths, amount=st.one_of(st.none(), st.integers(0, 9_000)))
        def reverse(self, auth: str, amount: int | None) -> None:
            a = self.model.auths[auth]
            params = {} if amount is None else {"reverse_amount": amount}
            taken = a.hold if amount is None else amount
            if a.status != "pending" or taken > a.hold:
                with pytest.raises(stripe.InvalidRequestError):
                    self.th.authorizations.reverse(auth, params, self.opts)
                return
            out = self.th.authorizations.reverse(auth, params, self.opts)
            a.hold -= taken
            a.amount = max(a.amount - taken, 0)
            self.model.cash += taken
            if a.hold == 0:
                a.status = "closed" if a.captured else "reversed"
            assert (out.status, out.amount) == (a.status, a.amount)

        @rule(auth=auths)
        def expire(self, auth: str) -> None:
            a = self.model.auths[auth]
            if a.status != "pending":
                with pytest.raises(stripe.InvalidRequestError):
                    self.th.authorizations.expire(auth, options=self.opts)
                return
            out = self.th.authorizations.expire(auth, options=self.opts)
            self.model.cash += a.hold
            a.hold = 0
            a.status = "expired"
            assert out.status == "expired"

        @rule(tx=captures, amount=st.one_of(st.none(), st.integers(1, 9_000)))
        def refund(self, tx: str, amount: int | None) -> None:
            c = self.model.captures[tx]
            refundable = c.amount - c.refunded
            taken = refundable if amount is None else amount
            params = {} if amount is None else {"refund_amount": amount}
            if taken < 1 or taken > refundable or c.dispute == "won":
                with pytest.raises(stripe.InvalidRequestError):
                    self.th.transactions.refund(tx, params, self.opts)
                return
            self.th.transactions.refund(tx, params, self.opts)
            c.refunded += taken
            self.model.cash += taken

        @rule(
            target=open_disputes,
            tx=captures,
            win=st.booleans(),
            submit=st.booleans(),
            amount=st.one_of(st.none(), st.integers(1, 9_000)),
        )
        def dispute(self, tx: str, win: bool, submit: bool, amount: int | None) -> Any:
            """Open a dispute (of the whole capture or of ``amount``); submit it at once, or leave
            it unsubmitted for ``submit_dispute``."""
            c = self.model.captures[tx]
            explanation = "Not mine" if win else "losing_evidence"
            params: dict[str, Any] = {"transaction": tx}
            params["evidence"] = {"reason": "fraudulent", "fraudulent": {"explanation": explanation}}
            if amount is not None:
                params["amount"] = amount
            disputed = c.amount if amount is None else amount
            if c.refunded >= c.amount or c.dispute is not None or disputed > c.amount:
                with pytest.raises(stripe.InvalidRequestError):
                    self.client.v1.issuing.disputes.create(params, self.opts)  # type: ignore[arg-type]
                return multiple()
            d = self.client.v1.issuing.disputes.create(params, self.opts)  # type: ignore[arg-type]
            assert d.amount == disputed
            c.dispute, c.dispute_id, c.wins, c.dispute_amount = "open", d.id, win, disputed
            if submit:
                self.submit_dispute(tx)
                return multiple()
            return tx

        @rule(tx=open_disputes, amount=st.one_of(st.none(), st.integers(1, 9_000)))
        def refund_under_open_dispute(self, tx: str, amount: int | None) -> None:
            self.refund(tx, amount)

        @rule(tx=open_disputes)
        def submit_dispute(self, tx: str) -> None:
            c = self.model.captures[tx]
            if c.dispute != "open":
                return
            self.client.v1.issuing.disputes.submit(c.dispute_id, options=self.opts)
            # refunds reaching into the disputed amount: lost (refund_issued), that money came back
            overlap = c.refunded > c.amount - c.dispute_amount
            c.dispute = "won" if c.wins and not overlap else "lost"
            if c.dispute == "won":
                self.model.cash += c.dispute_amount
            status = self.client.v1.issuing.disputes.retrieve(c.dispute_id, options=self.opts).status
            assert status == c.dispute

        # --- invariants -----------------------------------------------------------------------

        @invariant()
        def ledger_matches(self) -> None:
            scope = server.state.platform(self.key).scope(self.s.account)
            fa = scope.get("treasury.financial_account", self.s.fa)
            assert fa is not None
            totals = dict.fromkeys(FLOWS, 0)
            for entry in scope.store("treasury.transaction_entry").values():
                if entry["financial_account"] == fa["id"]:
                    for k in FLOWS:
                        totals[k] += entry["balance_impact"][k]
            balance = {k: fa["balance"][k]["usd"] for k in FLOWS}
            assert balance == totals
            holds = sum(a.hold for a in self.model.auths.values())
            assert balance == {"cash": self.model.cash, "inbound_pending": 0, "outbound_pending": holds}
            server_holds = sum(
                int(scope.meta_of(a["id"]).get("hold", 0))
                for a in scope.store("issuing.authorization").values()
                if a["status"] == "pending"
            )
            assert server_holds == holds
            for tx_id, c in self.model.captures.items():
                assert int(scope.meta_of(tx_id).get("refunded", 0)) == c.refunded <= c.amount

    return LedgerMachine


@pytest.mark.slow
def test_ledger_invariants_hold_after_any_sequence(server: EmulatorServer) -> None:
    machines.run(machine(server), examples=40, steps=25)
