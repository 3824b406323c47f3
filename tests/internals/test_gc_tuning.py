"""The CLI's GC tuner frees what a reset forgets, although it was frozen (``gc.freeze``)."""

from __future__ import annotations

import asyncio
import gc
import weakref

from emulator import gc_tuning
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


def test_quiet_collections_space_out_and_garbage_brings_them_back() -> None:
    every = 1
    seen = []
    for _ in range(6):
        every = gc_tuning.next_every(every, 0)
        seen.append(every)
    assert seen == [2, 4, 8, 8, 8, 8] and gc_tuning.MAX_QUIET_TICKS == 8
    assert gc_tuning.next_every(8, gc_tuning.QUIET_GARBAGE) == 1
    assert gc_tuning.next_every(1, gc_tuning.QUIET_GARBAGE - 1) == 2


def test_cycles_made_while_garbage_is_found_are_freed_without_a_reset() -> None:
    thresholds = gc.get_threshold()

    async def scenario() -> bool:
        tuner = GcTuner(freeze_every=0.02, full_every=3600)
        tuner.start()
        try:
            await asyncio.sleep(0.05)
            refs = []
            for _ in range(30):  # every tick finds thousands of dead cycles: it collects every tick
                for _ in range(3_000):
                    Node()
                node = Node()
                refs.append(weakref.ref(node))
                del node
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)
            return all(ref() is None for ref in refs)
        finally:
            tuner.stop()

    try:
        freed = asyncio.run(scenario())
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert freed
