"""No Docker engine runs here: check that the Dockerfile and compose file say what the package does."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator import EmulatorServer, create_app
from emulator.cli import settings_from_args
from emulator.settings import DEFAULT_PORT, Settings, env_var, options

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"
HEALTH_URL = f"http://127.0.0.1:{DEFAULT_PORT}/_emulator/health"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def one(name: str) -> str:
    found = [rest for word, rest in instructions() if word == name]
    assert len(found) == 1, f"expected one {name}, found {found}"
    return found[0]


def compose_service() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    service: dict[str, Any] = data["services"]["stripe-emulator"]
    return service


def test_entrypoint_runs_the_package_on_all_interfaces_and_the_default_port() -> None:
    command = json.loads(one("ENTRYPOINT"))
    assert command[:3] == ["python", "-m", "emulator"]
    assert (ROOT / "emulator" / "__main__.py").exists()
    settings = settings_from_args(command[3:], environ={})
    assert (settings.host, settings.port) == ("0.0.0.0", DEFAULT_PORT)
    assert one("EXPOSE") == str(DEFAULT_PORT)


def test_healthcheck_uses_python_against_the_health_endpoint() -> None:
    check = one("HEALTHCHECK")
    options_part, _, cmd = check.partition("CMD ")
    assert "--interval=" in options_part and "--timeout=" in options_part
    argv = json.loads(cmd)
    assert argv[:2] == ["python", "-c"] and "curl" not in check and "wget" not in check
    assert HEALTH_URL in argv[2]
    assert "/_emulator/health" in {getattr(r, "path", None) for r in create_app().starlette.routes}


def test_the_healthcheck_command_passes_on_a_live_emulator_and_fails_without_one(server: EmulatorServer) -> None:
    argv = json.loads(one("HEALTHCHECK").partition("CMD ")[2])
    live = argv[2].replace(f"127.0.0.1:{DEFAULT_PORT}", f"127.0.0.1:{server.port}")
    assert subprocess.run([sys.executable, "-c", live], timeout=20).returncode == 0
    dead = argv[2].replace(f"127.0.0.1:{DEFAULT_PORT}", "127.0.0.1:9")
    assert subprocess.run([sys.executable, "-c", dead], capture_output=True, timeout=20).returncode != 0


def test_image_is_slim_python_non_root_and_installs_the_package() -> None:
    base = one("FROM")
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base), base
    user = one("USER")
    assert user not in ("root", "0")
    runs = " ".join(rest for word, rest in instructions() if word == "RUN")
    assert "pip install ." in runs and "useradd" in runs and user in runs
    copies = [shlex.split(rest) for word, rest in instructions() if word == "COPY"]
    copied = {src for parts in copies for src in parts[:-1]}
    assert {"pyproject.toml", "README.md", "emulator", "fixtures"} <= copied
    assert one("VOLUME") == '["/data"]'


def test_compose_agrees_with_the_dockerfile() -> None:
    service = compose_service()
    assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert service["ports"] == [f"127.0.0.1:{DEFAULT_PORT}:{DEFAULT_PORT}"]  # published on loopback only
    health = service["healthcheck"]
    dockerfile_check = json.loads(one("HEALTHCHECK").partition("CMD ")[2])
    assert health["test"] == ["CMD", *dockerfile_check]
    for name in ("interval", "timeout", "start_period", "retries"):
        assert name in health
    volumes = service["volumes"]
    assert "../fixtures:/fixtures:ro" in volumes and any(v.endswith(":/data") for v in volumes)


def test_compose_environment_uses_real_settings() -> None:
    known = {env_var(f) for f in options()}
    environment = compose_service()["environment"]
    assert set(environment) <= known
    defaults = {k: re.sub(r"\$\{[A-Z_]+:-(.*)\}", r"\1", str(v)) for k, v in environment.items()}
    assert Settings.from_env(defaults) == Settings()  # unset optional values leave the defaults
    assert environment["STRIPE_EMULATOR_FIXTURES"].startswith("${STRIPE_EMULATOR_FIXTURES")
    assert environment["STRIPE_EMULATOR_PERSIST"].startswith("${STRIPE_EMULATOR_PERSIST")


@pytest.mark.parametrize("path", ["/fixtures", "/fixtures/triggers"])
def test_the_fixture_folders_the_image_documents_exist(path: str) -> None:
    folder = ROOT / path.lstrip("/")
    assert folder.is_dir() and list(folder.glob("*.json"))
    assert path.split("/")[1] in DOCKERFILE.read_text()
