"""stripe-issuing-emulator: a local, stateful Stripe test double for Issuing on Treasury.

The public names are imported on first use, so that importing a submodule (the pytest
plugin is loaded in every pytest run of an environment that has this package) costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from emulator.app import create_app
    from emulator.core.state import State
    from emulator.server import EmulatorServer
    from emulator.settings import Settings

_LAZY = {
    "create_app": "emulator.app",
    "State": "emulator.core.state",
    "EmulatorServer": "emulator.server",
    "Settings": "emulator.settings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["EmulatorServer", "Settings", "State", "__version__", "create_app"]
