"""Issuing settlements: one per platform, currency and ended UTC day, made from captured transactions.

The 2026 SDKs have no settlement class, so these requests go through ``http`` (httpx with the key).
"""

from __future__ import annotations

import httpx
import stripe

from emulator import EmulatorServer
from emulator.resources.issuing import settlements
from tests import issuing_flows

DAY = 86_400


def _capture(spender: issuing_flows.Spender, amount: int) -> None:
    auth = spender.authorize(amount)
    spender.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=spender.opts)  # type: ignore[arg-type]


def test_ended_days_are_settled_once_per_currency(
    server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client, api_key: str
) -> None:
    spender = issuing_flows.spender(client)
    _capture(spender, 1_000)
    _capture(spender, 2_500)
    tx = client.v1.issuing.transactions.list(options=spender.opts).data[0]
    client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 500}, spender.opts)  # type: ignore[arg-type]
    assert http.get("/v1/issuing/settlements").json()["data"] == []  # the day has not ended yet
    server.state.clock.advance(DAY)
    assert http.get("/v1/issuing/settlements/ise_nothing").status_code == 404
    assert http.get("/v1/issuing/settlements", params={"limit": 0}).status_code == 400
    assert not [e for e in client.v1.events.list({"limit": 100}).data if e.type.startswith("issuing_settlement")]
    listed = http.get("/v1/issuing/settlements").json()["data"]
    assert len(listed) == 1
    [settlement] = listed
    assert settlement["object"] == "issuing.settlement"
    assert settlement["currency"] == "usd"
    assert settlement["transaction_count"] == 3
    assert settlement["transaction_volume"] == 3_000
    assert settlement["net_total"] == 3_000
    assert settlement["clearing_date"] % DAY == 0
    platform = server.state.platforms[api_key]
    assert settlement["id"] == settlements.settlement_id(
        platform.account_id, "usd", settlement["clearing_date"] // DAY - 1
    )
    assert http.get("/v1/issuing/settlements").json()["data"] == listed  # made once
    one = http.get(f"/v1/issuing/settlements/{settlement['id']}").json()
    assert one["id"] == settlement["id"]
    updated = http.post(f"/v1/issuing/settlements/{settlement['id']}", data={"metadata[batch]": "a"}).json()
    assert updated["metadata"] == {"batch": "a"}
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert types.count("issuing_settlement.created") == 1
    assert types.count("issuing_settlement.updated") == 1
    connected = http.get("/v1/issuing/settlements", headers={"Stripe-Account": spender.account}).json()
    assert connected["data"] == []


def test_unknown_settlement(http: httpx.Client) -> None:
    response = http.get("/v1/issuing/settlements/ise_nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
