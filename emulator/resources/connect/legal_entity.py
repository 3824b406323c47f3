"""The wire shapes of ``person`` and ``account.company``, and how parameters change them.

Sensitive values are never stored: ``id_number`` and ``ssn_last_4`` only set the
``*_provided`` flags (and, in the object's meta, whether the value is one of Stripe's failing
or matching test numbers); ``company.tax_id`` likewise.

What Stripe fills in from the account's ``country`` (given to :func:`apply_person`,
:func:`apply_company` and :func:`new_company`): an address's ``country``, phones in E.164
(``0000000000`` on a US account answers ``+10000000000``), and a US person's
``ssn_last_4_provided`` once a full 9-digit ``id_number`` is given, its last 4 then counting as the
``ssn_last_4`` given (Stripe's test-mode answers recorded by antiwork/gumroad, API 2023-10-16).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FILE
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.resources import common, files, phones
from emulator.resources.connect import requirements

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
PERSON_TEXT_FIELDS = (
    "email",
    "first_name",
    "first_name_kana",
    "first_name_kanji",
    "gender",
    "last_name",
    "last_name_kana",
    "last_name_kanji",
    "maiden_name",
    "nationality",
    "phone",
)
RELATIONSHIP_FIELDS = (
    "authorizer",
    "director",
    "executive",
    "legal_guardian",
    "owner",
    "percent_ownership",
    "representative",
    "title",
)
COMPANY_TEXT_FIELDS = ("name", "name_kana", "name_kanji", "phone", "structure", "tax_id_registrar")
COMPANY_NOT_NULLABLE = frozenset({"structure", "tax_id_registrar"})
COMPANY_FLAGS = ("directors_provided", "executives_provided", "owners_provided")
# business types whose account shows a ``company`` hash from the start, as Stripe answers them
COMPANY_TYPES = frozenset({"company", "non_profit", "government_entity"})
SSN_COUNTRY = "US"  # where a full 9-digit id number is an SSN, whose last 4 count as given
SSN_DIGITS = 9
# Stripe's answers quoted by antiwork/gumroad (PRs 5344/5345 and 5041, and their specs)
US_TAX_ID_DIGITS = "US tax IDs must have 9 digits"
OWNERSHIP_OVER_100 = "The total combined ownership of the company would exceed 100 percent."
OWNERSHIP_NEGATIVE = "This value must be greater than or equal to 0."
OWNERSHIP_SLACK = 1e-6  # three owners of 33.33 % and one of 0.01 % make 100


def blank_address() -> Obj:
    return dict.fromkeys(ADDRESS_FIELDS)


def _document() -> Obj:
    return {"back": None, "details": None, "details_code": None, "front": None}


def new_person(person_id: str, account_id: str, created: int, *, with_requirements: bool = True) -> Obj:
    person: Obj = {
        "id": person_id,
        "object": "person",
        "account": account_id,
        "address": blank_address(),
        "created": created,
        "dob": {"day": None, "month": None, "year": None},
        "email": None,
        "first_name": None,
        "full_name_aliases": [],
        "id_number_provided": False,
        "last_name": None,
        "metadata": {},
        "phone": None,
        "relationship": {
            "authorizer": False,
            "director": False,
            "executive": False,
            "legal_guardian": False,
            "owner": False,
            "percent_ownership": None,
            "representative": False,
            "title": None,
        },
        "ssn_last_4_provided": False,
        "verification": {
            "additional_document": {**_document()},
            "details": None,
            "details_code": None,
            "document": _document(),
            "status": "unverified",
        },
    }
    if with_requirements:
        person["requirements"] = requirements.person_requirements()
        person["future_requirements"] = requirements.person_requirements()
    return person


def _merge_address(target: Obj, given: dict[str, Any] | None) -> None:
    for k in ADDRESS_FIELDS:
        if given and k in given:
            target[k] = given[k]


def apply_person(person: Obj, meta: dict[str, Any], params: dict[str, Any], country: str | None = None) -> None:
    """Apply create/update parameters (or a person token's) to a person object of an account in
    ``country`` (what Stripe fills in from it: see the module's docstring)."""
    for name in PERSON_TEXT_FIELDS:
        if name in params:
            person[name] = params[name]
    if "phone" in params:
        person["phone"] = phones.shown_e164(person["phone"], country)
    if "address" in params:
        address = person.get("address") or blank_address()
        _merge_address(address, params["address"])
        person["address"] = address
    address = person.get("address")
    if isinstance(address, dict) and address.get("country") is None:
        address["country"] = country
    if "registered_address" in params:
        registered = person.get("registered_address") or blank_address()
        _merge_address(registered, params["registered_address"])
        person["registered_address"] = registered
    if "dob" in params:
        dob = params["dob"] or {}
        person["dob"] = {"day": dob.get("day"), "month": dob.get("month"), "year": dob.get("year")}
    if "full_name_aliases" in params:
        person["full_name_aliases"] = list(params["full_name_aliases"] or [])
    if params.get("political_exposure"):
        person["political_exposure"] = params["political_exposure"]
    if params.get("id_number"):
        person["id_number_provided"] = True
        meta["id_number_failed"] = params["id_number"] in requirements.FAILING_ID_NUMBERS
        meta["id_number_matched"] = params["id_number"] in requirements.MATCHING_ID_NUMBERS
        last_4 = _ssn_last_4(str(params["id_number"])) if country == SSN_COUNTRY else None
        if last_4 is not None:
            person["ssn_last_4_provided"] = True
            meta["ssn_last_4_matched"] = last_4 == requirements.MATCHING_SSN_LAST_4
    if params.get("id_number_secondary"):
        person["id_number_secondary_provided"] = True
    if params.get("ssn_last_4"):
        person["ssn_last_4_provided"] = True
        # after the id number's: given as such in the same request, it is the one that counts
        meta["ssn_last_4_matched"] = params["ssn_last_4"] == requirements.MATCHING_SSN_LAST_4
    if "relationship" in params and "relationship" in person:
        for k in RELATIONSHIP_FIELDS:
            if k in (params["relationship"] or {}):
                person["relationship"][k] = params["relationship"][k]
    tos = (params.get("additional_tos_acceptances") or {}).get("account")
    if tos:
        person["additional_tos_acceptances"] = {
            "account": {"date": tos.get("date"), "ip": tos.get("ip"), "user_agent": tos.get("user_agent")}
        }
    cfpb = params.get("us_cfpb_data")
    if cfpb:
        ethnicity = cfpb.get("ethnicity_details") or None
        race = cfpb.get("race_details") or None
        person["us_cfpb_data"] = {
            "ethnicity_details": {
                "ethnicity": list(ethnicity.get("ethnicity") or []) or None,
                "ethnicity_other": ethnicity.get("ethnicity_other"),
            }
            if ethnicity
            else None,
            "race_details": {"race": list(race.get("race") or []) or None, "race_other": race.get("race_other")}
            if race
            else None,
            "self_identified_gender": cfpb.get("self_identified_gender"),
        }
    verification = params.get("verification") or {}
    for which in ("document", "additional_document"):
        given = verification.get(which) or {}
        target = person["verification"].get(which) or _document()
        for side in ("front", "back"):
            if side in given:
                target[side] = given[side]
        person["verification"][which] = target
    if "metadata" in params:
        person["metadata"] = common.merge_metadata(person.get("metadata") or {}, params["metadata"])


def check_id_number(params: dict[str, Any] | None, country: str | None, param: str) -> None:
    """A person's ``id_number`` on a US account is a 9-digit tax id (dashes and spaces aside),
    whatever the person's own country; Stripe refuses other lengths before anything changes."""
    value = (params or {}).get("id_number")
    if value and country == SSN_COUNTRY and _ssn_last_4(str(value)) is None:
        raise StripeError(US_TAX_ID_DIGITS, param=param)


def check_dob(params: dict[str, Any] | None, now: int, param: str) -> None:
    """A person's (or an account individual's) ``dob`` is a real past date, bounded as a
    cardholder's is (``dob=""`` unsets it)."""
    dob = (params or {}).get("dob")
    if dob:
        common.birth_date(dob, now, param)


def check_ownership(params: dict[str, Any], others: Iterable[Obj]) -> None:
    """The ``percent_ownership`` a person is given is not negative and, with the account's other
    persons', at most 100."""
    share = (params.get("relationship") or {}).get("percent_ownership")
    if share is None or share == "":
        return
    if float(share) < 0:
        raise StripeError(OWNERSHIP_NEGATIVE, param="relationship[percent_ownership]")
    total = float(share) + sum(float((p.get("relationship") or {}).get("percent_ownership") or 0) for p in others)
    if total > 100 + OWNERSHIP_SLACK:
        raise StripeError(OWNERSHIP_OVER_100, param="relationship[percent_ownership]")


def _ssn_last_4(id_number: str) -> str | None:
    """The last 4 digits of a full id number of an SSN's shape (dashes and spaces aside), else None."""
    digits = id_number.replace("-", "").replace(" ", "")
    return digits[-4:] if len(digits) == SSN_DIGITS and digits.isdigit() else None


def new_company(country: str | None = None) -> Obj:
    """A company's hash before anything is given: Stripe shows it in full for company-like business
    types, with the account's ``country`` in the address."""
    return {
        "address": {**blank_address(), "country": country},
        "directors_provided": False,
        "executives_provided": False,
        "name": None,
        "owners_provided": False,
        "phone": None,
        "tax_id_provided": False,
        "verification": {"document": _document()},
    }


def apply_company(company: Obj, meta: dict[str, Any], params: dict[str, Any], country: str | None = None) -> None:
    """Apply ``company[...]`` parameters of an account in ``country`` (its ``phone`` in E.164); a
    failing test tax id is remembered in ``meta``."""
    for name in COMPANY_TEXT_FIELDS:
        if name in params:
            value = params[name]
            if value in (None, "") and name in COMPANY_NOT_NULLABLE:
                company.pop(name, None)  # "" unsets a field that has no null
            else:
                company[name] = phones.shown_e164(value, country) if name == "phone" else value
    for name in COMPANY_FLAGS:
        if name in params:
            company[name] = bool(params[name])
    if "address" in params:
        _merge_address(company["address"], params["address"])
    if params.get("tax_id"):
        company["tax_id_provided"] = True
        meta["tax_id_failure"] = requirements.FAILING_TAX_IDS.get(str(params["tax_id"]))
    if params.get("vat_id"):
        company["vat_id_provided"] = True
    document = ((params.get("verification") or {}).get("document")) or {}
    for side in ("front", "back"):
        if side in document:
            company["verification"]["document"][side] = document[side]


# Stripe's test tokens for identity documents (docs: Connect testing): accepted without an upload.
TEST_DOCUMENTS = frozenset({"file_identity_document_success", "file_identity_document_failure"})
PERSON_DOCUMENT_PURPOSES = ("identity_document",)
COMPANY_DOCUMENT_PURPOSES = ("additional_verification",)


def check_documents(
    ctx: Ctx, params: dict[str, Any] | None, param: str, purposes: tuple[str, ...], account_id: str | None = None
) -> None:
    """Refuse, before anything changes, a verification document that is neither one of Stripe's
    test tokens nor a file uploaded with one of ``purposes`` by the connected account
    (``Stripe-Account``) or by the platform."""
    verification = (params or {}).get("verification") or {}
    for which in ("document", "additional_document"):
        given = verification.get(which) or {}
        for side in ("front", "back"):
            file_id = given.get(side)
            if not file_id or file_id in TEST_DOCUMENTS:
                continue
            name = f"{param}[verification][{which}][{side}]" if param else f"verification[{which}][{side}]"
            check_upload(ctx, str(file_id), purposes, name, account_id)


def check_upload(ctx: Ctx, file_id: str, purposes: tuple[str, ...], param: str, account_id: str | None) -> None:
    """``file_id`` is a file uploaded with one of ``purposes`` by the connected account
    ``account_id`` or by the caller (``Stripe-Account``, else the platform); else Stripe's error."""
    owner = ctx
    if account_id is not None:
        account_scope = ctx.platform.scope(account_id)
        if account_scope.get(FILE, file_id) is not None:
            owner = ctx.in_scope(account_scope)
    files.check_file(owner, file_id, purposes, param)
