"""The CLI's GC tuner frees what a reset forgets, although it was frozen (``gc.freeze``)."""

from __future__ import annotations

import asyncio
import gc
import weakref

from emulator.gc_tuning import GcTuner


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_collect_soon_frees_frozen_cycles() -> None:
    thresholds = gc.get_threshold()

    async def scenario() -> tuple[bool, bool]:
        tuner = GcTuner(freeze_every=0.02, full_every=3600)
        tuner.start()
        try:
            node = Node()
            ref = weakref.ref(node)
            await asyncio.sleep(0.1)  # the tuner's ticks freeze it
            del node
            await asyncio.sleep(0.1)
            still_there_without_a_reset = ref() is not None
            tuner.collect_soon(None)  # what the CLI hooks to /_emulator/reset
            await asyncio.sleep(0.1)
            return still_there_without_a_reset, ref() is None
        finally:
            tuner.stop()

    try:
        frozen_kept, freed = asyncio.run(scenario())
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert frozen_kept and freed
