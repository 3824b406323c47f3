"""The emulator's fixed exchange rates and each currency's decimals, for every conversion it makes:
an Issuing authorization's merchant amount into the card's currency, a cross-border transfer into
the connected account's currency (``connect/transfers.py``), amounts shown in the dashboard.
The emulator has no live FX, so every conversion is deterministic.
"""

from __future__ import annotations

from fractions import Fraction

# The emulator's fixed exchange rates (it has no live FX, so every conversion is deterministic): the
# value of one major unit of each currency in millionths of a US dollar. Plausible, not current, rates;
# they cover the currencies of the emulated products and of every Connect country (connect/countries.py).
RATES: dict[str, int] = {
    "usd": 1_000_000,
    "eur": 1_080_000,
    "gbp": 1_270_000,
    "cad": 730_000,
    "aud": 660_000,
    "chf": 1_130_000,
    "jpy": 6_700,
    "mxn": 55_000,
    "sek": 95_000,
    "nok": 93_000,
    "dkk": 145_000,
    "nzd": 600_000,
    "sgd": 740_000,
    "hkd": 128_000,
    "pln": 250_000,
    "czk": 43_000,
    "huf": 2_700,
    "ron": 217_000,
    "bgn": 550_000,
    "inr": 12_000,
    "brl": 180_000,
    "isk": 7_200,
    "aed": 272_300,
    "myr": 225_000,
    "thb": 29_000,
    "xcd": 370_000,
    "all": 10_900,
    "amd": 2_600,
    "aoa": 1_100,
    "ars": 1_000,
    "azn": 588_000,
    "bam": 552_000,
    "bdt": 8_200,
    "bhd": 2_660_000,
    "xof": 1_650,
    "xaf": 1_650,
    "bnd": 740_000,
    "bob": 145_000,
    "bsd": 1_000_000,
    "btn": 12_000,
    "bwp": 74_000,
    "clp": 1_060,
    "cop": 245,
    "crc": 1_950,
    "dop": 16_500,
    "dzd": 7_400,
    "egp": 20_500,
    "etb": 7_700,
    "ghs": 65_000,
    "gmd": 14_000,
    "gtq": 129_000,
    "gyd": 4_780,
    "idr": 62,
    "ils": 270_000,
    "jmd": 6_400,
    "jod": 1_410_000,
    "kes": 7_750,
    "khr": 245,
    "krw": 720,
    "kwd": 3_250_000,
    "kzt": 2_000,
    "lak": 46,
    "lkr": 3_350,
    "mad": 100_000,
    "mdl": 56_000,
    "mga": 220,
    "mkd": 17_500,
    "mnt": 290,
    "mop": 124_000,
    "mur": 21_800,
    "mzn": 15_650,
    "nad": 55_000,
    "ngn": 650,
    "omr": 2_600_000,
    "pen": 270_000,
    "php": 17_500,
    "pkr": 3_550,
    "pyg": 130,
    "qar": 274_700,
    "rsd": 9_250,
    "rwf": 710,
    "sar": 266_700,
    "tnd": 320_000,
    "try": 26_000,
    "ttd": 147_000,
    "twd": 31_000,
    "tzs": 380,
    "uyu": 25_000,
    "uzs": 79,
    "vnd": 40,
    "zar": 55_000,
}
# Stripe's zero-decimal currencies (amounts in whole units) and three-decimal ones; every other currency
# has two decimals in the API, huf, isk and twd included (Stripe's special cases keep two decimals there).
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def exponent(currency: str) -> int:
    """How many decimals ``currency`` has in API amounts (0, 2 or 3)."""
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def minor(units: int, currency: str) -> int:
    """``units`` whole units of ``currency`` in its smallest unit (500 usd -> 50000, 500 jpy -> 500)."""
    return int(units * 10 ** exponent(currency))


def convert(amount: int, source: str, target: str) -> int:
    """``amount`` (smallest unit of ``source``) in the smallest unit of ``target``, at the fixed rates
    (exact arithmetic, rounded half to even)."""
    if source == target:
        return amount
    value = Fraction(amount * RATES[source] * 10 ** exponent(target), RATES[target] * 10 ** exponent(source))
    return round(value)


def exchange_rate(source: str, target: str) -> float:
    """What one major unit of ``source`` is worth in ``target`` at the fixed rates (a balance
    transaction's ``exchange_rate``), to six decimals as Stripe shows rates."""
    return round(RATES[source] / RATES[target], 6)
