"""The country -> currency table of Connect accounts and the fixed rates transfers convert with (no server)."""

from __future__ import annotations

import pytest

from emulator.resources import common
from emulator.resources.connect import countries
from emulator.resources.currencies import RATES, convert, exchange_rate, exponent


def test_every_connect_currency_has_a_fixed_rate() -> None:
    assert countries.CURRENCIES <= set(RATES)


def test_the_region_is_the_us_the_uk_the_eea_canada_and_switzerland() -> None:
    assert len(countries.EEA) == 30  # the 27 EU members, Iceland, Liechtenstein, Norway
    assert {"US", "GB", "CA", "CH", "DE", "SE", "NO", "IS", "LI"} <= countries.CROSS_BORDER_REGION
    assert not {"MX", "AU", "JP", "SG", "BR", "GI", "MC"} & countries.CROSS_BORDER_REGION
    assert all(countries.currency_of(c) == "eur" for c in countries.EURO_AREA)
    assert all(c in countries.CURRENCY_OF for c in countries.CROSS_BORDER_REGION)


@pytest.mark.parametrize("source", common.CURRENCIES)
def test_the_smallest_transfer_settles_at_least_one_minor_unit_anywhere(source: str) -> None:
    assert min(convert(1, source, target) for target in countries.CURRENCIES) >= 1


@pytest.mark.parametrize(("currency", "decimals"), [("usd", 2), ("jpy", 0), ("krw", 0), ("huf", 2), ("kwd", 3)])
def test_decimals_follow_stripe(currency: str, decimals: int) -> None:
    assert exponent(currency) == decimals


def test_the_exchange_rate_is_per_major_unit() -> None:
    assert convert(100_000, "usd", "jpy") == round(1_000 * exchange_rate("usd", "jpy"))
    assert convert(12_345, "usd", "gbp") == round(12_345 * exchange_rate("usd", "gbp"))
    assert convert(1_000, "usd", "kwd") == round(10 * exchange_rate("usd", "kwd") * 1_000)
