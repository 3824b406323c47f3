"""A hypothesis state machine over Treasury money movement.

Random sequences of funding, received debits, outbound transfers/payments (to a bank account,
by wire, or to a second financial account of the same account), inbound transfers, their test
helpers and cancels, and credit/debit reversals run through the real SDK against a model of two
financial accounts. After every step, for both accounts:

* the balance equals the sum of the account's transaction entries (each bucket);
* every transaction's ``balance_impact`` equals the sum of its entries;
* ``cash`` and ``outbound_pending`` are what the model expects;
and every refusal the model predicts is a 400, every success it predicts succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import stripe
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from emulator import EmulatorServer
from tests.support import machines, money_flows

FLOWS = ("cash", "inbound_pending", "outbound_pending")
KINDS = ("transfer", "payment", "wire", "internal")
START = 20_000


@dataclass
class Out:
    kind: str
    amount: int
    status: str = "processing"

    @property
    def stripe_network(self) -> bool:
        return self.kind == "internal"


@dataclass
class In:
    amount: int
    status: str = "processing"
    returned: bool = False


@dataclass
class Received:
    amount: int
    ok: bool
    reversed: bool = False


def machine(server: EmulatorServer) -> type[RuleBasedStateMachine]:
    class FlowsMachine(RuleBasedStateMachine):
        outs = Bundle("outs")
        ins = Bundle("ins")
        credits = Bundle("credits")
        debits = Bundle("debits")

        def __init__(self) -> None:
            super().__init__()
            self.key, client = machines.platform(server)
            self.m = money_flows.mover(client, funds=START)
            self.fa2 = self.m.another_account()
            self.cash = {self.m.fa: START, self.fa2: 0}
            self.pending = 0
            self.out: dict[str, Out] = {}
            self.inb: dict[str, In] = {}
            self.rcs: dict[str, Received] = {}
            self.rds: dict[str, Received] = {}

        def refused(self, call: Any, *args: Any) -> None:
            with pytest.raises(stripe.InvalidRequestError) as exc:
                call(*args)
            assert exc.value.http_status == 400

        # --- money in from outside -------------------------------------------------------------

        @rule(target=credits, amount=st.integers(1, 6_000))
        def fund(self, amount: int) -> str:
            rc = self.m.fund(amount)
            self.cash[self.m.fa] += amount
            self.rcs[rc.id] = Received(amount, True)
            return rc.id

        @rule(target=debits, amount=st.integers(1, 6_000))
        def received_debit(self, amount: int) -> str:
            m = self.m
            rd = m.th.received_debits.create(
                {"amount": amount, "currency": "usd", "financial_account": m.fa, "network": "ach"}, m.opts
            )
            ok = self.cash[m.fa] >= amount
            assert rd.status == ("succeeded" if ok else "failed")
            if ok:
                self.cash[m.fa] -= amount
            self.rds[rd.id] = Received(amount, ok)
            return rd.id

        # --- outbound --------------------------------------------------------------------------

        @rule(target=outs, kind=st.sampled_from(KINDS), amount=st.integers(1, 6_000))
        def send(self, kind: str, amount: int) -> Any:
            m = self.m
            params: dict[str, Any] = {}
            if kind == "wire":
                params["destination_payment_method_options"] = {"us_bank_account": {"network": "us_domestic_wire"}}
            if kind == "internal":
                params = {
                    "destination_payment_method": None,
                    "destination_payment_method_data": {"type": "financial_account", "financial_account": self.fa2},
                }
            create = m.outbound_payment if kind == "payment" else m.outbound_transfer
            if self.cash[m.fa] < amount:
                self.refused(lambda: create(amount, **params))
                return multiple()
            obj = create(amount, **params)
            self.cash[m.fa] -= amount
            if kind == "internal":  # over the stripe network it posts as it is made (Stripe's timelines)
                assert obj.status == "posted" and not obj.cancelable
                self.cash[self.fa2] += amount
                self.out[obj.id] = Out(kind, amount, "posted")
                return obj.id
            assert obj.status == "processing" and obj.cancelable == (kind in ("transfer", "payment"))
            self.pending += amount
            self.out[obj.id] = Out(kind, amount)
            return obj.id

        def _helpers(self, obj_id: str) -> Any:
            return self.m.th.outbound_payments if self.out[obj_id].kind == "payment" else self.m.th.outbound_transfers

        def _service(self, obj_id: str) -> Any:
            return (
                self.m.treasury.outbound_payments
                if self.out[obj_id].kind == "payment"
                else self.m.treasury.outbound_transfers
            )

        @rule(obj=outs)
        def post(self, obj: str) -> None:
            o = self.out[obj]
            if o.status != "processing":
                self.refused(self._helpers(obj).post, obj, None, self.m.opts)
                return
            out = self._helpers(obj).post(obj, options=self.m.opts)
            assert out.status == "posted"
            o.status = "posted"
            self.pending -= o.amount
            if o.stripe_network:
                self.cash[self.fa2] += o.amount

        @rule(obj=outs, cancel=st.booleans())
        def fail_or_cancel(self, obj: str, cancel: bool) -> None:
            o = self.out[obj]
            allowed = o.status == "processing" and (not cancel or o.kind in ("transfer", "payment"))
            call = self._service(obj).cancel if cancel else self._helpers(obj).fail
            if not allowed:
                self.refused(call, obj, None, self.m.opts)
                return
            out = call(obj, options=self.m.opts)
            o.status = "canceled" if cancel else "failed"
            assert out.status == o.status
            self.pending -= o.amount
            self.cash[self.m.fa] += o.amount

        @rule(obj=outs)
        def return_(self, obj: str) -> None:
            o = self.out[obj]
            helpers = self._helpers(obj)
            call = helpers.return_outbound_payment if o.kind == "payment" else helpers.return_outbound_transfer
            if o.status not in ("processing", "posted") or o.stripe_network:
                self.refused(call, obj, None, self.m.opts)
                return
            assert call(obj, options=self.m.opts).status == "returned"
            if o.status == "processing":
                self.pending -= o.amount
            o.status = "returned"
            self.cash[self.m.fa] += o.amount

        # --- inbound ---------------------------------------------------------------------------

        @rule(target=ins, amount=st.integers(1, 6_000))
        def pull(self, amount: int) -> str:
            ibt = self.m.inbound_transfer(amount)
            self.cash[self.m.fa] += amount
            self.inb[ibt.id] = In(amount)
            return ibt.id

        @rule(ibt=ins, action=st.sampled_from(("succeed", "fail", "cancel", "return")))
        def drive_inbound(self, ibt: str, action: str) -> None:
            i = self.inb[ibt]
            th = self.m.th.inbound_transfers
            calls = {
                "succeed": th.succeed,
                "fail": th.fail,
                "return": th.return_inbound_transfer,
                "cancel": self.m.treasury.inbound_transfers.cancel,
            }
            allowed = (i.status == "succeeded" and not i.returned) if action == "return" else i.status == "processing"
            if not allowed:
                self.refused(calls[action], ibt, None, self.m.opts)
                return
            out = calls[action](ibt, options=self.m.opts)
            if action == "succeed":
                i.status = "succeeded"
            elif action == "return":
                i.returned = True
                assert out.returned is True
                self.cash[self.m.fa] -= i.amount
            else:
                i.status = "failed" if action == "fail" else "canceled"
                self.cash[self.m.fa] -= i.amount
            assert out.status == i.status

        # --- reversals -------------------------------------------------------------------------

        @rule(rc=credits)
        def reverse_credit(self, rc: str) -> None:
            r = self.rcs[rc]
            reversals = self.m.treasury.credit_reversals
            if r.reversed or self.cash[self.m.fa] < r.amount:
                self.refused(reversals.create, {"received_credit": rc}, self.m.opts)
                return
            assert reversals.create({"received_credit": rc}, self.m.opts).status == "processing"
            r.reversed = True
            self.cash[self.m.fa] -= r.amount

        @rule(rd=debits)
        def reverse_debit(self, rd: str) -> None:
            r = self.rds[rd]
            reversals = self.m.treasury.debit_reversals
            if r.reversed or not r.ok:
                self.refused(reversals.create, {"received_debit": rd}, self.m.opts)
                return
            assert reversals.create({"received_debit": rd}, self.m.opts).status == "processing"
            r.reversed = True
            self.cash[self.m.fa] += r.amount

        # --- invariants ------------------------------------------------------------------------

        @invariant()
        def ledger_matches(self) -> None:
            scope = server.state.platform(self.key).scope(self.m.account)
            entries = list(scope.store("treasury.transaction_entry").values())
            for fa_id, expected_cash in self.cash.items():
                fa = scope.get("treasury.financial_account", fa_id)
                assert fa is not None
                totals = dict.fromkeys(FLOWS, 0)
                for entry in entries:
                    if entry["financial_account"] == fa_id:
                        for k in FLOWS:
                            totals[k] += entry["balance_impact"][k]
                balance = {k: fa["balance"][k]["usd"] for k in FLOWS}
                assert balance == totals
                pending = self.pending if fa_id == self.m.fa else 0
                assert balance == {"cash": expected_cash, "inbound_pending": 0, "outbound_pending": pending}
            per_transaction: dict[str, dict[str, int]] = {}
            for entry in entries:
                sums = per_transaction.setdefault(entry["transaction"], dict.fromkeys(FLOWS, 0))
                for k in FLOWS:
                    sums[k] += entry["balance_impact"][k]
            for trxn in scope.store("treasury.transaction").values():
                assert trxn["balance_impact"] == per_transaction.get(trxn["id"], dict.fromkeys(FLOWS, 0))

    return FlowsMachine


@pytest.mark.slow
def test_treasury_flow_invariants_hold_after_any_sequence(server: EmulatorServer) -> None:
    machines.run(machine(server), examples=40, steps=25)
