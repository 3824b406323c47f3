"""Server settings: one frozen :class:`Settings`, filled from flags and ``STRIPE_EMULATOR_*`` variables.

Every field is an option: ``--log-level`` on the command line and ``STRIPE_EMULATOR_LOG_LEVEL``
in the environment (a flag wins over the variable, the variable over the default). The CLI
parser and the option table of ``docs/configuration.md`` are both made from :func:`options`, so a new field is a new flag
and a new variable at once. Bad values are refused with a :class:`SettingsError` that names
the flag or variable and says what is expected.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from typing import Any

from emulator.core.store import HOT_OBJECTS

ENV_PREFIX = "STRIPE_EMULATOR_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")
DEFAULT_PORT = 12111
DEFAULT_FIXTURES_KEY = "sk_test_emulator"
# a test-mode secret key, as the API accepts it (emulator/http/auth.py)
TEST_SECRET_KEY = re.compile(r"(sk|rk)_test_[A-Za-z0-9_]{1,200}")
_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?")

BAD_INTEGER = "{source}={raw!r}: must be an integer"
BAD_NUMBER = "{source}={raw!r}: must be a number"
BAD_BOOLEAN = "{source}={raw!r}: must be true or false"
BAD_CHOICE = "{source}={raw!r}: must be one of {choices}"
BAD_PORT = "{name} {value}: must be between 0 and 65535 (0 = any free port)"
BAD_POSITIVE = "{name} {value}: must be greater than 0"
BAD_NON_NEGATIVE = "{name}: values must be finite numbers of 0 or more (got {value})"
BAD_NEGATIVE = "{name} {value}: must be 0 or more"
BAD_FIXTURES_KEY = "{name} {value!r}: must be a test-mode secret key (sk_test_... or rk_test_...)"
BAD_API_VERSION = "{name} {value!r}: must look like 2024-06-20 or 2024-06-20.acacia"


class SettingsError(ValueError):
    """A setting has a value the emulator cannot use (the message names it)."""


def _opt(default: Any, help: str, **meta: Any) -> Any:  # noqa: A002 - argparse's own word
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help, **meta})
    return field(default=default, metadata={"help": help, **meta})


@dataclass(frozen=True)
class Settings:
    host: str = _opt("127.0.0.1", "address to listen on (0.0.0.0 inside a container)")
    port: int = _opt(DEFAULT_PORT, "port to listen on; 0 picks a free port (printed at start)")
    log_level: str = _opt("info", "log level; info shows one line per request", choices=LOG_LEVELS)
    log_format: str = _opt("text", "log lines as text or JSON lines", choices=LOG_FORMATS)
    seed: int | None = _opt(None, "seed for ids and generated numbers: the same requests give the same ids")
    api_version: str = _opt(
        "2026-10-28.endive", "the accounts' default API version: answers without Stripe-Version, and every event"
    )
    max_body_bytes: int = _opt(1_000_000, "largest request body accepted (413 above)")
    idempotency_ttl: float = _opt(24 * 3600.0, "seconds an Idempotency-Key is remembered")
    idempotency_max_entries: int = _opt(20_000, "most Idempotency-Keys remembered per platform (oldest dropped)")
    fixtures: tuple[str, ...] = _opt(
        (),
        "stripe CLI fixture file or folder of them, loaded at start and after each reset "
        "(flag repeatable; variable: paths separated by ':')",
        separator=os.pathsep,
    )
    fixtures_key: str = _opt(DEFAULT_FIXTURES_KEY, "API key (platform) the fixtures are loaded for")
    persist: str | None = _opt(None, "SQLite file that keeps all state across restarts (off by default)")
    forward_to: str | None = _opt(None, "URL that receives every event as a signed webhook (like stripe listen)")
    forward_secret: str | None = _opt(None, "signing secret (whsec_...) for --forward-to; generated when unset")
    webhook_retry_schedule: tuple[float, ...] = _opt(
        (1.0, 5.0, 30.0, 120.0, 600.0), "seconds between webhook delivery retries, comma-separated", separator=","
    )
    request_log_size: int = _opt(200, "requests kept for GET /_emulator/requests")
    allowed_hosts: tuple[str, ...] = _opt(
        (),
        "more host names the emulator answers to (besides localhost, loopback addresses and --host); "
        "'*' accepts any (flag repeatable; variable: names separated by ',')",
        separator=",",
        metavar="HOST",
    )
    header_timeout: float = _opt(10.0, "seconds a client has to send a whole request head (then 408 and close)")
    body_timeout: float = _opt(30.0, "seconds a client has to send a whole request body (then 408 and close)")
    keep_alive_timeout: float = _opt(5.0, "seconds an idle keep-alive connection stays open")
    max_connections: int = _opt(1000, "open connections served at once; requests on more get 503 and are closed")
    hot_objects: int = _opt(
        HOT_OBJECTS,
        "objects of each kind per account kept decoded; older ones are kept compressed until used (0 = all decoded)",
    )
    extra: Mapping[str, Any] = field(default_factory=dict, metadata={"option": False})

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            raise SettingsError("; ".join(problems))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``STRIPE_EMULATOR_*`` variables, then ``overrides`` that are not None."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in options():
            raw = env.get(env_var(f))
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = parse_value(f, raw, env_var(f))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def options() -> list[Field[Any]]:
    """The fields that are options (each has a flag and a variable)."""
    return [f for f in fields(Settings) if f.metadata.get("option", True)]


def env_var(f: Field[Any]) -> str:
    return ENV_PREFIX + f.name.upper()


def flag(f: Field[Any]) -> str:
    return "--" + f.name.replace("_", "-")


def kind(f: Field[Any]) -> str:
    """The value type of an option: str, int, float, bool, strs or floats (lists)."""
    annotation = str(f.type).replace(" ", "")
    for name in ("tuple[str,...]", "tuple[float,...]"):
        if annotation == name:
            return "strs" if "str" in name else "floats"
    for name in ("int", "float", "bool", "str"):
        if annotation in (name, f"{name}|None", f"None|{name}"):
            return name
    raise TypeError(f"setting {f.name} has an unsupported type {annotation}")


def default_of(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def parse_value(f: Field[Any], raw: str, source: str) -> Any:
    """Turn the text of a flag or variable into the option's type (a SettingsError if it can't)."""
    text = raw.strip()
    k = kind(f)
    choices = f.metadata.get("choices")
    if choices is not None and text.lower() not in choices:
        raise SettingsError(BAD_CHOICE.format(source=source, raw=raw, choices=", ".join(choices)))
    if k == "int":
        try:
            return int(text)
        except ValueError:
            raise SettingsError(BAD_INTEGER.format(source=source, raw=raw)) from None
    if k == "float":
        try:
            return float(text)
        except ValueError:
            raise SettingsError(BAD_NUMBER.format(source=source, raw=raw)) from None
    if k == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(BAD_BOOLEAN.format(source=source, raw=raw))
    if k == "strs":
        return tuple(p for p in raw.split(f.metadata.get("separator", ",")) if p.strip())
    if k == "floats":
        try:
            return tuple(float(p) for p in raw.split(f.metadata.get("separator", ",")) if p.strip())
        except ValueError:
            raise SettingsError(BAD_NUMBER.format(source=source, raw=raw)) from None
    return text.lower() if choices is not None else text


def _named(name: str) -> str:
    """A setting as its user gave it: its flag and its variable (a range is checked after both are read)."""
    (f,) = (f for f in options() if f.name == name)
    return f"{flag(f)} ({env_var(f)})"


def _check(s: Settings) -> list[str]:
    problems: list[str] = []
    if not 0 <= s.port <= 65535:
        problems.append(BAD_PORT.format(name=_named("port"), value=s.port))
    if s.log_level.lower() not in LOG_LEVELS:
        problems.append(BAD_CHOICE.format(source=_named("log_level"), raw=s.log_level, choices=", ".join(LOG_LEVELS)))
    if s.log_format.lower() not in LOG_FORMATS:
        problems.append(
            BAD_CHOICE.format(source=_named("log_format"), raw=s.log_format, choices=", ".join(LOG_FORMATS))
        )
    for name in (
        "max_body_bytes",
        "idempotency_ttl",
        "idempotency_max_entries",
        "request_log_size",
        "header_timeout",
        "body_timeout",
        "keep_alive_timeout",
        "max_connections",
    ):
        value = getattr(s, name)
        if not value > 0:  # also NaN
            problems.append(BAD_POSITIVE.format(name=_named(name), value=value))
    if s.hot_objects < 0:
        problems.append(BAD_NEGATIVE.format(name=_named("hot_objects"), value=s.hot_objects))
    for delay in s.webhook_retry_schedule:
        if not 0 <= delay < math.inf:  # also NaN and inf
            problems.append(BAD_NON_NEGATIVE.format(name=_named("webhook_retry_schedule"), value=delay))
    if not TEST_SECRET_KEY.fullmatch(s.fixtures_key):
        problems.append(BAD_FIXTURES_KEY.format(name=_named("fixtures_key"), value=s.fixtures_key))
    if not _API_VERSION.fullmatch(s.api_version):
        problems.append(BAD_API_VERSION.format(name=_named("api_version"), value=s.api_version))
    return problems


def markdown_table() -> str:
    """The option table of ``docs/configuration.md``: flag, variable, default, meaning."""
    rows = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    for f in options():
        default = default_of(f)
        if isinstance(default, tuple):
            default = f.metadata.get("separator", ",").join(str(v) for v in default)
        shown = "" if default in (None, "") else f"`{default}`"
        choices = f.metadata.get("choices")
        meaning = f.metadata.get("help", "") + (f" ({' / '.join(choices)})" if choices else "")
        rows.append(f"| `{flag(f)}` | `{env_var(f)}` | {shown} | {meaning} |")
    return "\n".join(rows)
