"""Which ``Stripe-Version`` values exist: Stripe's released API versions, kept as data in
``emulator/spec/api-versions.json`` (see ``spec/SOURCE.md``).

A version is accepted when it is one of them, or when it is newer than the newest one known here
(``YYYY-MM-DD.name`` dated after it: a release this copy of the list does not know yet), or a public
preview (``YYYY-MM-DD.preview``) of any real day since previews began (:data:`PREVIEWS_SINCE`): Stripe
publishes one beside each release, and its preview SDK builds pin days between releases too
(stripe-go ``2026-03-04.preview``, stripe-ruby ``2026-08-12.preview``); a preview is answered as
the latest release on or before its day (the renderers compare dates). Beta flags
after a ``;`` (``2026-10-28.endive; issuing_beta=v2``) are allowed on any accepted version.
Everything else (``1999-01-01.nonsense``, ``2024-09-30`` without its release name) is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from emulator.http.params import SPEC_DIR

_SHAPE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.([a-z]{1,32}))?")
_FLAG = re.compile(r"\w{1,64}=v\d{1,4}")


PREVIEW = "preview"
PREVIEWS_SINCE = "2024-09-30"  # the first release of Stripe's named monthly versions (acacia)


@dataclass(frozen=True)
class KnownVersions:
    versions: frozenset[str]
    newest_date: str
    dates: frozenset[str]

    def accepts(self, header: str) -> bool:
        if header in self.versions:  # what nearly every request sends
            return True
        base, *flags = header.split(";")
        base = base.strip()
        if any(not _FLAG.fullmatch(flag.strip()) for flag in flags):
            return False
        if base in self.versions:
            return True
        shape = _SHAPE.fullmatch(base)
        if shape is None or shape.group(2) is None:
            return False
        if shape.group(2) == PREVIEW:
            if shape.group(1) in self.dates:
                return True
            if shape.group(1) < PREVIEWS_SINCE:
                return False
        # a named release dated after the newest known one, or a preview (on a real calendar day)
        elif shape.group(1) <= self.newest_date:
            return False
        try:
            date.fromisoformat(shape.group(1))
        except ValueError:
            return False
        return True


@cache
def known() -> KnownVersions:
    with open(SPEC_DIR / "api-versions.json", encoding="utf-8") as fh:
        versions: list[str] = json.load(fh)["versions"]
    return KnownVersions(frozenset(versions), max(v[:10] for v in versions), frozenset(v[:10] for v in versions))


def is_known(header: str) -> bool:
    """Whether Stripe would accept ``header`` as a ``Stripe-Version``."""
    return known().accepts(header)


def is_release(value: str) -> bool:
    """Whether ``value`` names a release (no beta flags): what a webhook endpoint's ``api_version`` takes."""
    return ";" not in value and known().accepts(value)
