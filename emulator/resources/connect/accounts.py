"""Connect accounts and their capabilities (``/v1/accounts``, ``/v1/account``).

Rules: a requested capability becomes ``active`` at once (test mode), except ``treasury``,
which stays ``inactive`` until ``transfers`` is requested too (Stripe's dependency rule).
``card_payments`` without ``transfers`` is refused, as Stripe does, and so is ``card_payments`` under
the ``recipient`` service agreement (``tos_acceptance.service_agreement``, ``full`` by default, fixed
once the terms are accepted). ``tos_acceptance`` is refused
for accounts whose requirements Stripe collects (Standard, Express), unless the request acts as
the account itself (``Stripe-Account``: what the hosted onboarding page does).
``card_issuing`` on a connected account is allowed: the emulated platform counts as already
onboarded to Issuing. It and ``treasury`` only go to accounts the platform controls (no
Stripe-hosted Dashboard, requirements and losses on the platform: Stripe's Issuing and Treasury
Connect guides). Capability changes emit ``capability.updated`` and ``account.updated`` and
refresh the features of the account's financial accounts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from emulator.core import api_changes
from emulator.core.context import Ctx
from emulator.core.state import Platform
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import paginate, plain_list
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import account_settings, countries, legal_entity, onboarding, token_use
from emulator.resources.connect.requirements import FIELDS_NEEDED
from emulator.resources.resource import Resource

# capability -> capabilities that must be requested for it to become active
DEPENDS_ON: dict[str, tuple[str, ...]] = {"treasury": ("transfers",)}
# capabilities that cannot be unrequested once requested
PERMANENT = frozenset({"treasury", "card_issuing"})
# capability -> capabilities that must stay requested with it (Stripe refuses the request otherwise)
REQUIRES: dict[str, tuple[str, ...]] = {"card_payments": ("transfers",)}
# what an application pays when the account was made with ``type`` (Stripe's fees.payer values)
TYPED_FEES_PAYER = {"custom": "application_custom", "express": "application_express"}

CAPABILITY_PERMANENT = "The capability {name} cannot be unrequested once it has been requested."
INVALID_REQUESTED_CAPABILITY = "Invalid requested_capabilities: {name} is not a capability."
CARD_PAYMENTS_WITHOUT_TRANSFERS = (
    "Accounts do not currently support `card_payments` without `transfers`. Please visit "
    "https://stripe.com/docs/connect/account-capabilities#card-payments for more details."
)
TOS_COLLECTED_BY_STRIPE = (
    "You cannot accept the Terms of Service on behalf of accounts where controller[requirement_collection]=stripe, "
    "which includes Standard and Express accounts."
)
SERVICE_AGREEMENTS = ("full", "recipient")
SERVICE_AGREEMENT = "tos_acceptance[service_agreement]"
INVALID_SERVICE_AGREEMENT = errors.INVALID_ENUM.format(name=SERVICE_AGREEMENT, choices="full or recipient")
# the emulator's wording (docs/connect.md, Choices): Stripe's documents state both rules, no error text was found
RECIPIENT_CARD_PAYMENTS = (
    "Accounts under the `recipient` service agreement cannot request the `card_payments` capability."
)
# the emulator's text: Stripe's own for this refusal is not public (docs/connect.md, choices)
PLATFORM_CONTROLLED_ONLY = (
    "The `{name}` capability can only be requested for accounts that don't use a Stripe-hosted "
    "Dashboard and whose requirements and losses your platform is responsible for (Custom accounts)."
)
# capabilities Stripe supports only on such accounts (its Issuing and Treasury Connect guides)
PLATFORM_CONTROLLED = ("card_issuing", "treasury")
SERVICE_AGREEMENT_LOCKED = (
    "The service agreement of an account cannot be changed once the account has accepted the Terms of Service."
)
URL_NOT_VALID = "Not a valid URL"  # Stripe's text for a refused URL (code url_invalid)
# Stripe's text, as stripe-ruby-mock reproduces it with its rule (after 2009, not in the future)
TOS_DATE_INVALID = (
    "ToS acceptance date is not valid. Dates are expected to be integers, measured in seconds, "
    "not in the future, and after 2009"
)
TOS_EARLIEST = 1_230_768_000  # 2009-01-01T00:00:00Z
TOS_SKEW = 300  # seconds a browser's clock may run ahead without its date being "in the future"
# the error-code list's text for ``account_country_invalid_address``
ADDRESS_COUNTRY = (
    "The country of the business address provided does not match the country of the account. "
    "Businesses must be located in the same country as the account."
)
BRANDING_FILES = {"icon": "business_icon", "logo": "business_logo"}
TERMS_PATHS = ("tos_acceptance", "settings[card_issuing][tos_acceptance]", "settings[treasury][tos_acceptance]")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0"})
ACCOUNT_REJECTED = "This account has been rejected and can no longer be modified."
ACCOUNT_NOT_REJECTED = "This account is not rejected."
CANNOT_DELETE_PLATFORM = "You cannot delete your own platform account."
DEAUTHORIZED = "account.application.deauthorized"
CANNOT_REJECT_PLATFORM = "You cannot reject your own platform account."
UNKNOWN_CAPABILITY = "No such capability: '{name}'"
UNKNOWN_COUNTRY = (
    "Country '{country}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', "
    "'EG', or 'GB'. A full list of country codes is available at https://stripe.com/global"
)
ALREADY_REJECTED = "This account has already been rejected."
# reject reasons -> requirements.disabled_reason (stored as before API 2026-09-30, rendered as
# ``rejected.platform_*`` from it on: api_changes.PLATFORM_REJECTED). That version replaced ``fraud`` with the ``fraud_*`` reasons and
# added ``credit`` (docs.stripe.com/changelog/endive/2026-09-30/updated-reject-reason-codes)
REASONS_CHANGED = api_changes.PLATFORM_REJECTIONS
OLD_REJECT_REASONS: dict[str, str] = {
    "fraud": "rejected.fraud",
    "terms_of_service": "rejected.terms_of_service",
    "other": "rejected.other",
}
REJECT_REASONS: dict[str, str] = {
    "fraud_payment_method_casher": "rejected.fraud",
    "fraud_payment_method_tester": "rejected.fraud",
    "fraud_no_intent_to_fulfill": "rejected.fraud",
    "fraud_other": "rejected.fraud",
    "credit": "rejected.other",
    "terms_of_service": "rejected.terms_of_service",
    "other": "rejected.other",
}
INVALID_REJECT_REASON = (
    "Invalid reason: must be one of fraud_payment_method_casher, fraud_payment_method_tester, "
    "fraud_no_intent_to_fulfill, fraud_other, credit, terms_of_service, or other"
)
INVALID_OLD_REJECT_REASON = "Invalid reason: must be one of fraud, terms_of_service, or other"


def _requirements() -> Obj:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def country_of(params: dict[str, Any]) -> str:
    """The ``country`` parameter, upper-cased and checked against ISO 3166-1 (US when absent)."""
    from emulator.resources.issuing.reference import COUNTRY_CODES

    country = str(params.get("country") or "US").upper()
    if country not in COUNTRY_CODES:
        raise StripeError(
            UNKNOWN_COUNTRY.format(country=params.get("country")), param="country", code="parameter_invalid"
        )
    return country


def _controller(controller_in: dict[str, Any], account_type: str, typed: bool = False) -> Obj:
    """``controller`` as Stripe shows it for an account a platform makes: its application controls
    it, whatever its type (a recorded answer shows a Standard account made through the API with
    ``is_controller: true, type: application``); ``typed``: made with ``type``, whose fees Stripe
    shows as ``application_custom|express``. A Standard account (no ``controller`` parameters)
    pays its own fees and Stripe bears its losses, as Stripe's controller-properties guide maps it."""
    standard = account_type == "standard" and not controller_in
    dashboard = {"custom": "none", "express": "express"}.get(account_type, "full")
    collection = "application" if account_type == "custom" else "stripe"
    payer = TYPED_FEES_PAYER.get(account_type, "application") if typed else "application"
    return {
        "is_controller": True,
        "type": "application",
        "fees": {"payer": (controller_in.get("fees") or {}).get("payer", "account" if standard else payer)},
        "losses": {
            "payments": (controller_in.get("losses") or {}).get("payments", "stripe" if standard else "application")
        },
        "requirement_collection": controller_in.get("requirement_collection", collection),
        "stripe_dashboard": {"type": (controller_in.get("stripe_dashboard") or {}).get("type", dashboard)},
    }


def _type_of(params: dict[str, Any]) -> str:
    """The account type: ``type``, else what the ``controller`` parameters make it."""
    controller_in = params.get("controller") or {}
    account_type = params.get("type")
    if account_type is None:
        dashboard = (controller_in.get("stripe_dashboard") or {}).get("type")
        account_type = {"none": "custom", "express": "express"}.get(
            dashboard or "", "standard" if not controller_in else "custom"
        )
    return str(account_type)


def _controller_of(params: dict[str, Any]) -> Obj:
    return _controller(params.get("controller") or {}, _type_of(params), params.get("type") is not None)


def stripe_collects(controller: Obj) -> bool:
    """Whether Stripe collects the account's requirements (Standard and Express accounts)."""
    return bool(controller.get("requirement_collection", "stripe") == "stripe")


def _product_tos(given: dict[str, Any]) -> Obj:
    """``settings.card_issuing|treasury.tos_acceptance``: ``user_agent`` is shown once it is given
    (Stripe's account shows only ``date`` and ``ip`` before)."""
    tos: Obj = {"date": given.get("date"), "ip": given.get("ip")}
    if given.get("user_agent") is not None:
        tos["user_agent"] = given["user_agent"]
    return tos


def new_account(platform: Platform, account_id: str, created: int, params: dict[str, Any], *, own: bool = False) -> Obj:
    """The account object for a new connected account (or, ``own``, the platform's own, which
    controls itself)."""
    account_type = _type_of(params)
    country = country_of(params)
    profile = params.get("business_profile") or {}
    tos = params.get("tos_acceptance") or {}
    settings = params.get("settings") or {}
    card_issuing_tos = ((settings.get("card_issuing") or {}).get("tos_acceptance")) or {}
    treasury_tos = ((settings.get("treasury") or {}).get("tos_acceptance")) or {}
    controller = {"type": "account"} if own else _controller_of(params)
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "mcc": profile.get("mcc"),
            "minority_owned_business_designation": profile.get("minority_owned_business_designation"),
            "name": profile.get("name"),
            "product_description": profile.get("product_description"),
            "support_address": None,
            "support_email": profile.get("support_email"),
            "support_phone": profile.get("support_phone"),
            "specified_commercial_transactions_act_url": profile.get("specified_commercial_transactions_act_url"),
            "support_url": profile.get("support_url"),
            "url": profile.get("url"),
        },
        "business_type": params.get("business_type"),
        "capabilities": {},
        "charges_enabled": True,
        "controller": controller,
        "country": country,
        "created": created,
        "default_currency": params.get("default_currency") or countries.currency_of(country),
        "details_submitted": True,
        "email": params.get("email"),
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": _requirements(),
        "metadata": common.merge_metadata({}, params.get("metadata")),
        "payouts_enabled": True,
        "requirements": _requirements(),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": _product_tos(card_issuing_tos)},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": False},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": profile.get("name"), "timezone": "Etc/UTC"},
            "payments": {
                "statement_descriptor": None,
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                # Stripe's default: false where the platform collects requirements (Custom accounts)
                "debit_negative_balances": controller.get("requirement_collection") != "application",
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
            "treasury": {"tos_acceptance": _product_tos(treasury_tos)},
        },
        "tos_acceptance": {
            "date": tos.get("date"),
            "ip": tos.get("ip"),
            "service_agreement": tos.get("service_agreement") or "full",
            "user_agent": tos.get("user_agent"),
        },
        "type": account_type,
    }


def init_platform(platform: Platform) -> None:
    """Give a new platform its own account object (``GET /v1/account`` without Stripe-Account)."""
    platform.account = new_account(platform, platform.account_id, platform.created, {"type": "standard"}, own=True)
    platform.account["capabilities"] = {
        "card_issuing": "active",
        "card_payments": "active",
        "transfers": "active",
        "treasury": "active",
    }
    platform.account["business_profile"]["name"] = "Emulated platform"
    meta = platform.scope().meta_of(platform.account_id)
    meta["capabilities"] = {
        name: {"requested": True, "requested_at": platform.created} for name in platform.account["capabilities"]
    }


# --- capabilities ---------------------------------------------------------------------------------


def _capability_status(name: str, caps: dict[str, dict[str, Any]], blocked: frozenset[str] = frozenset()) -> str:
    cap = caps.get(name)
    if cap is None or not cap["requested"]:
        return "unrequested"
    for dependency in DEPENDS_ON.get(name, ()):
        dep = caps.get(dependency)
        if dep is None or not dep["requested"]:
            return "inactive"
    return "inactive" if name in blocked else "active"


def _caps_meta(ctx: Ctx, account: Obj) -> dict[str, dict[str, Any]]:
    meta = ctx.platform.scope(account["id"]).meta_of(account["id"])
    caps: dict[str, dict[str, Any]] = meta.setdefault("capabilities", {})
    return caps


def capability_snapshots(ctx: Ctx, account: Obj, extra: Iterable[str] = ()) -> dict[str, Obj]:
    """The capability objects of ``account`` now (those ever requested, plus ``extra``)."""
    names = sorted(set(_caps_meta(ctx, account)) | set(extra))
    return {name: capability_object(ctx, account, name) for name in names}


def take_requested_capabilities(ctx: Ctx) -> None:
    """``requested_capabilities[]`` (documented from 2019-02-19 to 2020-08-27) as the ``capabilities``
    hash that replaced it. Later versions still take it: Stripe's recorded answers of 2023-10-16
    request the capabilities it names (antiwork/gumroad's cassettes)."""
    names: list[str] | None = ctx.params.pop("requested_capabilities", None)
    if names is None:
        return
    capabilities = ctx.params.setdefault("capabilities", {})
    known = capability_names(ctx)
    for i, name in enumerate(names):
        if name not in known:
            raise StripeError(
                INVALID_REQUESTED_CAPABILITY.format(name=name[:100]),
                param=f"requested_capabilities[{i}]",
                code="parameter_invalid",
            )
        capabilities.setdefault(name, {"requested": True})


def requested_of(params: dict[str, Any]) -> dict[str, bool]:
    """``capabilities[<name>][requested]`` of a create/update: name -> requested."""
    return {name: bool(v.get("requested")) for name, v in (params.get("capabilities") or {}).items() if v is not None}


def platform_controlled(controller: Obj) -> bool:
    """Whether the account has no Stripe-hosted Dashboard and the platform collects its
    requirements and carries its losses: the only accounts Issuing and Treasury support."""
    return (
        (controller.get("stripe_dashboard") or {}).get("type") == "none"
        and controller.get("requirement_collection") == "application"
        and (controller.get("losses") or {}).get("payments") == "application"
    )


def check_capability_requests(
    caps: dict[str, dict[str, Any]],
    requested: dict[str, bool],
    agreement: str = "full",
    controller: Obj | None = None,
) -> None:
    """Refuse, before anything changes, what Stripe refuses of a capability request: unrequesting
    a permanent capability, leaving ``card_payments`` requested without ``transfers``,
    ``card_payments`` on an account under the ``recipient`` service ``agreement``, or
    ``card_issuing``/``treasury`` on an account its platform does not control (``controller``)."""
    for name, want in requested.items():
        cap = caps.get(name)
        if not want and name in PERMANENT and cap is not None and cap["requested"]:
            raise StripeError(CAPABILITY_PERMANENT.format(name=name), param=f"capabilities[{name}][requested]")
        if want and name in PLATFORM_CONTROLLED and controller is not None and not platform_controlled(controller):
            raise StripeError(PLATFORM_CONTROLLED_ONLY.format(name=name), param=f"capabilities[{name}][requested]")
    after = {name for name, cap in caps.items() if cap["requested"]}
    after = (after | {n for n, want in requested.items() if want}) - {n for n, want in requested.items() if not want}
    for name, needed in REQUIRES.items():
        if name in after and not all(n in after for n in needed):
            raise StripeError(CARD_PAYMENTS_WITHOUT_TRANSFERS, param="capabilities")
    if agreement == "recipient" and "card_payments" in after:
        raise StripeError(RECIPIENT_CARD_PAYMENTS, param="capabilities")


def service_agreement_of(params: dict[str, Any], account: Obj | None) -> str:
    """The account's service agreement once the request is done: ``full`` or ``recipient``,
    which cannot change after the account (``None``: a new one) has accepted the terms."""
    tos = account["tos_acceptance"] if account is not None else {}
    current = str(tos.get("service_agreement") or "full")
    given = (params.get("tos_acceptance") or {}).get("service_agreement")
    if given is None:
        return current
    if given not in SERVICE_AGREEMENTS:
        raise StripeError(INVALID_SERVICE_AGREEMENT, param=SERVICE_AGREEMENT, code="parameter_invalid")
    if given != current and tos.get("date") is not None:
        raise StripeError(SERVICE_AGREEMENT_LOCKED, param=SERVICE_AGREEMENT)
    return str(given)


def _valid_url(url: str) -> bool:
    parts = common.url_parts(url)
    if parts is None or parts.scheme.lower() not in ("http", "https") or any(c.isspace() for c in url):
        return False
    host = parts.hostname or ""
    return "." in host and host not in LOCAL_HOSTS and not host.endswith(".localhost")


def check_contact(params: dict[str, Any], country: str) -> None:
    """The emails (``email``, ``business_profile[support_email]``, ``individual[email]``: as
    cardholders' emails are checked), the URLs (``business_profile[url]`` and ``[support_url]``: an
    http(s) URL with a public host name; Stripe refuses local URLs), and a company address in the
    account's ``country``."""
    profile = params.get("business_profile") or {}
    for param, email in (
        ("email", params.get("email")),
        ("business_profile[support_email]", profile.get("support_email")),
        ("individual[email]", (params.get("individual") or {}).get("email")),
    ):
        if email:
            common.check_email(str(email), param)
    for name in ("url", "support_url"):
        url = profile.get(name)
        if url and not _valid_url(str(url)):
            raise StripeError(URL_NOT_VALID, param=f"business_profile[{name}]", code=common.URL_CODE)
    address = (params.get("company") or {}).get("address") or {}
    if address.get("country") and str(address["country"]).upper() != country:
        raise StripeError(ADDRESS_COUNTRY, param="company[address][country]", code="account_country_invalid_address")


def _terms_given(params: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    settings = params.get("settings") or {}
    for path, terms in zip(
        TERMS_PATHS,
        (
            params.get("tos_acceptance"),
            (settings.get("card_issuing") or {}).get("tos_acceptance"),
            (settings.get("treasury") or {}).get("tos_acceptance"),
        ),
        strict=True,
    ):
        if isinstance(terms, dict):
            yield path, terms


def check_terms_given(ctx: Ctx, params: dict[str, Any]) -> None:
    """Each acceptance's ``date`` is after 2009 and not in the future (later than the platform's
    time and the real time, give or take a browser's clock), its ``ip`` an IP address."""
    latest = max(ctx.now, int(time.time())) + TOS_SKEW
    for path, terms in _terms_given(params):
        date = terms.get("date")
        if date is not None and not TOS_EARLIEST <= date <= latest:
            raise StripeError(TOS_DATE_INVALID, param=f"{path}[date]")
        if terms.get("ip"):
            terms["ip"] = common.check_ip(str(terms["ip"]), f"{path}[ip]")  # kept without surrounding spaces


def check_tos_acceptance(ctx: Ctx, params: dict[str, Any], controller: Obj, account_id: str | None) -> None:
    """``tos_acceptance`` only for accounts whose requirements the platform collects, or given by
    the account itself (a request with ``Stripe-Account`` set to it, as the hosted page sends)."""
    accepted = {k for k in params.get("tos_acceptance") or {} if k != "service_agreement"}
    if not accepted or account_id == ctx.platform.account_id:
        return
    if ctx.scope.is_connected and ctx.scope.account_id == account_id:
        return
    if stripe_collects(controller):
        raise StripeError(TOS_COLLECTED_BY_STRIPE, param="tos_acceptance")


def apply_capability_requests(
    ctx: Ctx, account: Obj, requested: dict[str, bool], before_objs: dict[str, Obj] | None = None
) -> dict[str, Obj]:
    """Record requested/unrequested capabilities, settle statuses against requirements; return
    {name: capability before} for those that changed (``before_objs``: taken earlier in the request)."""
    caps = _caps_meta(ctx, account)
    check_capability_requests(caps, requested, controller=account.get("controller"))
    if before_objs is None:
        before_objs = capability_snapshots(ctx, account, requested)
    for name, want in requested.items():
        cap = caps.get(name)
        if want:
            if cap is None or not cap["requested"]:
                caps[name] = {"requested": True, "requested_at": ctx.now}
        elif cap is not None and cap["requested"]:
            cap["requested"] = False
            cap["requested_at"] = None
    blocked = onboarding.refresh(ctx, account)
    changed: dict[str, Obj] = {}
    statuses: dict[str, str] = {}
    for name in sorted(set(caps)):
        status = _capability_status(name, caps, blocked)
        if status != "unrequested":
            statuses[name] = status
        before = before_objs.get(name) or _unrequested(account, name)
        if before["status"] != status or before["requested"] != caps[name]["requested"]:
            changed[name] = before
    account["capabilities"] = statuses
    return changed


def _unrequested(account: Obj, name: str) -> Obj:
    """A capability never requested, as it shows (what a first request's ``previous_attributes`` compare to)."""
    return {
        "id": name,
        "object": "capability",
        "account": account["id"],
        "future_requirements": _requirements(),
        "requested": False,
        "requested_at": None,
        "requirements": _requirements(),
        "status": "unrequested",
    }


def capability_object(ctx: Ctx, account: Obj, name: str) -> Obj:
    caps = _caps_meta(ctx, account)
    cap = caps.get(name, {"requested": False, "requested_at": None})
    blocked = onboarding.blocked(ctx, account) if cap["requested"] else frozenset()
    status = _capability_status(name, caps, blocked)
    requirements = _requirements()
    if name in blocked and status == "inactive":
        requirements = onboarding.capability_requirements(ctx, account, name)
    elif status == "inactive":
        missing = [d for d in DEPENDS_ON.get(name, ()) if not caps.get(d, {}).get("requested")]
        requirements["disabled_reason"] = FIELDS_NEEDED
        requirements["currently_due"] = [f"capabilities.{d}" for d in missing]
        requirements["eventually_due"] = list(requirements["currently_due"])
    return {
        "id": name,
        "object": "capability",
        "account": account["id"],
        "future_requirements": _requirements(),
        "requested": cap["requested"],
        "requested_at": cap["requested_at"],
        "requirements": requirements,
        "status": status,
    }


def capability_names(ctx: Ctx) -> list[str]:
    """Every capability name Stripe knows: the spec's and the newer ones of the overlays."""
    from emulator.http.params import load_overlay, load_spec

    schema = load_spec()["paths"]["/v1/accounts/{account}"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]["properties"]["capabilities"]
    names = set(schema["properties"])
    for dotted in load_overlay()["add_properties"].get("post /v1/accounts/{account}", {}):
        head, _, name = dotted.partition(".")
        if head == "capabilities" and name and "." not in name:
            names.add(name)
    return sorted(names)


def is_capability_active(ctx: Ctx, account_id: str, name: str) -> bool:
    account = ctx.platform.account_by_id(account_id)
    return bool(account) and account.get("capabilities", {}).get(name) == "active"  # type: ignore[union-attr]


def is_capability_requested(ctx: Ctx, account_id: str, name: str) -> bool:
    """Requested, whether active yet or not (an account still onboarding has it inactive)."""
    account = ctx.platform.account_by_id(account_id)
    return account is not None and name in account.get("capabilities", {})


def account_changed(ctx: Ctx) -> None:
    """Tell the resources that follow an account (``Resource.on_account_change``) that its
    capabilities or standing changed; ``ctx`` acts on that account."""
    for listener in ctx.state.account_listeners:
        listener(ctx)


def _after_capability_change(ctx: Ctx, account: Obj, changed: dict[str, Obj]) -> None:
    if not changed:
        return
    sub = _account_ctx(ctx, account)
    for name, before in changed.items():
        sub.emit("capability.updated", capability_object(ctx, account, name), before)
    account_changed(sub)


def settle(ctx: Ctx, account: Obj, before_account: Obj, before_caps: dict[str, Obj]) -> None:
    """After what an account has given changed (a person, a bank account): its requirements again,
    then ``account.updated`` and each capability's ``capability.updated`` if they changed."""
    changed = apply_capability_requests(ctx, account, {}, before_caps)
    if ctx.snapshot(account) != before_account:
        _account_ctx(ctx, account).emit("account.updated", account, before_account)
    _after_capability_change(ctx, account, changed)


# --- handlers ------------------------------------------------------------------------------------


def _connected(ctx: Ctx, account_id: str) -> Obj:
    if account_id == ctx.platform.account_id:
        return ctx.platform.account
    account = ctx.platform.accounts.get(account_id)
    if account is None or ctx.scope.is_connected and account_id != ctx.scope.account_id:
        # Stripe answers an account it cannot find as a permission error, not "No such account"
        raise StripeError(
            errors.ACCOUNT_INVALID.format(masked=errors.mask_key(ctx.platform.key), account=account_id),
            status=403,
            code="account_invalid",
        )
    return account


def _check_documents(ctx: Ctx, params: dict[str, Any], account_id: str | None) -> None:
    """The identity documents of ``individual`` and ``company`` are uploads (or Stripe's test tokens),
    and so are the branding ``icon`` and ``logo`` (``business_icon`` / ``business_logo`` uploads)."""
    legal_entity.check_documents(
        ctx, params.get("individual"), "individual", legal_entity.PERSON_DOCUMENT_PURPOSES, account_id
    )
    legal_entity.check_documents(
        ctx, params.get("company"), "company", legal_entity.COMPANY_DOCUMENT_PURPOSES, account_id
    )
    branding = (params.get("settings") or {}).get("branding") or {}
    for name, purpose in BRANDING_FILES.items():
        if branding.get(name):
            legal_entity.check_upload(ctx, str(branding[name]), (purpose,), f"settings[branding][{name}]", account_id)


def create(ctx: Ctx) -> Obj:
    if ctx.scope.is_connected:
        raise StripeError("Connected accounts cannot create other accounts.", status=400)
    country_of(ctx.params)  # refuse an unknown country before an id is drawn
    take_requested_capabilities(ctx)
    from emulator.resources.connect import external_accounts

    external_accounts.check_account_param(ctx, ctx.params)
    _check_documents(ctx, ctx.params, None)
    given = token_use.account_params(ctx, ctx.params, peeking=True)  # a token's details are checked too
    check_contact(given, country_of(ctx.params))
    check_terms_given(ctx, ctx.params)
    check_capability_requests(
        {}, requested_of(ctx.params), service_agreement_of(ctx.params, None), _controller_of(ctx.params)
    )
    check_tos_acceptance(ctx, ctx.params, _controller_of(ctx.params), None)
    onboarding.check_legal_entity(given, None, ctx.now)
    params = token_use.account_params(ctx, ctx.params)  # nothing left to refuse: the token is used up
    settings = account_settings.changes(account_settings.DEFAULT_SCHEDULE, params)
    account_id = ctx.state.ids.account()
    account = new_account(ctx.platform, account_id, ctx.now, params)
    account_settings.apply(account, settings)
    ctx.platform.accounts.add(account)
    ctx.platform.index[account_id] = ctx.platform.scope(account_id)
    onboarding.start(ctx, account)
    onboarding.apply_params(ctx, account, params)
    _default_statement_descriptor(ctx, account)
    onboarding.refresh(ctx, account)  # what it has given, before any capability: what the event compares
    before = ctx.snapshot(account)
    changed = apply_capability_requests(ctx, account, requested_of(params), {})
    if changed and ctx.snapshot(account) != before:  # the capabilities it asked for, as they become active
        _account_ctx(ctx, account).emit("account.updated", account, before)
    _after_capability_change(ctx, account, changed)
    external_accounts.attach_from_account(ctx, account, params)
    return account


def retrieve(ctx: Ctx) -> Obj:
    return _connected(ctx, ctx.path["account"])


def retrieve_self(ctx: Ctx) -> Obj:
    if ctx.scope.is_connected:
        return _connected(ctx, ctx.scope.account_id)
    return ctx.platform.account


UPDATABLE = ("business_type", "email", "default_currency")


def update(ctx: Ctx) -> Obj:
    account = _connected(ctx, ctx.path["account"])
    if ctx.platform.scope(account["id"]).meta_of(account["id"]).get("rejected"):
        raise StripeError(ACCOUNT_REJECTED)
    from emulator.resources.connect import external_accounts

    take_requested_capabilities(ctx)
    external_accounts.check_account_param(ctx, ctx.params)
    _check_documents(ctx, ctx.params, account["id"])
    given = token_use.account_params(ctx, ctx.params, peeking=True)  # a token's details are checked too
    check_contact(given, str(account.get("country") or "US"))
    check_terms_given(ctx, ctx.params)
    agreement = service_agreement_of(ctx.params, account)
    check_capability_requests(_caps_meta(ctx, account), requested_of(ctx.params), agreement, account.get("controller"))
    check_tos_acceptance(ctx, ctx.params, account["controller"], account["id"])
    onboarding.check_legal_entity(given, account, ctx.now)
    before = ctx.snapshot(account)
    before_caps = capability_snapshots(ctx, account)
    p = token_use.account_params(ctx, ctx.params)  # nothing left to refuse: the token is used up
    settings_changes = account_settings.changes(account["settings"]["payouts"]["schedule"], p)
    onboarding.apply_params(ctx, account, p)
    account_settings.apply(account, settings_changes)
    for name in UPDATABLE:
        if name in p:
            account[name] = p[name]
    if "metadata" in p:
        account["metadata"] = common.merge_metadata(account["metadata"], p["metadata"])
    if p.get("business_profile"):
        for k, v in p["business_profile"].items():
            if k in account["business_profile"] and not isinstance(v, dict):
                account["business_profile"][k] = v
    if p.get("tos_acceptance"):
        for k in ("date", "ip", "service_agreement", "user_agent"):
            if k in p["tos_acceptance"]:
                account["tos_acceptance"][k] = p["tos_acceptance"][k]
    settings = p.get("settings") or {}
    for product in ("card_issuing", "treasury"):
        tos = (settings.get(product) or {}).get("tos_acceptance")
        if tos:
            target = account["settings"][product]["tos_acceptance"]
            for k in ("date", "ip"):
                if k in tos:
                    target[k] = tos[k]
            if "user_agent" in tos:  # shown once given; an empty value takes it away
                if tos["user_agent"] is None:
                    target.pop("user_agent", None)
                else:
                    target["user_agent"] = tos["user_agent"]
    _default_statement_descriptor(ctx, account)
    changed = apply_capability_requests(ctx, account, requested_of(p), before_caps)
    external_accounts.attach_from_account(ctx, account, p)
    sub = _account_ctx(ctx, account)
    if account["id"] != ctx.platform.account_id and ctx.snapshot(account) != before:  # no event for a no-op
        sub.emit("account.updated", account, before)
    _after_capability_change(ctx, account, changed)
    return account


def _default_statement_descriptor(ctx: Ctx, account: Obj) -> None:
    """From 2023-10-16 on, an unset statement descriptor takes the business's name (Stripe's changelog)."""
    if api_changes.since(ctx.api_version, api_changes.STATEMENT_DESCRIPTOR_DEFAULT):
        account_settings.fill_statement_descriptor(account)


def _account_ctx(ctx: Ctx, account: Obj) -> Ctx:
    return ctx.in_scope(ctx.platform.scope(account["id"]))


def list_accounts(ctx: Ctx) -> Obj:
    if ctx.scope.is_connected:
        return plain_list("/v1/accounts", [])
    return paginate(ctx.platform.accounts, "/v1/accounts", ctx.params, noun="account")


def delete(ctx: Ctx) -> Obj:
    account_id = ctx.path["account"]
    if account_id == ctx.platform.account_id:
        raise StripeError(CANNOT_DELETE_PLATFORM)
    account = _connected(ctx, account_id)
    if account.get("type") == "standard":
        # the platform loses its access to the account: what stripe-cli's account.application.deauthorized
        # trigger makes (it deletes a Standard account); sent, like Stripe, to the platform's Connect endpoints
        application = {"id": application_id(ctx.platform.account_id), "object": "application", "name": None}
        _account_ctx(ctx, account).emit(DEAUTHORIZED, application)
    ctx.platform.accounts.remove(account_id)
    ctx.platform.scopes.pop(account_id, None)
    return {"id": account_id, "object": "account", "deleted": True}


def application_id(platform_account: str) -> str:
    """The platform's Connect application (``ca_``), the same for its whole life (no id drawn)."""
    return "ca_" + platform_account.removeprefix("acct_")


def reject(ctx: Ctx) -> Obj:
    account = _connected(ctx, ctx.path["account"])
    reason = ctx.params["reason"]
    newer = ctx.api_version[:10] >= REASONS_CHANGED
    reasons = REJECT_REASONS if newer else OLD_REJECT_REASONS
    if reason not in reasons:
        text = INVALID_REJECT_REASON if newer else INVALID_OLD_REJECT_REASON
        raise StripeError(text, param="reason", code="parameter_invalid")
    if account["id"] == ctx.platform.account_id:
        raise StripeError(CANNOT_REJECT_PLATFORM)
    meta = ctx.platform.scope(account["id"]).meta_of(account["id"])
    if meta.get("rejected"):
        raise StripeError(ALREADY_REJECTED)
    before, before_caps = ctx.snapshot(account), capability_snapshots(ctx, account)
    meta["rejected"] = True
    account["requirements"]["disabled_reason"] = reasons[reason]
    account["charges_enabled"] = False
    if ctx.params.get("payouts_action", "pause") == "pause":
        account["payouts_enabled"] = False
    settle(ctx, account, before, before_caps)  # its capabilities go inactive, for the same reason
    account_changed(_account_ctx(ctx, account))
    return account


def unreject(ctx: Ctx) -> Obj:
    account = _connected(ctx, ctx.path["account"])
    meta = ctx.platform.scope(account["id"]).meta_of(account["id"])
    if not meta.get("rejected"):
        raise StripeError(ACCOUNT_NOT_REJECTED)
    before, before_caps = ctx.snapshot(account), capability_snapshots(ctx, account)
    meta["rejected"] = False
    account["requirements"]["disabled_reason"] = None
    account["charges_enabled"] = True
    account["payouts_enabled"] = True
    settle(ctx, account, before, before_caps)  # its capabilities as its requirements have them again
    account_changed(_account_ctx(ctx, account))
    return account


def is_rejected(platform: Platform, account_id: str) -> bool:
    return bool(platform.scope(account_id).meta_of(account_id).get("rejected"))


def list_capabilities(ctx: Ctx) -> Obj:
    account = _connected(ctx, ctx.path["account"])
    caps = _caps_meta(ctx, account)
    names = sorted(n for n in caps if caps[n]["requested"])
    url = f"/v1/accounts/{account['id']}/capabilities"
    return plain_list(url, [capability_object(ctx, account, n) for n in names])


def _capability_name(ctx: Ctx) -> str:
    name = ctx.path["capability"]
    if name not in capability_names(ctx):
        raise StripeError(UNKNOWN_CAPABILITY.format(name=name), status=404, code="resource_missing", param="capability")
    return name


def retrieve_capability(ctx: Ctx) -> Obj:
    account = _connected(ctx, ctx.path["account"])
    return capability_object(ctx, account, _capability_name(ctx))


def update_capability(ctx: Ctx) -> Obj:
    account = _connected(ctx, ctx.path["account"])
    name = _capability_name(ctx)
    recipient = account["tos_acceptance"].get("service_agreement") == "recipient"
    if name == "card_payments" and ctx.params.get("requested") and recipient:
        raise StripeError(RECIPIENT_CARD_PAYMENTS, param="requested")
    before = ctx.snapshot(account)
    changed: dict[str, Obj] = {}
    if "requested" in ctx.params:
        changed = apply_capability_requests(ctx, account, {name: ctx.params["requested"]})
    if changed and account["id"] != ctx.platform.account_id:
        _account_ctx(ctx, account).emit("account.updated", account, before)
    _after_capability_change(ctx, account, changed)
    return capability_object(ctx, account, name)


ROUTES: list[Route] = [
    route("POST", "/v1/accounts", create),
    route("GET", "/v1/accounts", list_accounts),
    route("GET", "/v1/account", retrieve_self),
    route("GET", "/v1/accounts/{account}", retrieve),
    route("POST", "/v1/accounts/{account}", update),
    route("DELETE", "/v1/accounts/{account}", delete),
    route("POST", "/v1/accounts/{account}/reject", reject),
    route("POST", "/v1/accounts/{account}/unreject", unreject),
    route("GET", "/v1/accounts/{account}/capabilities", list_capabilities),
    route("GET", "/v1/accounts/{account}/capabilities/{capability}", retrieve_capability),
    route("POST", "/v1/accounts/{account}/capabilities/{capability}", update_capability),
]


def render(ctx: Ctx, account: Obj) -> Obj:
    """The account in the request's API version: a platform's rejection is ``rejected.platform_*``
    from 2026-09-30 on; before 2020-08-27 a role's fields are one ``relationship.*`` requirement."""
    return api_changes.adapt(account, "account", api_changes.STORED, ctx.api_version)


def render_capability(ctx: Ctx, capability: Obj) -> Obj:
    """A capability in the request's API version (its requirements as :func:`render` shows them)."""
    return api_changes.adapt(capability, "capability", api_changes.STORED, ctx.api_version)


RESOURCE = Resource(
    "account",
    prefix="acct",
    title="Accounts",
    routes=ROUTES,
    render=render,
    events=("account.updated",),
    on_new_platform=init_platform,
)
CAPABILITY = Resource("capability", title="Capabilities", render=render_capability, events=("capability.updated",))
RESOURCES = (RESOURCE, CAPABILITY)
