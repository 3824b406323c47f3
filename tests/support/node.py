"""Running a stripe-node script of tests/node against a server (skipped locally without node)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
PINNED = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]


def run_node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``node tests/node/SCRIPT ARGS...``; fails the test on a non-zero exit."""
    node = shutil.which("node")
    manifest = NODE_DIR / "node_modules" / "stripe" / "package.json"
    if node is None or not manifest.exists():
        if os.environ.get("CI"):
            pytest.fail("node and `npm ci` in tests/node are required in CI")
        pytest.skip("node or tests/node/node_modules missing: run `npm ci --prefix tests/node`")
    assert json.loads(manifest.read_text())["version"] == PINNED
    proc = subprocess.run(
        [node, str(NODE_DIR / script), *args],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            k: v
            for k, v in os.environ.items()
            if k not in ("CLAUDECODE", "CURSOR_AGENT", "CODEX_SANDBOX", "GEMINI_CLI")
        },
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def steps_of(proc: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
