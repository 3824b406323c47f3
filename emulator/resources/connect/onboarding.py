"""Keeping an account's onboarding state true: requirements, persons' verification, flags.

:func:`refresh` recomputes, from what the account and its persons hold, the account's
``requirements``/``future_requirements``, ``charges_enabled``, ``payouts_enabled`` and
``details_submitted``, each person's ``requirements`` and ``verification``, and which requested
capabilities requirements still block. An account without a requested capability can neither
charge nor pay out. Accounts onboarded instantly (the default) keep their empty requirements and
every flag ``true``.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import PERSON
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.resources.connect import legal_entity, requirements, token_use


def is_required(ctx: Ctx, account: Obj) -> bool:
    return bool(_meta(ctx, account).get("onboarding") == requirements.REQUIRED)


def _meta(ctx: Ctx, account: Obj) -> dict[str, Any]:
    return ctx.platform.scope(account["id"]).meta_of(account["id"])


def persons_of(ctx: Ctx, account: Obj) -> list[Obj]:
    """The account's persons other than its ``individual`` (which is a person too, kept apart here:
    its requirements are the account's ``individual.*`` ones)."""
    scope = ctx.platform.scope(account["id"])
    store = scope.stores.get(PERSON)
    if store is None:
        return []
    individual_id = (account.get("individual") or {}).get("id")
    return [p for p in store.values() if p["id"] != individual_id]


def is_individual(account: Obj, person: Obj) -> bool:
    """Whether ``person`` is the account's ``individual`` (one stored person object, shown in both)."""
    return bool((account.get("individual") or {}).get("id") == person["id"])


def start(ctx: Ctx, account: Obj) -> None:
    """A new connected account: onboarded at once, or with requirements (platform switch)."""
    if ctx.platform.settings.onboarding == requirements.REQUIRED and account["id"] != ctx.platform.account_id:
        _meta(ctx, account)["onboarding"] = requirements.REQUIRED


INDIVIDUAL_ONLY = "You can only provide `individual` parameters for accounts with `business_type` of 'individual'."
BUSINESS_TYPE_NEEDED = (
    "The `business_type` must be provided when sending either of `individual` or `company` parameters."
)


def check_legal_entity(params: dict[str, Any], current: Obj | None, now: int) -> None:
    """Refuse ``individual`` details for an account that is not an individual's, as Stripe does
    (``current``: the account being updated; ``params`` with any account token's merged in)."""
    if not params.get("individual") and not params.get("company"):
        return
    business_type = params.get("business_type") or (current or {}).get("business_type")
    if not business_type:
        raise StripeError(BUSINESS_TYPE_NEEDED, param="individual" if params.get("individual") else "company")
    if params.get("individual") and business_type != "individual":
        raise StripeError(INDIVIDUAL_ONLY, param="individual")
    country = str(params.get("country") or (current or {}).get("country") or "US").upper()
    legal_entity.check_id_number(params.get("individual"), country, "individual[id_number]")
    legal_entity.check_dob(params.get("individual"), now, "individual[dob]")


def apply_params(ctx: Ctx, account: Obj, params: dict[str, Any]) -> dict[str, Any]:
    """Apply the legal-entity parameters of an account create/update (an ``account_token``'s
    included); returns the parameters with the token's merged in."""
    params = token_use.account_params(ctx, params)
    meta = _meta(ctx, account)
    if "business_type" in params:
        account["business_type"] = params["business_type"]
    if params.get("company") or account.get("business_type") in legal_entity.COMPANY_TYPES:
        # Stripe shows a company-like account's ``company`` in full, given or not
        company = account.get("company") or legal_entity.new_company(account.get("country"))
        legal_entity.apply_company(company, meta, params.get("company") or {}, account.get("country"))
        account["company"] = company
    if params.get("individual"):
        individual = account.get("individual")
        scope = ctx.platform.scope(account["id"])
        if individual is None:
            # the individual is a person of the account (Persons API), its representative
            individual = legal_entity.new_person(ctx.new_id("person"), account["id"], ctx.now)
            individual["relationship"]["representative"] = True
            scope.add(individual)
        legal_entity.apply_person(
            individual, scope.meta_of(individual["id"]), params["individual"], account.get("country")
        )
        account["individual"] = individual
    # ``bank_account``: its alias on account create (the bank account is attached after this)
    if params.get("external_account") or params.get("bank_account"):
        meta["external_account"] = True
    if params.get("tos_acceptance"):
        for k in ("date", "ip", "user_agent"):
            if k in params["tos_acceptance"]:
                account["tos_acceptance"][k] = params["tos_acceptance"][k]
    return params


def _outcome(ctx: Ctx, account: Obj, persons: list[Obj]) -> requirements.Outcome:
    scope = ctx.platform.scope(account["id"])
    metas = {p["id"]: scope.meta_of(p["id"]) for p in persons}
    individual = account.get("individual")
    if individual is not None:
        metas[individual["id"]] = scope.meta_of(individual["id"])
    return requirements.evaluate(account, persons, metas, _meta(ctx, account))


def _rejected(ctx: Ctx, account: Obj) -> frozenset[str]:
    """Every requested capability of a rejected account: the rejection disables them all (the spec's
    capability ``disabled_reason`` values include ``rejected.*``)."""
    meta = _meta(ctx, account)
    if not meta.get("rejected"):
        return frozenset()
    return frozenset(name for name, cap in (meta.get("capabilities") or {}).items() if cap.get("requested"))


def refresh(ctx: Ctx, account: Obj) -> frozenset[str]:
    """Recompute the onboarding state; returns the capabilities that requirements (or a rejection) block."""
    if not is_required(ctx, account):
        return _rejected(ctx, account)
    meta = _meta(ctx, account)
    persons = persons_of(ctx, account)
    individual = account.get("individual")
    outcome = _outcome(ctx, account, persons)
    requested = sorted(n for n, c in (meta.get("capabilities") or {}).items() if c.get("requested"))
    blocking = {r for name in requested for r in outcome.for_capability(name)}
    # due as well: what blocks payouts only (a company address that failed as address_no_match)
    due = sorted(blocking | {r for name in requested for r in outcome.for_capability(name, outcome.payouts_only)})
    eventually = sorted({r for name in requested for r in outcome.for_capability(name, outcome.eventually)})
    reqs = requirements.blank(due, eventually, [e for e in outcome.errors if e["requirement"] in due])
    if not requested:  # nothing to enable: Stripe asks for capabilities first
        reqs["disabled_reason"] = requirements.NO_CAPABILITIES
    if meta.get("rejected"):
        reqs["disabled_reason"] = account["requirements"].get("disabled_reason")
    account["requirements"] = reqs
    account["future_requirements"] = requirements.future()
    if not meta.get("rejected"):
        account["charges_enabled"] = bool(requested) and not blocking
        account["payouts_enabled"] = bool(requested) and not due
    # without a capability: whether what every capability asks has been given
    account["details_submitted"] = not (due if requested else outcome.of_every_capability())
    listed, later = set(due), set(reqs["eventually_due"])
    for person in persons:
        person_due, person_errors, person_later = outcome.persons.get(person["id"], ([], [], []))
        prefix = person["id"] + "."
        # the person's own hash lists what the account's requested capabilities need of it
        person["requirements"] = requirements.person_requirements(
            [n for n in person_due if prefix + n in listed],
            [e for e in person_errors if e["requirement"] in listed],
            [n for n in person_later if prefix + n in later],
        )
        person["future_requirements"] = requirements.person_requirements()
        requirements.verification_status(person, person_due)
    if individual is not None:
        individual_due = [r[len("individual.") :] for r in due if r.startswith("individual.")]
        individual_later = [r[len("individual.") :] for r in eventually if r.startswith("individual.")]
        individual["requirements"] = requirements.person_requirements(
            individual_due,
            [e for e in outcome.errors if e["requirement"].startswith("individual.")],
            individual_later,
        )
        individual["future_requirements"] = requirements.person_requirements()
        # a failed check leaves it unverified whichever capabilities are requested
        failed = [
            e["requirement"][len("individual.") :] for e in outcome.errors if e["requirement"].startswith("individual.")
        ]
        requirements.verification_status(individual, individual_due + failed)
    return frozenset(name for name in requested if outcome.for_capability(name)) | _rejected(ctx, account)


def capability_requirements(ctx: Ctx, account: Obj, name: str) -> Obj:
    """The ``requirements`` hash of one capability (what blocks it)."""
    if name in _rejected(ctx, account):
        reqs = requirements.blank()
        reqs["disabled_reason"] = account["requirements"].get("disabled_reason")
        return reqs
    if not is_required(ctx, account):
        return requirements.blank()
    outcome = _outcome(ctx, account, persons_of(ctx, account))
    due = outcome.for_capability(name)
    eventually = outcome.for_capability(name, outcome.eventually)
    reqs = requirements.blank(due, eventually, [e for e in outcome.errors if e["requirement"] in due])
    if due:  # a capability's reason (the account hash keeps requirements.past_due)
        reqs["disabled_reason"] = requirements.FIELDS_NEEDED
    return reqs


def blocked(ctx: Ctx, account: Obj) -> frozenset[str]:
    """Requested capabilities that requirements (onboarding required) or a rejection block."""
    if not is_required(ctx, account):
        return _rejected(ctx, account)
    outcome = _outcome(ctx, account, persons_of(ctx, account))
    caps = _meta(ctx, account).get("capabilities") or {}
    held = frozenset(name for name, cap in caps.items() if cap.get("requested") and outcome.for_capability(name))
    return held | _rejected(ctx, account)
