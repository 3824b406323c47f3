"""The preset dictionary that cold objects are compressed against (emulator.core.packing).

A JSON body of the emulator repeats the same keys and values in the same order from one object
of a type to the next (a card is ~1,800 bytes of which ~100 differ from the previous card's).
zstd primed with typical objects stores mostly the difference: ~100-250 bytes for a card or an
authorization instead of 800-1,400 without a dictionary.

The samples are Stripe's own example objects (``emulator/spec/fixtures-subset-latest.json``, vendored
data) in the emulator's key order: ``id`` and ``object`` first, everything else sorted, as the
resources build them. The most frequent types come last (closest to the data). Changing the samples
changes only how well objects compress, never what they decode to — but the dictionary must not
change while a process holds data compressed against it (it is built once, at import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parent.parent / "spec" / "fixtures-subset-latest.json"
# least frequent first: the end of the dictionary is the cheapest to refer to
TYPES = (
    "issuing.cardholder",
    "event",
    "treasury.transaction",
    "treasury.transaction_entry",
    "issuing.card",
    "issuing.authorization",
)
FIRST = ("id", "object")


def wire_order(value: Any) -> Any:
    """``value`` with its keys in the order the emulator writes them: ``id``, ``object``, the rest sorted."""
    if isinstance(value, list):
        return [wire_order(item) for item in value]
    if not isinstance(value, dict):
        return value
    keys = [k for k in FIRST if k in value] + sorted(k for k in value if k not in FIRST)
    return {k: wire_order(value[k]) for k in keys}


def _samples() -> tuple[dict[str, Any], ...]:
    resources = orjson.loads(FIXTURES.read_bytes())["resources"]
    return tuple(wire_order(resources[name]) for name in TYPES)


SAMPLES = _samples()
CARD = SAMPLES[TYPES.index("issuing.card")]
ZDICT: bytes = b"".join(orjson.dumps(sample) for sample in SAMPLES)
