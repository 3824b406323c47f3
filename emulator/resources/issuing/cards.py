"""Issuing cards (``/v1/issuing/cards``).

Storage: cards live in ``ctx.scope.store("issuing.card")`` in wire shape with ``cardholder`` kept as
the cardholder **id** and without the derived ``wallets`` (eligibility follows the cardholder's
contact details, so the renderer computes it). The renderer (:func:`render`) shows the full
cardholder object and adds ``number``/``cvc`` only when the retrieve endpoint was asked for them
(``expand[]=number``), only on the retrieved card itself; for physical cards too (Stripe: "You can only
retrieve these fields for physical cards in test mode", and the emulator is test mode). The full
number and CVC sit in ``scope.meta_of(card_id)``. An ephemeral key's read may also ask for
``expand[]=pin.number`` (Stripe.js's PIN display): ``pin: {"number": ...}``, :func:`shown_pin`.

Rules:

* ``status`` is ``inactive`` unless ``active`` is asked for; ``inactive <-> active``; ``canceled`` is
  final (``cancellation_reason`` ``lost``/``stolen`` only together with it). Activation is refused
  while the cardholder has past-due requirements (:func:`cardholders.cardholder_blockers`).
* The account needs the ``card_issuing`` capability (``capability_not_active``). A card on a
  financial account needs that account open, its ``card_issuing`` feature active and the card's
  currency among its ``supported_currencies``. EUR and GBP cards need a cardholder phone number.
* Numbers are 16-digit Visa numbers (BIN 400000) passing the Luhn check; ``exp`` is three years out
  unless a virtual card asks for ``exp_month``/``exp_year`` (at least a month and less than five years
  ahead).
* ``replacement_for`` + ``replacement_reason``: the old card (same cardholder) gets ``replaced_by``.
  ``expired``/``damaged`` replacements keep the card number and cancel the old card when they are
  activated; ``lost``/``stolen`` replacements get a new number and are "only valid if the card it
  replaces is marked as lost" (stolen): the old card must already be canceled with that
  ``cancellation_reason`` (Stripe's API reference and replacement guide), else a 400 naming
  ``replacement_for``. ``damaged`` "is only valid for cards of type physical" (the replaced card).
* ``personalization_design`` (physical cards only; the account's default design when not given) is
  checked by :func:`personalization_designs.design_for_card`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from emulator.core import api_changes
from emulator.core.context import Ctx
from emulator.core.objects import CARD, CARDHOLDER
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import countries
from emulator.resources.currencies import minor
from emulator.resources.issuing import card_shipping, cardholders, personalization_designs, spending_controls
from emulator.resources.resource import Resource

URL = "/v1/issuing/cards"
BIN = "400000"
VALID_YEARS = 3
MAX_CUSTOM_MONTHS = 60
SECOND_LINE_MAX = 24
# Stripe's default limit of a card created without spending_limits: 500 a day in the card's currency
# (its spending-controls guide reads "500 USD per day" for US readers, "500 EUR per day" for euro-area ones)
DEFAULT_DAILY_LIMIT_UNITS = 500
KEEPS_NUMBER = frozenset({"damaged", "expired"})
NEEDS_OLD_CANCELED = frozenset({"lost", "stolen"})  # the old card must be canceled with this reason first
PHONE_CURRENCIES = frozenset({"eur", "gbp"})

CURRENCY_OF_REGION = (
    "Cards in `{currency}` cannot be issued on account {account}, which is in {country}: "
    "Issuing cards are `usd` in the US, `eur` in the EU and `gbp` in the UK."
)
FA_CLOSED = "Financial account {fa} is closed: it can no longer have cards."
# Stripe's text (a test-mode answer recorded by a public app: no code, no param)
BILLING_COUNTRY = "Cardholder cannot have a billing address country of {country}."
FA_FEATURE_NOT_ACTIVE = (
    "The `card_issuing` feature of financial account {fa} is {status}: it must be active before cards can use it. "
    "Request it with `features[card_issuing][requested]=true`."
)
FA_CURRENCY = "The card currency `{currency}` is not supported by financial account {fa}, which supports {supported}."
PHONE_REQUIRED = (
    "The cardholder {cardholder} must have a `phone_number` before {currency} cards can be issued to them "
    "(it is required for 3D Secure on cards issued in Europe and the UK)."
)
# Stripe's own sentence first (integrations match on it), then what is missing
REQUIREMENTS_PAST_DUE = (
    "This cardholder has outstanding requirements preventing them from activating an issued card. "
    "Provide the cardholder's past-due requirements ({fields}) on {cardholder} first."
)
CANCELED_FINAL = "Card {card} is canceled: a canceled card can't be reactivated or changed to `{status}`."
CANCELED_LOCKED = "Card {card} is canceled: its `{field}` can no longer be changed."
CANCELLATION_REASON_ALONE = "`cancellation_reason` can only be set when canceling the card (`status=canceled`)."
REPLACEMENT_NOT_MARKED = (
    "A `{reason}` replacement is only valid for a card marked as {reason}: cancel card {card} first "
    "(`status=canceled`, `cancellation_reason={reason}`)."
)
REPLACEMENT_DAMAGED_VIRTUAL = (
    "The replacement reason `damaged` is only valid for cards of type `physical`, and card {card} is virtual."
)
REPLACEMENT_REASON_ALONE = "`replacement_reason` can only be set together with `replacement_for`."
REPLACEMENT_OTHER_HOLDER = (
    "The card {card} being replaced belongs to cardholder {other}, not {cardholder}: a replacement card must "
    "have the same cardholder."
)
EXPIRY_PAIR = "`exp_month` and `exp_year` must be provided together."
EXPIRY_VIRTUAL_ONLY = "A custom expiration date can only be set on virtual cards."
EXPIRY_MONTH = "Your card's expiration month is invalid: it must be between 1 and 12."
EXPIRY_RANGE = (
    "Your card's expiration date is invalid: a custom expiration date must be at least one month and less than "
    "five years in the future."
)
SECOND_LINE_TOO_LONG = "Invalid second_line: must be at most 24 characters"
PAYMENT_COUNT = "This value must be greater than or equal to 1."


# --- numbers ----------------------------------------------------------------------------------------


# a digit's share of the Luhn sum at an even distance from the check digit: doubled, digits summed
_DOUBLED = {str(d): (2 * d if d < 5 else 2 * d - 9) for d in range(10)}
_SINGLE = {str(d): d for d in range(10)}


def default_daily_limit(currency: str) -> Obj:
    """Stripe's limit on a card created without ``spending_limits``: 500 a day of the card's
    currency (50000 for usd, eur and gbp cards)."""
    return {"amount": minor(DEFAULT_DAILY_LIMIT_UNITS, currency), "categories": [], "interval": "daily"}


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    doubled, single = _DOUBLED, _SINGLE
    rev = partial[::-1]
    total = sum(doubled[ch] for ch in rev[::2]) + sum(single[ch] for ch in rev[1::2])
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isascii() and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def _new_number(ctx: Ctx) -> str:
    partial = BIN + ctx.state.ids.digits(15 - len(BIN))
    return partial + luhn_check_digit(partial)


def _default_expiry(now: int) -> tuple[int, int]:
    today = time.gmtime(now)  # the UTC date, without a datetime
    return today.tm_mon, today.tm_year + VALID_YEARS


def _custom_expiry(now: int, month: int, year: int) -> tuple[int, int]:
    if not 1 <= month <= 12:
        raise StripeError(EXPIRY_MONTH, param="exp_month", code="invalid_expiry_month")
    today = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    ahead = (year - today.year) * 12 + (month - today.month)
    if not 1 <= ahead < MAX_CUSTOM_MONTHS:
        raise StripeError(EXPIRY_RANGE, param="exp_year", code="invalid_expiry_year")
    return month, year


def is_expired(card: Obj, now: int) -> bool:
    """Whether the card's expiration month is over (cards are valid through the end of that month)."""
    today = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    return (today.year, today.month) > (card["exp_year"], card["exp_month"])


# --- rendering -------------------------------------------------------------------------------------


def _wallets(holder: Obj | None) -> Obj:
    contact = bool(holder and (holder.get("phone_number") or holder.get("email")))
    reason = None if contact else "missing_cardholder_contact"
    return {
        "apple_pay": {"eligible": contact, "ineligible_reason": reason},
        "google_pay": {"eligible": contact, "ineligible_reason": reason},
        "primary_account_identifier": None,
    }


def _holder(ctx: Ctx, holder_id: str) -> Obj | None:
    holder = ctx.scope.get(CARDHOLDER, holder_id)
    if holder is None:
        found = ctx.platform.find(holder_id)
        holder = found[1] if found is not None else None
    return holder


def render(ctx: Ctx, card: Obj) -> Obj:
    """The card as the API shows it: the full cardholder, and number/cvc when the retrieve asked."""
    out = dict(card)
    holder = _holder(ctx, card["cardholder"])
    if holder is not None:
        out["cardholder"] = cardholders.render(ctx, holder)
    out["wallets"] = _wallets(holder)
    out["shipping"] = api_changes.shipping_as_shown(card.get("shipping"), ctx.api_version)
    if ctx.includes and ctx.path.get("card") == card["id"]:
        meta = ctx.scope.meta_of(card["id"])
        if "number" in ctx.includes:
            out["number"] = meta.get("number")
        if "cvc" in ctx.includes:
            out["cvc"] = meta.get("cvc")
        if "pin.number" in ctx.includes:
            out["pin"] = {"number": shown_pin(meta.get("pin"))}
    return out


def shown_pin(stored: object) -> str:
    """The PIN Issuing Elements show: Stripe's test-mode default 0000, or a PIN set in plain digits
    (one set encrypted, as ``pin[encrypted_number]`` asks, cannot be read back here)."""
    if isinstance(stored, str) and stored.isascii() and stored.isdigit() and 4 <= len(stored) <= 12:
        return stored
    return TEST_PIN


# --- checks shared by create and update ------------------------------------------------------------


def _check_region_currency(ctx: Ctx, currency: str) -> None:
    """A connected account in the US, the euro area or the UK issues cards in its region's currency
    (the spec: "usd in the US, eur in the EU, and gbp in the UK"); the platform itself is left free
    (``docs/issuing.md``: UK and EU programs are tried out on it)."""
    if not ctx.scope.is_connected:
        return
    account = ctx.scope.platform.account_by_id(ctx.scope.account_id) or {}
    country = str(account.get("country") or "US")
    if country != "US" and country != "GB" and country not in countries.EURO_AREA:
        return  # not a country Stripe issues in: the capability check speaks for it
    if currency != countries.currency_of(country):
        raise StripeError(
            CURRENCY_OF_REGION.format(currency=currency, account=ctx.scope.account_id, country=country),
            param="currency",
        )


def _check_billing_country(holder: Obj, currency: str) -> None:
    """A card goes only to a cardholder whose billing address is in its program's region: the US
    for usd, the EEA for eur, the UK for gbp (Stripe accepts the cardholder, refuses the card)."""
    country = str(((holder.get("billing") or {}).get("address") or {}).get("country") or "")
    region = cardholders.BILLING_REGION.get(currency)
    if region is not None and country not in region:
        raise StripeError(BILLING_COUNTRY.format(country=country))


def check_financial_account(ctx: Ctx, fa_id: str, currency: str, param: str = "financial_account") -> Obj:
    """The open financial account a card may draw on, or the Stripe-shaped refusal."""
    fa = common.get(ctx, "treasury.financial_account", fa_id, param=param)
    if fa["status"] == "closed":
        raise StripeError(FA_CLOSED.format(fa=fa_id), param=param, code="financial_account_capability_restricted")
    if "card_issuing" not in fa["active_features"]:
        if "card_issuing" in fa["pending_features"]:
            status, code = "pending", "financial_account_capability_not_enabled"
        elif "card_issuing" in fa["restricted_features"]:
            status, code = "restricted", "financial_account_capability_restricted"
        else:
            status, code = "not requested", "financial_account_capability_not_enabled"
        raise StripeError(FA_FEATURE_NOT_ACTIVE.format(fa=fa_id, status=status), param=param, code=code)
    if currency not in fa["supported_currencies"]:
        raise StripeError(
            FA_CURRENCY.format(currency=currency, fa=fa_id, supported=", ".join(fa["supported_currencies"])),
            param="currency",
            code="financial_account_balance_does_not_support_currency",
        )
    return fa


def _check_activation(ctx: Ctx, holder: Obj) -> None:
    blockers = cardholders.cardholder_blockers(ctx, holder)
    if blockers:
        raise StripeError(
            REQUIREMENTS_PAST_DUE.format(cardholder=holder["id"], fields=", ".join(blockers)), param="status"
        )


def refuse_includes(ctx: Ctx) -> None:
    """``number``/``cvc`` can only be expanded on retrieve: refuse before anything changes."""
    if ctx.includes:
        path = sorted(ctx.includes)[0]
        raise StripeError(errors.EXPAND_NOT_EXPANDABLE.format(path=path), param="expand")


def _emit_if_changed(ctx: Ctx, card: Obj, before: Obj) -> None:
    common.emit_if_changed(ctx, "issuing_card.updated", card, before)


def _set_canceled(card: Obj, reason: str | None) -> None:
    card["status"] = "canceled"
    card["cancellation_reason"] = reason
    card_shipping.cancel_shipment(card)


def _cancel(ctx: Ctx, card: Obj, reason: str | None) -> None:
    """Cancel another card (the one a replacement supersedes) and tell the world."""
    if card["status"] == "canceled":
        return
    before = ctx.snapshot(card)
    _set_canceled(card, reason)
    ctx.emit("issuing_card.updated", card, before)


def warn_of_fraud(ctx: Ctx, card_id: str, kind: str) -> None:
    """Record on the card that it may be compromised (``latest_fraud_warning``, API 2025-11-17:
    "reported as compromised by the cardholder"), with its ``issuing_card.updated``."""
    card = ctx.scope.get(CARD, card_id)
    if card is None:
        return
    before = ctx.snapshot(card)
    card["latest_fraud_warning"] = {"started_at": ctx.now, "type": kind}
    ctx.emit("issuing_card.updated", card, before)


# --- handlers --------------------------------------------------------------------------------------


def create(ctx: Ctx) -> Obj:
    refuse_includes(ctx)
    p = ctx.params
    currency = common.currency(p["currency"])
    kind = p["type"]
    if not p.get("cardholder"):
        raise errors.missing("cardholder")
    holder = common.get(ctx, CARDHOLDER, p["cardholder"], param="cardholder")
    cardholders.check_card_issuing(ctx)
    _check_region_currency(ctx, currency)
    _check_billing_country(holder, currency)
    fa_id = p.get("financial_account")
    if fa_id:
        check_financial_account(ctx, fa_id, currency)
    if currency in PHONE_CURRENCIES and not holder.get("phone_number"):
        raise StripeError(
            PHONE_REQUIRED.format(cardholder=holder["id"], currency=currency.upper()),
            param="cardholder",
            code="cardholder_phone_number_required",
        )
    design = personalization_designs.design_for_card(ctx, kind, p.get("personalization_design"), p.get("second_line"))
    shipping: Obj | None = None
    if kind == "physical":
        if not p.get("shipping"):
            raise StripeError(card_shipping.SHIPPING_REQUIRED, param="shipping", code="parameter_missing")
        shipping = card_shipping.new_shipping(ctx, p["shipping"])
    elif p.get("shipping"):
        raise StripeError(card_shipping.SHIPPING_ON_VIRTUAL, param="shipping")
    old = _replaced_card(ctx, p, holder)
    if "exp_month" in p or "exp_year" in p:
        if "exp_month" not in p or "exp_year" not in p:
            raise StripeError(
                EXPIRY_PAIR, param="exp_year" if "exp_month" in p else "exp_month", code="parameter_missing"
            )
        if kind != "virtual":
            raise StripeError(EXPIRY_VIRTUAL_ONLY, param="exp_month")
        exp_month, exp_year = _custom_expiry(ctx.now, p["exp_month"], p["exp_year"])
    else:
        exp_month, exp_year = _default_expiry(ctx.now)
    second_line = p.get("second_line")
    if second_line is not None and len(second_line) > SECOND_LINE_MAX:
        raise StripeError(SECOND_LINE_TOO_LONG, param="second_line", code="parameter_invalid")
    lifecycle = p.get("lifecycle_controls")
    if lifecycle is not None and lifecycle["cancel_after"]["payment_count"] < 1:
        raise StripeError(
            PAYMENT_COUNT, param="lifecycle_controls[cancel_after][payment_count]", code="parameter_invalid_integer"
        )
    status = p.get("status") or "inactive"
    if status == "active":
        _check_activation(ctx, holder)
    controls = spending_controls.apply(
        None, p.get("spending_controls"), kind=spending_controls.KIND_CARD, currency=currency
    )
    if ctx.platform.settings.default_spending_limits and "spending_limits" not in (p.get("spending_controls") or {}):
        controls["spending_limits"] = [default_daily_limit(currency)]
        controls["spending_limits_currency"] = currency
    reason = p.get("replacement_reason")
    number = ctx.scope.meta_of(old["id"]).get("number") if old is not None and reason in KEEPS_NUMBER else None
    number = number or _new_number(ctx)
    card: Obj = {
        "id": ctx.new_id("ic"),
        "object": CARD,
        "brand": "Visa",
        "cancellation_reason": None,
        "cardholder": holder["id"],
        "created": ctx.now,
        "currency": currency,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "financial_account": fa_id or None,
        "last4": number[-4:],
        "latest_fraud_warning": None,
        "lifecycle_controls": {"cancel_after": {"payment_count": lifecycle["cancel_after"]["payment_count"]}}
        if lifecycle is not None
        else None,
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "personalization_design": design,
        "replaced_by": None,
        "replacement_for": old["id"] if old is not None else None,
        "replacement_reason": reason if old is not None else None,
        "second_line": second_line,
        "shipping": shipping,
        "spending_controls": controls,
        "status": status,
        "type": kind,
    }
    ctx.scope.add(card)
    meta = ctx.scope.meta_of(card["id"])
    meta["number"] = number
    meta["cvc"] = ctx.state.ids.digits(3)
    if p.get("pin"):
        meta["pin"] = p["pin"].get("encrypted_number")
    ctx.emit("issuing_card.created", card, answer=True)
    if old is not None:
        before = ctx.snapshot(old)
        old["replaced_by"] = card["id"]
        if old["status"] != "canceled" and status == "active":  # an active expired/damaged replacement
            _set_canceled(old, None)
        ctx.emit("issuing_card.updated", old, before)
    return card


def _replaced_card(ctx: Ctx, p: dict[str, Any], holder: Obj) -> Obj | None:
    if not p.get("replacement_for"):
        if p.get("replacement_reason"):
            raise StripeError(REPLACEMENT_REASON_ALONE, param="replacement_reason")
        return None
    old = common.get(ctx, CARD, p["replacement_for"], param="replacement_for")
    if old["cardholder"] != holder["id"]:
        raise StripeError(
            REPLACEMENT_OTHER_HOLDER.format(card=old["id"], other=old["cardholder"], cardholder=holder["id"]),
            param="replacement_for",
        )
    reason = p.get("replacement_reason")
    if not reason:
        raise errors.missing("replacement_reason")
    if reason in NEEDS_OLD_CANCELED and (old["status"], old["cancellation_reason"]) != ("canceled", reason):
        raise StripeError(REPLACEMENT_NOT_MARKED.format(card=old["id"], reason=reason), param="replacement_for")
    if reason == "damaged" and old["type"] != "physical":
        raise StripeError(REPLACEMENT_DAMAGED_VIRTUAL.format(card=old["id"]), param="replacement_reason")
    return old


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, CARD, ctx.path["card"], param="card")


def update(ctx: Ctx) -> Obj:
    refuse_includes(ctx)
    card = common.get(ctx, CARD, ctx.path["card"], param="card")
    p = ctx.params
    status = p.get("status")
    canceled = card["status"] == "canceled"
    if canceled:
        if status is not None and status != "canceled":
            raise StripeError(
                CANCELED_FINAL.format(card=card["id"], status=status), param="status", code="status_transition_invalid"
            )
        for field in ("financial_account", "shipping", "pin", "personalization_design"):
            if field in p:
                raise StripeError(CANCELED_LOCKED.format(card=card["id"], field=field), param=field)
    elif "cancellation_reason" in p and status != "canceled":
        raise StripeError(CANCELLATION_REASON_ALONE, param="cancellation_reason")
    holder = _holder(ctx, card["cardholder"])
    if status == "active" and card["status"] != "active" and holder is not None:
        _check_activation(ctx, holder)
    design = personalization_designs.design_for_card_update(ctx, card, p.get("personalization_design"))
    changes: Obj = {}
    if design is not None:
        changes["personalization_design"] = design
    if p.get("financial_account"):
        check_financial_account(ctx, p["financial_account"], card["currency"])
        changes["financial_account"] = p["financial_account"]
    if "shipping" in p:
        card_shipping.check_shipping_update(card)
        changes["shipping"] = card_shipping.new_shipping(ctx, p["shipping"])
    if "spending_controls" in p:
        changes["spending_controls"] = spending_controls.apply(
            card["spending_controls"],
            p["spending_controls"],
            kind=spending_controls.KIND_CARD,
            currency=card["currency"],
        )
    metadata = common.merge_metadata(card.get("metadata"), p["metadata"]) if "metadata" in p else None
    before = ctx.snapshot(card)
    card.update(changes)
    if metadata is not None:
        card["metadata"] = metadata
    if p.get("pin"):
        ctx.scope.meta_of(card["id"])["pin"] = p["pin"].get("encrypted_number")
    if status == "canceled" and not canceled:
        _set_canceled(card, p.get("cancellation_reason"))
    elif status is not None and status != "canceled":
        card["status"] = status
    elif "cancellation_reason" in p:
        card["cancellation_reason"] = p["cancellation_reason"]
    _emit_if_changed(ctx, card, before)
    if status == "active" and card["replacement_reason"] in KEEPS_NUMBER and card["replacement_for"]:
        old = ctx.scope.get(CARD, card["replacement_for"])
        if old is not None:
            _cancel(ctx, old, None)
    return card


def list_cards(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = []
    for field in ("cardholder", "status", "type", "exp_month", "exp_year", "last4", "personalization_design"):
        if p.get(field) is not None:
            preds.append(common.equals(field, p[field]))
    return paginate(ctx.scope.store(CARD), URL, p, preds, noun=common.noun(CARD))


def replacement_chain(ctx: Ctx, card: Obj) -> list[str]:
    """Ids of the cards ``card`` replaced, newest first (spending limits apply across the chain)."""
    chain: list[str] = []
    seen = {card["id"]}
    current = card
    while current.get("replacement_for") and current["replacement_for"] not in seen:
        previous = ctx.scope.get(CARD, current["replacement_for"])
        if previous is None:
            break
        chain.append(previous["id"])
        seen.add(previous["id"])
        current = previous
    return chain


INCLUDABLE = ("number", "cvc")
TEST_PIN = "0000"  # "In test mode, all PINs are set to 0000 by default" (Stripe's PIN guide)

ROUTES: list[Route] = [
    # create and update declare the includable fields only to refuse them before changing anything
    route("POST", URL, create, includes=INCLUDABLE),
    route("GET", URL, list_cards),
    route("GET", URL + "/{card}", retrieve, includes=(*INCLUDABLE, "pin.number")),
    route("POST", URL + "/{card}", update, includes=INCLUDABLE),
]

RESOURCE = Resource(
    CARD,
    prefix="ic",
    title="Cards",
    routes=ROUTES,
    render=render,
    events=("issuing_card.created", "issuing_card.updated"),
)
