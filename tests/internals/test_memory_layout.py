"""Memory layout: what is kept long-term is compact, and reads back exactly what was stored.

Cold objects are compressed against a preset dictionary (``emulator.core.snapshot_dictionary``,
tested with the store in ``test_packing.py``); orjson's and zstd's rounded-up buffers are never
kept; strings every card repeats are shared. None of it may change a byte of what the API answers.
"""

from __future__ import annotations

import os
import tracemalloc
import uuid
from typing import Any

import httpx
import orjson
import pytest
import stripe
import zstandard

from emulator.core import jsonutil
from emulator.core.jsonutil import FrozenJSON, trimmed
from emulator.core.packing import Codec
from emulator.core.snapshot_dictionary import CARD, SAMPLES, ZDICT
from emulator.core.store import ObjectStore
from emulator.http.idempotency import IdempotencyStore
from tests.support import flows

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

VALUES: list[Any] = [
    {},
    {"id": "ic_1", "deleted": True},
    CARD,
    *SAMPLES,
    {"name": 'Zoë 東京 \u2028 "quoted" \\ back', "emoji": "💳", "n": -(2**53), "f": 1.5, "none": None},
    {"list": list(range(5000)), "nested": {"a": {"b": {"c": [{"d": "x" * 9000}]}}}},
    [1, "two", None, False, {"three": 3}],
    "a plain string",
    12345,
]


@pytest.mark.parametrize(
    "raw",
    [b"", b"x", b"{}", os.urandom(20_000), ZDICT, ZDICT * 3, orjson.dumps(CARD), orjson.dumps(VALUES)],
)
def test_the_codec_gives_back_every_byte(raw: bytes) -> None:
    codec = Codec()
    texts = [raw, b"between", raw]
    frame = codec.frame(texts)
    assert [bytes(codec.text(frame, i)) for i in range(len(texts))] == texts


def test_compressed_blobs_keep_no_spare_buffer() -> None:
    codec, raw = Codec(), orjson.dumps(CARD)
    size = len(codec.compress(raw))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        blobs = [codec.compress(raw) for _ in range(100)]
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(blobs) == 100 and grown < 100 * (size + 100)  # zstd's worst-case buffer is not kept


def test_the_preset_dictionary_makes_a_card_the_emulator_made_small(
    client: stripe.StripeClient, http: httpx.Client, account: stripe.Account, financial_account: Any
) -> None:
    """The dictionary is Stripe's example card; the emulator's cards share most of it."""
    card = client.v1.issuing.cards.create(
        _card_params(client, account.id, financial_account.id), {"stripe_account": account.id}
    )
    raw = http.get(f"/v1/issuing/cards/{card.id}", headers={"Stripe-Account": account.id}).content
    without = zstandard.ZstdCompressor(level=-1, write_checksum=False, write_dict_id=False).compress(raw)
    packed = Codec().compress(raw)
    assert len(packed) < 400 and len(packed) < len(without) / 2, (len(raw), len(without), len(packed))


@pytest.mark.parametrize("value", VALUES)
def test_frozen_json_reads_back_exactly(value: Any) -> None:
    frozen = FrozenJSON(value)
    assert frozen.raw() == orjson.dumps(value)
    assert frozen.value() == value
    assert jsonutil.dumps({"object": frozen}) == orjson.dumps({"object": value})
    assert FrozenJSON(value) == frozen and hash(FrozenJSON(value)) == hash(frozen)
    assert FrozenJSON({"other": value}) != frozen
    copy = frozen.value()
    if isinstance(copy, dict):
        copy["changed"] = True
        assert frozen.value() == value  # a fresh copy every time


def test_trimmed_is_the_same_bytes_in_a_new_buffer() -> None:
    raw = orjson.dumps(CARD)
    out = trimmed(raw)
    assert out == raw and type(out) is bytes


def test_saved_responses_replay_byte_for_byte() -> None:
    store = IdempotencyStore()
    body = orjson.dumps({"id": "ic_1", "object": "issuing.card", "note": "Zoë" * 500})
    assert store.begin("acct_1", "k", "POST /v1/issuing/cards", "f", "req_1", 0.0) is None
    store.finish("acct_1", "k", 200, body)
    saved = store.begin("acct_1", "k", "POST /v1/issuing/cards", "f", "req_2", 1.0)
    assert saved is not None and saved.body == body and saved.status == 200
    assert not hasattr(saved, "__dict__")  # slots: no per-entry attribute dict


def test_a_saved_response_shares_bytes_already_of_their_own_size_and_copies_others() -> None:
    store = IdempotencyStore()
    snapshot = FrozenJSON(CARD).raw()  # what a create answers with: its event's snapshot
    encoded = orjson.dumps(CARD)  # an encoder's buffer, maybe larger than its bytes
    store.begin("acct_1", "a", "POST /v1/issuing/cards", "f", "req_1", 0.0)
    store.finish("acct_1", "a", 200, snapshot, exact_size=True)
    store.begin("acct_1", "b", "POST /v1/issuing/cards", "f", "req_2", 0.0)
    store.finish("acct_1", "b", 200, encoded)
    shared = store.begin("acct_1", "a", "POST /v1/issuing/cards", "f", "req_3", 1.0)
    copied = store.begin("acct_1", "b", "POST /v1/issuing/cards", "f", "req_4", 1.0)
    assert shared is not None and shared.body is snapshot
    assert copied is not None and copied.body == encoded and copied.body is not encoded


def _card_params(client: stripe.StripeClient, account: str, fa: str) -> dict[str, str]:
    holder = client.v1.issuing.cardholders.create(flows.guide_cardholder_params(), {"stripe_account": account})
    return {"cardholder": holder.id, "currency": "usd", "type": "virtual", "financial_account": fa}


def test_idempotent_replays_are_byte_identical(
    client: stripe.StripeClient,
    http: httpx.Client,
    account: stripe.Account,
    financial_account: stripe.treasury.FinancialAccount,
) -> None:
    params = _card_params(client, account.id, financial_account.id)
    card_key = str(uuid.uuid4())
    headers = {"Stripe-Account": account.id, "Idempotency-Key": card_key}
    first = http.post("/v1/issuing/cards", data={**params, "status": "active"}, headers=headers)
    again = http.post("/v1/issuing/cards", data={**params, "status": "active"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    card_id = first.json()["id"]

    auth_body = {"card": card_id, "amount": "1234", "currency": "usd", "merchant_data[name]": "Zoë's Café"}
    headers = {"Stripe-Account": account.id, "Idempotency-Key": str(uuid.uuid4())}
    first = http.post("/v1/test_helpers/issuing/authorizations", data=auth_body, headers=headers)
    again = http.post("/v1/test_helpers/issuing/authorizations", data=auth_body, headers=headers)
    assert first.status_code == 200 and again.content == first.content

    # an error is replayed as it was first answered, too
    headers = {"Stripe-Account": account.id, "Idempotency-Key": str(uuid.uuid4())}
    bad = {**params, "cardholder": "ich_missing"}
    first = http.post("/v1/issuing/cards", data=bad, headers=headers)
    again = http.post("/v1/issuing/cards", data=bad, headers=headers)
    assert first.status_code == again.status_code and first.status_code >= 400
    assert again.content == first.content


def test_event_snapshots_read_back_as_the_object_was(
    client: stripe.StripeClient,
    http: httpx.Client,
    account: stripe.Account,
    financial_account: stripe.treasury.FinancialAccount,
) -> None:
    opts = {"Stripe-Account": account.id}
    params = _card_params(client, account.id, financial_account.id)
    card = http.post("/v1/issuing/cards", data={**params, "status": "active"}, headers=opts).json()
    body = {"card": card["id"], "amount": "500", "currency": "usd", "merchant_data[city]": "東京"}
    auth = http.post("/v1/test_helpers/issuing/authorizations", data=body, headers=opts).json()
    for obj, event_type in ((card, "issuing_card.created"), (auth, "issuing_authorization.created")):
        page = http.get("/v1/events", params={"type": event_type, "limit": 1}, headers=opts).json()
        event = page["data"][0]
        assert event["data"]["object"] == obj
        one = http.get(f"/v1/events/{event['id']}", headers=opts)
        assert one.json() == event
        assert http.get(f"/v1/events/{event['id']}", headers=opts).content == one.content


def test_store_positions_are_built_when_a_cursor_needs_them() -> None:
    store = ObjectStore()
    for i in range(5):
        store.add({"id": f"x_{i}"})
    assert store._pos is None  # nobody asked for a position yet
    assert store.pos == {f"x_{i}": i for i in range(5)}
    store.add({"id": "x_5"})
    store.add({"id": "x_2", "changed": True})  # an update keeps its place
    assert store.pos["x_5"] == 5 and store.pos["x_2"] == 2 and len(store.order) == 6
    assert [o["id"] for o in store.newest_first(store.pos["x_3"])] == ["x_2", "x_1", "x_0"]


def test_a_removed_object_that_comes_back_keeps_its_place() -> None:
    for build_first in (False, True):
        store = ObjectStore()
        for i in range(3):
            store.add({"id": f"x_{i}"})
        if build_first:
            assert store.pos["x_2"] == 2
        assert store.remove("x_1") is not None
        store.add({"id": "x_3"})
        store.add({"id": "x_1"})
        assert store.order == ["x_0", "x_1", "x_2", "x_3"]
        assert store.pos == {"x_0": 0, "x_1": 1, "x_2": 2, "x_3": 3}
        assert [o["id"] for o in store.values()] == ["x_0", "x_1", "x_2", "x_3"]


def test_cursor_pages_walk_every_object_once(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    params = _card_params(client, account.id, financial_account.id)
    made = [client.v1.issuing.cards.create(params, {"stripe_account": account.id}).id for _ in range(7)]  # type: ignore[arg-type]
    seen = [c.id for c in client.v1.issuing.cards.list({"limit": 2}, {"stripe_account": account.id}).auto_paging_iter()]
    assert seen == made[::-1]
    back = client.v1.issuing.cards.list({"limit": 3, "ending_before": made[1]}, {"stripe_account": account.id})
    assert [c.id for c in back.data] == made[2:5][::-1]
