"""Account links, account sessions and login links: the ways a platform lets its connected
accounts onboard and manage themselves.

* ``POST /v1/account_links``: an ``account_link`` whose ``url`` is the emulator's own hosted
  onboarding page (``/_emulator/onboarding/{token}``, served by :mod:`emulator.hosted`). The link
  is usable once and expires at ``expires_at`` (:data:`LINK_TTL` seconds); both then send the
  browser to ``refresh_url``.
* ``POST /v1/account_sessions``: an ``account_session`` for embedded components, with a
  ``client_secret``; every component is listed, enabled or not, with its features.
* ``POST /v1/accounts/{account}/login_links``: Express accounts that completed onboarding
  (``details_submitted``) only, as Stripe.

Links live in ``platform.extra[LINKS]`` (token -> :class:`Link`), not in the API's object stores:
they have no id and cannot be retrieved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.core.context import Ctx
from emulator.core.ids import IdFactory
from emulator.core.state import Platform, State
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.router import route
from emulator.resources.connect import accounts
from emulator.resources.resource import Resource

LINKS = "account_links"
LOGIN_LINKS = "login_links"
LINK_TTL = 300  # seconds an account link can be used (Stripe: a few minutes)
SESSION_TTL = 1800  # seconds an account session's client secret is valid
ONBOARDING_PATH = "/_emulator/onboarding/"
LOGIN_PATH = "/_emulator/express/"

NO_SUCH_ACCOUNT = "No such account: '{account}'"
# Stripe's text, with no code (apps recognise a stale account id by it)
LINK_NOT_CONNECTED = (
    "You requested an account link for an account that is not connected to your platform or does not exist."
)
OWN_ACCOUNT = "You cannot create {what} for your own platform account; pass a connected account."
UPDATE_NOT_COLLECTED = (
    "account_update links can only be created for connected accounts whose requirements your platform collects "
    "(`controller.requirement_collection` is `application`, like Custom accounts); account {account} has its "
    "requirements collected by Stripe: use embedded components or its Stripe Dashboard instead."
)
ONLY_WHEN_PLATFORM_COLLECTS = (
    "`{feature}` can only be `{value}` for accounts where `controller.requirement_collection` is `application`, "
    "and account {account} has its requirements collected by Stripe."
)
EXCLUSIVE = "You may only specify one of these parameters: collect, collection_options."
NOT_EXPRESS = "Login links can only be created for Express accounts, and {account} is not an Express account."
NOT_ONBOARDED = "Cannot create a login link for an account that has not completed onboarding."

# Embedded components (API 2026-10-28): name -> {feature: default}. Defaults follow Stripe's
# documented ones where known; the rest are choices (docs/onboarding.md). Some depend on the
# account, and are worked out in ``_features``: see ``_LOSSES_FEATURES`` and below.
COMPONENT_FEATURES: dict[str, dict[str, bool]] = {
    "account_management": {"disable_stripe_user_authentication": False, "external_account_collection": True},
    "account_onboarding": {"disable_stripe_user_authentication": False, "external_account_collection": True},
    "balance_report": {},
    "balances": {
        "disable_stripe_user_authentication": False,
        "edit_payout_schedule": True,
        "external_account_collection": True,
        "instant_payouts": True,
        "standard_payouts": True,
    },
    "disputes_list": {
        "capture_payments": True,
        "destination_on_behalf_of_charge_management": False,
        "dispute_management": True,
        "refund_management": True,
        "smart_disputes_management": False,
    },
    "documents": {},
    "financial_account": {
        "disable_stripe_user_authentication": False,
        "external_account_collection": True,
        "send_money": True,
        "transfer_balance": True,
    },
    "financial_account_transactions": {"card_spend_dispute_management": False},
    "instant_payouts_promotion": {
        "disable_stripe_user_authentication": False,
        "external_account_collection": True,
        "instant_payouts": True,
    },
    "issuing_card": {
        "card_management": False,
        "card_spend_dispute_management": False,
        "cardholder_management": False,
        "spend_control_management": False,
    },
    "issuing_cards_list": {
        "card_management": False,
        "card_spend_dispute_management": False,
        "cardholder_management": False,
        "disable_stripe_user_authentication": False,
        "spend_control_management": False,
    },
    "notification_banner": {"disable_stripe_user_authentication": False, "external_account_collection": True},
    "payment_details": {
        "capture_payments": True,
        "destination_on_behalf_of_charge_management": False,
        "dispute_management": True,
        "refund_management": True,
        "smart_disputes_management": False,
    },
    "payment_disputes": {
        "destination_on_behalf_of_charge_management": False,
        "dispute_management": True,
        "refund_management": True,
        "smart_disputes_management": False,
    },
    "payment_method_settings": {"disable_stripe_user_authentication": False},
    "payments": {
        "capture_payments": True,
        "destination_on_behalf_of_charge_management": False,
        "dispute_management": True,
        "refund_management": True,
        "smart_disputes_management": False,
    },
    "payout_details": {},
    "payout_reconciliation_report": {},
    "payouts": {
        "disable_stripe_user_authentication": False,
        "edit_payout_schedule": True,
        "external_account_collection": True,
        "instant_payouts": True,
        "standard_payouts": True,
    },
    "payouts_list": {},
    "reporting_chart": {},
    "tax_registrations": {},
    "tax_settings": {},
    "terminal_hardware_orders": {},
    "terminal_hardware_shop": {},
}


# Components in public preview: known (spec/overlay-onboarding.json) but, as at Stripe, taken only
# under a preview ``Stripe-Version`` (``YYYY-MM-DD.preview``) or with the ``embedded_connect_beta`` flag
PREVIEW_COMPONENTS = (
    "capital_financing",
    "capital_financing_application",
    "capital_financing_promotion",
    "export_tax_transactions",
    "tax_threshold_monitoring",
)
PREVIEW_FLAG = "embedded_connect_beta"

# "Defaults to `true` when `controller.losses.payments` is set to `stripe` for the account, otherwise `false`"
_LOSSES_FEATURES = ("edit_payout_schedule", "standard_payouts")
# features only an account whose requirements the platform collects may turn this way (feature -> value)
_PLATFORM_COLLECTS_ONLY = {"disable_stripe_user_authentication": True, "external_account_collection": False}


@dataclass
class Link:
    """One account link's state (what its page needs to know)."""

    account: str
    type: str
    collect: str
    future_requirements: str
    refresh_url: str | None
    return_url: str | None
    created: int
    expires_at: int
    form_token: str
    visited: bool = False
    used: bool = False


def links_of(platform: Platform) -> dict[str, Link]:
    found: dict[str, Link] = platform.extra.setdefault(LINKS, {})
    return found


def find_link(state: State, token: str) -> tuple[Platform, Link] | None:
    """The platform and link of a link token (tokens are random: no platform shares one)."""
    for platform in list(state.platforms.values()):
        link = links_of(platform).get(token)
        if link is not None:
            return platform, link
    return None


def find_login(state: State, token: str) -> tuple[Platform, str] | None:
    for platform in list(state.platforms.values()):
        account_id = platform.extra.get(LOGIN_LINKS, {}).get(token)
        if account_id is not None:
            return platform, str(account_id)
    return None


def _connected_param(ctx: Ctx, what: str, unknown: StripeError | None = None) -> Obj:
    """The connected account ``account`` names; ``unknown``: the refusal when it is not one of the platform's."""
    account_id = ctx.params["account"]
    if account_id == ctx.platform.account_id:
        raise StripeError(OWN_ACCOUNT.format(what=what), param="account")
    account = ctx.platform.accounts.get(account_id)
    if account is None or (ctx.scope.is_connected and account_id != ctx.scope.account_id):
        raise unknown or StripeError(
            NO_SUCH_ACCOUNT.format(account=account_id), param="account", code="resource_missing"
        )
    return account


def create_link(ctx: Ctx) -> Obj:
    p = ctx.params
    account = _connected_param(ctx, "an account link", StripeError(LINK_NOT_CONNECTED, param="account"))
    if "collect" in p and "collection_options" in p:
        raise StripeError(EXCLUSIVE, param="collection_options", code="parameters_exclusive")
    if p["type"] == "account_update" and accounts.stripe_collects(account.get("controller") or {}):
        raise StripeError(UPDATE_NOT_COLLECTED.format(account=account["id"]), param="type")
    options = p.get("collection_options") or {}
    token = IdFactory.token()
    link = Link(
        account=account["id"],
        type=p["type"],
        collect=p.get("collect") or options.get("fields") or "currently_due",
        future_requirements=options.get("future_requirements") or "omit",
        refresh_url=p.get("refresh_url"),
        return_url=p.get("return_url"),
        created=ctx.now,
        expires_at=ctx.now + LINK_TTL,
        form_token=IdFactory.token(),
    )
    links_of(ctx.platform)[token] = link
    return {
        "object": "account_link",
        "created": link.created,
        "expires_at": link.expires_at,
        "url": f"{ctx.origin}{ONBOARDING_PATH}{token}",
    }


def _features(name: str, asked: dict[str, Any], account: Obj) -> Obj:
    """One component's features: what was asked, else Stripe's documented defaults for this account."""
    controller = account.get("controller") or {}
    features = dict(COMPONENT_FEATURES[name])
    for feature in _LOSSES_FEATURES:
        if feature in features:
            # a Standard account's controller names no losses: Stripe is liable for them
            features[feature] = (controller.get("losses") or {}).get("payments", "stripe") == "stripe"
    given = {feature: bool(value) for feature, value in asked.items() if feature in features}
    features.update(given)
    # "The default value is the opposite of the `external_account_collection` value"
    if "disable_stripe_user_authentication" not in given and "external_account_collection" in features:
        features["disable_stripe_user_authentication"] = not features["external_account_collection"]
    # "Defaults to the value of `dispute_management`"
    if "smart_disputes_management" not in given and "dispute_management" in features:
        features["smart_disputes_management"] = features["dispute_management"]
    if accounts.stripe_collects(controller):
        for feature, value in _PLATFORM_COLLECTS_ONLY.items():
            if given.get(feature, not value) == value:
                raise StripeError(
                    ONLY_WHEN_PLATFORM_COLLECTS.format(
                        feature=feature, value=str(value).lower(), account=account["id"]
                    ),
                    param=f"components[{name}][features][{feature}]",
                )
    return features


def _components(given: dict[str, Any], account: Obj) -> Obj:
    out: Obj = {}
    for name in COMPONENT_FEATURES:
        asked = given.get(name) or {}
        features = _features(name, asked.get("features") or {}, account)
        out[name] = {"enabled": bool(asked.get("enabled")), "features": features}
    return out


def is_preview(version: str) -> bool:
    """Whether a ``Stripe-Version`` header opens the preview components."""
    release, *flags = (part.strip() for part in version.split(";"))
    return release.endswith(".preview") or any(flag.split("=")[0] == PREVIEW_FLAG for flag in flags)


def _preview_components(given: dict[str, Any], version: str) -> Obj:
    asked = [name for name in PREVIEW_COMPONENTS if name in given]
    if not is_preview(version):
        if asked:
            raise errors.unknown_params([f"components[{name}]" for name in asked])
        return {}
    out: Obj = {}
    for name in PREVIEW_COMPONENTS:
        component = given.get(name) or {}
        features = {feature: bool(value) for feature, value in (component.get("features") or {}).items()}
        out[name] = {"enabled": bool(component.get("enabled")), "features": features}
    return out


def create_session(ctx: Ctx) -> Obj:
    account = _connected_param(ctx, "an account session")
    given = ctx.params.get("components") or {}
    components = _components(given, account)
    components.update(_preview_components(given, ctx.api_version))
    return {
        "object": "account_session",
        "account": account["id"],
        "client_secret": ctx.state.ids.secret("accs_secret_"),
        "components": dict(sorted(components.items())),
        "expires_at": ctx.now + SESSION_TTL,
        "livemode": False,
    }


def create_login_link(ctx: Ctx) -> Obj:
    account = accounts._connected(ctx, ctx.path["account"])
    if account["id"] == ctx.platform.account_id or account.get("type") != "express":
        raise StripeError(NOT_EXPRESS.format(account=account["id"]), param="account")
    if not account.get("details_submitted"):
        raise StripeError(NOT_ONBOARDED)
    token = IdFactory.token()
    ctx.platform.extra.setdefault(LOGIN_LINKS, {})[token] = account["id"]
    return {"object": "login_link", "created": ctx.now, "url": f"{ctx.origin}{LOGIN_PATH}{token}"}


RESOURCES = (
    Resource("account_link", title="Account links", routes=[route("POST", "/v1/account_links", create_link)]),
    Resource(
        "account_session", title="Account sessions", routes=[route("POST", "/v1/account_sessions", create_session)]
    ),
    Resource(
        "login_link",
        title="Login links",
        routes=[route("POST", "/v1/accounts/{account}/login_links", create_login_link)],
    ),
)
