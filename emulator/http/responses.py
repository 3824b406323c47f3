"""Starlette responses for the control plane that encode like the API (orjson, frozen snapshots)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette import responses

from emulator.core import jsonutil


class JSONResponse(responses.JSONResponse):
    def render(self, content: Any) -> bytes:
        return jsonutil.dumps(content)


@dataclass(frozen=True)
class RawBody:
    """What a handler returns to answer bytes that are not JSON (a file's contents)."""

    content_type: str
    data: bytes
