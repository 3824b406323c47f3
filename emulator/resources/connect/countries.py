"""The countries of Connect accounts, as data: each one's currency, and the platform's cross-border region.

:data:`CURRENCY_OF` maps every country Stripe Connect supports (the countries where accounts are
created self-serve, and those that receive cross-border payouts under the ``recipient`` service
agreement) to its currency: an account's ``default_currency`` and the currency a bank account in
that country defaults to. Bulgaria is ``eur`` (it joined the euro area on 2026-01-01; Stripe's
2026-01-28 changelog moved its currency mapping from ``bgn`` to ``eur``). A country outside the
table (an ISO code Stripe Connect does not serve) falls back to :data:`FALLBACK`.

:data:`CROSS_BORDER_REGION` is where a US platform (every emulated platform is one) may transfer
to accounts under the ``full`` service agreement: the US, the UK, the EEA, Canada and Switzerland
(docs.stripe.com/connect/cross-border-payouts).

Every currency here has a fixed rate and a number of decimals in
:mod:`emulator.resources.currencies` (``RATES``, ``exponent``): transfers
convert with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from emulator.http.errors import StripeError
from emulator.resources import common

PLATFORM_COUNTRY = "US"  # every emulated platform is a US platform
FALLBACK = "usd"  # the default currency of a country Stripe Connect does not serve

EURO_AREA = frozenset("AT BE BG CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split())
EEA = EURO_AREA | frozenset("CZ DK HU IS LI NO PL RO SE".split())
CROSS_BORDER_REGION = EEA | frozenset({"US", "GB", "CA", "CH"})

# The countries that use a currency other than the euro (ISO 4217, lower case as Stripe writes it).
_OWN_CURRENCIES: dict[str, str] = {
    # the cross-border region outside the euro area
    "US": "usd",
    "GB": "gbp",
    "CA": "cad",
    "CH": "chf",
    "LI": "chf",
    "CZ": "czk",
    "DK": "dkk",
    "HU": "huf",
    "IS": "isk",
    "NO": "nok",
    "PL": "pln",
    "RO": "ron",
    "SE": "sek",
    # other countries where accounts are created self-serve
    "AE": "aed",
    "AU": "aud",
    "BR": "brl",
    "GI": "gbp",
    "HK": "hkd",
    "IN": "inr",
    "JP": "jpy",
    "MX": "mxn",
    "MY": "myr",
    "NZ": "nzd",
    "SG": "sgd",
    "TH": "thb",
    # countries that receive cross-border payouts (recipient service agreement)
    "AG": "xcd",
    "AL": "all",
    "AM": "amd",
    "AO": "aoa",
    "AR": "ars",
    "AZ": "azn",
    "BA": "bam",
    "BD": "bdt",
    "BH": "bhd",
    "BJ": "xof",
    "BN": "bnd",
    "BO": "bob",
    "BS": "bsd",
    "BT": "btn",
    "BW": "bwp",
    "CI": "xof",
    "CL": "clp",
    "CO": "cop",
    "CR": "crc",
    "DO": "dop",
    "DZ": "dzd",
    "EC": "usd",
    "EG": "egp",
    "ET": "etb",
    "GA": "xaf",
    "GH": "ghs",
    "GM": "gmd",
    "GT": "gtq",
    "GY": "gyd",
    "ID": "idr",
    "IL": "ils",
    "JM": "jmd",
    "JO": "jod",
    "KE": "kes",
    "KH": "khr",
    "KR": "krw",
    "KW": "kwd",
    "KZ": "kzt",
    "LA": "lak",
    "LC": "xcd",
    "LK": "lkr",
    "MA": "mad",
    "MD": "mdl",
    "MG": "mga",
    "MK": "mkd",
    "MN": "mnt",
    "MO": "mop",
    "MU": "mur",
    "MZ": "mzn",
    "NA": "nad",
    "NE": "xof",
    "NG": "ngn",
    "OM": "omr",
    "PA": "usd",
    "PE": "pen",
    "PH": "php",
    "PK": "pkr",
    "PY": "pyg",
    "QA": "qar",
    "RS": "rsd",
    "RW": "rwf",
    "SA": "sar",
    "SN": "xof",
    "SV": "usd",
    "TN": "tnd",
    "TR": "try",
    "TT": "ttd",
    "TW": "twd",
    "TZ": "tzs",
    "UY": "uyu",
    "UZ": "uzs",
    "VN": "vnd",
    "ZA": "zar",
}
# Euro users outside the EEA that receive cross-border payouts.
_OTHER_EURO_USERS = ("MC", "SM")

CURRENCY_OF: Mapping[str, str] = MappingProxyType(
    {**dict.fromkeys(sorted(EURO_AREA), "eur"), **dict.fromkeys(_OTHER_EURO_USERS, "eur"), **_OWN_CURRENCIES}
)
# What Connect money (transfers, payouts, bank accounts) accepts: the currencies of the emulated
# Issuing and Treasury products and of every Connect country.
CURRENCIES = frozenset(common.CURRENCIES) | frozenset(CURRENCY_OF.values())


def currency_of(country: str) -> str:
    """The currency of ``country`` (an upper-case ISO code): an account's ``default_currency``."""
    return CURRENCY_OF.get(country, FALLBACK)


def in_cross_border_region(country: str) -> bool:
    """Whether a US platform may transfer to an account in ``country`` under the ``full`` service agreement."""
    return country in CROSS_BORDER_REGION


def currency(value: str, param: str = "currency") -> str:
    """A currency Connect money accepts (:data:`CURRENCIES`), lower case; Stripe's ``Invalid currency`` otherwise."""
    cur = value.lower()
    if cur not in CURRENCIES:
        raise StripeError(
            common.INVALID_CURRENCY.format(currency=value, supported=", ".join(sorted(CURRENCIES))),
            param=param,
            code="parameter_invalid",
        )
    return cur
