"""Stage 1 of the authorization flow: the request, from test-helper parameters to a pending authorization.

A new purchase's ``amount`` is in ``currency`` (default: the card's); a currency other than the
card's is the purchase's merchant currency, converted to the card's currency for the hold
(``merchant_amount`` and ``merchant_currency`` may be given instead). An increment asks for more
in the authorization's currency, its merchant amount in proportion to what was authorized.

A fuel dispenser's status check (merchant category ``automated_fuel_dispensers``, a USD purchase on
a USD card, for at most :data:`FUEL_DEFAULT_HOLD`) is judged, held and approved at Stripe's default
of 100 USD; ``pending_request`` and ``request_history`` still show the amount the network asked.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.resources import currencies
from emulator.resources.issuing import authorization_objects as objects
from emulator.resources.issuing.authorization_books import open_book

AMOUNT_REQUIRED = "You must provide either amount or merchant_amount."
MIN_ZERO = "This value must be greater than or equal to 0."
MIN_ONE = "This value must be greater than or equal to 1."
FUEL_CATEGORY = "automated_fuel_dispensers"
FUEL_DEFAULT_HOLD = 10_000  # "The default amount held is 100 USD" (Stripe's authorizations guide)
CURRENCY_CONFLICT = (
    "The currency ({currency}) of a purchase on a {card_currency} card is its merchant currency; it cannot differ "
    "from merchant_currency ({merchant_currency})."
)


class Request(NamedTuple):  # a tuple: made on every authorization, and cheaper than a frozen dataclass
    """One request on an authorization: the first one, or an increment."""

    amount: int  # in the authorization's (card's) currency
    merchant_amount: int
    merchant_currency: str
    amount_details: Obj  # ``{"atm_fee": ..., "cashback_amount": ...}``, never null (as Stripe shows it)
    is_amount_controllable: bool
    increment: bool = False
    network_risk_score: int | None = None
    # a fuel dispenser's status check: (amount, merchant_amount) the network asked; the fields above
    # are then Stripe's default hold
    status_check: tuple[int, int] | None = None

    @property
    def asked(self) -> tuple[int, int]:
        """(amount, merchant_amount) as ``pending_request`` and ``request_history`` show them."""
        return self.status_check or (self.amount, self.merchant_amount)


def non_negative(value: int, param: str) -> int:
    if value < 0:
        raise StripeError(MIN_ZERO, param=param, code="parameter_invalid_integer")
    return value


def positive(value: int, param: str) -> int:
    if value < 1:
        raise StripeError(MIN_ONE, param=param, code="parameter_invalid_integer")
    return value


def _currencies(card: Obj, p: dict[str, Any]) -> tuple[str, str]:
    """(currency ``amount`` is in, merchant currency). ``currency`` other than the card's is the
    purchase's currency (a foreign purchase): it is the merchant currency, and ``amount`` is in it."""
    currency = card["currency"]
    merchant = (
        objects.merchant_currency(p["merchant_currency"], "merchant_currency") if p.get("merchant_currency") else None
    )
    if not p.get("currency") or str(p["currency"]).lower() == currency:
        return currency, merchant or currency
    asked = objects.merchant_currency(p["currency"], "currency")
    if merchant is not None and merchant != asked:
        raise StripeError(
            CURRENCY_CONFLICT.format(currency=asked, merchant_currency=merchant, card_currency=currency),
            param="currency",
        )
    return asked, asked


def first_request(card: Obj, p: dict[str, Any]) -> Request:
    """The first request of a new authorization, from the test-helper parameters."""
    currency = card["currency"]
    amount_currency, merchant_currency = _currencies(card, p)
    given: int | None = p.get("amount")
    given_merchant: int | None = p.get("merchant_amount")
    if given is not None:
        given = non_negative(given, "amount")
        amount = currencies.convert(given, amount_currency, currency)
        if given_merchant is not None:
            merchant_amount = non_negative(given_merchant, "merchant_amount")
        elif amount_currency == merchant_currency:
            merchant_amount = given
        else:
            merchant_amount = currencies.convert(given, amount_currency, merchant_currency)
    elif given_merchant is not None:
        merchant_amount = non_negative(given_merchant, "merchant_amount")
        amount = currencies.convert(merchant_amount, merchant_currency, currency)
    else:
        raise StripeError(AMOUNT_REQUIRED, param="amount", code="parameter_missing")
    details: dict[str, Any] | None = p.get("amount_details")
    request = Request(
        amount=amount,
        merchant_amount=merchant_amount,
        merchant_currency=merchant_currency,
        amount_details=objects.amount_details(details),
        is_amount_controllable=bool(p.get("is_amount_controllable", False)),
    )
    category = (p.get("merchant_data") or {}).get("category")
    if category == FUEL_CATEGORY and currency == merchant_currency == "usd" and amount <= FUEL_DEFAULT_HOLD:
        return request._replace(
            amount=FUEL_DEFAULT_HOLD, merchant_amount=FUEL_DEFAULT_HOLD, status_check=(amount, merchant_amount)
        )
    return request


def merchant_amount_of(auth: Obj, amount: int) -> int:
    """``amount`` (in the authorization's currency) in its merchant currency, at the rate the
    authorization was made at."""
    if auth["amount"] and auth["merchant_amount"] and auth["merchant_currency"] != auth["currency"]:
        return round(int(auth["merchant_amount"]) * amount / int(auth["amount"]))
    return currencies.convert(amount, auth["currency"], auth["merchant_currency"])


def increment_request(auth: Obj, p: dict[str, Any]) -> Request:
    """A request for ``increment_amount`` more on a pending authorization."""
    amount = positive(p["increment_amount"], "increment_amount")
    return Request(
        amount=amount,
        merchant_amount=merchant_amount_of(auth, amount),
        merchant_currency=auth["merchant_currency"],
        amount_details=objects.amount_details(None),
        is_amount_controllable=bool(p.get("is_amount_controllable", False)),
        increment=True,
    )


def pending_authorization(ctx: Ctx, card: Obj, fa: Obj | None, p: dict[str, Any], request: Request) -> Obj:
    """The new authorization on ``card`` before any decision (its book opened: its money is on
    ``fa``, or on the Issuing balance without one)."""
    method = p.get("authorization_method") or "online"
    auth: Obj = {
        "id": ctx.new_id("iauth"),
        "object": AUTHORIZATION,
        "amount": 0,
        "amount_details": objects.amount_details(p.get("amount_details")),
        "approved": False,
        "authorization_method": method,
        "balance_transactions": [],
        "card": card["id"],
        "card_presence": objects.card_presence(method),
        "cardholder": card.get("cardholder"),
        "created": ctx.now,
        "currency": card["currency"],
        "fleet": objects.fleet(p.get("fleet")),
        "fraud_challenges": None,
        "fuel": objects.fuel(p.get("fuel")),
        "livemode": False,
        "merchant_amount": 0,
        "merchant_currency": request.merchant_currency,
        "merchant_data": objects.merchant_data(p.get("merchant_data")),
        "metadata": {},
        "network_data": objects.network_data(ctx, p.get("network_data")),
        "pending_request": None,
        "request_history": [],
        "status": "pending",
        "token": None,
        "transactions": [],
        "treasury": {"received_credits": [], "received_debits": [], "transaction": None} if fa else None,
        "verification_data": objects.verification_data(p.get("verification_data")),
        "verified_by_fraud_challenge": None,
        "wallet": p.get("wallet"),
    }
    open_book(ctx.scope, auth["id"], fa["id"] if fa else None)
    return auth


def pending_request(auth: Obj, request: Request) -> Obj:
    """``pending_request`` while the request awaits the real-time decision."""
    amount, merchant_amount = request.asked
    return {
        "amount": amount,
        "amount_details": dict(request.amount_details),  # the request's own copy goes to request_history
        "currency": auth["currency"],
        "is_amount_controllable": request.is_amount_controllable,
        "merchant_amount": merchant_amount,
        "merchant_currency": request.merchant_currency,
        "network_risk_score": request.network_risk_score,
    }
