"""A local dashboard at ``/_emulator/``: see and drive what the emulator holds, in a browser.

Server-rendered HTML with no external assets: ``site`` (routes and glue), ``pages`` (page
bodies), ``tables``/``deliveries`` (tables per object type), ``forms``/``actions`` (what a page
can do, through in-process API requests), ``security`` (no cross-site actions), ``html``
(escaping by construction), ``assets`` (CSS, and the script that keeps pages live).
"""

from emulator.dashboard.site import Dashboard

__all__ = ["Dashboard"]
