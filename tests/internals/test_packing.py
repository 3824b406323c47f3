"""Cold objects are packed only when nobody else holds them, and read back exactly as they were.

``emulator.core.packing`` decides (reference counts) and encodes; ``ObjectStore`` keeps the
newest ``hot_limit`` objects decoded and packs the older ones. The property that matters: a
change made through any reference that exists is never lost, for any sequence of operations.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from emulator.core import packing
from emulator.core.jsonutil import FrozenJSON
from emulator.core.packing import Codec, Packed
from emulator.core.snapshot_dictionary import CARD, SAMPLES
from emulator.core.state import State
from emulator.core.store import Cooling, ObjectStore

CODEC = Codec()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)


def packed(obj: dict[str, Any]) -> Packed | None:
    holder = {"x": obj}
    del obj  # the holder is the only owner now
    return packing.pack_entry(holder, "x", CODEC)


def test_packing_works_on_this_interpreter() -> None:
    assert packing.ENABLED  # if the calibration failed, objects would simply never be packed


@settings(max_examples=300)
@given(objects)
def test_any_json_object_reads_back_equal(obj: dict[str, Any]) -> None:
    result = packed(_deep_copy(obj))  # a copy nobody else holds
    assert result is not None
    assert packing.unpack(result, CODEC) == obj


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


@pytest.mark.parametrize("sample", [CARD, *SAMPLES])
def test_wire_shapes_pack_small_and_read_back(sample: dict[str, Any]) -> None:
    result = packed(_deep_copy(sample))
    assert isinstance(result, Packed) and result.kept == ()
    assert len(result.frame.blob) < len(repr(sample)) / 3
    assert packing.unpack(result, CODEC) == sample


def test_objects_packed_together_share_one_frame_and_each_reads_back() -> None:
    codec = Codec()
    store = ObjectStore(codec, 16)  # packs in rounds of 2 over the limit
    samples = [_deep_copy(s) for s in (CARD, *SAMPLES)] * 6
    for i, sample in enumerate(samples):
        store.add(dict(_deep_copy(sample), id=f"x_{i}"))  # nothing inside shared: packable
    frames = {id(v.frame) for v in store.objects.values() if isinstance(v, Packed)}
    packed_count = len(_packed_ids(store))
    assert packed_count >= 2 * len(frames) > 0  # more objects than frames
    for i, sample in enumerate(samples):
        assert store.get(f"x_{i}") == dict(sample, id=f"x_{i}")


def test_a_frame_is_several_times_smaller_than_its_objects_packed_alone() -> None:
    codec = Codec()
    texts = [orjson.dumps(dict(CARD, id=f"ic_{i}", last4=f"{i:04d}")) for i in range(packing.FRAME_OBJECTS)]
    alone = sum(len(codec.frame([t]).blob) for t in texts)
    together = codec.frame(texts)
    assert len(together.blob) * 2 < alone
    assert [bytes(codec.text(together, i)) for i in range(len(texts))] == texts


def test_a_snapshot_is_packed_with_its_event_and_frozen_again() -> None:
    snapshot = {"id": "ic_1", "object": "issuing.card", "status": "active"}
    result = packed(
        {"id": "evt_1", "data": {"object": FrozenJSON(snapshot), "previous_attributes": {"status": "inactive"}}}
    )
    assert isinstance(result, Packed) and [path for path, _ in result.kept] == [("data", "object")]
    back = packing.unpack(result, CODEC)
    frozen = back["data"]["object"]
    assert isinstance(frozen, FrozenJSON) and frozen.value() == snapshot
    assert back["data"]["previous_attributes"] == {"status": "inactive"}
    other = packed({"id": "evt_2", "data": {"object": FrozenJSON({"id": "ic_2"})}})
    assert isinstance(other, Packed) and other.kept is result.kept  # one shape, shared by every event


def test_other_values_are_kept_aside_as_the_same_objects() -> None:
    marker, pair = object(), ("a", "b")
    result = packed({"id": "x_1", "marker": marker, "nested": [{"pair": pair}]})
    assert isinstance(result, Packed)
    back = packing.unpack(result, CODEC)
    assert back["marker"] is marker and back["nested"][0]["pair"] is pair


@pytest.mark.parametrize(
    "obj",
    [
        {"f": math.nan},
        {"f": [math.inf]},
        {"f": {"g": -math.inf}},
        {"n": 2**64},
        {"n": -(2**63) - 1},
        {"k": {1: "int key"}},
        {"s": "lone \ud800 surrogate"},
    ],
    ids=["nan", "inf", "-inf", "big", "small", "int-key", "surrogate"],
)
def test_what_json_cannot_carry_exactly_is_not_packed(obj: dict[str, Any]) -> None:
    assert packed(obj) is None


def test_an_object_held_elsewhere_is_not_packed() -> None:
    obj: dict[str, Any] = {"id": "x_1", "a": {"b": [1, {"c": 2}]}, "d": [[3]]}
    holder = {"x": obj}
    assert packing.pack_entry(holder, "x", CODEC) is None  # ``obj`` is held here
    for path in (("a",), ("a", "b"), ("a", "b", 1), ("d",), ("d", 0)):
        inner: Any = obj
        for step in path:
            inner = inner[step]
        del obj
        assert packing.pack_entry(holder, "x", CODEC) is None, path  # only a part is held: still not
        obj = holder["x"]
        del inner
    del obj
    assert packing.pack_entry(holder, "x", CODEC) is not None


def test_a_container_shared_inside_the_object_is_not_packed() -> None:
    shared = [1, 2]
    holder = {"x": {"a": shared, "b": shared}}
    del shared
    assert packing.pack_entry(holder, "x", CODEC) is None  # decoding would make two lists of one


# --- the store --------------------------------------------------------------------------------


def _store(hot: int) -> ObjectStore:
    store = ObjectStore(Codec(), hot)
    for i in range(10):
        store.add({"id": f"x_{i}", "n": i, "tags": [str(i)]})
    return store


def _packed_ids(store: ObjectStore) -> set[str]:
    return {k for k, v in store.objects.items() if not isinstance(v, dict)}


def test_the_store_keeps_only_the_newest_decoded() -> None:
    store = _store(3)
    assert _packed_ids(store) == {f"x_{i}" for i in range(7)}
    assert [o["n"] for o in store.newest_first()] == list(range(9, -1, -1))
    assert _packed_ids(store) == {f"x_{i}" for i in range(7)}  # reading a page does not decode them for good
    assert [o["id"] for o in store.scan()] == [f"x_{i}" for i in range(10)]
    assert [o["n"] for o in store.oldest_first_after(store.pos["x_6"])] == [7, 8, 9]


def test_a_change_through_get_is_kept_after_the_object_is_packed_again() -> None:
    store = _store(2)
    obj = store.get("x_0")
    assert obj is not None and "x_0" not in _packed_ids(store)
    obj["n"] = 100
    obj["tags"].append("changed")
    del obj
    for i in range(10, 15):
        store.add({"id": f"x_{i}", "n": i})
    assert "x_0" in _packed_ids(store)
    assert store.get("x_0") == {"id": "x_0", "n": 100, "tags": ["0", "changed"]}


def test_a_held_object_or_part_of_one_stays_decoded_and_its_changes_stay() -> None:
    store = _store(1)
    whole = store.get("x_1")
    tags = store.get("x_2")["tags"]  # type: ignore[index]
    for i in range(10, 20):
        store.add({"id": f"x_{i}", "n": i})
    assert whole is not None and {"x_1", "x_2"}.isdisjoint(_packed_ids(store))
    whole["n"] = -1
    tags.append("kept")
    assert store.get("x_1") is whole
    del whole, tags
    for i in range(20, 30):
        store.add({"id": f"x_{i}", "n": i})
    assert {"x_1", "x_2"} <= _packed_ids(store)  # let go: packed now, changes included
    assert store.get("x_1")["n"] == -1  # type: ignore[index]
    assert store.get("x_2")["tags"] == ["2", "kept"]  # type: ignore[index]


def test_values_gives_the_objects_themselves_and_remove_gives_a_packed_one_back() -> None:
    store = _store(2)
    for obj in store.values():
        obj["seen"] = True
    assert all(o.get("seen") for o in store.scan())
    assert store.remove("x_0") == {"id": "x_0", "n": 0, "tags": ["0"], "seen": True}
    assert "x_0" not in store and store.get("x_0") is None


def test_read_gives_a_copy_of_a_packed_object_and_leaves_it_packed() -> None:
    store = _store(2)
    before = _packed_ids(store)
    copy = store.read("x_0")
    assert copy == {"id": "x_0", "n": 0, "tags": ["0"]}
    assert _packed_ids(store) == before  # not decoded for good, not hot again
    copy["n"] = 100  # a copy: the stored object does not change
    assert store.get("x_0") == {"id": "x_0", "n": 0, "tags": ["0"]}
    assert store.read("x_9") is store.get("x_9")  # a decoded one is the object itself
    assert store.read("x_missing") is None


def test_a_store_without_a_codec_or_with_limit_0_never_packs() -> None:
    for store in (ObjectStore(), ObjectStore(Codec(), 0)):
        for i in range(50):
            store.add({"id": f"x_{i}"})
        assert _packed_ids(store) == set()


def test_with_a_cooling_packing_waits_for_the_answer_one_frame_at_a_time() -> None:
    cooling = Cooling()
    store = ObjectStore(Codec(), 256, cooling)  # batch 32: due a frame (8) over the limit, hard 32 over
    for i in range(280):
        store.add({"id": f"x_{i}", "n": i})
    assert _packed_ids(store) == set() and list(cooling.due) == [store]  # due, not packed in the request
    cooling.run()  # one answer, one frame
    assert _packed_ids(store) == {f"x_{i}" for i in range(8)} and list(cooling.due) == [store]
    cooling.run()
    cooling.run()
    assert _packed_ids(store) == {f"x_{i}" for i in range(24)} and not cooling.due  # at the limit: out of line
    for i in range(280, 400):  # nobody runs the cooling: the hard limit packs in the request
        store.add({"id": f"x_{i}", "n": i})
    assert len(store.objects) - len(_packed_ids(store)) <= 256 + 32
    assert list(cooling.due) == [store]  # in the line once, however long nobody runs it
    while cooling.due:
        cooling.run()
    assert len(store.objects) - len(_packed_ids(store)) < 256 + 8
    assert [o["n"] for o in store.scan()] == list(range(400))


def test_held_objects_are_tried_a_frame_per_answer_and_packed_once_let_go() -> None:
    cooling = Cooling()
    store = ObjectStore(Codec(), 256, cooling)
    held = [store.add({"id": f"x_{i}", "n": i}) for i in range(270)]
    cooling.run()
    assert _packed_ids(store) == set() and not cooling.due  # all held: out of line, not retried at once
    del held
    for i in range(270, 300):
        store.add({"id": f"x_{i}", "n": i})
        cooling.run()
    assert len(_packed_ids(store)) >= 300 - 256 - 8  # let go: packed a frame per answer since
    assert [o["n"] for o in store.scan()] == list(range(300))


def test_a_reset_takes_the_platforms_stores_out_of_the_line() -> None:
    state = State(hot_objects=256)
    kept, dropped = state.platform("sk_test_kept"), state.platform("sk_test_dropped")
    for platform in (kept, dropped):
        for i in range(270):
            platform.scope().add({"id": f"ic_{i}", "object": "issuing.card"})
    assert len(state.cooling.due) == 2
    state.reset("sk_test_dropped")
    assert list(state.cooling.due) == [kept.scope().store("issuing.card")]
    state.reset()
    assert not state.cooling.due


class StoreMachine(RuleBasedStateMachine):
    """Any sequence of adds, fetches, changes, holds and reads: the store agrees with a plain model."""

    @initialize(hot=st.sampled_from([1, 2, 3, 4, 16, 17]), cooled=st.booleans())
    def start(self, hot: int, cooled: bool) -> None:
        # 16 and 17 are the smallest limits with a batch (2 objects), so a cooling defers packing
        self.cooling = Cooling() if cooled else None
        self.store = ObjectStore(Codec(), hot, self.cooling)
        self.model: dict[str, dict[str, Any]] = {}
        self.held: dict[str, dict[str, Any]] = {}
        self.next = 0

    def _some_id(self, n: int) -> str:
        return sorted(self.model)[n % len(self.model)]

    @rule(value=json_values)
    def add(self, value: Any) -> None:
        obj_id = f"x_{self.next}"
        self.next += 1
        self.store.add({"id": obj_id, "value": _deep_copy(value), "list": []})
        self.model[obj_id] = {"id": obj_id, "value": _deep_copy(value), "list": []}

    @precondition(lambda self: self.model)
    @rule(n=st.integers(min_value=0), value=scalars)
    def change(self, n: int, value: Any) -> None:
        obj_id = self._some_id(n)
        obj = self.store.get(obj_id)
        assert obj is not None
        obj["list"].append(value)
        self.model[obj_id]["list"].append(value)

    @precondition(lambda self: self.model)
    @rule(n=st.integers(min_value=0))
    def hold(self, n: int) -> None:
        obj_id = self._some_id(n)
        self.held[obj_id] = self.store.get(obj_id)  # type: ignore[assignment]

    @precondition(lambda self: self.held)
    @rule(n=st.integers(min_value=0), value=scalars)
    def change_held(self, n: int, value: Any) -> None:
        obj_id = sorted(self.held)[n % len(self.held)]
        self.held[obj_id]["list"].append(value)
        self.model[obj_id]["list"].append(value)

    @precondition(lambda self: self.held)
    @rule()
    def release(self) -> None:
        self.held.popitem()

    @precondition(lambda self: self.model)
    @rule(n=st.integers(min_value=0))
    def remove(self, n: int) -> None:
        obj_id = self._some_id(n)
        assert self.store.remove(obj_id) == self.model.pop(obj_id)
        self.held.pop(obj_id, None)

    @precondition(lambda self: self.model)
    @rule(n=st.integers(min_value=0))
    def read(self, n: int) -> None:
        obj_id = self._some_id(n)
        assert self.store.read(obj_id) == self.model[obj_id]

    @rule()
    def answered(self) -> None:
        """A request's answer is written: the API runs the cooling."""
        if self.cooling is not None:
            self.cooling.run()

    @invariant()
    def agrees(self) -> None:
        assert {o["id"]: o for o in self.store.scan()} == self.model
        assert [o["id"] for o in self.store.newest_first()] == sorted(self.model, key=lambda k: -int(k[2:]))


TestStoreMachine = StoreMachine.TestCase
TestStoreMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
