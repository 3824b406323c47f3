"""``GET /_emulator/requests?format=fixture``: a platform's session as a stripe CLI fixture document
that rebuilds the same objects in a fresh platform (and ``python -m emulator export``)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.recording.recorder import id_pattern, locate
from tests.support import flows, issuing_flows
from tests.support.running import Running, new_key

EXPORT = "/_emulator/requests?format=fixture"
# what must come out the same when the document is loaded again (ids and times differ)
COMPARED = ("object", "status", "amount", "balance", "type", "approved", "currency", "deleted")


def exported(server: EmulatorServer, key: str) -> dict[str, Any]:
    response = httpx.get(server.url + EXPORT, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def load(server: EmulatorServer, key: str, document: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(server.url + "/_emulator/fixtures", json=document, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def summary(server: EmulatorServer, key: str) -> list[dict[str, Any]]:
    """Per account (the platform's own first, then connected ones in creation order): for each type
    of object, the compared fields of every object, sorted."""
    state = httpx.get(server.url + "/_emulator/state", headers={"Authorization": f"Bearer {key}"}).json()
    (platform,) = state["platforms"].values()
    out = []
    for account in platform["accounts"].values():
        shape: dict[str, Any] = {}
        for object_type, objects in account["objects"].items():
            rows = [json.dumps({k: o.get(k) for k in COMPARED}, sort_keys=True) for o in objects]
            shape[object_type] = sorted(rows)
        out.append(shape)
    return out


def session(client: stripe.StripeClient) -> issuing_flows.Spender:
    """A connected account, a funded financial account, a cardholder and card, a captured and
    refunded authorization, a declined one, an update and a deleted endpoint."""
    spender = issuing_flows.spender(client, funds=20_000)
    auth = spender.authorize(1500, merchant_data={"category": "taxicabs_limousines"})
    captured = client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=spender.opts)
    transaction = captured.transactions[0].id
    client.v1.test_helpers.issuing.transactions.refund(transaction, {"refund_amount": 500}, spender.opts)
    spender.authorize(999_999)  # declined: insufficient funds, still an object
    client.v1.issuing.cards.update(spender.card, {"metadata": {"0": "zero", "order": "o_1"}}, spender.opts)
    endpoint = client.v1.webhook_endpoints.create({"url": "https://example.com/hook", "enabled_events": ["*"]})
    client.v1.webhook_endpoints.delete(endpoint.id)
    return spender


def test_an_exported_session_rebuilds_the_same_objects(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    spender = session(client)
    document = exported(server, api_key)
    assert document["_meta"] == {"template_version": 0}
    steps = document["fixtures"]
    assert all(set(s) <= {"name", "path", "method", "params", "headers"} for s in steps)
    assert [s["method"] for s in steps].count("delete") == 1
    fresh = new_key()
    result = load(server, fresh, document)
    assert result["requests"] == len(steps)
    assert summary(server, fresh) == summary(server, api_key)
    copy = stripe.StripeClient(fresh, base_addresses={"api": server.url})
    account = result["ids"]["account_1"]
    assert account != spender.account
    (fa,) = copy.v1.treasury.financial_accounts.list(options={"stripe_account": account}).data
    original = client.v1.treasury.financial_accounts.retrieve(spender.fa, options=spender.opts)
    assert fa.balance == original.balance and fa.id != spender.fa


def test_ids_become_references_to_the_step_that_made_them(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    spender = session(client)
    steps = exported(server, api_key)["fixtures"]
    text = json.dumps(steps)
    for made in (spender.account, spender.fa, spender.cardholder, spender.card):
        assert made not in text
    by_name = {s["name"]: s for s in steps}
    assert by_name["issuing_card_1"]["params"]["cardholder"] == "${issuing_cardholder_1:id}"
    assert by_name["issuing_card_1"]["headers"] == {"Stripe-Account": "${account_1:id}"}
    refund = next(s for s in steps if s["path"].endswith("/refund"))
    assert refund["path"] == "/v1/test_helpers/issuing/transactions/${issuing_authorization_2:transactions.0.id}/refund"
    update = next(s for s in steps if s["path"].startswith("/v1/issuing/cards/"))
    assert update["params"]["metadata"] == {"0": "zero", "order": "o_1"}  # a hash of the user's, not a list
    funding = by_name["treasury_financial_account_1"]["params"]
    assert funding["supported_currencies"] == ["usd"]
    assert "webhook_endpoint_2" in by_name and by_name["webhook_endpoint_2"]["path"].endswith(
        "${webhook_endpoint_1:id}"
    )


def test_only_successful_state_changes_are_exported(
    server: EmulatorServer, client: stripe.StripeClient, http: httpx.Client, api_key: str
) -> None:
    holder = issuing_flows.cardholder(client, flows.connected_account(client).id)
    client.v1.accounts.list()  # a read
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.issuing.cards.create({"currency": "usd", "type": "virtual"})  # refused
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = http.post("/v1/accounts", data={"country": "US"}, headers=key)
    again = http.post("/v1/accounts", data={"country": "US"}, headers=key)
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    steps = exported(server, api_key)["fixtures"]
    assert [(s["method"], s["path"]) for s in steps] == [
        ("post", "/v1/accounts"),
        ("post", "/v1/issuing/cardholders"),
        ("post", "/v1/accounts"),
    ]
    assert holder.startswith("ich_")


def test_the_platform_account_header_is_left_out(server: EmulatorServer, http: httpx.Client, api_key: str) -> None:
    platform = http.get("/v1/account").json()["id"]
    created = http.post(
        "/v1/issuing/cardholders", data=flows.minimal_cardholder_form(), headers={"Stripe-Account": platform}
    )
    assert created.status_code == 200, created.text
    (step,) = exported(server, api_key)["fixtures"]
    assert "headers" not in step
    fresh = new_key()
    load(server, fresh, exported(server, api_key))
    assert Counter(len(a.get("issuing.cardholder", [])) for a in summary(server, fresh)) == Counter(
        len(a.get("issuing.cardholder", [])) for a in summary(server, api_key)
    )


def test_faulted_requests_are_exported_once(server: EmulatorServer, api_key: str, http: httpx.Client) -> None:
    """A request answered with an injected error after it ran did change state: it is exported,
    and its retry (an idempotent replay) is not."""
    http.post(
        "/_emulator/faults", json={"method": "POST", "path": "/v1/issuing/cardholders", "when": "after", "status": 500}
    )
    retrying = stripe.StripeClient(api_key, base_addresses={"api": server.url}, max_network_retries=2)
    retrying.v1.issuing.cardholders.create(flows.minimal_cardholder_params())
    assert [s["name"] for s in exported(server, api_key)["fixtures"]] == ["issuing_cardholder_1"]


def test_an_unused_key_exports_an_empty_document(server: EmulatorServer) -> None:
    assert exported(server, new_key()) == {"_meta": {"template_version": 0}, "fixtures": []}


def test_export_needs_a_key_and_a_known_format(server: EmulatorServer, http: httpx.Client) -> None:
    assert httpx.get(server.url + EXPORT).status_code == 401
    bad = http.get("/_emulator/requests?format=yaml")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "format"
    assert http.get("/_emulator/requests?format=json").json() == {"requests": []}


def test_reset_forgets_the_recording(server: EmulatorServer, http: httpx.Client, api_key: str) -> None:
    http.post("/v1/accounts", data={"country": "US"})
    http.post("/_emulator/reset")
    assert exported(server, api_key)["fixtures"] == []


# --- python -m emulator export ---------------------------------------------------------------


def _export_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", "export", *args], capture_output=True, text=True, timeout=60
    )


def test_the_export_command_writes_the_document(server: EmulatorServer, http: httpx.Client, api_key: str) -> None:
    http.post("/v1/accounts", data={"country": "US"})
    proc = _export_cli("--key", api_key, "--url", server.url)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == exported(server, api_key)


def test_the_export_command_writes_a_file(
    server: EmulatorServer, http: httpx.Client, api_key: str, tmp_path: Any
) -> None:
    http.post("/v1/accounts", data={"country": "US"})
    target = tmp_path / "session.json"
    proc = _export_cli("--key", api_key, "--url", server.url, "--output", str(target))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(target.read_text())["fixtures"][0]["path"] == "/v1/accounts"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--key", "pk_test_nope"), "sk_test_"),
        (("--key", "sk_test_x", "--url", "http://127.0.0.1:9"), "cannot reach"),
        ((), "--key"),
    ],
)
def test_the_export_command_fails_with_a_message(args: tuple[str, ...], message: str) -> None:
    proc = _export_cli(*args)
    assert proc.returncode == 2 and message in proc.stderr and proc.stdout == ""


def test_a_fixture_file_that_fails_half_way_leaves_nothing_to_export(
    server: EmulatorServer, http: httpx.Client, api_key: str
) -> None:
    http.post("/v1/accounts", data={"country": "US"})
    broken = {
        "_meta": {"template_version": 0},
        "fixtures": [
            {"name": "a", "path": "/v1/accounts", "method": "post", "params": {"country": "US"}},
            {"name": "b", "path": "/v1/issuing/cards", "method": "post", "params": {"currency": "usd"}},
        ],
    }
    assert http.post("/_emulator/fixtures", json=broken).status_code == 400
    assert len(exported(server, api_key)["fixtures"]) == 1
    assert load(server, api_key, {"fixtures": broken["fixtures"][:1]})["requests"] == 1
    assert len(exported(server, api_key)["fixtures"]) == 2  # loaded fixture files are part of the session


def test_a_session_survives_a_restart_with_persist(tmp_path: Path, api_key: str) -> None:
    running = Running(tmp_path / "state.db")
    url = running.start()
    headers = {"Authorization": f"Bearer {api_key}"}
    try:
        client = stripe.StripeClient(api_key, base_addresses={"api": url})
        issuing_flows.cardholder(client, flows.connected_account(client).id)
        before = httpx.get(url + EXPORT, headers=headers).json()
    finally:
        running.stop()
    url = running.start()
    try:
        assert httpx.get(url + EXPORT, headers=headers).json() == before
        assert len(before["fixtures"]) == 2
    finally:
        running.stop()


# --- where ids sit in an answer ----------------------------------------------------------------


def test_locate_names_nested_places_and_skips_metadata() -> None:
    doc = {
        "id": "iauth_1",
        "metadata": {"copy": "ipi_2"},
        "transactions": [{"id": "ipi_2", "card": "ic_3"}],
        "a.b": {"c": "trxn_4"},
        "odd|key": "fa_5",
    }
    assert locate(doc, {"ipi_2", "ic_3", "trxn_4", "fa_5"}) == {
        "ipi_2": "transactions.0.id",
        "ic_3": "transactions.0.card",
        "trxn_4": "a\\.b.c",  # a dot in a key is escaped, as the fixture runner reads it
    }


def test_id_strings_are_values_with_known_prefixes() -> None:
    pattern = id_pattern(frozenset({"ic", "ich"}))
    answer = b'{"id":"ich_1AbCdEfGh","ic_1AbCdEfGh":1,"list":["ic_1ZyXwVuT","xx_1AbCdEfGh"],"s":"ic_12"}'
    assert pattern.findall(answer) == [b"ich_1AbCdEfGh", b"ic_1ZyXwVuT"]


def test_only_form_bodies_are_recorded(server: EmulatorServer, http: httpx.Client, api_key: str) -> None:
    """A fixture step sends its params as a form, so a request with another body is not recorded."""
    as_json = http.post("/v1/accounts", content=b'{"country": "US"}', headers={"Content-Type": "application/json"})
    assert as_json.status_code == 400
    http.post(
        "/v1/accounts",
        content=b"country=US",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert [s["params"] for s in exported(server, api_key)["fixtures"]] == [{"country": "US"}]


def test_answers_are_framed_in_groups_and_a_rewind_keeps_the_rest_readable() -> None:
    from emulator.core.packing import FRAME_OBJECTS, Codec
    from emulator.recording.recorder import Entry, Recording

    codec, recording = Codec(), Recording()

    def add(n: int) -> None:
        answer = json.dumps({"id": f"ic_{n:06d}", "object": "issuing.card", "n": n}).encode()
        recording.add(Entry("POST", "/v1/issuing/cards", b"", b"", None, answer), codec)

    for n in range(2 * FRAME_OBJECTS + 3):
        add(n)
    framed = [e for e in recording.entries if not isinstance(e.answer, bytes)]
    assert len(framed) == 2 * FRAME_OBJECTS and recording.unframed == 3
    mark = recording.mark()
    for n in range(100, 100 + FRAME_OBJECTS):  # frames the 3 older answers with 5 of these
        add(n)
    recording.rewind(mark)
    assert recording.unframed == 0 and len(recording.entries) == 2 * FRAME_OBJECTS + 3
    add(200)
    answers = [json.loads(e.answer_text(codec))["n"] for e in recording.entries]
    assert answers == [*range(2 * FRAME_OBJECTS + 3), 200]
