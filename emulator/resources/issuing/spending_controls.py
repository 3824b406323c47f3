"""Spending controls of Issuing cards and cardholders: validation, storage and the authorization check.

Wire shape, as Stripe renders it (``issuing_card_authorization_controls`` and the cardholder twin)::

    allowed_categories, blocked_categories                  list of merchant categories
    allowed_merchant_countries, blocked_merchant_countries  list of ISO 3166-1 alpha-2 codes
    allowed_card_presences, blocked_card_presences          list of "present" / "not_present"
    spending_limits                                         [{amount, categories, interval}]
    spending_limits_currency                                currency of the limit amounts

An unset list renders as ``null`` on a card and as ``[]`` on a cardholder (card presences are
``null`` on both), exactly like Stripe's own examples. An update merges per field: a field that is
sent replaces the stored value, an empty string (``spending_controls[allowed_categories]=``)
clears it, fields not sent stay. ``allowed_*`` and ``blocked_*`` of the same kind cannot both be
set (``parameters_exclusive``), judged on the merged result.

For the authorization engine
----------------------------
``check_authorization(controls, amount, category, country, card_presence, spent_in_window)``
says whether one ``spending_controls`` dict (a card's or a cardholder's) allows an authorization of
``amount`` (in the controls' currency) at a merchant of ``category``, in ``country`` (ISO code or
``None`` if unknown), with ``card_presence`` ``"present"``/``"not_present"``/``None``. Unknown
values (``None``) fail an allow-list and pass a block-list. ``spent_in_window(interval,
categories)`` must return the amount already approved in the current window of ``interval``
(see :func:`window_start`; windows start at midnight UTC: daily = today, weekly = the last
Sunday, monthly = the 1st, yearly = January 1st, all_time = ever) restricted to ``categories``
(``None`` = every category). ``first_violation`` is the same check naming the control that
declines (``"allowed_categories"``, ``"spending_limits[2]"``, ...), or ``None``.

``MERCHANT_CATEGORIES`` and ``category_code`` (category -> 4-digit MCC) come from
:mod:`emulator.resources.issuing.reference`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from emulator.core.jsonutil import clone
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.resources import common
from emulator.resources.issuing.reference import (
    COUNTRY_CODES,
    category_code,
    category_for_code,
    merchant_categories,
)

__all__ = [
    "INTERVALS",
    "MERCHANT_CATEGORIES",
    "apply",
    "category_code",
    "category_for_code",
    "check_authorization",
    "empty_controls",
    "first_violation",
    "normalize_country",
    "window_start",
]

MERCHANT_CATEGORIES: tuple[str, ...] = merchant_categories()
INTERVALS = ("per_authorization", "daily", "weekly", "monthly", "yearly", "all_time")
KIND_CARD = "card"
KIND_CARDHOLDER = "cardholder"

CATEGORY_LISTS = ("allowed_categories", "blocked_categories")
COUNTRY_LISTS = ("allowed_merchant_countries", "blocked_merchant_countries")
PRESENCE_LISTS = ("allowed_card_presences", "blocked_card_presences")
EXCLUSIVE_PAIRS = (CATEGORY_LISTS, COUNTRY_LISTS, PRESENCE_LISTS)
CARD_PRESENCES = ("present", "not_present")

CONTROLS_EXCLUSIVE = "You may only specify one of these parameters: {allowed}, {blocked}."
COUNTRY_UNKNOWN = (
    "Country '{country}' is unknown. Try using a 2-character alphanumeric country code instead, such as "
    "'US', 'EG', or 'GB'. A full list of country codes is available at https://stripe.com/docs/api#country_codes"
)
LIMIT_NEGATIVE = "This value must be greater than or equal to 0."
PRESENCE_INVALID = "Invalid {name}: must be one of present or not_present"
CURRENCY_NOT_ALLOWED_ON_CARD = (
    "spending_limits_currency cannot be set on a card: a card's spending limits are always in the card's currency."
)


def empty_controls(kind: str) -> Obj:
    """Controls with nothing set, as Stripe renders them on a new card or cardholder."""
    lists = kind == KIND_CARDHOLDER  # a cardholder shows empty lists, a card nulls
    return {
        "allowed_card_presences": None,
        "allowed_categories": [] if lists else None,
        "allowed_merchant_countries": [] if lists else None,
        "blocked_card_presences": None,
        "blocked_categories": [] if lists else None,
        "blocked_merchant_countries": [] if lists else None,
        "spending_limits": [],
        "spending_limits_currency": None,
    }


# --- validation and storage --------------------------------------------------------------------


def apply(
    current: Obj | None,
    params: Mapping[str, Any] | None,
    *,
    kind: str,
    currency: str | None,
    param: str = "spending_controls",
) -> Obj:
    """The controls after applying ``params`` (checked request params) to ``current``.

    ``currency`` is the card's currency (cards) or the default limit currency (cardholders).
    Raises a Stripe-shaped 400 for anything Stripe refuses; never changes ``current``.
    """
    out = clone(current) if current is not None else empty_controls(kind)
    if not params:
        return out
    for name in (*CATEGORY_LISTS, *COUNTRY_LISTS, *PRESENCE_LISTS):
        if name not in params:
            continue
        value = params[name]
        path = f"{param}[{name}]"
        if value is None or value == []:
            out[name] = [] if kind == KIND_CARDHOLDER and name not in PRESENCE_LISTS else None
        elif name in COUNTRY_LISTS:
            out[name] = [_country(c, f"{path}[{i}]") for i, c in enumerate(value)]
        elif name in PRESENCE_LISTS:
            out[name] = [_presence(p, f"{path}[{i}]") for i, p in enumerate(value)]
        else:
            out[name] = list(value)
    if "spending_limits" in params:
        out["spending_limits"] = _limits(params["spending_limits"], f"{param}[spending_limits]")
    if "spending_limits_currency" in params:
        if kind == KIND_CARD:
            raise StripeError(
                CURRENCY_NOT_ALLOWED_ON_CARD, param=f"{param}[spending_limits_currency]", code="parameter_unknown"
            )
        chosen = params["spending_limits_currency"]
        out["spending_limits_currency"] = (
            common.currency(chosen, f"{param}[spending_limits_currency]") if chosen else None
        )
    _check_exclusive(out, params, param)
    _set_limits_currency(out, kind, currency)
    return out


def _check_exclusive(controls: Obj, params: Mapping[str, Any], param: str) -> None:
    for allowed, blocked in EXCLUSIVE_PAIRS:
        if controls.get(allowed) and controls.get(blocked):
            named = blocked if blocked in params else allowed
            raise StripeError(
                CONTROLS_EXCLUSIVE.format(allowed=f"{param}[{allowed}]", blocked=f"{param}[{blocked}]"),
                param=f"{param}[{named}]",
                code="parameters_exclusive",
            )


def _set_limits_currency(controls: Obj, kind: str, currency: str | None) -> None:
    if kind == KIND_CARD:
        controls["spending_limits_currency"] = currency if controls["spending_limits"] else None
    elif controls["spending_limits"] and not controls.get("spending_limits_currency"):
        controls["spending_limits_currency"] = currency


def _limits(value: Any, path: str) -> list[Obj]:
    if not value:
        return []
    out: list[Obj] = []
    for i, limit in enumerate(value):
        amount = limit["amount"]
        if amount < 0:
            raise StripeError(LIMIT_NEGATIVE, param=f"{path}[{i}][amount]", code="parameter_invalid_integer")
        categories = limit.get("categories")
        out.append(
            {"amount": amount, "categories": list(categories) if categories else [], "interval": limit["interval"]}
        )
    return out


def _country(value: str, path: str) -> str:
    code = value.upper()
    if code not in COUNTRY_CODES:
        raise StripeError(COUNTRY_UNKNOWN.format(country=value[:60]), param=path, code="country_code_invalid")
    return code


def _presence(value: str, path: str) -> str:
    if value not in CARD_PRESENCES:
        raise StripeError(PRESENCE_INVALID.format(name=path), param=path, code="parameter_invalid")
    return value


def normalize_country(value: str, path: str) -> str:
    """An ISO 3166-1 alpha-2 code (any case) as Stripe stores it, or ``country_code_invalid``."""
    return _country(value, path)


# --- the check the authorization engine runs ---------------------------------------------------


SpentInWindow = Callable[[str, "list[str] | None"], int]


def first_violation(
    controls: Mapping[str, Any] | None,
    amount: int,
    category: str,
    country: str | None,
    card_presence: str | None,
    spent_in_window: SpentInWindow,
) -> str | None:
    """The control that declines this authorization (see the module docstring), or ``None``."""
    if not controls:
        return None
    where = country.upper() if country else None
    for kind, value in (("categories", category), ("merchant_countries", where), ("card_presences", card_presence)):
        allowed = controls.get(f"allowed_{kind}")
        if allowed and value not in allowed:
            return f"allowed_{kind}"
        blocked = controls.get(f"blocked_{kind}")
        if blocked and value in blocked:
            return f"blocked_{kind}"
    for i, limit in enumerate(controls.get("spending_limits") or ()):
        categories = limit.get("categories") or None
        if categories and category not in categories:
            continue
        if limit["interval"] == "per_authorization":
            if amount > limit["amount"]:
                return f"spending_limits[{i}]"
        elif spent_in_window(limit["interval"], categories) + amount > limit["amount"]:
            return f"spending_limits[{i}]"
    return None


def check_authorization(
    controls: Mapping[str, Any] | None,
    amount: int,
    category: str,
    country: str | None,
    card_presence: str | None,
    spent_in_window: SpentInWindow,
) -> bool:
    """Whether one spending_controls dict allows the authorization (see the module docstring)."""
    return first_violation(controls, amount, category, country, card_presence, spent_in_window) is None


def window_start(interval: str, now: int) -> int:
    """Unix time at which the current window of ``interval`` began (midnight UTC boundaries).

    ``all_time`` starts at 0; ``per_authorization`` has no window (``ValueError``).
    """
    if interval == "all_time":
        return 0
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "daily":
        start = day
    elif interval == "weekly":
        start = day - dt.timedelta(days=(day.weekday() + 1) % 7)  # back to Sunday
    elif interval == "monthly":
        start = day.replace(day=1)
    elif interval == "yearly":
        start = day.replace(month=1, day=1)
    else:
        raise ValueError(f"no spending window for interval {interval!r}")
    return int(start.timestamp())
