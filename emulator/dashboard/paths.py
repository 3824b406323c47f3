"""The dashboard's URL table, importable without the dashboard itself (it is built on first use)."""

from __future__ import annotations

ROOT = "/_emulator/"
PLATFORM = "/_emulator/platforms/{handle}"

# (path, Dashboard method that serves it, HTTP methods)
ROUTES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (ROOT, "home", ("GET",)),
    ("/_emulator/search", "search", ("GET",)),
    ("/_emulator/dashboard/changes", "changes", ("GET",)),
    ("/_emulator/dashboard/dashboard.css", "css", ("GET",)),
    ("/_emulator/dashboard/dashboard.js", "js", ("GET",)),
    (PLATFORM, "platform", ("GET",)),
    (PLATFORM + "/types/{object_type}", "listing", ("GET",)),
    (PLATFORM + "/objects/{obj_id}", "object", ("GET",)),
    (PLATFORM + "/deliveries/{delivery_id}", "delivery", ("GET",)),
    (PLATFORM + "/actions/{action}", "action", ("POST",)),
)
