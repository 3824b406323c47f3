"""The UK expense-management program on the Issuing balance with stripe-node (tests/node/uk_program.mjs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator import EmulatorServer

NODE_DIR = Path(__file__).resolve().parent / "node"


def test_uk_program_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "stripe" / "package.json").exists():
        if os.environ.get("CI"):
            pytest.fail("node and `npm ci` in tests/node are required in CI")
        pytest.skip("node or tests/node/node_modules missing: run `npm ci --prefix tests/node`")
    proc = subprocess.run(
        [node, str(NODE_DIR / "uk_program.mjs"), server.url, api_key],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    steps = [json.loads(line)["step"] for line in proc.stdout.splitlines() if line.startswith("{")]
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
