"""stripe-issuing-emulator: a local, stateful Stripe test double for Issuing on Treasury."""

from __future__ import annotations

__version__ = "0.1.0"

from emulator.app import create_app  # noqa: E402
from emulator.core.state import State  # noqa: E402
from emulator.server import EmulatorServer  # noqa: E402
from emulator.settings import Settings  # noqa: E402

__all__ = ["EmulatorServer", "Settings", "State", "__version__", "create_app"]
