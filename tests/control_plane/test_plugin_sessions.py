"""The plugin and sessions: ``--stripe-emulator-save-failed DIR`` saves a failed test's session as a
fixture file that rebuilds its objects (passing tests save nothing); the handle exports sessions
and adds fault rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.pytest_plugin import EmulatorError, StripeEmulator
from tests.support.child_pytest import run_pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "plugin_example" / "failing_session.py"


def test_failed_tests_leave_a_loadable_session(tmp_path: Path, server: EmulatorServer, api_key: str) -> None:
    shutil.copy(EXAMPLE, tmp_path / "test_sessions.py")
    saved = tmp_path / "saved"
    result = run_pytest(tmp_path, "--stripe-emulator-save-failed", str(saved))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    files = sorted(p.name for p in saved.iterdir())
    assert files == ["test_sessions.py_test_leaves_a_cardholder_then_fails.json"]
    assert "saved to" in result.stdout
    document = json.loads((saved / files[0]).read_text())
    assert [step["path"] for step in document["fixtures"]] == ["/v1/issuing/cardholders"]
    headers = {"Authorization": f"Bearer {api_key}"}
    assert httpx.post(server.url + "/_emulator/fixtures", json=document, headers=headers).status_code == 200
    assert len(httpx.get(server.url + "/v1/issuing/cardholders", headers=headers).json()["data"]) == 1


def test_nothing_is_saved_without_the_option(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "test_sessions.py")
    result = run_pytest(tmp_path)
    assert "1 failed, 1 passed" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".json") == []


def test_the_handle_exports_sessions_and_adds_faults(stripe_emulator: StripeEmulator, stripe_api_key: str) -> None:
    client = stripe_emulator.client(stripe_api_key)
    client.v1.accounts.create({"country": "US"})
    assert [s["path"] for s in stripe_emulator.export(stripe_api_key)["fixtures"]] == ["/v1/accounts"]
    rule = stripe_emulator.add_fault(stripe_api_key, path="/v1/accounts", status=500)
    with pytest.raises(stripe.APIError):
        client.v1.accounts.list()
    assert stripe_emulator.faults(stripe_api_key)[0]["id"] == rule["id"]
    stripe_emulator.clear_faults(stripe_api_key)
    assert stripe_emulator.faults(stripe_api_key) == []
    with pytest.raises(EmulatorError, match="status"):
        stripe_emulator.add_fault(stripe_api_key, status=418)
