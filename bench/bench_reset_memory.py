"""Does a platform reset give back what the platform held? In-process, loopback only, bounded.

    python bench/bench_reset_memory.py                # 6 rounds of 8 s, 8 clients
    python bench/bench_reset_memory.py --rounds 10 --seconds 15

RSS (what soak.py samples) keeps the allocator's high-water mark and fragmentation, so it cannot
tell a leak from a heap that is merely spread out. This script serves the emulator in its own
process (``EmulatorServer``), runs rounds of soak.py's mixed traffic on a fresh platform each,
resets that platform, collects garbage, and then counts what Python still holds: allocated blocks
(``sys.getallocatedblocks``) and GC-tracked objects by type. A reset that forgets everything
leaves both flat from round to round. Exit status 1 when the blocks grow by more than 1% from the
second round to the last.
"""

from __future__ import annotations

import argparse
import collections
import gc
import http.client
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import soak  # noqa: E402

from emulator.server import EmulatorServer  # noqa: E402


def tracked() -> collections.Counter[str]:
    return collections.Counter(type(o).__name__ for o in gc.get_objects())


def main() -> int:
    parser = argparse.ArgumentParser(description="allocated blocks after each reset (see the module docstring)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    server = EmulatorServer()
    server.start()
    blocks: list[int] = []
    before: collections.Counter[str] | None = None
    try:
        for n in range(args.rounds):
            r = soak.set_up(server.port, 8)
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=soak.worker, args=(server.port, r, deadline)) for _ in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            requests = sum(r.statuses.values())
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("POST", "/_emulator/reset", headers={"Authorization": f"Bearer {r.key}"})
            conn.getresponse().read()
            conn.close()
            del r, threads
            time.sleep(0.5)  # the server thread finishes the reset's hooks
            gc.collect()
            blocks.append(sys.getallocatedblocks())
            now = tracked()
            grew = (now - before).most_common(5) if before is not None else []
            print(
                f"round {n + 1}: {requests} requests, allocated blocks {blocks[-1]:,}, tracked objects {sum(now.values()):,}"
                + (f", grew most: {grew}" if grew else ""),
                flush=True,
            )
            before = now
    finally:
        server.stop()
    if len(blocks) >= 3 and blocks[-1] > blocks[1] * 1.01:
        print(f"allocated blocks grew across resets: {blocks}")
        return 1
    print(f"reset memory flat: allocated blocks {blocks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
