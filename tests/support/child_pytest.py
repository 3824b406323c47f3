"""pytest run in a child process on a project of its own (the pytest-plugin tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.running import ROOT


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest -q ARGS`` in ``project`` with this checkout's emulator (and its plugin),
    none of this session's pytest or emulator settings, no cache and no benchmarks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "STRIPE_EMULATOR_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
