"""What a connected account still has to provide, and what Stripe's test values verify.

Only accounts created while their platform's ``onboarding`` switch is ``required`` have
requirements (``meta["onboarding"] == "required"``); every other account counts as onboarded,
as before. The table of what Stripe asks for (by country, business type and capability) is
:data:`FIELDS`, :data:`PERSON_FIELDS` and :data:`PERSON_EVENTUALLY`; the test values that verify
or fail are :data:`MATCHING_DOBS`, :data:`FAILING_DOBS`, :data:`MATCHING_ID_NUMBERS`,
:data:`FAILING_ID_NUMBERS`, :data:`FAILING_ADDRESS_LINES`, the company's
:data:`ADDRESS_NO_MATCH`/:data:`ADDRESS_LINE1_NO_MATCH`, :data:`FAILING_TAX_IDS` and
:data:`DOCUMENTS`.

Verification is synchronous: a value is checked when it is provided, so a requirement is either
due or met (``pending_verification`` stays empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from emulator.core.store import Obj

ALL = "*"  # a requirement of every requested capability
# a requirement of every capability that needs beneficial owners (docs.stripe.com/issuing/connect:
# for card_issuing "Beneficial owners aren't required")
OWNERS = "owners"
NO_OWNERS_NEEDED = frozenset({"card_issuing"})
REQUIRED = "required"
INSTANT = "instant"
PAST_DUE = "requirements.past_due"
NO_CAPABILITIES = "action_required.requested_capabilities"  # the account's reason while none is requested
FIELDS_NEEDED = "requirements.fields_needed"  # a capability's disabled_reason (API 2024-06-20 enum)

# The acceptances of Stripe's terms asked of every account, whatever its business type: the
# account's own, then Issuing's and Treasury's (for those capabilities).
TERMS: dict[str, tuple[str, ...]] = {
    "tos_acceptance.date": (ALL,),
    "tos_acceptance.ip": (ALL,),
    "settings.card_issuing.tos_acceptance.date": ("card_issuing",),
    "settings.card_issuing.tos_acceptance.ip": ("card_issuing",),
    "settings.treasury.tos_acceptance.date": ("treasury",),
    "settings.treasury.tos_acceptance.ip": ("treasury",),
}
# A role's requirements before any person has it: "owners.first_name", "representative.dob.day"
ROLE_PREFIX = {"owner": "owners.", "representative": "representative."}
# What each person of a company provides now, by the role that makes it due.
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "representative": (
        "{address}",
        "dob.day",
        "dob.month",
        "dob.year",
        "email",
        "first_name",
        "last_name",
        "phone",
        "relationship.title",
        "{id_field}",
    ),
    "owner": ("email", "first_name", "last_name"),
}
# due for their capabilities but holding back only payouts, not the capabilities: a bank account
# (Stripe's recorded answers: ``transfers`` stays active for minutes without one, payouts disabled)
PAYOUTS_ONLY = frozenset({"external_account"})
# ``business_profile.mcc``: asked for card payments (Stripe's recorded answers: ``transfers`` is active
# with it due, a ``recipient`` account is never asked), and here for Issuing and Treasury too
MCC_FOR = ("card_payments", "card_issuing", "treasury")
# What every account is asked, whatever its business type: its business, its bank account, its
# statement descriptor and the terms.
BUSINESS: dict[str, tuple[str, ...]] = {
    "business_profile.mcc": MCC_FOR,
    "business_profile.url": (ALL,),
    "external_account": ("card_payments", "transfers"),
    "settings.payments.statement_descriptor": ("card_payments",),
    **TERMS,
}
# Stripe's "required verification information" for custom (platform-collected) accounts, kept
# to what Issuing and Treasury platforms meet. requirement -> capabilities that need it.
# ``{address}`` expands to the address fields of the account's country group.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "individual": {
        **BUSINESS,
        "individual.{address}": (ALL,),
        "individual.dob.day": (ALL,),
        "individual.dob.month": (ALL,),
        "individual.dob.year": (ALL,),
        "individual.email": (ALL,),
        "individual.first_name": (ALL,),
        "individual.last_name": (ALL,),
        "individual.phone": (ALL,),
        "individual.{id_field}": (ALL,),
        "individual.id_number": ("treasury",),
    },
    "company": {
        **BUSINESS,
        "company.{address}": (ALL,),
        "company.name": (ALL,),
        "company.phone": (ALL,),
        "company.tax_id": (ALL,),
        # met by ``company[owners_provided]=true`` only (a recorded answer lists it beside ``owners.*``)
        "company.owners_provided": (OWNERS,),
        # while no person has the role, its fields under the role's name (API 2020-08-27's format;
        # older versions show ``relationship.owner``/``relationship.representative``)
        **{f"{ROLE_PREFIX['owner']}{name}": (OWNERS,) for name in PERSON_FIELDS["owner"]},
        **{f"{ROLE_PREFIX['representative']}{name}": (ALL,) for name in PERSON_FIELDS["representative"]},
    },
}
# What an account without a business type is asked first (Stripe lists the type itself).
UNTYPED: dict[str, tuple[str, ...]] = {"business_type": (ALL,), **BUSINESS}
# What a person provides later (eventually due): an owner's address, date of birth and id number
# (Stripe's testing-verification walk-through completes with an owner given only name and email).
PERSON_EVENTUALLY: dict[str, tuple[str, ...]] = {
    "owner": ("{address}", "dob.day", "dob.month", "dob.year", "{id_field}"),
}
# Fields only ever "eventually" due (collected later at Stripe, by volume): requirement -> capabilities
EVENTUALLY: dict[str, dict[str, tuple[str, ...]]] = {
    "individual": {"individual.id_number": (ALL,)},
    # while no person is an owner, what Stripe's recorded answer lists as eventually due for them
    "company": {
        f"{ROLE_PREFIX['owner']}{name}": (OWNERS,)
        for name in ("{address}", "dob.day", "dob.month", "dob.year", "phone")
    },
}
# Country groups: the address fields and the personal id number Stripe asks for.
ADDRESS_WITH_STATE = ("address.city", "address.line1", "address.postal_code", "address.state")
ADDRESS_WITHOUT_STATE = ("address.city", "address.line1", "address.postal_code")
COUNTRY_RULES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "US": (ADDRESS_WITH_STATE, "ssn_last_4"),
    "CA": (ADDRESS_WITH_STATE, "id_number"),
    "AU": (ADDRESS_WITH_STATE, None),
}
DEFAULT_COUNTRY_RULES: tuple[tuple[str, ...], str | None] = (ADDRESS_WITHOUT_STATE, None)

# Stripe's Connect test values (docs.stripe.com/connect/testing).
# A date of birth matches only as 1901-01-01 (1902-01-01: "immediate" match); any other is a
# no-match, which fails the keyed identity unless a matching id number verified it; 1900-01-01
# (an OFAC alert) always fails it.
VERIFIED_DOB = (1901, 1, 1)
MATCHING_DOBS = frozenset({VERIFIED_DOB, (1902, 1, 1)})
FAILING_DOBS = frozenset({(1900, 1, 1)})
MATCHING_ID_NUMBERS = frozenset({"000000000", "222222222"})
MATCHING_SSN_LAST_4 = "0000"
FAILING_ID_NUMBERS = frozenset({"111111111"})
ADDRESS_NO_MATCH = "address_no_match"  # a company's: line1 due again, only charges enabled
ADDRESS_LINE1_NO_MATCH = "address_line1_no_match"  # a company's: the address due again, nothing enabled
FAILING_ADDRESS_LINES = frozenset({ADDRESS_NO_MATCH, ADDRESS_LINE1_NO_MATCH})
FAILING_TAX_IDS: dict[str, str] = {
    "111111111": "verification_failed_tax_id_match",
    "111111112": "verification_failed_tax_id_not_issued",
}
DOCUMENT_SUCCESS = "file_identity_document_success"
DOCUMENT_FAILURE = "file_identity_document_failure"
DOCUMENTS = frozenset({DOCUMENT_SUCCESS, DOCUMENT_FAILURE})
# what a person's identity is checked on: without these it stays ``unverified``
KEYED_IDENTITY = ("first_name", "last_name", "dob.year")

REASON_KEYED_IDENTITY = (
    "The person's keyed-in identity information could not be verified. Correct any errors or upload a "
    "document that matches the identity fields (e.g., name and date of birth) entered."
)
REASON_ADDRESS = "The address could not be verified. Correct any errors in the address field."
REASON_TAX_ID = "The tax ID could not be verified against the company name. Correct any errors in the tax ID."
REASON_DOCUMENT = "The document could not be verified (a failing test document was uploaded)."


@dataclass
class Outcome:
    """Requirements of one account: what is due (by capability), the errors, the persons' own."""

    due: dict[str, tuple[str, ...]] = field(default_factory=dict)  # requirement -> capabilities
    eventually: dict[str, tuple[str, ...]] = field(default_factory=dict)
    payouts_only: dict[str, tuple[str, ...]] = field(default_factory=dict)  # due, blocking payouts only
    errors: list[Obj] = field(default_factory=list)
    # person id -> (due, errors, eventually due)
    persons: dict[str, tuple[list[str], list[Obj], list[str]]] = field(default_factory=dict)

    def for_capability(self, name: str, table: dict[str, tuple[str, ...]] | None = None) -> list[str]:
        entries = self.due if table is None else table
        return sorted(r for r, caps in entries.items() if applies(caps, name))

    def of_every_capability(self) -> list[str]:
        """What is due whichever capability is requested (what an account without any owes)."""
        return sorted(r for r, caps in self.due.items() if ALL in caps)


def applies(caps: tuple[str, ...], name: str) -> bool:
    """Whether a requirement listed for ``caps`` is one of capability ``name``."""
    return ALL in caps or name in caps or (OWNERS in caps and name not in NO_OWNERS_NEEDED)


# fields another may stand in for while due (Stripe's answers offer the description for the URL)
ALTERNATIVES = {"business_profile.url": ["business_profile.product_description"]}


def blank(past_due: Iterable[str] = (), eventually: Iterable[str] = (), errors: Iterable[Obj] = ()) -> Obj:
    """An ``account_requirements``-shaped hash; ``past_due`` is also ``currently_due``."""
    due = sorted(past_due)
    return {
        "alternatives": [
            {"alternative_fields_due": list(ALTERNATIVES[r]), "original_fields_due": [r]}
            for r in due
            if r in ALTERNATIVES
        ],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": PAST_DUE if due else None,
        "errors": list(errors),
        "eventually_due": sorted(set(due) | set(eventually)),
        "past_due": list(due),
        "pending_verification": [],
    }


def future() -> Obj:
    """``future_requirements``: empty, as Stripe shows it while no change of its rules is announced
    (its lists merge into ``requirements`` at ``current_deadline``, they never copy them)."""
    return blank()


def person_requirements(due: Iterable[str] = (), errors: Iterable[Obj] = (), eventually: Iterable[str] = ()) -> Obj:
    """A ``person_requirements``-shaped hash."""
    listed = sorted(due)
    return {
        "alternatives": [],
        "currently_due": list(listed),
        "errors": list(errors),
        "eventually_due": sorted(set(listed) | set(eventually)),
        "past_due": list(listed),
        "pending_verification": [],
    }


def country_rules(country: str) -> tuple[tuple[str, ...], str | None]:
    return COUNTRY_RULES.get(country, DEFAULT_COUNTRY_RULES)


def _expand(template: str, country: str) -> list[str]:
    address, id_field = country_rules(country)
    if "{address}" in template:
        return [template.replace("{address}", a) for a in address]
    if "{id_field}" in template:
        return [template.replace("{id_field}", id_field)] if id_field else []
    return [template]


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _error(code: str, reason: str, requirement: str) -> Obj:
    return {"code": code, "reason": reason, "requirement": requirement}


def person_provided(person: Obj, name: str) -> bool:
    """Whether the person (or ``account.individual``) has provided ``name`` (``dob.day``, ...)."""
    if name == "id_number":
        return bool(person.get("id_number_provided"))
    if name == "ssn_last_4":
        return bool(person.get("ssn_last_4_provided") or person.get("id_number_provided"))
    value = _get(person, name)
    return value is not None and value != ""


def check_person(person: Obj, meta: dict[str, Any], fields: Iterable[str], prefix: str) -> tuple[list[str], list[Obj]]:
    """(due, errors) of one person for the fields asked of it; names relative to ``prefix``."""
    due = [f for f in fields if not person_provided(person, f)]
    errors: list[Obj] = []
    line1 = _get(person, "address.line1")
    if line1 in FAILING_ADDRESS_LINES:
        due.append("address.line1")
        errors.append(_error("verification_failed_address_match", REASON_ADDRESS, prefix + "address.line1"))
    front = _get(person, "verification.document.front")
    dob = person.get("dob") or {}
    given = (dob.get("year"), dob.get("month"), dob.get("day"))
    id_matched = bool(meta.get("id_number_matched") or meta.get("ssn_last_4_matched"))
    no_match = None not in given and given not in MATCHING_DOBS and not id_matched
    keyed_failed = given in FAILING_DOBS or no_match or meta.get("id_number_failed", False)
    if front == DOCUMENT_FAILURE:
        due.append("verification.document")
        errors.append(
            _error("verification_document_failed_test_mode", REASON_DOCUMENT, prefix + "verification.document")
        )
    elif keyed_failed and front != DOCUMENT_SUCCESS:
        due.append("verification.document")
        errors.append(
            _error("verification_failed_keyed_identity", REASON_KEYED_IDENTITY, prefix + "verification.document")
        )
    return sorted(set(due)), errors


def verification_status(person: Obj, due: list[str]) -> None:
    """Set the person's ``verification`` hash from what :func:`check_person` found due."""
    verification = person["verification"]
    document = verification.get("document") or {}
    keyed_failed = "verification.document" in due
    keyed = all(person_provided(person, name) for name in KEYED_IDENTITY)
    verification["status"] = "verified" if keyed and not due else "unverified"
    verification["details_code"] = "failed_keyed_identity" if keyed_failed else None
    verification["details"] = REASON_KEYED_IDENTITY if keyed_failed else None
    failed_document = document.get("front") == DOCUMENT_FAILURE
    document["details_code"] = "document_failed_test_mode" if failed_document else None
    document["details"] = REASON_DOCUMENT if failed_document else None
    verification["document"] = document


def evaluate(
    account: Obj, persons: list[Obj], metas: dict[str, dict[str, Any]], account_meta: dict[str, Any]
) -> Outcome:
    """What ``account`` still owes for its requested capabilities (empty unless onboarding is required)."""
    outcome = Outcome()
    if account_meta.get("onboarding") != REQUIRED:
        return outcome
    country = account["country"]
    business_type = account.get("business_type")
    kind = "company" if business_type in ("company", "non_profit", "government_entity") else business_type
    table = FIELDS.get(kind or "", UNTYPED) if kind else UNTYPED
    for template, caps in table.items():
        for requirement in _expand(template, country):
            if not _met(account, requirement, persons, account_meta):
                into = outcome.payouts_only if requirement in PAYOUTS_ONLY else outcome.due
                into[requirement] = (*into.get(requirement, ()), *caps)
    for template, caps in EVENTUALLY.get(kind or "", {}).items():
        for requirement in _expand(template, country):
            if not _met(account, requirement, persons, account_meta):
                outcome.eventually[requirement] = caps
    if kind == "individual" and account.get("individual"):
        individual = account["individual"]
        fields_due, errors = check_person(individual, metas.get(individual["id"], {}), (), "individual.")
        for name in fields_due:
            outcome.due.setdefault(f"individual.{name}", (ALL,))
        outcome.errors.extend(errors)
    if kind == "company":
        _company_checks(account, account_meta, country, outcome)
        for person in persons:
            _person_checks(person, metas.get(person["id"], {}), country, outcome)
    return outcome


def _person_checks(person: Obj, meta: dict[str, Any], country: str, outcome: Outcome) -> None:
    """One person of a company: its fields by role (a representative's for every capability, an
    owner's only for those that need beneficial owners), its failures."""
    relationship = person.get("relationship") or {}
    roles = [r for r in PERSON_FIELDS if relationship.get(r)]
    caps = (OWNERS,) if relationship.get("owner") and not relationship.get("representative") else (ALL,)
    wanted: list[str] = []
    later: list[str] = []
    for role in roles:
        for template in PERSON_FIELDS[role]:
            wanted.extend(n for n in _expand(template, country) if n not in wanted)
        for template in PERSON_EVENTUALLY.get(role, ()):
            later.extend(n for n in _expand(template, country) if n not in later)
    due, errors = check_person(person, meta, wanted, f"{person['id']}.")
    eventually = [n for n in later if n not in wanted and n not in due and not person_provided(person, n)]
    outcome.persons[person["id"]] = (due, errors, eventually)
    for name in due:
        outcome.due[f"{person['id']}.{name}"] = caps
    for name in eventually:
        outcome.eventually[f"{person['id']}.{name}"] = caps
    outcome.errors.extend(errors)


def _company_checks(account: Obj, account_meta: dict[str, Any], country: str, outcome: Outcome) -> None:
    """The company's test values (docs.stripe.com/connect/testing, "Test business addresses"):
    ``address_no_match`` lists ``line1`` again and leaves only charges enabled;
    ``address_line1_no_match`` lists the address attributes again and enables neither."""
    company = account.get("company") or {}
    line1 = _get(company, "address.line1")
    failed: list[str] = []
    if line1 == ADDRESS_NO_MATCH:
        failed = ["company.address.line1"]
        outcome.payouts_only[failed[0]] = (ALL,)
    elif line1 == ADDRESS_LINE1_NO_MATCH:
        failed = [f"company.{name}" for name in country_rules(country)[0]]
        outcome.due.update({name: (ALL,) for name in failed})
    outcome.errors.extend(_error("verification_failed_address_match", REASON_ADDRESS, name) for name in failed)
    code = account_meta.get("tax_id_failure")
    if code:
        outcome.due["company.tax_id"] = (ALL,)
        outcome.errors.append(_error(code, REASON_TAX_ID, "company.tax_id"))


def role_of(requirement: str) -> str | None:
    """The person role a requirement asks for while no person has it (``owners.email`` -> owner)."""
    for role, prefix in ROLE_PREFIX.items():
        if requirement.startswith(prefix):
            return role
    return None


def _met(account: Obj, requirement: str, persons: list[Obj], account_meta: dict[str, Any]) -> bool:
    if requirement == "business_type":
        return account.get("business_type") is not None
    if requirement == "business_profile.url":
        profile = account.get("business_profile") or {}
        return bool(profile.get("url") or profile.get("product_description"))
    if requirement == "external_account":
        return bool(account_meta.get("external_account")) or bool((account.get("external_accounts") or {}).get("data"))
    if requirement == "company.owners_provided":
        return bool((account.get("company") or {}).get("owners_provided"))
    role = role_of(requirement)
    if role is not None:
        if role == "owner" and (account.get("company") or {}).get("owners_provided"):
            return True
        return any((p.get("relationship") or {}).get(role) for p in persons)
    if requirement == "company.tax_id":
        return bool((account.get("company") or {}).get("tax_id_provided"))
    if requirement.startswith("individual."):
        individual = account.get("individual")
        return individual is not None and person_provided(individual, requirement[len("individual.") :])
    value = _get(account, requirement)
    return value is not None and value != ""
