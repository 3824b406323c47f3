"""Issuing settlements: one per platform, currency and ended UTC day, made from captured transactions.

The 2026 SDKs have no settlement class, so these requests go through ``http`` (httpx with the key).
"""

from __future__ import annotations

import httpx
import stripe

from emulator import EmulatorServer
from emulator.resources.issuing import settlements
from tests.support import issuing_flows

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
    assert settlement["transaction_amount"] == 3_000  # the default API version (2026) names them *_amount
    assert settlement["net_total_amount"] == 3_000
    assert (settlement["interchange_fees_amount"], settlement["network_fees_amount"]) == (0, 0)
    assert settlement["status"] == "complete"
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


RENAMED = {
    "interchange_fees": "interchange_fees_amount",
    "net_total": "net_total_amount",
    "network_fees": "network_fees_amount",
    "transaction_volume": "transaction_amount",
}


def test_field_names_follow_the_api_version(
    server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client
) -> None:
    """2023-08-16 (and every version before 2025-03-31) shows the spec's names; newer versions the
    ``*_amount`` names and ``status``, as Stripe's newest fixtures do. Events: the account's version."""
    spender = issuing_flows.spender(client)
    _capture(spender, 1_200)
    server.state.clock.advance(DAY)
    old = http.get("/v1/issuing/settlements", headers={"Stripe-Version": "2023-08-16"}).json()["data"]
    [settlement] = old
    assert (settlement["transaction_volume"], settlement["net_total"]) == (1_200, 1_200)
    assert (settlement["interchange_fees"], settlement["network_fees"]) == (0, 0)
    assert not set(RENAMED.values()) & set(settlement) and "status" not in settlement
    sid = settlement["id"]
    before = http.get(f"/v1/issuing/settlements/{sid}", headers={"Stripe-Version": "2025-02-24.acacia"}).json()
    assert before == settlement
    for version in ("2025-03-31.basil", "2026-10-28.endive"):
        new = http.get(f"/v1/issuing/settlements/{sid}", headers={"Stripe-Version": version}).json()
        assert not set(RENAMED) & set(new)
        assert {RENAMED.get(k, k): v for k, v in settlement.items()} == {k: v for k, v in new.items() if k != "status"}
        assert new["status"] == "complete"
    updated = http.post(
        f"/v1/issuing/settlements/{sid}", data={"metadata[batch]": "b"}, headers={"Stripe-Version": "2023-08-16"}
    ).json()
    assert updated["net_total"] == 1_200 and "net_total_amount" not in updated
    events = {e.type: e for e in client.v1.events.list({"limit": 100}).data if e.type.startswith("issuing_settlement")}
    assert events["issuing_settlement.created"].data.object["net_total_amount"] == 1_200
    assert events["issuing_settlement.created"].data.object["status"] == "complete"
    change = events["issuing_settlement.updated"]
    assert change.data.object["transaction_amount"] == 1_200 and "transaction_volume" not in change.data.object
    assert change.data.previous_attributes is not None
    assert change.data.previous_attributes.to_dict() == {"metadata": {"batch": None}}
