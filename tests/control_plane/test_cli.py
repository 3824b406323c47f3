"""The command line: every option is a flag and a variable, bad values fail clearly, logs, --seed."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer, Settings
from emulator.cli import JsonFormatter, build_parser, settings_from_args
from emulator.settings import SettingsError, env_var, flag, kind, markdown_table, options

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {"str": "x1", "int": "7", "float": "2.5", "strs": "a", "floats": "1,2.5"}
SPECIAL = {
    "log_level": "debug",
    "log_format": "json",
    "fixtures_key": "sk_test_other",
    "api_version": "2024-06-20.acacia",
    "forward_to": "http://127.0.0.1:9/hook",
    "forward_secret": "whsec_abc",
}


def sample(name: str, k: str) -> str:
    return SPECIAL.get(name, SAMPLES[k])


def test_every_option_has_a_flag_and_an_environment_variable() -> None:
    parser = build_parser()
    flags = {a for action in parser._actions for a in action.option_strings}
    for f in options():
        assert flag(f) in flags
        raw = sample(f.name, kind(f))
        from_env = Settings.from_env({env_var(f): raw})
        from_flag = settings_from_args([flag(f), raw], environ={})
        assert getattr(from_env, f.name) == getattr(from_flag, f.name) != getattr(Settings(), f.name), f.name
    table = markdown_table()
    assert all(f"`{env_var(f)}`" in table and f"`{flag(f)}`" in table for f in options())


def test_a_flag_wins_over_its_variable() -> None:
    settings = settings_from_args(
        ["--port", "0", "--fixtures", "a", "--fixtures", "b"],
        environ={"STRIPE_EMULATOR_PORT": "5", "STRIPE_EMULATOR_HOST": "0.0.0.0"},
    )
    assert (settings.port, settings.host, settings.fixtures) == (0, "0.0.0.0", ("a", "b"))
    assert Settings.from_env({"STRIPE_EMULATOR_FIXTURES": os.pathsep.join(["x", "y"])}).fixtures == ("x", "y")


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["--port", "abc"], {}, "--port='abc': must be an integer"),
        ([], {"STRIPE_EMULATOR_PORT": "abc"}, "STRIPE_EMULATOR_PORT='abc': must be an integer"),
        ([], {"STRIPE_EMULATOR_LOG_FORMAT": "xml"}, "STRIPE_EMULATOR_LOG_FORMAT='xml': must be one of text, json"),
        (["--port", "70000"], {}, "--port (STRIPE_EMULATOR_PORT) 70000: must be between 0 and 65535"),
        ([], {"STRIPE_EMULATOR_IDEMPOTENCY_TTL": "soon"}, "STRIPE_EMULATOR_IDEMPOTENCY_TTL='soon': must be a number"),
        (
            ["--fixtures-key", "pk_test_x"],
            {},
            "--fixtures-key (STRIPE_EMULATOR_FIXTURES_KEY) 'pk_test_x': must be a test-mode secret key",
        ),
        (
            ["--request-log-size", "0"],
            {},
            "--request-log-size (STRIPE_EMULATOR_REQUEST_LOG_SIZE) 0: must be greater than 0",
        ),
        (["--hot-objects", "-1"], {}, "--hot-objects (STRIPE_EMULATOR_HOT_OBJECTS) -1: must be 0 or more"),
        ([], {"STRIPE_EMULATOR_WEBHOOK_RETRY_SCHEDULE": "1,x"}, "STRIPE_EMULATOR_WEBHOOK_RETRY_SCHEDULE='1,x'"),
        (
            ["--idempotency-ttl", "nan"],
            {},
            "--idempotency-ttl (STRIPE_EMULATOR_IDEMPOTENCY_TTL) nan: must be greater than 0",
        ),
        (
            [],
            {"STRIPE_EMULATOR_WEBHOOK_RETRY_SCHEDULE": "1,nan"},
            "values must be finite numbers of 0 or more (got nan)",
        ),
        (["--webhook-retry-schedule", "5,inf"], {}, "values must be finite numbers of 0 or more (got inf)"),
    ],
)
def test_bad_values_name_the_flag_or_variable(argv: list[str], environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as info:
        settings_from_args(argv, environ=environ)
    assert message in str(info.value)


def test_choices_are_case_insensitive_as_flags_too() -> None:
    settings = settings_from_args(["--log-level", "INFO", "--log-format", "JSON"], environ={})
    assert (settings.log_level, settings.log_format) == ("info", "json")
    assert settings_from_args([], environ={"STRIPE_EMULATOR_LOG_LEVEL": "DEBUG"}).log_level == "debug"


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_the_cli_refuses_bad_settings_with_status_2() -> None:
    result = run_cli(env={"STRIPE_EMULATOR_PORT": "twelve"})
    assert result.returncode == 2
    assert result.stderr.strip() == "stripe-emulator: STRIPE_EMULATOR_PORT='twelve': must be an integer"


def test_the_cli_refuses_a_broken_fixture_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"fixtures": [{"name": "x", "path": "/v1/issuing/cards", "method": "post", "params": {"currency": "usd"}}]}'
    )
    result = run_cli("--port", "0", "--fixtures", str(broken))
    assert result.returncode == 2
    assert (
        f"stripe-emulator: {broken}: step 1 of 1 ('x', POST /v1/issuing/cards): the request failed: 400"
        in result.stderr
    )
    assert "listening" not in result.stdout


def test_the_cli_refuses_a_foreign_persistence_file(tmp_path: Path) -> None:
    target = tmp_path / "thesis.txt"
    target.write_text("do not overwrite")
    result = run_cli("--port", "0", "--persist", str(target))
    assert result.returncode == 2
    assert "is not a SQLite database (refusing to overwrite it)" in result.stderr
    assert target.read_text() == "do not overwrite"


def start_cli(*args: str, stderr: int = subprocess.PIPE) -> subprocess.Popen[str]:
    """``python -m emulator --port 0 ARGS`` in the background (it prints where it listens first)."""
    return subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _serve_and_call(*args: str) -> str:
    """Start the CLI, make one keyed POST on a connected account, stop it; its stderr."""
    proc = start_cli(*args)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = "http://127.0.0.1:" + line.strip().rsplit(":", 1)[1]
        client = stripe.StripeClient("sk_test_logs", base_addresses={"api": url})
        account = client.v1.accounts.create({"country": "US"})
        for _ in range(2):  # the second one is an idempotent replay
            client.v1.accounts.update(
                account.id, {"metadata": {"a": "b"}}, {"stripe_account": account.id, "idempotency_key": "idem-1"}
            )
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    return err


def test_text_logs_have_one_line_per_request() -> None:
    err = _serve_and_call("--log-format", "text")
    lines = [ln for ln in err.splitlines() if "emulator.requests" in ln]
    assert len(lines) == 3
    assert "POST /v1/accounts -> 200 (" in lines[0] and " req_" in lines[0]
    assert lines[2].endswith("idem=idem-1 replayed") and " acct_" in lines[2]


def test_json_logs_carry_every_field() -> None:
    err = _serve_and_call("--log-format", "json")
    records = [json.loads(ln) for ln in err.splitlines() if ln.startswith("{")]
    requests = [r for r in records if r["logger"] == "emulator.requests"]
    assert len(requests) == 3
    last = requests[-1]
    assert last["method"] == "POST" and last["path"].startswith("/v1/accounts/acct_") and last["status"] == 200
    assert last["idempotency_key"] == "idem-1" and last["replayed"] is True
    assert last["account"].startswith("acct_") and last["request_id"].startswith("req_")
    assert isinstance(last["duration_ms"], float) and last["level"] == "info" and last["time"].endswith("Z")
    assert all(r["level"] in ("info", "warning") for r in records)  # uvicorn's lines are JSON too


def test_json_formatter_keeps_plain_records_readable() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
    assert json.loads(JsonFormatter().format(record)) | {"time": ""} == {
        "time": "",
        "level": "error",
        "logger": "x",
        "message": "boom now",
    }


def test_seed_makes_ids_deterministic() -> None:
    def ids() -> list[str]:
        srv = EmulatorServer(settings=Settings(port=0, seed=1234))
        url = srv.start()
        try:
            client = stripe.StripeClient("sk_test_seed", base_addresses={"api": url})
            account = client.v1.accounts.create(
                {"country": "US", "type": "custom", "capabilities": {"card_issuing": {"requested": True}}}
            )
            return [account.id, str(account.last_response.headers["request-id"])]
        finally:
            srv.stop()

    assert ids() == ids()


def test_the_cli_prints_where_it_listens_and_serves() -> None:
    started = time.perf_counter()
    proc = start_cli(stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("stripe-emulator ") and " listening on http://127.0.0.1:" in line
        health = httpx.get("http://127.0.0.1:" + line.strip().rsplit(":", 1)[1] + "/_emulator/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert time.perf_counter() - started < 15
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- the control plane's debugging endpoints --------------------------------------------------------


def test_state_and_requests_filter_by_key_and_limit(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    account = client.v1.accounts.create({"country": "US"})
    client.v1.accounts.retrieve(account.id)
    auth = {"Authorization": f"Bearer {api_key}"}
    state = httpx.get(server.url + "/_emulator/state", headers=auth).json()["platforms"]
    assert len(state) == 1
    (platform,) = state.values()
    assert account.id in platform["accounts"] and platform["settings"]["rta_timeout_approves"] is False
    only = httpx.get(
        server.url + "/_emulator/state", params={"account": account.id, "type": "event"}, headers=auth
    ).json()
    assert list(next(iter(only["platforms"].values()))["accounts"]) == [account.id]
    records = httpx.get(server.url + "/_emulator/requests", params={"limit": 1}, headers=auth).json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [("GET", f"/v1/accounts/{account.id}", 200)]
    assert records[0]["response_body"]["id"] == account.id and records[0]["key"].endswith(api_key[-4:])
    posts = httpx.get(server.url + "/_emulator/requests", params={"method": "post"}, headers=auth).json()["requests"]
    assert [r["request_body"]["country"] for r in posts] == ["US"]
    bad = httpx.get(server.url + "/_emulator/requests", params={"limit": "0"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "limit"


def test_platform_settings_switches(server: EmulatorServer, api_key: str) -> None:
    auth = {"Authorization": f"Bearer {api_key}"}
    url = server.url + "/_emulator/platform_settings"
    assert httpx.get(url, headers=auth).json() == {
        "object": "emulator.platform_settings",
        "rta_timeout_approves": False,
        "rta_timeout_seconds": 2.0,
        "require_terms_acceptance": False,
        "onboarding": "instant",
        "default_spending_limits": True,
    }
    got = httpx.post(url, data={"rta_timeout_approves": "true", "rta_timeout_seconds": "0.5"}, headers=auth).json()
    assert got["rta_timeout_approves"] is True and got["rta_timeout_seconds"] == 0.5
    assert server.state.platform(api_key).settings.rta_timeout_approves is True
    cases: list[tuple[Any, str]] = [
        ({"nope": 1}, "Received unknown parameter: nope"),
        ({"require_terms_acceptance": "maybe"}, "Invalid require_terms_acceptance: must be true or false"),
        ({"rta_timeout_seconds": -1}, "Invalid rta_timeout_seconds: must be a number between 0 and 60.0"),
        ({"onboarding": "later"}, "Invalid onboarding: must be one of instant or required"),
    ]
    for body, message in cases:
        resp = httpx.post(url, json=body, headers=auth)
        assert resp.status_code == 400 and resp.json()["error"]["message"] == message
    assert httpx.post(url, content=b"[1]", headers={**auth, "content-type": "application/json"}).status_code == 400
    assert httpx.post(url, json={}).status_code == 401


def test_reset_all_and_one_key(server: EmulatorServer) -> None:
    # a private server: resetting everything must not disturb the other tests' session server
    srv = EmulatorServer()
    url = srv.start()
    try:
        a, b = "sk_test_reset_a", "sk_test_reset_b"
        for key in (a, b):
            stripe.StripeClient(key, base_addresses={"api": url}).v1.accounts.create({"country": "US"})
        assert httpx.post(url + "/_emulator/reset", headers={"Authorization": f"Bearer {a}"}).json() == {
            "status": "ok",
            "reset": "platform",
        }
        assert set(srv.state.platforms) == {b}
        assert httpx.post(url + "/_emulator/reset").json()["reset"] == "all" and srv.state.platforms == {}
        assert httpx.post(url + "/_emulator/reset", headers={"Authorization": "Bearer nope"}).status_code == 401
    finally:
        srv.stop()


def test_configure_logging_sends_records_to_the_stream() -> None:
    from emulator.cli import configure_logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        configure_logging(Settings(log_format="json", log_level="warning"), stream)
        logging.getLogger("emulator.test").warning("hello")
        logging.getLogger("emulator.test").info("hidden")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = stream.getvalue().splitlines()
    assert [json.loads(ln)["message"] for ln in lines] == ["hello"]


def test_request_lines_write_one_turn_of_lines_at_once() -> None:
    import asyncio
    import io
    import re

    from emulator.http.request_lines import RequestLines, Served

    class Counting(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            return super().write(text)

    async def serve(lines: RequestLines) -> None:
        lines(Served("POST", "/v1/accounts", 200, 1.25, "req_1", "acct_1", "k-1", True))
        lines(Served("GET", "/v1/account", 401, 0.5, "req_2", None, None, False))
        await asyncio.sleep(0)  # the end of the turn: both lines in one write

    text, json_lines = Counting(), Counting()
    asyncio.run(serve(RequestLines(text, json_lines=False)))
    asyncio.run(serve(RequestLines(json_lines, json_lines=True)))
    assert text.writes == 1 and json_lines.writes == 1
    first, second = text.getvalue().splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO emulator\.requests: .*", first)
    assert first.endswith("POST /v1/accounts -> 200 (1.2 ms) req_1 acct_1 idem=k-1 replayed")
    assert second.endswith("GET /v1/account -> 401 (0.5 ms) req_2")
    record = json.loads(json_lines.getvalue().splitlines()[0])
    assert record | {"time": ""} == {
        "time": "",
        "level": "info",
        "logger": "emulator.requests",
        "message": "POST /v1/accounts -> 200 (1.2 ms) req_1 acct_1 idem=k-1 replayed",
        "method": "POST",
        "path": "/v1/accounts",
        "status": 200,
        "duration_ms": 1.25,
        "request_id": "req_1",
        "account": "acct_1",
        "idempotency_key": "k-1",
        "replayed": True,
    }
    assert record["time"].endswith("Z")
