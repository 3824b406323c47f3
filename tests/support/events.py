"""Events as the emulator stored them (read from the state, not through the API)."""

from __future__ import annotations

from emulator import EmulatorServer
from emulator.core.jsonutil import thaw
from emulator.core.store import Obj


def events_of(server: EmulatorServer, api_key: str, account_id: str | None, event_type: str) -> list[Obj]:
    scope = server.state.platform(api_key).scope(account_id)
    return [thaw(e) for e in scope.store("event").values() if e["type"] == event_type]
