"""Property tests of the form decoder (``emulator.http.forms``).

What the real SDKs send must decode to the tree the parameter layer expects:
- stripe-python: ``urlencode(list(_api_encode(params)))`` with ``%5B``/``%5D`` turned back into
  literal brackets in bodies (and left encoded in GET query strings by urllib3);
- stripe-node: ``qs.stringify`` (RFC 3986 escaping, so spaces are ``%20``; ``null`` is sent as
  ``key=``; indexed arrays) with brackets turned back into literals.
And no input of any bytes makes the decoder fail with anything but :class:`FormError`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.http import forms
from tests.support import spec_requests

SETTINGS = settings(max_examples=100, deadline=None)

# Stripe parameter names never contain brackets (metadata keys may not either).
KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="[]"), min_size=1, max_size=8)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
LEAVES = st.one_of(TEXT, st.integers(-(10**12), 10**12), st.booleans(), st.none())
VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4),
    ),
    max_leaves=20,
)
PARAMS = st.dictionaries(KEYS, VALUES, max_size=6)


# --- the two SDKs' encoders (tests/support/spec_requests.py) --------------------------------------------


def python_body(params: dict[str, Any]) -> str:
    return spec_requests.python_encode(params)


def python_query(params: dict[str, Any]) -> str:
    return spec_requests.python_encode(params, query=True)


def node_body(params: dict[str, Any]) -> str:
    return spec_requests.node_encode(params)


# --- what the decoder must give back ---------------------------------------------------------


def expected(value: Any, *, null_is_empty: bool, in_list: bool = False) -> Any:
    """The decoded tree: strings everywhere, indexed lists as dicts keyed "0", "1", ...; values the
    SDK does not send (None for Python, empty containers for both) are absent.

    stripe-python quirk (kept so the test mirrors the real bytes): a scalar directly inside a
    list is sent as ``str(item)``, so ``True``/``False``/``None`` (``_api_encode`` converts only
    dict values).
    """
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            sub = expected(v, null_is_empty=null_is_empty)
            if sub is not None:
                out[str(k)] = sub
        return out or None
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            if isinstance(v, list):  # a list in a list is encoded as a dict of its items
                v = dict(enumerate(v))
            sub = expected(v, null_is_empty=null_is_empty, in_list=not isinstance(v, dict))
            if sub is not None:
                out[str(i)] = sub
        return out or None
    if in_list and not null_is_empty:
        return str(value)  # stripe-python sends list items as str(item): "None", "True", "False"
    if value is None:
        return "" if null_is_empty else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@SETTINGS
@given(PARAMS)
def test_python_body_round_trips(params: dict[str, Any]) -> None:
    assert forms.decode(python_body(params).encode()) == (expected(params, null_is_empty=False) or {})


@SETTINGS
@given(PARAMS)
def test_python_query_with_encoded_brackets_round_trips(params: dict[str, Any]) -> None:
    assert forms.decode(python_query(params).encode()) == (expected(params, null_is_empty=False) or {})


@SETTINGS
@given(PARAMS)
def test_node_body_round_trips(params: dict[str, Any]) -> None:
    assert forms.decode(node_body(params).encode()) == (expected(params, null_is_empty=True) or {})


@SETTINGS
@given(PARAMS)
def test_both_sdks_decode_alike_without_nulls(params: dict[str, Any]) -> None:
    def drop_none(v: Any) -> Any:
        """Without None (Node sends it, Python drops it) and without booleans/None as list items
        (stripe-python sends those as ``True``/``None``)."""
        if isinstance(v, dict):
            return {k: drop_none(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [drop_none(x) for x in v if x is not None and not isinstance(x, bool)]
        return v

    clean = drop_none(params)
    assert forms.decode(node_body(clean)) == forms.decode(python_body(clean))


def test_known_sdk_bytes() -> None:
    """The exact bodies recorded from both SDKs (design notes 5.4) decode alike."""
    py = (
        "type=individual&name=Jenny+Rosen&email=jenny%40example.com&phone_number=%2B18888675309"
        "&individual[dob][day]=1&billing[address][line1]=1234+Main+Street"
    )
    node = (
        "type=individual&name=Jenny%20Rosen&email=jenny%40example.com&phone_number=%2B18888675309"
        "&individual[dob][day]=1&billing[address][line1]=1234%20Main%20Street"
    )
    want = {
        "type": "individual",
        "name": "Jenny Rosen",
        "email": "jenny@example.com",
        "phone_number": "+18888675309",
        "individual": {"dob": {"day": "1"}},
        "billing": {"address": {"line1": "1234 Main Street"}},
    }
    assert forms.decode(py) == forms.decode(node) == want
    assert forms.decode(b"limit=3&expand%5B0%5D=data.cardholder") == {"limit": "3", "expand": {"0": "data.cardholder"}}
    assert forms.decode(b"expand[]=a&expand[]=b") == {"expand": ["a", "b"]}
    assert forms.decode(b"metadata[unset_me]=&metadata[k]=v") == {"metadata": {"unset_me": "", "k": "v"}}


def test_arrays_of_hashes_in_the_old_bracket_style_follow_racks_rule() -> None:
    """stripe-ruby before 4.0, stripe-php before 6.17.1, Rails' to_query and qs send ``a[][k]``:
    a key the last element already has starts a new one; a key with ``[]`` in it never does."""
    limits = "spending_controls[spending_limits]"
    raw = (
        f"{limits}[][amount]=100&{limits}[][categories][]=bakeries&{limits}[][categories][]=florists"
        f"&{limits}[][interval]=daily&{limits}[][amount]=200&{limits}[][interval]=weekly"
    )
    assert forms.decode(raw) == {
        "spending_controls": {
            "spending_limits": [
                {"amount": "100", "categories": ["bakeries", "florists"], "interval": "daily"},
                {"amount": "200", "interval": "weekly"},
            ]
        }
    }
    # a nested key the last element already has starts a new element too
    assert forms.decode("a[][b][c]=1&a[][b][d]=2&a[][b][c]=3") == {
        "a": [{"b": {"c": "1", "d": "2"}}, {"b": {"c": "3"}}]
    }


# --- robustness: any bytes -> a tree or FormError ------------------------------------------


def _decode_or_form_error(raw: bytes) -> None:
    try:
        tree = forms.decode(raw)
    except forms.FormError as exc:
        assert str(exc).startswith("Invalid request")
        return
    assert isinstance(tree, dict)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_or_form_error(raw: bytes) -> None:
    _decode_or_form_error(raw)


FORMISH = st.lists(
    st.sampled_from(
        ["a", "b", "[", "]", "[]", "[0]", "[x]", "=", "&", "%", "%5B", "%5D", "%ZZ", "%ff", "+", "%20", "é", ""]
    ),
    max_size=60,
).map(lambda parts: "".join(parts).encode())


@settings(max_examples=400, deadline=None)
@given(FORMISH)
def test_bracket_soup_decodes_or_form_error(raw: bytes) -> None:
    _decode_or_form_error(raw)


def test_limits_are_form_errors() -> None:
    for raw in (
        b"a" + b"[b]" * (forms.MAX_DEPTH + 1) + b"=1",
        b"&".join(b"k%d=1" % i for i in range(forms.MAX_PAIRS + 2)),
        b"a=%ff",
        b"\xff=1",
        b"a=1&a[b]=2",
        b"a[b]=2&a=1",
        b"a[]=1&a[b]=2",
    ):
        try:
            forms.decode(raw)
        except forms.FormError:
            continue
        raise AssertionError(f"{raw[:40]!r} decoded")


PIECES = [
    *"%5bBdD[]+ab2c 4é",
    *(
        "%5B",
        "%5D",
        "%5b",
        "%5d",
        "%25",
        "%2B",
        "%C3%A9",
        "%c3%a9",
        "%FF",
        "%26",
        "%3D",
        "%40",
        "%7e",
        "%7F",
        "%80",
        "%zz",
        "%4",
    ),
]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_decoding_agrees_with_unquote_plus_for_names_and_values(text: str) -> None:
    """The fast paths (``+`` and encoded brackets body-wide, see ``forms._prepare``; ASCII escapes,
    see ``forms._unquote``) decode each name and value exactly as ``unquote_plus`` would."""
    from urllib.parse import unquote_plus

    try:
        expected: str | None = unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        expected = None
    try:
        value: str | None = forms.decode("a=" + text)["a"]
    except forms.FormError:
        value = None
    assert value == expected
    if expected and "[" not in expected and "]" not in expected:
        assert forms.decode(text + "=1") == {expected: "1"}
