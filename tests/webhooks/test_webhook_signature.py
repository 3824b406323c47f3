"""The ``Stripe-Signature`` header as Stripe sends it for test-mode events: ``t``, a ``v1`` made with
the endpoint secret, and a fake ``v0`` that no secret verifies (docs.stripe.com/webhooks: "To aid
with testing, Stripe sends an additional signature with a fake v0 scheme, for test mode events")."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from emulator.webhooks import signing
from tests.support.receiver import Receiver

FA_PARAMS: dict[str, Any] = {"supported_currencies": ["usd"], "features": {"card_issuing": {"requested": True}}}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def parts(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.partition("=")
        out.setdefault(key, []).append(value)
    return out


def test_header_has_t_v1_and_a_fake_v0(client: stripe.StripeClient, receiver: Receiver) -> None:
    we = client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    client.v1.treasury.financial_accounts.create(FA_PARAMS)  # type: ignore[arg-type]
    got = receiver.wait_for(1)[0]
    header = got.headers["stripe-signature"]
    fields = parts(header)
    assert list(fields) == ["t", "v1", "v0"]
    timestamp = int(fields["t"][0])
    expected = hmac.new(str(we.secret).encode(), f"{timestamp}.".encode() + got.body, hashlib.sha256).hexdigest()
    assert fields["v1"] == [expected]
    (v0,) = fields["v0"]
    assert len(v0) == 64 and v0 != expected
    # the SDK ignores v0 and accepts the event; a header with only the v0 is refused
    assert got.event(str(we.secret)).type == "treasury.financial_account.created"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(got.body.decode(), f"t={timestamp},v1={v0}", str(we.secret))
    assert signing.verify(got.body, header, str(we.secret))
    assert not signing.verify(got.body, f"t={timestamp},v0={expected}", str(we.secret))
