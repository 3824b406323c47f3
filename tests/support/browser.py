"""Finding the headless Chromium the browser tests drive (they skip without one)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NO_CHROMIUM = "no Chromium on this machine (Debian: apt-get install chromium; .ci/run installs it)"


def find_chromium() -> str | None:
    """``STRIPE_EMULATOR_CHROMIUM``, else the first Chromium on ``PATH``."""
    configured = os.environ.get("STRIPE_EMULATOR_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
