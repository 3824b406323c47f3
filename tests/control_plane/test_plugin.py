"""The pytest plugin: its fixtures here, and the README example run as a project of its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import stripe

from emulator import EmulatorServer
from emulator.pytest_plugin import EmulatorError, StripeEmulator
from tests.support import child_pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "plugin_example"
STRICT = ["-W", "error", "-W", "ignore::ResourceWarning", "-W", "ignore::pytest.PytestUnraisableExceptionWarning"]


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return child_pytest.run_pytest(project, *STRICT, *args)


def project_with(tmp_path: Path, source: str, name: str) -> Path:
    shutil.copy(EXAMPLE / source, tmp_path / name)
    return tmp_path


def test_the_readme_example_passes_and_unused_fixtures_start_nothing(tmp_path: Path) -> None:
    project_with(tmp_path, "readme_example.py", "test_payments.py")
    project_with(tmp_path, "check_isolation.py", "test_isolation.py")  # runs first: nothing started yet
    result = run_pytest(tmp_path, "test_isolation.py", "test_payments.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_the_readme_example_passes_under_xdist(tmp_path: Path) -> None:
    result = run_pytest(project_with(tmp_path, "readme_example.py", "test_payments.py"), "-p", "xdist", "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_importing_the_plugin_imports_no_server_code() -> None:
    code = (
        "import sys, emulator.pytest_plugin; "
        "heavy = [m for m in ('starlette', 'uvicorn', 'stripe', 'emulator.app', 'emulator.server') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_running_emulator_can_be_used_instead(tmp_path: Path, server: EmulatorServer) -> None:
    (tmp_path / "test_external.py").write_text(
        "def test_uses_the_given_url(stripe_emulator, stripe_client):\n"
        f"    assert stripe_emulator.server is None and stripe_emulator.url == {server.url!r}\n"
        "    assert stripe_client.v1.accounts.create({'country': 'US'}).id.startswith('acct_')\n"
    )
    result = run_pytest(tmp_path, "--stripe-emulator-url", server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


# --- the fixtures, used by this very suite (the plugin is installed) ------------------------------------


def test_stripe_emulator_is_its_own_in_process_server(stripe_emulator: StripeEmulator, server: EmulatorServer) -> None:
    assert stripe_emulator.server is not None and stripe_emulator.url != server.url
    assert stripe_emulator.url.startswith("http://127.0.0.1:")


def test_stripe_client_has_a_fresh_platform(
    stripe_client: stripe.StripeClient, stripe_emulator: StripeEmulator
) -> None:
    assert stripe_client.v1.accounts.list().data == []
    stripe_client.v1.accounts.create({"country": "US"})
    assert len(stripe_client.v1.accounts.list().data) == 1


def test_load_fixtures_returns_the_ids(stripe_emulator: StripeEmulator, stripe_api_key: str) -> None:
    result = stripe_emulator.load_fixtures(ROOT / "fixtures" / "guide_flow.json", stripe_api_key)
    assert set(result["ids"]) == {"account", "financial_account", "funding", "cardholder", "card"}
    client = stripe_emulator.client(stripe_api_key)
    card = client.v1.issuing.cards.retrieve(result["ids"]["card"], options={"stripe_account": result["ids"]["account"]})
    assert card.status == "active"
    assert result["env"]["CARD_ID"] == card.id


def test_a_failing_fixture_load_raises_with_the_step(stripe_emulator: StripeEmulator) -> None:
    key = stripe_emulator.new_key()
    document = {"fixtures": [{"name": "card", "path": "/v1/issuing/cards", "method": "post", "params": {}}]}
    with pytest.raises(EmulatorError, match=r"step 1 of 1 \('card', POST /v1/issuing/cards\): the request failed"):
        stripe_emulator.load_fixtures(document, key)
    assert stripe_emulator.state(key) == {}


def test_platform_settings_and_reset_through_the_handle(stripe_emulator: StripeEmulator) -> None:
    key = "sk_test_" + uuid.uuid4().hex
    assert stripe_emulator.platform_settings(key)["rta_timeout_approves"] is False
    assert stripe_emulator.platform_settings(key, rta_timeout_approves=True)["rta_timeout_approves"] is True
    stripe_emulator.reset(key)
    assert stripe_emulator.platform_settings(key)["rta_timeout_approves"] is False
    with pytest.raises(EmulatorError, match="Received unknown parameter: nope"):
        stripe_emulator.platform_settings(key, nope=1)


def test_stripe_module_points_the_legacy_api_at_the_emulator(
    stripe_module: object, stripe_emulator: StripeEmulator
) -> None:
    assert stripe.api_base == stripe_emulator.url
    account = stripe.Account.create(country="US")
    assert account.id.startswith("acct_")


def test_fixture_files_given_to_the_plugin_are_found_through_the_handle(tmp_path: Path) -> None:
    (tmp_path / "test_seeded.py").write_text(
        "def test_the_guide_fixture_is_there(stripe_emulator):\n"
        "    (load,) = stripe_emulator.loaded_fixtures()\n"
        "    assert load['source'].endswith('guide_flow.json')\n"
        "    client = stripe_emulator.client(stripe_emulator.fixtures_key)\n"
        "    card = client.v1.issuing.cards.retrieve(load['ids']['card'], options={'stripe_account': load['ids']['account']})\n"
        "    assert card.status == 'active'\n"
        "    assert stripe_emulator.loaded_fixtures(stripe_emulator.new_key()) == []\n"
    )
    result = run_pytest(tmp_path, "--stripe-emulator-fixtures", str(ROOT / "fixtures" / "guide_flow.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_handle_filters_are_url_encoded(
    stripe_emulator: StripeEmulator, stripe_api_key: str, stripe_client: stripe.StripeClient
) -> None:
    stripe_client.v1.accounts.create({"country": "US", "metadata": {"a": "b"}})
    assert [r["path"] for r in stripe_emulator.requests(stripe_api_key, path="/v1/accounts", method="POST")] == [
        "/v1/accounts"
    ]
    assert stripe_emulator.requests(stripe_api_key, path="/v1/accounts&method=POST") == []  # one filter, not two
    assert stripe_emulator.requests(stripe_api_key, account="none", limit=1)[0]["status"] == 200
