"""Issuing cardholders (``/v1/issuing/cardholders``).

Rules:

* ``name`` (at most 24 characters, Latin letters, spaces and ``. , ' - & / : ( )``, no digits) and
  ``billing.address`` are required; ``type`` is ``individual`` (default) or ``company`` and never
  changes. ``individual`` belongs to individual cardholders only, ``company`` to companies only.
* ``individual.first_name``/``last_name``: Latin letters, periods, commas, hyphens, spaces and
  apostrophes. ``dob`` must be a real calendar date from 1900 on, and the cardholder older than 13
  ("Cardholders must be older than 13 years old", Stripe's parameter docs).
* ``phone_number`` is stored in E.164 (``+1`` is assumed for 10-digit numbers with a US/CA billing
  address, ``+44`` for a leading ``0`` in GB); ``email`` must look like an address; country codes
  are ISO 3166-1 alpha-2 (any case, stored upper-case).
* ``status`` is ``active`` (default) or ``inactive`` through the API; ``blocked`` is Stripe's own.
* ``requirements`` are computed from what is missing (:func:`compute_requirements`): an individual
  needs ``first_name`` and ``last_name``; with the platform setting ``require_terms_acceptance``
  (Stripe's stricter programs, e.g. Celtic/Cross River Authorized User Terms) also
  ``individual.card_issuing.user_terms_acceptance.date`` and ``.ip``. Anything missing is
  ``past_due`` with ``disabled_reason: requirements.past_due``; such a cardholder cannot hold an
  active card (:func:`cardholder_blockers`, used by cards and the authorization engine).
  Otherwise a cardholder billed outside every region the account issues in (:func:`issuing_region`)
  is ``under_review``, as a test-mode answer recorded by a public app shows a US platform's
  cardholder billed in Brazil; cards refuse such a cardholder.
* ``individual.verification`` is ``{"document": {"back": null, "front": null}}`` until a
  document is given, as Stripe's answers show it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import CARDHOLDER
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import accounts, countries, legal_entity
from emulator.resources.issuing import spending_controls
from emulator.resources.phones import normalize_phone
from emulator.resources.resource import Resource

URL = "/v1/issuing/cardholders"
NAME_MAX = 24
NAMES_NEEDED = ("individual.first_name", "individual.last_name")
TERMS_NEEDED = (
    "individual.card_issuing.user_terms_acceptance.date",
    "individual.card_issuing.user_terms_acceptance.ip",
)

_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_NAME = re.compile(rf"[{_LATIN} .,'&/:()\-]+")
_PERSON_NAME = re.compile(rf"[{_LATIN} .,'\-]+")
_HAS_LETTER = re.compile(rf"[{_LATIN}]")

NAME_TOO_LONG = "Invalid name: must be at most 24 characters"
NAME_BLANK = "The cardholder name cannot be blank."
NAME_CHARACTERS = (
    "The cardholder name '{name}' contains characters that can't be printed on a card: use Latin letters, "
    "spaces and . , ' - & / : ( ) only, without numbers."
)
PERSON_NAME_CHARACTERS = (
    "Invalid {field}: '{name}' may contain only Latin letters, periods, commas, hyphens, spaces and apostrophes."
)
DOB_TOO_YOUNG = "Invalid date of birth: cardholders must be older than {age} years old."
MIN_AGE = 13
INDIVIDUAL_ON_COMPANY = "`individual` can only be set on cardholders of type `individual`."
COMPANY_ON_INDIVIDUAL = "`company` can only be set on cardholders of type `company`."
# docs.stripe.com/issuing/connect/cardholders-controls, "Cardholder under review"
UNDER_REVIEW_NAME = "You can't update the name for a cardholder under review."
UNDER_REVIEW_DOB = "You can't update the dob for a cardholder under review."
BLOCKED_STATUS = "This cardholder was blocked by Stripe; its status can no longer be changed through the API."


# --- requirements ---------------------------------------------------------------------------------


# the emulator's texts (Stripe's own for a connected account are not public); the code is Stripe's
CAPABILITY_NOT_ACTIVE = (
    "The `card_issuing` capability is not active on account {account}: request it with "
    "`capabilities[card_issuing][requested]=true` before creating cardholders and cards."
)
CAPABILITY_INACTIVE = (
    "The `card_issuing` capability of account {account} is requested but not active yet: the account still "
    "owes requirements (see its `requirements.currently_due`)."
)


def check_card_issuing(ctx: Ctx) -> None:
    """Cardholders and cards are created only once the account's ``card_issuing`` is active
    (Stripe's Treasury guide: "After the card_issuing capability is active, ... can create
    cardholders and cards")."""
    account = ctx.scope.account_id
    if not accounts.is_capability_active(ctx, account, "card_issuing"):
        requested = accounts.is_capability_requested(ctx, account, "card_issuing")
        text = CAPABILITY_INACTIVE if requested else CAPABILITY_NOT_ACTIVE
        raise StripeError(text.format(account=account), code="capability_not_active")


# where a card's cardholder may be billed, by the card's currency (its program's region)
BILLING_REGION = {"usd": frozenset({"US"}), "eur": countries.EEA, "gbp": frozenset({"GB"})}
_EVERY_REGION = frozenset().union(*BILLING_REGION.values())


def issuing_region(ctx: Ctx) -> frozenset[str]:
    """The billing countries the account's cards may go to: a connected account's own region (the
    US, the EEA, the UK), every region for the platform (which may try out any program)."""
    if not ctx.scope.is_connected:
        return _EVERY_REGION
    account = ctx.scope.platform.account_by_id(ctx.scope.account_id) or {}
    country = str(account.get("country") or countries.PLATFORM_COUNTRY)
    if country in countries.EEA:
        return BILLING_REGION["eur"]
    return frozenset({country}) if country in ("US", "GB") else _EVERY_REGION


def compute_requirements(ctx: Ctx, cardholder: Obj) -> Obj:
    """``requirements`` as Stripe reports them, from what the cardholder is missing."""
    past_due: list[str] = []
    if cardholder["type"] == "individual":
        # in Stripe's order (its Issuing guide shows ``...ip``, ``...date``, ``first_name``, ``last_name``)
        individual = cardholder.get("individual") or {}
        if ctx.platform.settings.require_terms_acceptance:
            terms = ((individual.get("card_issuing") or {}).get("user_terms_acceptance")) or {}
            if not terms.get("ip"):
                past_due.append(TERMS_NEEDED[1])
            if terms.get("date") is None:
                past_due.append(TERMS_NEEDED[0])
        if not individual.get("first_name"):
            past_due.append("individual.first_name")
        if not individual.get("last_name"):
            past_due.append("individual.last_name")
    if past_due:
        return {"disabled_reason": "requirements.past_due", "past_due": past_due}
    country = ((cardholder.get("billing") or {}).get("address") or {}).get("country")
    return {"disabled_reason": None if country in issuing_region(ctx) else "under_review", "past_due": past_due}


def cardholder_blockers(ctx: Ctx, cardholder: Obj) -> list[str]:
    """The past-due requirement paths that stop this cardholder from holding an active card."""
    past_due: list[str] = compute_requirements(ctx, cardholder)["past_due"]
    return past_due


def render(ctx: Ctx, cardholder: Obj) -> Obj:
    """The cardholder as the API shows it: requirements follow the platform's current settings."""
    requirements = compute_requirements(ctx, cardholder)
    if requirements == cardholder.get("requirements"):
        return cardholder
    return {**cardholder, "requirements": requirements}


# --- field validation -----------------------------------------------------------------------------


def check_name(value: str, param: str = "name") -> str:
    name = value.strip()
    if not name:
        raise StripeError(NAME_BLANK, param=param, code="parameter_invalid_string_blank")
    if len(name) > NAME_MAX:
        raise StripeError(NAME_TOO_LONG, param=param, code="parameter_invalid")
    if not _NAME.fullmatch(name) or not _HAS_LETTER.search(name):
        raise StripeError(NAME_CHARACTERS.format(name=name[:60]), param=param, code="invalid_characters")
    return name


def _person_name(value: str, field: str, param: str) -> str:
    name = value.strip()
    if not name:
        raise StripeError(
            errors.EMPTY_NOT_ALLOWED.format(param=param), param=param, code="parameter_invalid_string_blank"
        )
    # no letter needed: apps send `.` as the last name of someone known by one name (run against Stripe)
    if not _PERSON_NAME.fullmatch(name):
        raise StripeError(
            PERSON_NAME_CHARACTERS.format(field=field, name=name[:60]), param=param, code="invalid_characters"
        )
    return name


def check_address(address: dict[str, Any], param: str) -> Obj:
    return {
        "city": address.get("city"),
        "country": spending_controls.normalize_country(address["country"], f"{param}[country]"),
        "line1": address.get("line1"),
        "line2": address.get("line2"),
        "postal_code": address.get("postal_code"),
        "state": address.get("state"),
    }


def check_dob(dob: dict[str, int], now: int, param: str) -> Obj:
    born = common.birth_date(dob, now, param)
    if _age(born, common.today(now)) < MIN_AGE:
        raise StripeError(DOB_TOO_YOUNG.format(age=MIN_AGE), param=f"{param}[year]", code="parameter_invalid")
    return {"day": dob["day"], "month": dob["month"], "year": dob["year"]}


def _age(born: dt.date, today: dt.date) -> int:
    """Completed years between ``born`` and ``today`` (a 29 February birthday counts from 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _merge_individual(ctx: Ctx, current: Obj | None, given: dict[str, Any]) -> Obj:
    """The stored ``individual`` hash after applying the ``individual`` params."""
    out: Obj = (
        dict(current)
        if current
        else {
            "card_issuing": None,
            "dob": None,
            "first_name": None,
            "last_name": None,
            "verification": {"document": {"back": None, "front": None}},
        }
    )
    for field in ("first_name", "last_name"):
        if field in given:
            out[field] = _person_name(given[field], field, f"individual[{field}]")
    if "dob" in given:
        out["dob"] = check_dob(given["dob"], ctx.now, "individual[dob]")
    terms_in = (given.get("card_issuing") or {}).get("user_terms_acceptance")
    if terms_in is not None:
        old = ((out.get("card_issuing") or {}).get("user_terms_acceptance")) or {}
        terms = {"date": old.get("date"), "ip": old.get("ip"), "user_agent": old.get("user_agent")}
        path = "individual[card_issuing][user_terms_acceptance]"
        if "date" in terms_in:
            terms["date"] = terms_in["date"]
        if "ip" in terms_in:
            terms["ip"] = common.check_ip(terms_in["ip"], f"{path}[ip]")
        if "user_agent" in terms_in:
            terms["user_agent"] = terms_in["user_agent"]
        if terms["date"] is None and (terms["ip"] or terms["user_agent"]):
            raise errors.missing(f"{path}[date]")  # the reference: "Required if ip or user_agent is provided"
        out["card_issuing"] = {"user_terms_acceptance": terms}
    document = (given.get("verification") or {}).get("document")
    if document is not None:
        # Stripe: "an ID returned by a file upload with a purpose value of identity_document"
        legal_entity.check_documents(ctx, given, "individual", legal_entity.PERSON_DOCUMENT_PURPOSES)
        old_doc = ((out.get("verification") or {}).get("document")) or {}
        out["verification"] = {
            "document": {
                "back": document.get("back", old_doc.get("back")),
                "front": document.get("front", old_doc.get("front")),
            }
        }
    return out


def _check_not_under_review(ctx: Ctx, cardholder: Obj, given: dict[str, Any]) -> None:
    """While Stripe reviews a cardholder, its names and date of birth stay as they were reviewed
    (Stripe tells the platform to wait for ``issuing_cardholder.updated`` and not to retry)."""
    if compute_requirements(ctx, cardholder)["disabled_reason"] != "under_review":
        return
    current = cardholder.get("individual") or {}
    for field in ("first_name", "last_name"):
        if field in given and given[field] != current.get(field):
            raise StripeError(UNDER_REVIEW_NAME, param=f"individual[{field}]")
    if "dob" in given and given["dob"] != current.get("dob"):
        raise StripeError(UNDER_REVIEW_DOB, param="individual[dob]")


def _default_currency(ctx: Ctx) -> str:
    account = ctx.platform.account_by_id(ctx.scope.account_id) or {}
    currency: str = account.get("default_currency") or "usd"
    return currency


# --- handlers -------------------------------------------------------------------------------------


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    kind = p.get("type") or "individual"
    billing = check_address(p["billing"]["address"], "billing[address]")
    check_card_issuing(ctx)
    if kind == "company" and p.get("individual") is not None:
        raise StripeError(INDIVIDUAL_ON_COMPANY, param="individual")
    if kind == "individual" and p.get("company") is not None:
        raise StripeError(COMPANY_ON_INDIVIDUAL, param="company")
    company = p.get("company")
    cardholder: Obj = {
        "id": ctx.new_id("ich"),
        "object": CARDHOLDER,
        "billing": {"address": billing},
        "company": {"tax_id_provided": bool(company and company.get("tax_id"))} if kind == "company" else None,
        "created": ctx.now,
        "email": common.check_email(p["email"]) if p.get("email") else None,
        "individual": _merge_individual(ctx, None, p["individual"]) if p.get("individual") is not None else None,
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "name": check_name(p["name"]),
        "phone_number": normalize_phone(p["phone_number"], billing["country"]) if p.get("phone_number") else None,
        "preferred_locales": list(p.get("preferred_locales") or []),
        "requirements": {"disabled_reason": None, "past_due": []},
        "spending_controls": spending_controls.apply(
            None, p.get("spending_controls"), kind=spending_controls.KIND_CARDHOLDER, currency=_default_currency(ctx)
        ),
        "status": p.get("status") or "active",
        "type": kind,
    }
    cardholder["requirements"] = compute_requirements(ctx, cardholder)
    ctx.scope.add(cardholder)
    if company is not None and company.get("tax_id"):
        ctx.scope.meta_of(cardholder["id"])["tax_id"] = company["tax_id"]
    ctx.emit("issuing_cardholder.created", cardholder, answer=True)
    return cardholder


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, CARDHOLDER, ctx.path["cardholder"], param="cardholder")


def update(ctx: Ctx) -> Obj:
    cardholder = common.get(ctx, CARDHOLDER, ctx.path["cardholder"], param="cardholder")
    p = ctx.params
    changes: Obj = {}
    if "billing" in p:
        changes["billing"] = {"address": check_address(p["billing"]["address"], "billing[address]")}
    country = (changes.get("billing") or cardholder["billing"])["address"]["country"]
    if "email" in p:
        changes["email"] = common.check_email(p["email"]) if p["email"] else None
    if "phone_number" in p:
        changes["phone_number"] = normalize_phone(p["phone_number"], country) if p["phone_number"] else None
    if "individual" in p:
        if cardholder["type"] != "individual":
            raise StripeError(INDIVIDUAL_ON_COMPANY, param="individual")
        _check_not_under_review(ctx, cardholder, p["individual"] or {})
        changes["individual"] = _merge_individual(ctx, cardholder.get("individual"), p["individual"] or {})
    if "company" in p:
        if cardholder["type"] != "company":
            raise StripeError(COMPANY_ON_INDIVIDUAL, param="company")
        tax_id = (p["company"] or {}).get("tax_id")
        if tax_id:
            changes["company"] = {"tax_id_provided": True}
    if "preferred_locales" in p:
        changes["preferred_locales"] = list(p["preferred_locales"] or [])
    if "spending_controls" in p:
        changes["spending_controls"] = spending_controls.apply(
            cardholder["spending_controls"],
            p["spending_controls"],
            kind=spending_controls.KIND_CARDHOLDER,
            currency=_default_currency(ctx),
        )
    if "status" in p and p["status"] != cardholder["status"]:
        if cardholder["status"] == "blocked":
            raise StripeError(BLOCKED_STATUS, param="status", code="status_transition_invalid")
        changes["status"] = p["status"]
    metadata = common.merge_metadata(cardholder.get("metadata"), p["metadata"]) if "metadata" in p else None
    before = ctx.snapshot(cardholder)
    if "company" in changes:
        ctx.scope.meta_of(cardholder["id"])["tax_id"] = p["company"]["tax_id"]
    cardholder.update(changes)
    if metadata is not None:
        cardholder["metadata"] = metadata
    cardholder["requirements"] = compute_requirements(ctx, cardholder)
    common.emit_if_changed(ctx, "issuing_cardholder.updated", cardholder, before)
    return cardholder


def list_cardholders(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = []
    if p.get("email"):
        email = p["email"].lower()
        preds.append(lambda c: (c.get("email") or "").lower() == email)
    if p.get("phone_number"):
        try:
            phone = normalize_phone(p["phone_number"], "US")
        except StripeError:
            phone = p["phone_number"]
        preds.append(lambda c: c.get("phone_number") == phone)
    if p.get("status"):
        preds.append(common.equals("status", p["status"]))
    if p.get("type"):
        preds.append(common.equals("type", p["type"]))
    return paginate(ctx.scope.store(CARDHOLDER), URL, p, preds, noun=common.noun(CARDHOLDER))


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_cardholders),
    route("GET", URL + "/{cardholder}", retrieve),
    route("POST", URL + "/{cardholder}", update),
]

RESOURCE = Resource(
    CARDHOLDER,
    prefix="ich",
    title="Cardholders",
    routes=ROUTES,
    render=render,
    events=("issuing_cardholder.created", "issuing_cardholder.updated"),
)
