"""The spending tallies (``authorization_spend``) say what summing every authorization would say.

Purchases in two merchant categories on a card that replaced another, then captures (partial,
over), increments, reversals and expiries, with the clock moved across days, weeks and months
between them. After each step, for every interval and several category filters, what the tallies
give for the card chain and for the cardholder equals the sum over their authorizations of what
each commits (captured + still held) in the current window. A tally that is missing (state
written before tallies existed) is built again from the authorizations and gives the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from emulator.core.objects import AUTHORIZATION
from emulator.core.state import Scope
from emulator.resources.issuing import authorization_spend as spend
from emulator.resources.issuing import spending_controls
from emulator.resources.issuing.authorization_books import authorizations_of, committed, holder_book_of
from tests.support import issuing_flows

CATEGORIES = ("ac_refrigeration_repair", "bakeries")
FILTERS: list[list[str] | None] = [None, ["bakeries"], ["ac_refrigeration_repair", "bakeries"], ["taxicabs_limousines"]]
DAY = 86_400
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(100, 900), st.sampled_from(CATEGORIES)),
        st.tuples(st.just("capture"), st.integers(0, 5), st.integers(50, 1200), st.booleans()),
        st.tuples(st.just("increment"), st.integers(0, 5), st.integers(10, 300)),
        st.tuples(st.just("reverse"), st.integers(0, 5)),
        st.tuples(st.just("clock"), st.sampled_from([3600, DAY, 3 * DAY, 8 * DAY, 31 * DAY, 400 * DAY])),
    ),
    min_size=1,
    max_size=12,
)


def brute_force(scope: Scope, owners: list[str], interval: str, now: int, categories: list[str] | None) -> int:
    start = spending_controls.window_start(interval, now)
    total = 0
    for owner in owners:
        for auth_id in authorizations_of(scope, owner):
            auth = scope.get(AUTHORIZATION, auth_id)
            assert auth is not None
            if auth["created"] < start:
                continue
            if categories and auth["merchant_data"]["category"] not in categories:
                continue
            total += committed(scope, auth_id)
    return total


def check(scope: Scope, chains: list[list[str]], now: int) -> None:
    for owners in chains:
        for interval in spend.INTERVALS:
            for categories in FILTERS:
                expected = brute_force(scope, owners, interval, now, categories)
                assert spend.spent(scope, owners, interval, now, categories) == expected, (owners, interval, categories)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_tallies_equal_the_sum_of_the_authorizations(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient, steps: list[tuple[Any, ...]]
) -> None:
    s = issuing_flows.spender(client, funds=10_000_000)
    opts: Any = s.opts
    first = s.card
    th = client.v1.test_helpers.issuing
    made: list[str] = [th.authorizations.create({"card": first, "amount": 500}, opts).id]
    client.v1.issuing.cards.update(first, {"status": "canceled", "cancellation_reason": "lost"}, opts)
    card = client.v1.issuing.cards.create(
        {
            "cardholder": s.cardholder,
            "currency": "usd",
            "type": "virtual",
            "status": "active",
            "replacement_for": first,
            "replacement_reason": "lost",
            "financial_account": s.fa,
        },
        opts,
    ).id
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {api_key}"})
    scope = server.state.platform(api_key).scope(s.account)
    chains = [[card, first], [first], [s.cardholder]]
    try:
        for step in steps:
            kind = step[0]
            auth = made[step[1] % len(made)] if kind in ("capture", "increment", "reverse") else None
            pending = auth is not None and scope.get(AUTHORIZATION, auth)["status"] == "pending"  # type: ignore[index]
            if kind == "buy":
                made.append(
                    th.authorizations.create(
                        {"card": card, "amount": step[1], "merchant_data": {"category": step[2]}}, opts
                    ).id
                )
            elif kind == "capture" and pending:
                th.authorizations.capture(auth, {"capture_amount": step[2], "close_authorization": step[3]}, opts)
            elif kind == "increment" and pending:
                th.authorizations.increment(auth, {"increment_amount": step[2]}, opts)
            elif kind == "reverse" and pending:
                th.authorizations.reverse(auth, options=opts)
            elif kind == "clock":
                assert http.post("/_emulator/clock", data={"advance": str(step[1])}).status_code == 200
            now = server.state.platform(api_key).now()
            check(scope, chains, now)
        for owner in (card, first, s.cardholder):  # as if written before tallies: built again when read
            holder_book_of(scope, owner).pop("issuing_spend", None)
        check(scope, chains, server.state.platform(api_key).now())
        assert dt.datetime.fromtimestamp(now, tz=dt.UTC).year >= 2026
    finally:
        http.close()


def test_an_increment_counts_in_its_authorizations_window(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    """An increment is booked in the window its authorization was made in, so it is judged there:
    a stay authorized at 23:00 is incremented after midnight without counting against the new day."""
    limits: Any = {"spending_limits": [{"amount": 10_000, "interval": "daily"}]}
    s = issuing_flows.spender(client, spending_controls=limits)
    th = client.v1.test_helpers.issuing.authorizations
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {api_key}"})
    now = server.state.platform(api_key).now()
    assert http.post("/_emulator/clock", data={"advance": str((23 * 3600 - now % DAY) % DAY)}).status_code == 200
    stay = s.authorize(8_000)
    assert http.post("/_emulator/clock", data={"advance": "7200"}).status_code == 200  # 01:00 the next day
    assert s.authorize(9_000).approved is True
    longer = th.increment(stay.id, {"increment_amount": 500}, s.opts)
    assert (longer.amount, longer.request_history[-1].approved) == (8_500, True)
    over = s.authorize(1_001)
    assert (over.approved, over.request_history[-1].reason) == (False, "spending_controls")
    assert s.authorize(1_000).approved is True
