"""A local dashboard at ``/_emulator/``: see and drive what the emulator holds, in a browser.

Server-rendered HTML with no external assets: ``site`` (routes and glue), ``pages`` (page
bodies), ``tables``/``deliveries`` (tables per object type), ``forms``/``actions`` (what a page
can do, through in-process API requests), ``security`` (no cross-site actions), ``html``
(escaping by construction), ``assets`` (CSS, and the script that keeps pages live).

Importing the package is cheap: ``paths`` (the URL table the app routes at start-up) needs
nothing else, and ``Dashboard`` is imported from ``site`` on first use, so start-up does not
pay for the pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.dashboard.site import Dashboard

__all__ = ["Dashboard"]


def __getattr__(name: str) -> Any:
    if name == "Dashboard":
        from emulator.dashboard.site import Dashboard

        return Dashboard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
