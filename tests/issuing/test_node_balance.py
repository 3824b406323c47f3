"""The UK expense-management program on the Issuing balance with stripe-node (tests/node/uk_program.mjs)."""

from __future__ import annotations

from emulator import EmulatorServer
from tests.support.node import run_node, steps_of


def test_uk_program_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    proc = run_node("uk_program.mjs", server.url, api_key)
    steps = [s["step"] for s in steps_of(proc)]
    assert steps == [
        "card",
        "unfunded_decline",
        "funding_instructions",
        "fund_balance",
        "purchase",
        "capture",
        "balance_transactions",
        "done",
    ], proc.stdout
