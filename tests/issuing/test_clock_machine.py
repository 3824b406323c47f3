"""A hypothesis state machine over time and money: purchases, captures and clock moves in any order.

Each example is a fresh platform whose clock is frozen at a random moment (so the model knows the
time of every purchase) and then only moves through ``POST /_emulator/clock``. A card has a daily
and a weekly limit. The model computes the windows on its own (midnight UTC; weeks from Sunday)
and expires pending authorizations 7 days after their creation. After every step:

* every approval the emulator gives is one the model predicts, and every refusal it predicts is
  refused (spending windows roll over exactly at their boundaries);
* each authorization's status is the model's (``pending``, ``closed`` or ``expired``);
* the financial account's ``cash`` and ``outbound_pending`` are the model's, and ``outbound_pending``
  is the sum of the holds of pending authorizations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from emulator import EmulatorServer
from tests.support import issuing_flows, machines

DAY = 24 * 3600
EXPIRY = 7 * DAY
DAILY = 3_000
WEEKLY = 5_000
FUNDS = 40_000
# 2027-01-01T00:00:00Z .. 2029-12-31: where examples start (the clock then only moves forward)
START_MIN = 1798761600
START_MAX = 1893369600
MOVES = st.one_of(
    st.sampled_from([1, 59, 3600, 12 * 3600, DAY - 1, DAY, 3 * DAY, 7 * DAY - 1, 7 * DAY, 7 * DAY + 1, 8 * DAY]),
    st.integers(1, 10 * DAY),
)


def day_start(now: int) -> int:
    return int(dt.datetime.fromtimestamp(now, tz=dt.UTC).replace(hour=0, minute=0, second=0).timestamp())


def week_start(now: int) -> int:
    day = dt.datetime.fromtimestamp(day_start(now), tz=dt.UTC)
    back = (day.isoweekday()) % 7  # Sunday: 0 days back, Monday: 1, ...
    return int((day - dt.timedelta(days=back)).timestamp())


@dataclass
class Auth:
    amount: int
    created: int
    status: str = "pending"
    captured: int = 0

    @property
    def hold(self) -> int:
        return self.amount if self.status == "pending" else 0


@dataclass
class Model:
    now: int
    cash: int = FUNDS
    auths: dict[str, Auth] = field(default_factory=dict)

    def spent_since(self, start: int) -> int:
        return sum(a.hold + a.captured for a in self.auths.values() if a.created >= start)

    def allows(self, amount: int) -> bool:
        return (
            self.spent_since(day_start(self.now)) + amount <= DAILY
            and self.spent_since(week_start(self.now)) + amount <= WEEKLY
            and self.cash >= amount
        )

    def move_to(self, now: int) -> None:
        self.now = now
        for a in self.auths.values():
            if a.status == "pending" and a.created + EXPIRY <= now:
                a.status = "expired"
                self.cash += a.amount


def machine(server: EmulatorServer) -> type[RuleBasedStateMachine]:
    class ClockMachine(RuleBasedStateMachine):
        auths = Bundle("auths")

        def __init__(self) -> None:
            super().__init__()
            self.key, self.client = machines.platform(server)
            self.http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {self.key}"})
            self.model = Model(now=0)

        def teardown(self) -> None:
            self.http.close()

        def _clock(self, **params: Any) -> int:
            r = self.http.post("/_emulator/clock", data=params)
            assert r.status_code == 200, r.text
            assert r.json()["frozen"] is True
            now: int = r.json()["now"]
            return now

        @initialize(start=st.integers(START_MIN, START_MAX))
        def start(self, start: int) -> None:
            self._clock(freeze="true")
            self.model.now = self._clock(to=str(start))
            assert self.model.now == start
            s = issuing_flows.spender(self.client, funds=FUNDS)
            self.s = s
            self.opts: Any = s.opts
            self.card = s.new_card(
                spending_controls={
                    "spending_limits": [
                        {"amount": DAILY, "interval": "daily"},
                        {"amount": WEEKLY, "interval": "weekly"},
                    ]
                }
            )
            self.th = self.client.v1.test_helpers.issuing

        # --- rules ----------------------------------------------------------------------------------

        @rule(target=auths, amount=st.one_of(st.sampled_from([1_000, 2_000, 2_500, 3_000]), st.integers(1, 6_000)))
        def purchase(self, amount: int) -> Any:
            expected = self.model.allows(amount)
            auth = self.th.authorizations.create({"card": self.card, "amount": amount}, self.opts)
            assert auth.created == self.model.now
            assert auth.approved == expected, (auth.request_history[-1].reason, amount, self.model)
            if not expected:
                assert auth.status == "closed"
                assert auth.request_history[-1].reason in ("spending_controls", "insufficient_funds")
                return multiple()
            self.model.cash -= amount
            self.model.auths[auth.id] = Auth(amount, self.model.now)
            return auth.id

        @rule(auth=auths)
        def capture(self, auth: str) -> None:
            a = self.model.auths[auth]
            if a.status not in ("pending", "expired"):  # an expired one may be captured late
                with pytest.raises(stripe.InvalidRequestError):
                    self.th.authorizations.capture(auth, options=self.opts)
                return
            out = self.th.authorizations.capture(auth, options=self.opts)
            assert out.status == "closed"
            if a.status == "expired":  # nothing was held any more: the money leaves now
                self.model.cash -= a.amount
            a.status, a.captured = "closed", a.amount

        @rule(seconds=MOVES)
        def advance(self, seconds: int) -> None:
            now = self._clock(advance=str(seconds))
            assert now == self.model.now + seconds
            self.model.move_to(now)

        @rule(seconds=MOVES)
        def move_to(self, seconds: int) -> None:
            target = self.model.now + seconds
            assert self._clock(to=str(target)) == target
            self.model.move_to(target)

        @rule(weekly=st.booleans(), delta=st.sampled_from([-1, 0, 1, 3600]))
        def move_around_a_boundary(self, weekly: bool, delta: int) -> None:
            """To just before, at or after the next midnight UTC (or the next Sunday's)."""
            start = week_start(self.model.now) + 7 * DAY if weekly else day_start(self.model.now) + DAY
            target = max(start + delta, self.model.now + 1)
            assert self._clock(to=str(target)) == target
            self.model.move_to(target)

        # --- invariants -------------------------------------------------------------------------------

        @invariant()
        def money_and_statuses(self) -> None:
            if not hasattr(self, "s"):
                return
            balance = self.s.balance()
            holds = sum(a.hold for a in self.model.auths.values())
            assert balance == {"cash": self.model.cash, "inbound_pending": 0, "outbound_pending": holds}
            listed = self.client.v1.issuing.authorizations.list({"card": self.card, "limit": 100}, self.opts)
            statuses = {a.id: a.status for a in listed.auto_paging_iter()}
            assert {i: statuses[i] for i in self.model.auths} == {i: a.status for i, a in self.model.auths.items()}

    return ClockMachine


@pytest.mark.slow
def test_time_and_money_stay_right_after_any_sequence(server: EmulatorServer) -> None:
    machines.run(machine(server), examples=30, steps=25)
