"""The documentation: README within its size, its pytest example the one that runs, generated
tables current, links that lead somewhere, flags that exist, a "Choices" section where it belongs.

(The coverage page, ``docs/coverage.md``, is checked by ``tests/test_spec_walk.py``.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulator.cli import build_parser
from emulator.recording.command import build_parser as export_parser
from emulator.settings import markdown_table

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_LIMIT = 10 * 1024
# pages other branches add (linked already, allowed to be missing until they arrive)
PENDING = {
    "docs/security.md",
    "docs/balances.md",
    "docs/onboarding.md",
    "docs/card-reveal-and-files.md",
    "docs/time-faults-recording.md",
}
# pages that describe behaviour: each says what the emulator chose where Stripe is silent
BEHAVIOUR = ("api", "connect", "issuing", "treasury", "webhooks", "fixtures", "persistence", "dashboard",
             "control-plane", "configuration")  # fmt: skip
LINK = re.compile(r"\]\(([^)\s]+)\)")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z]")
# flags of other programs that the pages show (pip, npm, docker, ruff, the stripe CLI)
OTHER_PROGRAMS = {"--prefix", "--rm", "--forward-to", "--check"}
PLUGIN_FLAGS = {"--stripe-emulator-url", "--stripe-emulator-fixtures", "--stripe-emulator-save-failed"}


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md")), *sorted((ROOT / "bench").glob("*.md"))]


def slug(heading: str) -> str:
    """GitHub's anchor for a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, flags=re.M)}


def test_the_readme_stays_short() -> None:
    assert len(README.read_bytes()) <= README_LIMIT


def test_the_readme_pytest_example_is_the_one_the_plugin_tests_run() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    example = (ROOT / "tests" / "plugin_example" / "readme_example.py").read_text(encoding="utf-8")
    assert example in blocks


def test_the_option_table_is_current() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert markdown_table() in page, "paste markdown_table() of emulator.settings into docs/configuration.md"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_lead_somewhere(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        name = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else str(file)
        if not file.exists():
            if name not in PENDING:
                broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(target)
    assert not broken, broken


@pytest.mark.parametrize("page", [README, *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_flags_exist(page: Path) -> None:
    # the server's flags and those of its export subcommand
    server_flags = {
        flag
        for parser in (build_parser(), export_parser())
        for action in parser._actions
        for flag in action.option_strings
    }
    unknown = set(FLAG.findall(page.read_text(encoding="utf-8"))) - server_flags - PLUGIN_FLAGS - OTHER_PROGRAMS
    assert not unknown, unknown


@pytest.mark.parametrize("name", BEHAVIOUR)
def test_behaviour_pages_have_choices(name: str) -> None:
    assert "\n## Choices\n" in (DOCS / f"{name}.md").read_text(encoding="utf-8")


def test_the_index_lists_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = {target.partition("#")[0] for target in LINK.findall(index)}
    pages_here = {p.name for p in DOCS.glob("*.md")} - {"index.md"}
    assert pages_here <= listed, pages_here - listed
    assert {name.removeprefix("docs/") for name in PENDING} <= listed
