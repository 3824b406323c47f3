"""Rules shared by every resource: metadata merging, look-ups with Stripe's 404s, currencies, the
checks of contact details (email addresses, URLs) and of dates of birth."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate

INVALID_CURRENCY = "Invalid currency: {currency}. Stripe currently supports these currencies: {supported}"
# Currencies the emulated Issuing and Treasury products accept.
CURRENCIES = ("usd", "eur", "gbp")
EMAIL_INVALID = "Invalid email address: {email}"
IP_INVALID = "Invalid IP address: {ip}"
URL_CODE = "url_invalid"  # Stripe's error code for a refused URL
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
DOB_MIN = "This value must be greater than or equal to {min}."
DOB_MAX = "This value must be less than or equal to {max}."
DOB_NOT_A_DATE = "Invalid date of birth: {year:04d}-{month:02d}-{day:02d} is not a valid date."
DOB_IN_FUTURE = "Invalid date of birth: the date of birth cannot be in the future."
DOB_LIMITS = {"day": (1, 31), "month": (1, 12), "year": (1900, 9999)}
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def check_email(value: str, param: str = "email") -> str:
    """An email address as Stripe takes it (``email_invalid`` otherwise)."""
    if not _EMAIL.fullmatch(value) or len(value) > 800:
        raise StripeError(EMAIL_INVALID.format(email=value[:200]), param=param, code="email_invalid")
    return value


def check_ip(value: str, param: str) -> str:
    """An IPv4 or IPv6 address (surrounding spaces dropped), or a 400 ``parameter_invalid``."""
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        raise StripeError(IP_INVALID.format(ip=value[:60]), param=param, code="parameter_invalid") from None
    return value.strip()


def birth_date(dob: dict[str, int], now: int, param: str) -> dt.date:
    """A ``dob`` hash (``day``, ``month``, ``year``) as Stripe bounds it, the same for cardholders,
    persons and an account's individual: each part in its range, together a calendar date, and not
    after today (the UTC date of ``now``); a 400 naming the part otherwise."""
    for part, (low, high) in DOB_LIMITS.items():
        value = dob[part]
        if value < low:
            raise StripeError(DOB_MIN.format(min=low), param=f"{param}[{part}]", code="parameter_invalid_integer")
        if value > high:
            raise StripeError(DOB_MAX.format(max=high), param=f"{param}[{part}]", code="parameter_invalid_integer")
    try:
        born = dt.date(dob["year"], dob["month"], dob["day"])
    except ValueError:
        raise StripeError(DOB_NOT_A_DATE.format(**dob), param=f"{param}[day]", code="parameter_invalid") from None
    if born > today(now):
        raise StripeError(DOB_IN_FUTURE, param=f"{param}[year]", code="parameter_invalid")
    return born


def today(now: int) -> dt.date:
    """The UTC date of the Unix time ``now``."""
    return dt.date.fromordinal(_EPOCH_ORDINAL + now // 86_400)


def url_parts(url: str) -> SplitResult | None:
    """``url`` split, or None when it cannot be read (a bad port included); the callers judge the rest."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a bad port
    except ValueError:
        return None
    return parts


def noun(object_type: str) -> str:
    """How ``No such <noun>: 'id'`` names an object type: the dot of a namespaced type becomes a space
    (``issuing card``, ``treasury financial_account``), as a real Stripe answer shows."""
    return object_type.replace(".", " ")


def merge_metadata(current: dict[str, str] | None, update: dict[str, Any] | None | str) -> dict[str, str]:
    """Stripe's metadata update: merge keys, ``""`` deletes a key, ``metadata=""`` clears all."""
    if update is None:
        return {}
    merged = dict(current or {})
    if isinstance(update, dict):
        for key, value in update.items():
            if value is None or value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
    if len(merged) > 50:
        raise StripeError(errors.METADATA_TOO_MANY_KEYS.format(count=len(merged)), param="metadata")
    return merged


def get(ctx: Ctx, object_type: str, obj_id: str, param: str = "id") -> Obj:
    """An object of the calling account, or Stripe's ``resource_missing`` (404 for an id in the URL path,
    400 for one in a request parameter: see ``errors.missing_in_request``)."""
    obj = ctx.scope.get(object_type, obj_id)
    if obj is None:
        raise errors.no_such(noun(object_type), obj_id, param=param)
    return obj


def currency(value: str, param: str = "currency") -> str:
    cur = value.lower()
    if cur not in CURRENCIES:
        raise StripeError(
            INVALID_CURRENCY.format(currency=value, supported=", ".join(CURRENCIES)),
            param=param,
            code="parameter_invalid",
        )
    return cur


def update_metadata(obj: Obj, params: dict[str, Any]) -> None:
    if "metadata" in params:
        obj["metadata"] = merge_metadata(obj.get("metadata"), params["metadata"])


def equals(field: str, value: Any) -> Predicate:
    """A list filter: the objects whose ``field`` is ``value``."""
    return lambda obj: obj.get(field) == value


def emit_if_changed(ctx: Ctx, event: str, obj: Obj, before: Obj) -> None:
    """``event`` about ``obj`` when it differs from its snapshot ``before`` (an update that
    changes nothing emits nothing)."""
    if ctx.snapshot(obj) != before:
        ctx.emit(event, obj, before)
