"""Connect onboarding with the official stripe-node SDK (``tests/node/onboarding_flow.mjs``), against
the session's server, so every response it gets is schema-checked like the Python tests' ones.
Without ``node`` or ``npm ci`` in tests/node the test skips (CI requires them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator import EmulatorServer

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
AGENT_VARIABLES = ("CLAUDECODE", "CURSOR_AGENT", "CODEX_SANDBOX", "GEMINI_CLI")


def test_onboarding_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "stripe" / "package.json").exists():
        if os.environ.get("CI"):
            pytest.fail("node and `npm ci` in tests/node are required in CI")
        pytest.skip("node or tests/node/node_modules missing: run `npm ci --prefix tests/node`")
    proc = subprocess.run(
        [node, str(NODE_DIR / "onboarding_flow.mjs"), server.url, api_key],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k not in AGENT_VARIABLES},
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    steps = [json.loads(line)["step"] for line in proc.stdout.splitlines() if line.startswith("{")]
    assert steps == ["account", "persons", "hosted_onboarding", "account_session", "login_link"]
