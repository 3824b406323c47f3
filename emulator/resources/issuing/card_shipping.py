"""Physical card shipping: the ``shipping`` hash of a card and the test helpers that move it.

``shipping.status`` starts ``pending`` and moves only through the test helpers
(``/v1/test_helpers/issuing/cards/{card}/shipping/{submit,ship,deliver,return,fail}``)::

    submit   pending                      -> submitted
    ship     pending, submitted           -> shipped     (carrier, tracking number/url, eta, shipped_at)
    deliver  shipped                      -> delivered   (delivered_at)
    return   shipped, delivered           -> returned
    fail     pending, submitted, shipped  -> failure

Canceling a card whose shipment has not left yet (``pending``/``submitted``) makes it
``canceled``. ``delivered``, ``returned``, ``failure`` and ``canceled`` are final (except
``delivered -> returned``). Any other move is a 400 ``status_transition_invalid``. Each move emits
``issuing_card.updated``. The carrier follows the destination (USPS in the US, FedEx for US
express/priority, Royal Mail in GB, Correos in ES, DHL elsewhere); the eta is 7/4/2 days after
shipping for standard/express/priority service.

``shipping.address_validation`` (Stripe's address validation guide): without ``mode``, requests in
API versions from 2024-09-30 (acacia) on get ``validation_and_normalization`` (that version's
changelog made it the default), older ones ``normalization_only`` (the guide's default before).
``disabled`` reports nothing (``normalized_address`` and ``result`` null); the other modes report
the address as given and a ``result``. The test-mode magic ``line1=address_invalid`` is an
undeliverable address: a 400 in ``validation_and_normalization`` mode, ``result:
likely_undeliverable`` in ``normalization_only``. The mode is stored with the card as the request
that set it chose it.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import CARD
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.router import Route, route
from emulator.resources import common, phones
from emulator.resources.connect import countries
from emulator.resources.issuing import cardholders
from emulator.resources.resource import Resource

DAY = 86_400
ETA_DAYS = {"standard": 7, "express": 4, "priority": 2}
NOT_LEFT_YET = frozenset({"pending", "submitted"})
# the reference's ``shipping[customs]``: "Required for bulk shipments to Europe" (the EEA, the UK, Switzerland)
EORI_COUNTRIES = countries.EEA | frozenset({"GB", "CH"})
VALIDATING_SINCE = "2024-09-30"  # acacia: validation_and_normalization becomes the default mode
UNDELIVERABLE_LINE1 = "address_invalid"  # Stripe's test-mode magic value for an undeliverable address
UNDELIVERABLE_CODE = "shipping_address_invalid"  # Stripe documents only the message: our choice
# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"pending"}), "submitted"),
    "ship": (frozenset({"pending", "submitted"}), "shipped"),
    "deliver": (frozenset({"shipped"}), "delivered"),
    "return": (frozenset({"shipped", "delivered"}), "returned"),
    "fail": (frozenset({"pending", "submitted", "shipped"}), "failure"),
}
TRACKING_URLS = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    "correos": "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={number}",
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={number}",
}

NOT_PHYSICAL = "Card {card} is a virtual card: only physical cards have shipping to simulate."
SHIPPING_ON_VIRTUAL = "`shipping` can only be set on physical cards."
NO_SIGNATURE_ON_STANDARD = "Standard shipping service does not support signature on delivery."
SHIPPING_REQUIRED = "Physical cards require `shipping` (at least `shipping[name]` and `shipping[address]`)."
SHIPPING_LOCKED = "The shipping details of this card can no longer be changed: its shipment is already `{status}`."
UNDELIVERABLE = (
    "The address is undeliverable based on given inputs. Please ensure that the address was inputted correctly and "
    "can be delivered to."
)
BAD_TRANSITION = (
    "Cannot {action} the shipment of card {card}: its shipping status is `{status}`, and {action} is only "
    "possible from {allowed}."
)


def new_shipping(ctx: Ctx, params: dict[str, Any], path: str = "shipping") -> Obj:
    """The ``shipping`` hash of a physical card from the checked ``shipping`` params."""
    address = cardholders.check_address(params["address"], f"{path}[address]")
    validation = _address_validation(ctx, params.get("address_validation"), address, path)
    customs = params.get("customs")
    if params.get("type") == "bulk" and address["country"] in EORI_COUNTRIES and not (customs or {}).get("eori_number"):
        raise errors.missing(f"{path}[customs][eori_number]")
    phone = params.get("phone_number")
    service = params.get("service") or "standard"
    # Stripe: standard service has no signature on delivery; express and priority default to one
    signature = params.get("require_signature")
    if signature is None:
        signature = service != "standard"
    elif signature and service == "standard":
        raise StripeError(NO_SIGNATURE_ON_STANDARD, param=f"{path}[require_signature]")
    return {
        "address": address,
        "address_validation": validation,
        "business_name": params.get("business_name"),
        "carrier": None,
        "customs": {"eori_number": customs.get("eori_number")} if customs is not None else None,
        "delivered_at": None,
        "eta": None,
        "name": params["name"],
        "phone_number": phones.normalize_phone(phone, address["country"], f"{path}[phone_number]") if phone else None,
        "require_signature": signature,
        "service": service,
        "shipped_at": None,
        "status": "pending",
        "tracking_number": None,
        "tracking_url": None,
        "type": params.get("type") or "individual",
    }


def default_validation_mode(ctx: Ctx) -> str:
    """The ``address_validation[mode]`` of a request that names none (it depends on its API version)."""
    return "validation_and_normalization" if ctx.api_version[:10] >= VALIDATING_SINCE else "normalization_only"


def _address_validation(ctx: Ctx, asked: Obj | None, address: Obj, path: str) -> Obj:
    """``shipping.address_validation``: the mode asked for (else the default) and what it reports."""
    mode = (asked or {}).get("mode") or default_validation_mode(ctx)
    if mode == "disabled":
        return {"mode": mode, "normalized_address": None, "result": None}
    deliverable = address["line1"] != UNDELIVERABLE_LINE1
    if not deliverable and mode == "validation_and_normalization":
        raise StripeError(UNDELIVERABLE, param=f"{path}[address]", code=UNDELIVERABLE_CODE)
    return {
        "mode": mode,
        "normalized_address": dict(address),
        "result": "likely_deliverable" if deliverable else "likely_undeliverable",
    }


def check_shipping_update(card: Obj) -> None:
    """Refuse a ``shipping`` update once the card has left (or was never a physical card)."""
    if card["type"] != "physical":
        raise StripeError(SHIPPING_ON_VIRTUAL, param="shipping")
    status = (card.get("shipping") or {}).get("status")
    if status not in (None, "pending"):
        raise StripeError(SHIPPING_LOCKED.format(status=status), param="shipping", code="status_transition_invalid")


def cancel_shipment(card: Obj) -> None:
    """A card canceled before its shipment left: the shipment is canceled too."""
    shipping = card.get("shipping")
    if shipping and shipping.get("status") in NOT_LEFT_YET:
        shipping["status"] = "canceled"


def _carrier(shipping: Obj) -> str:
    country = shipping["address"]["country"]
    if country == "US":
        return "usps" if shipping["service"] == "standard" else "fedex"
    return {"GB": "royal_mail", "ES": "correos"}.get(country, "dhl")


def _tracking_number(ctx: Ctx, carrier: str) -> str:
    ids = ctx.state.ids
    if carrier == "usps":
        return "9400" + ids.digits(18)
    if carrier == "royal_mail":
        return "RB" + ids.digits(9) + "GB"
    if carrier == "correos":
        return "PQ" + ids.digits(20)
    if carrier == "fedex":
        return ids.digits(12)
    return ids.digits(10)


def _move(ctx: Ctx, action: str) -> Obj:
    if ctx.includes:  # number/cvc are for the retrieve endpoint only
        raise StripeError(errors.EXPAND_NOT_EXPANDABLE.format(path=sorted(ctx.includes)[0]), param="expand")
    card = common.get(ctx, CARD, ctx.path["card"], param="card")
    shipping = card.get("shipping")
    if card["type"] != "physical" or not shipping:
        raise StripeError(NOT_PHYSICAL.format(card=card["id"]), param="card")
    allowed, target = TRANSITIONS[action]
    status = shipping.get("status")
    if status not in allowed:
        raise StripeError(
            BAD_TRANSITION.format(
                action=action, card=card["id"], status=status, allowed=" or ".join(f"`{s}`" for s in sorted(allowed))
            ),
            code="status_transition_invalid",
        )
    before = ctx.snapshot(card)
    shipping["status"] = target
    if target == "shipped":
        carrier = _carrier(shipping)
        number = _tracking_number(ctx, carrier)
        shipping["carrier"] = carrier
        shipping["tracking_number"] = number
        shipping["tracking_url"] = TRACKING_URLS[carrier].format(number=number)
        shipping["shipped_at"] = ctx.now
        shipping["eta"] = ctx.now + ETA_DAYS.get(shipping["service"], 7) * DAY
    elif target == "delivered":
        shipping["delivered_at"] = ctx.now
    ctx.emit("issuing_card.updated", card, before)
    return card


def submit(ctx: Ctx) -> Obj:
    return _move(ctx, "submit")


def ship(ctx: Ctx) -> Obj:
    return _move(ctx, "ship")


def deliver(ctx: Ctx) -> Obj:
    return _move(ctx, "deliver")


def return_card(ctx: Ctx) -> Obj:
    return _move(ctx, "return")


def fail(ctx: Ctx) -> Obj:
    return _move(ctx, "fail")


_HELPERS = "/v1/test_helpers/issuing/cards/{card}/shipping/"

_INCLUDABLE = ("number", "cvc")  # declared only to refuse them before the shipment moves

ROUTES: list[Route] = [
    route("POST", _HELPERS + "submit", submit, includes=_INCLUDABLE),
    route("POST", _HELPERS + "ship", ship, includes=_INCLUDABLE),
    route("POST", _HELPERS + "deliver", deliver, includes=_INCLUDABLE),
    route("POST", _HELPERS + "return", return_card, includes=_INCLUDABLE),
    route("POST", _HELPERS + "fail", fail, includes=_INCLUDABLE),
]

RESOURCE = Resource(CARD, routes=ROUTES)  # the shipping test helpers of issuing.card
