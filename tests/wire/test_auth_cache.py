"""The ``Authorization`` header cache: same answers as reading the header each time."""

from __future__ import annotations

import pytest

from emulator.http import auth
from emulator.http.errors import StripeError


def test_cached_keys_match_a_fresh_read_and_stay_bounded() -> None:
    cache = auth.KeyCache(size=4)
    headers = [f"Bearer sk_test_{i}" for i in range(10)] + ["Basic " + "c2tfdGVzdF94eXo6"]
    for _ in range(2):
        for header in headers:
            assert cache.key(header) == auth.key_from_header(header)
            assert len(cache._keys) <= 4


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer sk_live_1", "Bearer pk_live_1", "Token sk_test_1", "Bearer sk_test_!", "Bearer ek_live_1"],
)
def test_refused_headers_are_refused_every_time(header: str | None) -> None:
    cache = auth.KeyCache()
    for _ in range(2):
        with pytest.raises(StripeError) as caught:
            cache.key(header)
        assert caught.value.status == 401
    assert not cache._keys


def test_limited_keys_pass_the_cache_and_not_the_control_plane() -> None:
    """``pk_test_``/``ek_test_`` keys reach the API, which checks what they may do
    (emulator.http.limited_keys); the control plane's reading refuses them."""
    cache = auth.KeyCache()
    for key in ("pk_test_abc", "ek_test_YWNjdF8x_abcdef"):
        assert cache.key(f"Bearer {key}") == key
        with pytest.raises(StripeError) as caught:
            auth.key_from_header(f"Bearer {key}")
        assert caught.value.status == 401
