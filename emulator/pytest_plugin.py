"""pytest plugin, registered as the ``pytest11`` entry point ``stripe_emulator``.

Fixtures (nothing starts unless a test asks for one of them)::

    def test_card(stripe_client):                    # a StripeClient with a fresh, isolated key
        holder = stripe_client.v1.issuing.cardholders.create({...})

* ``stripe_emulator`` (session): the emulator, in-process on a free port (or the one at
  ``--stripe-emulator-url`` / ``STRIPE_EMULATOR_URL``). A :class:`StripeEmulator`: ``url``,
  ``new_key()``, ``client(key)``, ``reset(key)``, ``state(key)``, ``requests(key)``,
  ``platform_settings(key, **changes)``, ``clock(key, advance=/to=/freeze=)``,
  ``load_fixtures(file_or_document, key)``, and for the
  fixture files given at start, ``fixtures_key`` (their platform) and ``loaded_fixtures()``.
* ``stripe_api_key``: a fresh ``sk_test_`` key. Every key is its own platform with its own
  objects, so tests never see each other's data, need no reset, and run in parallel under
  pytest-xdist (each worker starts its own emulator).
* ``stripe_client``: ``stripe.StripeClient`` for that key, pointed at the emulator.
* ``stripe_module``: the ``stripe`` module with ``stripe.api_key``/``stripe.api_base``/``stripe.upload_api_base`` set
  for the test (code that uses the module-level API), restored afterwards.

The in-process emulator reads the ``STRIPE_EMULATOR_*`` variables like the server does
(``--stripe-emulator-fixtures PATH`` adds fixture files) except host, port and persistence.
``--stripe-emulator-save-failed DIR`` saves, for each failed test that used ``stripe_api_key``
(or ``stripe_client``/``stripe_module``), its session as a stripe CLI fixture document
``DIR/<test id>.json``: load it to look at the objects the test left behind.
This module imports nothing heavy at import time: an unused plugin costs nothing.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import stripe as stripe_sdk

    from emulator.server import EmulatorServer

URL_ENV = "STRIPE_EMULATOR_URL"
SAVE_FAILED_ENV = "STRIPE_EMULATOR_SAVE_FAILED"
FIXTURES_KEY_ENV = "STRIPE_EMULATOR_FIXTURES_KEY"
DEFAULT_FIXTURES_KEY = "sk_test_emulator"  # emulator.settings.DEFAULT_FIXTURES_KEY (not imported: keeps this light)
FIXTURE_LOAD_FAILED = "loading fixtures failed: {message}"
CONTROL_FAILED = "{method} {path} answered {status}: {message}"
SAVED = "the session of this test's key was saved to {path}"
SAVE_FAILED = "could not save the session of {nodeid}: {detail}"
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


class EmulatorError(AssertionError):
    """A control-plane call of :class:`StripeEmulator` failed (the message says why)."""


class StripeEmulator:
    """A running emulator, as the ``stripe_emulator`` fixture hands it to tests."""

    def __init__(self, url: str, server: EmulatorServer | None = None, fixtures_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.server = server  # None when the plugin uses an emulator it did not start
        # the key (platform) --stripe-emulator-fixtures / STRIPE_EMULATOR_FIXTURES were loaded for
        self.fixtures_key = fixtures_key or os.environ.get(FIXTURES_KEY_ENV) or DEFAULT_FIXTURES_KEY

    # --- keys and clients ----------------------------------------------------------------------

    @staticmethod
    def new_key() -> str:
        """A fresh test key: a new, empty platform on first use."""
        return "sk_test_" + uuid.uuid4().hex

    def client(self, key: str | None = None, **options: Any) -> stripe_sdk.StripeClient:
        import stripe

        return stripe.StripeClient(
            key or self.new_key(), base_addresses={"api": self.url, "files": self.url}, **options
        )

    # --- the control plane (/_emulator/...) -----------------------------------------------------

    def _call(self, method: str, path: str, key: str | None = None, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                message = json.loads(raw)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = raw.decode("utf-8", "replace")
            raise EmulatorError(
                CONTROL_FAILED.format(method=method, path=path, status=exc.code, message=message)
            ) from None

    def reset(self, key: str | None = None) -> None:
        """Forget one key's platform (or everything); configured fixtures load again."""
        self._call("POST", "/_emulator/reset", key)

    def state(self, key: str | None = None, **filters: str) -> dict[str, Any]:
        """Every object, by masked key, account and type (``account=``, ``type=``, ``limit=`` filter)."""
        query = "?" + urllib.parse.urlencode(filters) if filters else ""
        platforms: dict[str, Any] = self._call("GET", "/_emulator/state" + query, key)["platforms"]
        return platforms

    def requests(self, key: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Recent API requests (``limit``, ``method``, ``path`` prefix, ``status``, ``account`` filter)."""
        query = "?" + urllib.parse.urlencode(filters) if filters else ""
        records: list[dict[str, Any]] = self._call("GET", "/_emulator/requests" + query, key)["requests"]
        return records

    def loaded_fixtures(self, key: str | None = None) -> list[dict[str, Any]]:
        """What the fixture files made, oldest load first: ``{"source", "key", "requests", "ids", "env"}``
        each (``key`` masked). With ``key``, only the loads for that key."""
        loads: list[dict[str, Any]] = self._call("GET", "/_emulator/fixtures", key)["fixtures"]
        return loads

    def platform_settings(self, key: str, **changes: Any) -> dict[str, Any]:
        """Read, or change, a platform's switches (``rta_timeout_approves``, ...)."""
        if changes:
            result: dict[str, Any] = self._call("POST", "/_emulator/platform_settings", key, changes)
        else:
            result = self._call("GET", "/_emulator/platform_settings", key)
        return result

    def export(self, key: str) -> dict[str, Any]:
        """The key's session (its successful state-changing requests) as a stripe CLI fixture
        document; loading it into another key rebuilds the same objects."""
        document: dict[str, Any] = self._call("GET", "/_emulator/requests?format=fixture", key)
        return document

    def add_fault(self, key: str, **rule: Any) -> dict[str, Any]:
        """Add a fault rule for the key's ``/v1`` requests (``status``, ``when``, ``path``, ...)."""
        added: dict[str, Any] = self._call("POST", "/_emulator/faults", key, rule)
        return added

    def faults(self, key: str) -> list[dict[str, Any]]:
        """The key's fault rules with their ``remaining`` and ``fired`` counts."""
        rules: list[dict[str, Any]] = self._call("GET", "/_emulator/faults", key)["data"]
        return rules

    def clear_faults(self, key: str) -> None:
        self._call("DELETE", "/_emulator/faults", key)

    def clock(
        self, key: str, *, advance: int | None = None, to: int | None = None, freeze: bool | None = None
    ) -> dict[str, Any]:
        """A platform's time ``{"now", "offset", "frozen"}``; with ``advance`` (seconds), ``to`` (unix
        seconds) or ``freeze``, move it forward first; returns once what fell due has happened."""
        changes = {k: v for k, v in (("advance", advance), ("to", to), ("freeze", freeze)) if v is not None}
        if changes:
            moved: dict[str, Any] = self._call("POST", "/_emulator/clock", key, changes)
            return moved
        current: dict[str, Any] = self._call("GET", "/_emulator/clock", key)
        return current

    def load_fixtures(
        self, fixture: str | os.PathLike[str] | dict[str, Any], key: str, *, stripe_account: str | None = None
    ) -> dict[str, Any]:
        """Run a stripe CLI fixture file (path or parsed document) for ``key``.

        Returns ``{"ids": {step name: id}, "responses": {step name: object}, "env": {...}}``;
        a failing step raises :class:`EmulatorError` naming it, and leaves the platform as it was.
        """
        if isinstance(fixture, dict):
            document = fixture
        else:
            with open(fixture, encoding="utf-8") as fh:
                document = json.load(fh)
        query = urllib.parse.urlencode({"stripe_account": stripe_account}) if stripe_account else ""
        path = "/_emulator/fixtures" + (f"?{query}" if query else "")
        try:
            result: dict[str, Any] = self._call("POST", path, key, document)
        except EmulatorError as exc:
            raise EmulatorError(FIXTURE_LOAD_FAILED.format(message=exc)) from None
        return result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stripe-emulator", "stripe-issuing-emulator")
    group.addoption(
        "--stripe-emulator-url",
        default=None,
        help=f"use the emulator running at this URL instead of starting one (env {URL_ENV})",
    )
    group.addoption(
        "--stripe-emulator-fixtures",
        action="append",
        default=[],
        metavar="PATH",
        help="stripe CLI fixture file or folder to load into the in-process emulator (repeatable)",
    )
    group.addoption(
        "--stripe-emulator-save-failed",
        default=None,
        metavar="DIR",
        help=f"save the session of each failed test's key as a fixture file in DIR (env {SAVE_FAILED_ENV})",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item: ``stripe_api_key`` looks at it when it is torn down."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def stripe_emulator(request: pytest.FixtureRequest) -> Iterator[StripeEmulator]:
    """The emulator for this test session (or this xdist worker)."""
    url = request.config.getoption("--stripe-emulator-url") or os.environ.get(URL_ENV)
    if url:
        yield StripeEmulator(url)
        return
    from emulator.server import EmulatorServer
    from emulator.settings import Settings

    extra = tuple(request.config.getoption("--stripe-emulator-fixtures") or ())
    base = Settings.from_env(host="127.0.0.1", port=0)
    settings = Settings.from_env(host="127.0.0.1", port=0, fixtures=base.fixtures + extra or None)
    settings = type(settings)(**{**vars(settings), "persist": None})
    server = EmulatorServer(settings=settings)
    server.start()
    try:
        yield StripeEmulator(server.url, server, settings.fixtures_key)
    finally:
        server.stop()


@pytest.fixture
def stripe_api_key(stripe_emulator: StripeEmulator, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh ``sk_test_`` key: this test's own, empty platform."""
    key = stripe_emulator.new_key()
    yield key
    folder = request.config.getoption("--stripe-emulator-save-failed") or os.environ.get(SAVE_FAILED_ENV)
    reports = request.node.stash.get(_REPORTS, {})
    if folder and any(r.failed for r in reports.values()):
        _save_session(stripe_emulator, key, folder, request.node)


def _save_session(emulator: StripeEmulator, key: str, folder: str, item: pytest.Item) -> None:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")[:200] or "test"
    path = os.path.join(folder, f"{name}.json")
    try:
        document = emulator.export(key)
        os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=2)
            fh.write("\n")
    except (EmulatorError, OSError) as exc:
        item.add_report_section("teardown", "stripe-emulator", SAVE_FAILED.format(nodeid=item.nodeid, detail=exc))
        return
    item.add_report_section("teardown", "stripe-emulator", SAVED.format(path=path))


@pytest.fixture
def stripe_client(stripe_emulator: StripeEmulator, stripe_api_key: str) -> stripe_sdk.StripeClient:
    """A ``stripe.StripeClient`` for this test's key, pointed at the emulator."""
    return stripe_emulator.client(stripe_api_key)


@pytest.fixture
def stripe_module(stripe_emulator: StripeEmulator, stripe_api_key: str) -> Iterator[Any]:
    """The ``stripe`` module with ``api_key``/``api_base``/``upload_api_base`` set for this test, restored afterwards."""
    import stripe

    saved = (stripe.api_key, stripe.api_base, stripe.upload_api_base)
    stripe.api_key = stripe_api_key
    stripe.api_base = stripe.upload_api_base = stripe_emulator.url
    try:
        yield stripe
    finally:
        stripe.api_key, stripe.api_base, stripe.upload_api_base = saved
