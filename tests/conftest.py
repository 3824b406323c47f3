"""Shared fixtures: one real emulator on a free port per test session, a fresh key per test.

Each test gets its own ``sk_test_`` key, which is its own isolated platform, so tests never
see each other's data and need no reset.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.core.state import State
from emulator.core.store import HOT_OBJECTS
from emulator.webhooks import transport
from tests.support import flows, schema
from tests.support.docs import Docs
from tests.support.schema import CONFORMANCE


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    # EMULATOR_TEST_HOT_OBJECTS=1 packs every object the moment nothing holds it: a run of the
    # suite that way shows that no change is ever made to a copy the store has thrown away
    srv = EmulatorServer(state=State(hot_objects=int(os.environ.get("EMULATOR_TEST_HOT_OBJECTS", HOT_OBJECTS))))
    # every response body of every test is validated against Stripe's OpenAPI schema (tests/support/schema.py),
    # and so is every event body the emulator delivers to a webhook receiver
    recorder = request.config.stash[CONFORMANCE] = schema.attach(srv)
    # an answer taken from an event's snapshot (``Ctx.emit(answer=True)``) must be the object as
    # rendered at the end of the request: a mismatch is a 500, which fails the test
    srv.app.api.check_answers = True
    srv.start()
    patch = pytest.MonkeyPatch()
    patch.setattr(transport, "payload", _observed_payload(transport.payload, recorder, srv._thread))
    try:
        yield srv
    finally:
        srv.stop()
        patch.undo()


def _observed_payload(
    payload: Callable[..., bytes], recorder: schema.ConformanceRecorder, thread: threading.Thread | None
) -> Callable[..., bytes]:
    """``transport.payload`` that also validates what it returns, when the session server sends it
    (unit tests driving ``realtime.decide`` on hand-made objects in their own thread are left alone)."""

    def observed(*args: Any, **kwargs: Any) -> bytes:
        body = payload(*args, **kwargs)
        if threading.current_thread() is thread:
            recorder.observe_webhook(body)
        return body

    return observed


@pytest.fixture(autouse=True)
def _schema_conformance(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test whose requests got a response that violates the schema (or a 5xx)."""
    yield
    if "server" not in request.fixturenames:
        return
    recorder = request.config.stash.get(CONFORMANCE, None)
    if recorder is None:
        return
    srv: EmulatorServer = request.getfixturevalue("server")
    # a round trip through the server's event loop: every earlier response has been observed after it
    httpx.get(srv.url + "/_emulator/health")
    violations = recorder.take()
    if violations:
        pytest.fail("responses violate Stripe's schema:\n" + "\n".join(violations[:20]), pytrace=False)


@pytest.fixture
def api_key() -> str:
    return "sk_test_" + uuid.uuid4().hex


@pytest.fixture
def client(server: EmulatorServer, api_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(api_key, base_addresses={"api": server.url, "files": server.url})


@pytest.fixture
def http(server: EmulatorServer, api_key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {api_key}"}) as c:
        yield c


@pytest.fixture
def account(client: stripe.StripeClient) -> stripe.Account:
    """A connected account with card_issuing, transfers and treasury active."""
    return flows.connected_account(client)


@pytest.fixture
def financial_account(client: stripe.StripeClient, account: stripe.Account) -> stripe.treasury.FinancialAccount:
    """An open financial account (card_issuing feature active) on ``account``, funded with $500."""
    return flows.funded_financial_account(client, account.id, amount=50_000)


@pytest.fixture
def docs(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> Docs:
    """The set-up of Stripe's docs examples: the docs' cardholder with an active card on ``financial_account``."""
    return Docs(client, account.id, financial_account.id)
