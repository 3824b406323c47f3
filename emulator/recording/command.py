"""``python -m emulator export``: a running emulator's session of one key, as a fixture document.

    python -m emulator export --key sk_test_... [--url http://127.0.0.1:12111] [--output FILE]

Prints the document (``GET /_emulator/requests?format=fixture``) or writes it to ``--output``;
an unreachable emulator, a refused key or an unwritable file end it with exit status 2 and a
message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from emulator.settings import TEST_SECRET_KEY

URL_ENV = "STRIPE_EMULATOR_URL"
DEFAULT_URL = "http://127.0.0.1:12111"
PATH = "/_emulator/requests?format=fixture"
TIMEOUT = 60

BAD_KEY = "--key must be a test-mode secret key (sk_test_... or rk_test_...)"
BAD_URL = "--url must be an http:// or https:// address (got {url!r})"
UNREACHABLE = "cannot reach the emulator at {url}: {detail}"
REFUSED = "the emulator answered {status}: {message}"
NOT_A_DOCUMENT = "the emulator at {url} did not answer a fixture document"
CANNOT_WRITE = "cannot write {path}: {detail}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stripe-emulator export",
        description="Print the state-changing requests one API key made to a running emulator as a stripe "
        "CLI fixture document (load it with --fixtures or POST /_emulator/fixtures to rebuild its objects).",
    )
    parser.add_argument("--key", required=True, help="the API key (platform) whose session is exported")
    parser.add_argument("--url", default=None, help=f"the emulator's address (env {URL_ENV}; default {DEFAULT_URL})")
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write to FILE instead of stdout")
    return parser


def _fail(message: str) -> int:
    print(f"stripe-emulator export: {message}", file=sys.stderr, flush=True)
    return 2


def fetch(url: str, key: str) -> dict[str, Any]:
    """The fixture document of ``key`` from the emulator at ``url`` (a ValueError says what failed)."""
    request = urllib.request.Request(url.rstrip("/") + PATH, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            message = json.loads(body)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = body.decode("utf-8", "replace")[:500]
        raise ValueError(REFUSED.format(status=exc.code, message=message)) from None
    except (urllib.error.URLError, OSError) as exc:
        detail = getattr(exc, "reason", None) or exc
        raise ValueError(UNREACHABLE.format(url=url, detail=detail)) from None
    try:
        document = json.loads(raw)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("fixtures"), list):
        raise ValueError(NOT_A_DOCUMENT.format(url=url))
    return document


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if not TEST_SECRET_KEY.fullmatch(args.key):
        return _fail(BAD_KEY)
    url = args.url or os.environ.get(URL_ENV) or DEFAULT_URL
    if not url.startswith(("http://", "https://")):
        return _fail(BAD_URL.format(url=url))
    try:
        document = fetch(url, args.key)
    except ValueError as exc:
        return _fail(str(exc))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        return _fail(CANNOT_WRITE.format(path=args.output, detail=exc.strerror or exc))
    return 0
