"""The README's coverage table: every operation of the vendored spec and the overlays, and
whether the emulator implements it. ``python bench/coverage_table.py`` prints markdown.

Driven by the routes the emulator serves (``EmulatorApp.router.routes``), so it stays right as
endpoints land; ``tests/conformance/test_spec_walk.py`` checks it lists everything.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.app import create_app  # noqa: E402
from emulator.http.params import load_overlay, load_spec  # noqa: E402

METHODS = ("get", "post", "delete")
# In the 2026 SDKs (stripe-python 16.1) next to our endpoints, but not emulated (out of scope or
# needing products the emulator does not model: wallet tokens, card designs, bundles).
# (Issuing tokens, personalization designs and physical bundles are emulated now: none left.)
SDK_ONLY: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    source: str  # "spec" (API 2023-08-16) or "overlay" (newer, from the 2026 SDKs)
    implemented: bool
    summary: str


def rows() -> list[Row]:
    app = create_app()
    served = {(r.method, r.spec_template or r.template) for r in app.router.routes}
    out: list[Row] = []
    for path, ops in load_spec()["paths"].items():
        for method, op in ops.items():
            if method not in METHODS:
                continue
            summary = str(op.get("summary") or op.get("description") or "").split("\n")[0][:80]
            out.append(Row(method.upper(), path, "spec", (method.upper(), path) in served, summary))
    in_spec = {(r.method, r.path) for r in out}
    for key in load_overlay()["operations"]:
        method, path = key.split(" ", 1)
        if (method.upper(), path) in in_spec:
            out = [
                Row(r.method, r.path, "spec+overlay", r.implemented, r.summary)
                if (r.method, r.path) == (method.upper(), path)
                else r
                for r in out
            ]
            continue
        out.append(Row(method.upper(), path, "overlay", (method.upper(), path) in served, "added after 2023-08-16"))
    known = {(r.method, r.path) for r in out}
    for method, path in SDK_ONLY:
        if (method, path) not in known and (method, path) not in served:
            out.append(Row(method, path, "sdk", False, "in the 2026 SDKs; not emulated"))
    known = {(r.method, r.path) for r in out}
    for method, path in sorted(served - known):
        out.append(Row(method, path, "none", True, "served without a spec operation"))
    return sorted(out, key=lambda r: (r.path, METHODS.index(r.method.lower())))


def markdown(table: list[Row]) -> str:
    done = sum(r.implemented for r in table)
    lines = [
        f"{done} of {len(table)} operations implemented.",
        "",
        "| Method | Path | Implemented | Source |",
        "|---|---|---|---|",
    ]
    for r in table:
        mark = "yes" if r.implemented else "**not implemented**"
        src = {
            "spec": "API 2023-08-16 spec",
            "spec+overlay": "API 2023-08-16 spec, newer parameters from the overlay",
            "overlay": "overlay (newer API)",
            "sdk": "2026 SDKs only",
        }.get(r.source, r.source)
        lines.append(f"| {r.method} | `{r.path}` | {mark} | {src} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.write(markdown(rows()))


if __name__ == "__main__":
    main()
