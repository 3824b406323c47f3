"""Connect onboarding with the official stripe-node SDK (``tests/node/onboarding_flow.mjs``), against
the session's server, so every response it gets is schema-checked like the Python tests' ones.
Without ``node`` or ``npm ci`` in tests/node the test skips (CI requires them)."""

from __future__ import annotations

from emulator import EmulatorServer
from tests.support.node import run_node, steps_of

AGENT_VARIABLES = ("CLAUDECODE", "CURSOR_AGENT", "CODEX_SANDBOX", "GEMINI_CLI")


def test_onboarding_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    proc = run_node("onboarding_flow.mjs", server.url, api_key)
    steps = [s["step"] for s in steps_of(proc)]
    assert steps == ["account", "persons", "hosted_onboarding", "account_session", "login_link"]
