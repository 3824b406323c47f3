"""Server settings: command-line flags and ``STRIPE_EMULATOR_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

ENV_PREFIX = "STRIPE_EMULATOR_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 12111
    log_level: str = "info"
    log_format: str = "text"  # text | json
    seed: int | None = None
    api_version: str = "2026-10-28.endive"  # the version answered when a request names none
    max_body_bytes: int = 1_000_000
    idempotency_ttl: float = 24 * 3600
    idempotency_max_entries: int = 20_000
    fixtures: tuple[str, ...] = ()
    fixtures_key: str = "sk_test_emulator"
    persist: str | None = None
    forward_to: str | None = None
    webhook_retry_schedule: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0)
    request_log_size: int = 200
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _parse(name: str, raw: str) -> Any:
    if name in ("port", "seed", "max_body_bytes", "idempotency_max_entries", "request_log_size"):
        return int(raw)
    if name == "idempotency_ttl":
        return float(raw)
    if name == "fixtures":
        return tuple(p for p in raw.split(os.pathsep) if p)
    if name == "webhook_retry_schedule":
        return tuple(float(p) for p in raw.split(",") if p.strip())
    return raw
