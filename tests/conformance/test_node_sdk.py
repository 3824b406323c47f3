"""The guide flow with the official stripe-node SDK (tests/node, pinned with its lockfile).

``node tests/node/guide_flow.mjs <url> <key>`` runs against the session's server, so every
response it gets is schema-checked like the Python tests' ones; ``wire_flow.mjs`` does the same for
typed errors, idempotent retries and a webhook verified with ``stripe.webhooks.constructEvent``. CI installs the package with
``npm ci`` (.ci/run); locally, without ``node`` or ``npm ci``, the test skips and says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import EmulatorServer
from tests.support.node import run_node, steps_of

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
PINNED = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]


def _installed_version() -> str | None:
    manifest = NODE_DIR / "node_modules" / "stripe" / "package.json"
    if not manifest.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def test_lockfile_pins_the_sdk() -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/stripe"]["version"] == PINNED
    assert lock["packages"][""]["dependencies"]["stripe"] == PINNED


def test_guide_flow_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    proc = run_node("guide_flow.mjs", server.url, api_key)
    lines = steps_of(proc)
    steps = [line["step"] for line in lines]
    assert steps[:2] == ["account", "financial_account"], proc.stdout
    unserved = [line["skipped"] for line in lines if "skipped" in line]
    if unserved:
        pytest.skip(f"guide flow stopped at an endpoint not served yet: {unserved[0]}")
    assert steps[-1] == "done", proc.stdout
    assert {"card_number", "list_expand", "capture", "refund", "dispute_submit", "auto_pagination"} <= set(steps)


def test_errors_idempotency_and_webhooks_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    """Typed errors, idempotent replays and a delivered webhook verified with constructEvent."""
    proc = run_node("wire_flow.mjs", server.url, api_key)
    steps = [line["step"] for line in steps_of(proc)]
    assert steps == ["typed_errors", "idempotency", "webhook_signature", "done"], proc.stdout
