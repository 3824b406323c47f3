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
    "header", [None, "", "Bearer sk_live_1", "Bearer pk_test_1", "Token sk_test_1", "Bearer sk_test_!"]
)
def test_refused_headers_are_refused_every_time(header: str | None) -> None:
    cache = auth.KeyCache()
    for _ in range(2):
        with pytest.raises(StripeError) as caught:
            cache.key(header)
        assert caught.value.status == 401
    assert not cache._keys
