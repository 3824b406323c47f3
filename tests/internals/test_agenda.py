"""The agenda of due work (emulator.core.agenda): time order, insertion order within a second."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from emulator.core.agenda import Agenda


def work_a(ctx: Any, obj_id: str) -> None:
    """A named piece of work (entries hold functions, never dicts)."""


def work_b(ctx: Any, obj_id: str) -> None:
    """Another one."""


def drain(agenda: Agenda, now: int) -> list[tuple[int, str]]:
    out = []
    while entries := agenda.pop_due(now):
        out += [(at, obj_id) for at, _, _, obj_id in entries]
    return out


def test_entries_come_out_in_time_order_and_only_when_due() -> None:
    agenda = Agenda()
    assert agenda.next_at() is None and not agenda.due(10**12) and agenda.pop_due(10**12) == []
    agenda.add(300, work_a, "acct_1", "x3")
    agenda.add(100, work_b, "acct_1", "x1")
    agenda.add(200, work_a, "acct_2", "x2")
    agenda.add(100, work_a, "acct_1", "x1b")
    assert len(agenda) == 4 and agenda.next_at() == 100
    assert agenda.upcoming(3) == [(100, "work_b", "x1"), (100, "work_a", "x1b"), (200, "work_a", "x2")]
    assert not agenda.due(99) and agenda.pop_due(99) == []
    assert drain(agenda, 200) == [(100, "x1"), (100, "x1b"), (200, "x2")]
    assert len(agenda) == 1 and agenda.next_at() == 300
    (entry,) = agenda.pop_due(300)
    assert entry == (300, work_a, "acct_1", "x3")
    assert len(agenda) == 0


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 60)), max_size=60))
def test_any_additions_drain_sorted_and_stable(items: list[tuple[int, int]]) -> None:
    agenda = Agenda()
    for n, (at, _) in enumerate(items):
        agenda.add(at, work_a, "acct", str(n))
    cut = max((now for _, now in items), default=0)
    got = drain(agenda, cut)
    expected = sorted(((at, str(n)) for n, (at, _) in enumerate(items) if at <= cut), key=lambda e: e[0])
    assert got == expected  # sorted by time; within a second, in the order added
    assert len(agenda) == sum(1 for at, _ in items if at > cut)
