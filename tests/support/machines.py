"""What the Hypothesis state machines over the running emulator share: a platform of their own, the run."""

from __future__ import annotations

from typing import Any

import stripe
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from emulator import EmulatorServer
from tests.support.running import new_key


def platform(server: EmulatorServer, **options: Any) -> tuple[str, stripe.StripeClient]:
    """A fresh secret key (a platform no other test sees) and a stripe-python client for it."""
    key = new_key()
    return key, stripe.StripeClient(key, base_addresses={"api": server.url}, **options)


def run(machine: type[RuleBasedStateMachine], *, examples: int, steps: int) -> None:
    """Run ``machine`` as a test: no deadline (each step is a real request), no slowness checks."""
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
