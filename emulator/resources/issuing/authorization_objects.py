"""The parts of an Issuing authorization or transaction built from request parameters.

Defaults follow Stripe's own test-helper examples: an unspecified merchant is "Rocket Rides", a
taxi company in San Francisco (``taxicabs_limousines``, MCC 4121); verification data defaults to
a matching CVC, expiry and postal code. Amounts in another merchant currency are converted at
the emulator's fixed rates (:mod:`emulator.resources.currencies`), so results are deterministic.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from emulator.core import api_changes
from emulator.core.context import Ctx
from emulator.core.jsonutil import clone
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.resources.currencies import RATES
from emulator.resources.issuing.reference import category_code
from emulator.resources.issuing.spending_controls import normalize_country

DEFAULT_MERCHANT: dict[str, str | None] = {
    "category": "taxicabs_limousines",
    "city": "San Francisco",
    "country": "US",
    "name": "Rocket Rides",
    "network_id": "1234567890",
    "postal_code": "94107",
    "state": "CA",
    "terminal_id": None,
    "url": None,
    "tax_id": None,
}
UNKNOWN_MCC = "0000"

UNSUPPORTED_MERCHANT_CURRENCY = "Invalid currency: {currency}. The emulator converts only these currencies: {supported}"
INVALID_DECIMAL = "Invalid decimal: {value}"
MIN_ZERO = "This value must be greater than or equal to 0."
_DECIMAL = re.compile(r"-?\d{1,20}(\.\d{1,12})?")


def merchant_currency(value: str, param: str) -> str:
    cur = value.lower()
    if cur not in RATES:
        raise StripeError(
            UNSUPPORTED_MERCHANT_CURRENCY.format(currency=value[:20], supported=", ".join(sorted(RATES))),
            param=param,
            code="parameter_invalid",
        )
    return cur


def merchant_data(params: dict[str, Any] | None, param: str = "merchant_data") -> Obj:
    out: Obj = dict(DEFAULT_MERCHANT)
    for key, value in (params or {}).items():
        if key in out and value is not None:
            out[key] = value
    if params and params.get("country"):
        out["country"] = normalize_country(str(params["country"]), f"{param}[country]")
    out["category_code"] = category_code(out["category"]) or UNKNOWN_MCC
    return {
        k: out[k]
        for k in (
            "category",
            "category_code",
            "city",
            "country",
            "name",
            "network_id",
            "postal_code",
            "state",
            "tax_id",
            "terminal_id",
            "url",
        )
    }


def verification_data(params: dict[str, Any] | None) -> Obj:
    p = params or {}
    out: Obj = {
        "address_line1_check": p.get("address_line1_check", "not_provided"),
        "address_postal_code_check": p.get("address_postal_code_check", "match"),
        "authentication_exemption": None,
        "cvc_check": p.get("cvc_check", "match"),
        "expiry_check": p.get("expiry_check", "match"),
        "postal_code": None,
        "three_d_secure": None,
    }
    exemption = p.get("authentication_exemption")
    if exemption:
        out["authentication_exemption"] = {"claimed_by": exemption["claimed_by"], "type": exemption["type"]}
    if p.get("three_d_secure"):
        out["three_d_secure"] = {"result": p["three_d_secure"]["result"]}
    return out


def network_data(ctx: Ctx, params: dict[str, Any] | None) -> Obj:
    return {
        "acquiring_institution_id": (params or {}).get("acquiring_institution_id"),
        "system_trace_audit_number": ctx.state.ids.digits(6),
        "transaction_id": ctx.state.ids.digits(15),
    }


def amount_details(params: dict[str, Any] | None) -> Obj:
    p = params or {}
    for name in ("atm_fee", "cashback_amount"):
        if p.get(name) is not None and p[name] < 0:
            raise StripeError(MIN_ZERO, param=f"amount_details[{name}]", code="parameter_invalid_integer")
    return {"atm_fee": p.get("atm_fee"), "cashback_amount": p.get("cashback_amount")}


def card_presence(method: str) -> str:
    return "not_present" if method in ("online", "keyed_in") else "present"


def decimal(value: Any, param: str) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not _DECIMAL.fullmatch(text):
        raise StripeError(INVALID_DECIMAL.format(value=text[:60]), param=param, code="parameter_invalid")
    return text


def fuel(params: dict[str, Any] | None, param: str = "fuel") -> Obj | None:
    if not params:
        return None
    return {
        "industry_product_code": params.get("industry_product_code"),
        "quantity_decimal": decimal(params.get("quantity_decimal"), f"{param}[quantity_decimal]"),
        "type": params.get("type"),
        "unit": params.get("unit"),
        "unit_cost_decimal": decimal(params.get("unit_cost_decimal"), f"{param}[unit_cost_decimal]"),
    }


def fleet(params: dict[str, Any] | None, param: str = "fleet", *, authorization: bool = True) -> Obj | None:
    if not params:
        return None
    prompt = params.get("cardholder_prompt_data") or {}
    breakdown = params.get("reported_breakdown") or {}
    prompt_out: Obj = {
        k: prompt.get(k) for k in ("driver_id", "odometer", "unspecified_id", "user_id", "vehicle_number")
    }
    if authorization:
        prompt_out = {"alphanumeric_id": None, **prompt_out}
    bd = param + "[reported_breakdown]"
    return {
        "cardholder_prompt_data": prompt_out,
        "purchase_type": params.get("purchase_type"),
        "reported_breakdown": {
            "fuel": {"gross_amount_decimal": _breakdown(breakdown, bd, "fuel", "gross_amount_decimal")},
            "non_fuel": {"gross_amount_decimal": _breakdown(breakdown, bd, "non_fuel", "gross_amount_decimal")},
            "tax": {
                "local_amount_decimal": _breakdown(breakdown, bd, "tax", "local_amount_decimal"),
                "national_amount_decimal": _breakdown(breakdown, bd, "tax", "national_amount_decimal"),
            },
        },
        "service_type": params.get("service_type"),
    }


def _breakdown(breakdown: dict[str, Any], param: str, part: str, field: str) -> str | None:
    """One decimal of ``reported_breakdown``, its error naming the full parameter path."""
    return decimal((breakdown.get(part) or {}).get(field), f"{param}[{part}][{field}]")


def purchase_details(params: dict[str, Any] | None, api_version: str) -> Obj | None:
    """``purchase_details`` of an issuing.transaction from capture / force-capture params. Before API
    2024-06-20 the fuel quantity is ``volume_decimal`` (stored as ``quantity_decimal``); from it on
    that name is unknown."""
    if not params:
        return None
    flight = params.get("flight")
    lodging = params.get("lodging")
    receipt = params.get("receipt")
    fuel_in = params.get("fuel")
    if fuel_in and "volume_decimal" in fuel_in:
        if api_changes.since(api_version, api_changes.FUEL_QUANTITY):
            raise errors.unknown_params(["purchase_details[fuel][volume_decimal]"], "quantity_decimal")
        fuel_in = {**fuel_in, "quantity_decimal": fuel_in["volume_decimal"]}
    return {
        "fleet": fleet(params.get("fleet"), "purchase_details[fleet]", authorization=False),
        "flight": None
        if not flight
        else {
            "departure_at": flight.get("departure_at"),
            "passenger_name": flight.get("passenger_name"),
            "refundable": flight.get("refundable"),
            "segments": [
                {
                    "arrival_airport_code": s.get("arrival_airport_code"),
                    "carrier": s.get("carrier"),
                    "departure_airport_code": s.get("departure_airport_code"),
                    "flight_number": s.get("flight_number"),
                    "service_class": s.get("service_class"),
                    "stopover_allowed": s.get("stopover_allowed"),
                }
                for s in flight.get("segments") or []
            ]
            or None,
            "travel_agency": flight.get("travel_agency"),
        },
        "fuel": None
        if not fuel_in
        else {
            "industry_product_code": fuel_in.get("industry_product_code"),
            "quantity_decimal": decimal(fuel_in.get("quantity_decimal"), "purchase_details[fuel][quantity_decimal]"),
            "type": fuel_in.get("type", "other"),
            "unit": fuel_in.get("unit", "other"),
            "unit_cost_decimal": decimal(fuel_in.get("unit_cost_decimal"), "purchase_details[fuel][unit_cost_decimal]")
            or "0",
        },
        "lodging": None
        if not lodging
        else {"check_in_at": lodging.get("check_in_at"), "nights": lodging.get("nights")},
        "receipt": None
        if not receipt
        else [
            {
                "description": r.get("description"),
                "quantity": _float(r.get("quantity"), f"purchase_details[receipt][{i}][quantity]"),
                "total": r.get("total"),
                "unit_cost": r.get("unit_cost"),
            }
            for i, r in enumerate(receipt)
        ],
        "reference": params.get("reference"),
    }


def _float(value: Any, param: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = decimal(value, param)
    return float(text) if text is not None else None


def processing_date(now: int) -> str:
    return dt.datetime.fromtimestamp(now, tz=dt.UTC).strftime("%Y-%m-%d")


def copy_or_none(value: Any) -> Any:
    return clone(value) if value is not None else None
