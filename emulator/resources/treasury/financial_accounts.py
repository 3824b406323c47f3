"""Treasury financial accounts and their features (``/v1/treasury/financial_accounts``).

A feature is requested by the platform; its status follows from the account's capabilities,
the platform restrictions and the account's own status:

* capability not requested -> ``restricted`` (``capability_not_requested``)
* capability requested, not active: requirements due -> ``restricted`` (``requirements_past_due``),
  only verification pending -> ``pending`` (``requirements_pending_verification``), else
  ``pending`` (``activating``)
* platform restricts the feature's direction -> ``restricted`` (``restricted_by_platform``): as in
  Stripe's features guide, ``outbound_flows`` restricts ``financial_addresses.aba`` (debits),
  ``intra_stripe_flows`` (as a source) and ``outbound_*``, ``inbound_flows`` restricts
  ``financial_addresses.aba`` (ACH credits), ``inbound_transfers.ach`` and ``intra_stripe_flows``
  (as a destination); ``card_issuing`` and ``deposit_insurance`` are never restricted by them
* financial account closed -> ``restricted`` (``financial_account_closed``)
* otherwise -> ``active``

Features sit in ``active_features``/``pending_features``/``restricted_features`` as dotted
paths; a status change emits ``treasury.financial_account.features_status_updated``.

A feature that can be active is first ``pending`` (``activating``) in the answer of the request that
asked for it (create, or a features update), and ``active`` right after that answer, with
``features_status_updated``: Stripe's financial-accounts guide has the platform wait for that event
("The response confirms the account is processing"). ``card_issuing`` activates at once (the guide:
"activation can be instantaneous (for example, ``card_issuing``)"). ``financial_addresses`` stays
empty until ``financial_addresses.aba`` is active or restricted by the platform only (the address
"can still receive ACH or wire transfers").
"""

from __future__ import annotations

import hashlib
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import CARD, FINANCIAL_ACCOUNT, INBOUND_TRANSFER
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import accounts
from emulator.resources.resource import Resource
from emulator.resources.treasury import ledger

# Stripe's test routing number (9 digits, as every US routing number)
TEST_ROUTING_NUMBER = "110000000"
MAX_PER_ACCOUNT = 3

# feature path -> capabilities it needs
FEATURES: dict[str, tuple[str, ...]] = {
    "card_issuing": ("card_issuing",),
    "deposit_insurance": ("treasury",),
    "financial_addresses.aba": ("treasury",),
    "inbound_transfers.ach": ("treasury", "us_bank_account_ach_payments"),
    "intra_stripe_flows": ("treasury",),
    "outbound_payments.ach": ("treasury", "us_bank_account_ach_payments"),
    "outbound_payments.us_domestic_wire": ("treasury",),
    "outbound_transfers.ach": ("treasury", "us_bank_account_ach_payments"),
    "outbound_transfers.us_domestic_wire": ("treasury",),
}
INBOUND = frozenset({"inbound_transfers.ach", "financial_addresses.aba", "intra_stripe_flows"})
OUTBOUND = frozenset(
    {
        "financial_addresses.aba",
        "intra_stripe_flows",
        "outbound_payments.ach",
        "outbound_payments.us_domestic_wire",
        "outbound_transfers.ach",
        "outbound_transfers.us_domestic_wire",
    }
)
# The guide's ``treasury[access][requested]=true`` asks for the core Treasury features.
TREASURY_ACCESS = ("deposit_insurance", "financial_addresses.aba", "intra_stripe_flows")
INTRA_STRIPE = "intra_stripe_flows"
ABA = "financial_addresses.aba"
# features active in the answer that requests them (the guide: "instantaneous (for example, card_issuing)")
INSTANT = frozenset({"card_issuing"})
SUPPORTED_CURRENCIES = ("usd",)
NICKNAME_MAX = 249  # the guide: "Contain less than 250 characters"

TREASURY_NOT_REQUESTED = (
    "The `treasury` capability must be requested on account {account} before it can have a FinancialAccount. "
    "Request it with `capabilities[treasury][requested]=true` (which also needs `transfers`)."
)
TOO_MANY = "This account already has the maximum of {n} open FinancialAccounts."
CLOSED = "This FinancialAccount is closed and can no longer be modified."
CLOSE_NONZERO = (
    "A FinancialAccount can only be closed when its balance is zero: it holds {cash} in cash and {pending} in "
    "outbound_pending."
)
ALREADY_CLOSED = "This FinancialAccount is already closed."
CURRENCY_NOT_SUPPORTED = (
    "Invalid supported_currencies: {currency} is not supported. Treasury financial accounts currently support only usd."
)
NICKNAME_BLANK = "Invalid nickname: a nickname must be a non-blank string (send an empty string to unset it)."
NICKNAME_TOO_LONG = "Invalid nickname: a nickname must contain less than 250 characters ({length} given)."
FORWARD_MISSING = "forwarding_settings[{field}] is required when forwarding_settings[type] is {field}."
FORWARD_SELF = "forwarding_settings[financial_account] must be another FinancialAccount than the one being closed."
FORWARD_CLOSED = "forwarding_settings[financial_account] {fa} is closed: forwarding needs an open FinancialAccount."
FORWARD_PAYMENT_METHOD = (
    "forwarding_settings[type]=payment_method is not supported by the emulator: it has no PaymentMethod objects, "
    "so the PaymentMethod {pm} cannot be checked to exist. Forward to another FinancialAccount "
    "(forwarding_settings[type]=financial_account) or close without forwarding_settings."
)
CLOSE_CARDS = (
    "A FinancialAccount can only be closed when all its Issuing cards are canceled: {cards} {verb} not canceled."
)
CLOSE_INBOUND = (
    "A FinancialAccount can only be closed when it has no pending InboundTransfers: {transfers} "
    "{verb} still processing."
)
# ``expand[]=financial_addresses.aba.account_number`` shows the full account number (retrieve only)
ACCOUNT_NUMBER = "financial_addresses.aba.account_number"
LIST_ACCOUNT_NUMBER = "data." + ACCOUNT_NUMBER  # the same through the list's ``data``


def _meta(ctx: Ctx, fa: Obj) -> dict[str, Any]:
    return ctx.scope.meta_of(fa["id"])


ACTIVATING = "activating"  # meta: features that turn active right after the current answer


def feature_state(ctx: Ctx, fa: Obj, path: str) -> tuple[str, list[Obj]]:
    """Status and status_details of one requested feature."""
    if fa["status"] == "closed":
        return "restricted", [{"code": "financial_account_closed", "resolution": "contact_stripe"}]
    account = ctx.platform.account_by_id(ctx.scope.account_id) or {}
    if accounts.is_rejected(ctx.platform, ctx.scope.account_id):
        return "restricted", [{"code": "rejected_other", "resolution": "contact_stripe"}]
    caps: dict[str, str] = account.get("capabilities", {})
    needed = FEATURES[path]
    if any(name not in caps for name in needed):
        return "restricted", [{"code": "capability_not_requested", "resolution": "provide_information"}]
    inactive = [name for name in needed if caps[name] != "active"]
    if inactive:
        return _inactive_capability_state(ctx, account, inactive)
    restrictions = fa.get("platform_restrictions") or {}
    details: list[Obj] = []
    if path in INBOUND and restrictions.get("inbound_flows") == "restricted":
        details.append(
            {"code": "restricted_by_platform", "resolution": "remove_restriction", "restriction": "inbound_flows"}
        )
    if path in OUTBOUND and restrictions.get("outbound_flows") == "restricted":
        details.append(
            {"code": "restricted_by_platform", "resolution": "remove_restriction", "restriction": "outbound_flows"}
        )
    if details:
        return "restricted", details
    if path in _meta(ctx, fa).get(ACTIVATING, ()):
        return "pending", [{"code": "activating", "resolution": None}]
    return "active", []


def _inactive_capability_state(ctx: Ctx, account: Obj, names: list[str]) -> tuple[str, list[Obj]]:
    """A feature whose capabilities ``names`` are requested but not active, as the features guide's
    table has it: requirements still due -> ``restricted`` (``requirements_past_due``), only
    verification pending -> ``pending`` (``requirements_pending_verification``), else ``activating``."""
    verifying = False
    for name in names:
        reqs = accounts.capability_object(ctx, account, name)["requirements"]
        if reqs.get("currently_due") or reqs.get("past_due"):
            return "restricted", [{"code": "requirements_past_due", "resolution": "provide_information"}]
        verifying = verifying or bool(reqs.get("pending_verification"))
    if verifying:
        return "pending", [{"code": "requirements_pending_verification", "resolution": None}]
    return "pending", [{"code": "activating", "resolution": None}]


def platform_only(details: list[Obj]) -> bool:
    """Whether every reason of a restricted feature is a platform restriction."""
    return bool(details) and all(d["code"] == "restricted_by_platform" for d in details)


def allows_intra_stripe(ctx: Ctx, fa: Obj, direction: str) -> bool:
    """Whether ``fa`` may send (``direction="outbound_flows"``) or receive (``"inbound_flows"``) money
    over the ``stripe`` network. Stripe's features guide: a restricted ``intra_stripe_flows`` is only
    partly restricted; ``outbound_flows`` stops it as the source, ``inbound_flows`` as the destination."""
    if INTRA_STRIPE in fa["active_features"]:
        return True
    if INTRA_STRIPE not in _meta(ctx, fa).get("requested", []):
        return False
    status, details = feature_state(ctx, fa, INTRA_STRIPE)
    return status == "restricted" and platform_only(details) and all(d["restriction"] != direction for d in details)


def _activate_after_answer(ctx: Ctx, fa: Obj, paths: list[str]) -> None:
    """``paths`` are ``pending`` in this answer and turn ``active`` right after it (but ``INSTANT`` ones)."""
    meta = _meta(ctx, fa)
    newly = [p for p in paths if p not in fa["active_features"] and p not in INSTANT]
    if not newly:
        return
    meta[ACTIVATING] = sorted({*meta.get(ACTIVATING, ()), *newly})

    def activate(auto: Ctx) -> None:
        meta.pop(ACTIVATING, None)
        refresh(auto, fa)

    ctx.after_answer(activate)


def _holder_name(account: Obj) -> str:
    """Whose the ABA address is: the account's legal name (its individual's or its company's), else
    its public business name, else the name of Stripe's examples."""
    person = account.get("individual") or {}
    full = " ".join(part for part in (person.get("first_name"), person.get("last_name")) if part)
    company = (account.get("company") or {}).get("name")
    legal = (full or company) if account.get("business_type") == "individual" else (company or full)
    return legal or (account.get("business_profile") or {}).get("name") or "Jenny Rosen"


def refresh(ctx: Ctx, fa: Obj, *, emit: bool = True) -> bool:
    """Recompute the feature lists; emit features_status_updated when they change."""
    requested: list[str] = sorted(_meta(ctx, fa).setdefault("requested", []))
    before = (list(fa["active_features"]), list(fa["pending_features"]), list(fa["restricted_features"]))
    had_address = bool(fa["financial_addresses"])
    snapshot = ctx.snapshot(fa) if emit else None
    active: list[str] = []
    pending: list[str] = []
    restricted: list[str] = []
    addressable = False  # the ABA address exists while the feature is active or restricted by the platform only
    for path in requested:
        status, details = feature_state(ctx, fa, path)
        {"active": active, "pending": pending, "restricted": restricted}[status].append(path)
        if path == ABA and (status == "active" or (status == "restricted" and platform_only(details))):
            addressable = ABA not in _meta(ctx, fa).get(ACTIVATING, ())
    fa["active_features"], fa["pending_features"], fa["restricted_features"] = active, pending, restricted
    if addressable and not fa["financial_addresses"]:
        holder = _holder_name(ctx.platform.account_by_id(ctx.scope.account_id) or {})
        fa["financial_addresses"] = [
            {
                "aba": {
                    "account_holder_name": holder,
                    "account_number_last4": ctx.state.ids.digits(4),
                    "bank_name": "STRIPE TEST BANK",
                    "routing_number": TEST_ROUTING_NUMBER,
                },
                "supported_networks": ["ach", "us_domestic_wire"],
                "type": "aba",
            }
        ]
    changed = before != (active, pending, restricted) or had_address != bool(fa["financial_addresses"])
    if changed and emit and snapshot is not None:
        ctx.emit("treasury.financial_account.features_status_updated", fa, snapshot)
    return changed


def refresh_all(ctx: Ctx) -> None:
    """Recompute every financial account of ctx's account (after capability changes)."""
    for fa in list(ctx.scope.store(FINANCIAL_ACCOUNT).values()):
        refresh(ctx, fa)


def features_object(ctx: Ctx, fa: Obj) -> Obj:
    out: Obj = {"object": "treasury.financial_account_features"}
    for path in sorted(_meta(ctx, fa).get("requested", [])):
        status, details = feature_state(ctx, fa, path)
        leaf = {"requested": True, "status": status, "status_details": details}
        head, _, tail = path.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = leaf
        else:
            out[head] = leaf
    return out


def _requested_paths(features: dict[str, Any]) -> dict[str, bool]:
    """``features`` params (nested ``{requested: bool}``) -> {dotted path: requested}.

    Only feature paths count: the guide's ``treasury[access]`` and ``card_issuing[access]`` name
    groups of features, which :func:`_guide_access_paths` reads.
    """
    out: dict[str, bool] = {}
    for key, value in features.items():
        if not isinstance(value, dict):
            continue
        if "requested" in value and not isinstance(value["requested"], dict):
            out[key] = bool(value["requested"])
        else:
            for sub, leaf in value.items():
                if isinstance(leaf, dict) and "requested" in leaf:
                    out[f"{key}.{sub}"] = bool(leaf["requested"])
    return {path: want for path, want in out.items() if path in FEATURES}


def _guide_access_paths(params: dict[str, Any]) -> dict[str, bool]:
    """The guide's form: ``treasury[access][requested]`` and ``card_issuing[access][requested]``."""
    out: dict[str, bool] = {}
    treasury = ((params.get("treasury") or {}).get("access") or {}).get("requested")
    if treasury is not None:
        out.update({p: bool(treasury) for p in TREASURY_ACCESS})
    card = ((params.get("card_issuing") or {}).get("access") or {}).get("requested")
    if card is not None:
        out["card_issuing"] = bool(card)
    return out


def _apply_requests(ctx: Ctx, fa: Obj, changes: dict[str, bool]) -> None:
    requested: list[str] = _meta(ctx, fa).setdefault("requested", [])
    for path, want in changes.items():
        if want and path not in requested:
            requested.append(path)
        elif not want and path in requested:
            requested.remove(path)


def _nickname(value: str | None) -> str | None:
    """A nickname as Stripe's guide allows it: non-blank, under 250 characters; ``None`` unsets it."""
    if value is None:
        return None
    if not value.strip():
        raise StripeError(NICKNAME_BLANK, param="nickname", code="parameter_invalid")
    if len(value) > NICKNAME_MAX:
        raise StripeError(NICKNAME_TOO_LONG.format(length=len(value)), param="nickname", code="parameter_invalid")
    return value


def _open(ctx: Ctx, fa_id: str) -> Obj:
    fa = common.get(ctx, FINANCIAL_ACCOUNT, fa_id, param="financial_account")
    return fa


# --- handlers ------------------------------------------------------------------------------------


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    # an account still onboarding may have one: its features stay pending until the capability is active
    if not accounts.is_capability_requested(ctx, ctx.scope.account_id, "treasury"):
        raise StripeError(TREASURY_NOT_REQUESTED.format(account=ctx.scope.account_id))
    store = ctx.scope.store(FINANCIAL_ACCOUNT)
    if sum(1 for fa in store.values() if fa["status"] == "open") >= MAX_PER_ACCOUNT:
        raise StripeError(TOO_MANY.format(n=MAX_PER_ACCOUNT))
    currencies = [common.currency(c, f"supported_currencies[{i}]") for i, c in enumerate(p["supported_currencies"])]
    if not currencies:
        raise StripeError(
            "Missing required param: supported_currencies.", code="parameter_missing", param="supported_currencies"
        )
    currencies = list(dict.fromkeys(currencies))
    for currency in currencies:
        if currency not in SUPPORTED_CURRENCIES:
            raise StripeError(
                CURRENCY_NOT_SUPPORTED.format(currency=currency[:20]),
                param="supported_currencies",
                code="parameter_invalid",
            )
    nickname = _nickname(p.get("nickname"))
    restrictions = p.get("platform_restrictions") or {}
    fa: Obj = {
        "id": ctx.new_id("fa"),
        "object": FINANCIAL_ACCOUNT,
        "active_features": [],
        "balance": ledger.zero_balance(currencies),
        "country": (ctx.platform.account_by_id(ctx.scope.account_id) or {}).get("country", "US"),
        "created": ctx.now,
        "financial_addresses": [],
        "is_default": False,
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "nickname": nickname,
        "pending_features": [],
        "platform_restrictions": {
            "inbound_flows": restrictions.get("inbound_flows", "unrestricted"),
            "outbound_flows": restrictions.get("outbound_flows", "unrestricted"),
        },
        "restricted_features": [],
        "status": "open",
        "status_details": {"closed": None},
        "supported_currencies": currencies,
    }
    ctx.scope.add(fa)
    asked = {**_requested_paths(p.get("features") or {}), **_guide_access_paths(p)}
    _apply_requests(ctx, fa, asked)
    _activate_after_answer(ctx, fa, [path for path, want in asked.items() if want])
    refresh(ctx, fa, emit=False)
    ctx.emit("treasury.financial_account.created", fa)
    return fa


def account_number(fa: Obj, last4: str) -> str:
    """The full ABA account number: 8 digits fixed by the account's id, then the shown last 4."""
    prefix = int.from_bytes(hashlib.blake2b(fa["id"].encode(), digest_size=8).digest(), "big") % 10**8
    return f"{prefix:08d}{last4}"


def retrieve(ctx: Ctx) -> Obj:
    fa = _open(ctx, ctx.path["financial_account"])
    if ACCOUNT_NUMBER not in ctx.includes:
        return fa
    return with_account_number(fa)


def with_account_number(fa: Obj) -> Obj:
    """The account as shown with ``expand[]=financial_addresses.aba.account_number``."""
    if not fa["financial_addresses"]:
        return fa
    shown = dict(fa)  # a copy for the response: the stored account keeps only last4
    shown["financial_addresses"] = [
        {
            **address,
            "aba": {**address["aba"], "account_number": account_number(fa, address["aba"]["account_number_last4"])},
        }
        if address.get("aba")
        else address
        for address in fa["financial_addresses"]
    ]
    return shown


def update(ctx: Ctx) -> Obj:
    fa = _open(ctx, ctx.path["financial_account"])
    if fa["status"] == "closed":
        raise StripeError(CLOSED)
    p = ctx.params
    nickname = _nickname(p["nickname"]) if "nickname" in p else fa["nickname"]
    common.update_metadata(fa, p)
    fa["nickname"] = nickname
    if p.get("platform_restrictions"):
        for key, value in p["platform_restrictions"].items():
            fa["platform_restrictions"][key] = value
    changes = {**_requested_paths(p.get("features") or {}), **_guide_access_paths(p)}
    _apply_requests(ctx, fa, changes)
    _activate_after_answer(ctx, fa, [path for path, want in changes.items() if want])
    refresh(ctx, fa)
    return fa


def list_financial_accounts(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = []
    if p.get("status"):
        preds.append(common.equals("status", p["status"]))
    page = paginate(
        ctx.scope.store(FINANCIAL_ACCOUNT),
        "/v1/treasury/financial_accounts",
        p,
        preds,
        noun=common.noun(FINANCIAL_ACCOUNT),
    )
    if LIST_ACCOUNT_NUMBER in ctx.includes:
        page["data"] = [with_account_number(fa) for fa in page["data"]]
    return page


def retrieve_features(ctx: Ctx) -> Obj:
    return features_object(ctx, _open(ctx, ctx.path["financial_account"]))


def update_features(ctx: Ctx) -> Obj:
    fa = _open(ctx, ctx.path["financial_account"])
    if fa["status"] == "closed":
        raise StripeError(CLOSED)
    changes = {**_requested_paths(ctx.params), **_guide_access_paths(ctx.params)}
    _apply_requests(ctx, fa, changes)
    _activate_after_answer(ctx, fa, [path for path, want in changes.items() if want])
    refresh(ctx, fa)
    return features_object(ctx, fa)


def _check_forwarding(ctx: Ctx, fa: Obj, settings: dict[str, Any]) -> None:
    """``forwarding_settings`` of a close: another open financial account of the same account, or a
    PaymentMethod (which the emulator cannot check: refused). Checked only; nothing is forwarded."""
    kind = settings["type"]
    target_id = settings.get(kind)
    if not target_id:
        raise StripeError(
            FORWARD_MISSING.format(field=kind), code="parameter_missing", param=f"forwarding_settings[{kind}]"
        )
    if kind == "payment_method":
        raise StripeError(FORWARD_PAYMENT_METHOD.format(pm=target_id[:60]), param="forwarding_settings[payment_method]")
    param = "forwarding_settings[financial_account]"
    target = common.get(ctx, FINANCIAL_ACCOUNT, target_id, param=param)
    if target["id"] == fa["id"]:
        raise StripeError(FORWARD_SELF, param=param)
    if target["status"] != "open":
        raise StripeError(FORWARD_CLOSED.format(fa=target["id"]), param=param)


def close(ctx: Ctx) -> Obj:
    fa = _open(ctx, ctx.path["financial_account"])
    if fa["status"] == "closed":
        raise StripeError(ALREADY_CLOSED)
    if ctx.params.get("forwarding_settings"):
        _check_forwarding(ctx, fa, ctx.params["forwarding_settings"])
    cash = sum(fa["balance"]["cash"].values())
    pending = sum(fa["balance"]["outbound_pending"].values())
    if cash != 0 or pending != 0:
        raise StripeError(CLOSE_NONZERO.format(cash=cash, pending=pending))
    # Stripe: "only ... if it has a zero balance, has no pending InboundTransfers, and has
    # canceled all attached Issuing cards"
    live = [
        c["id"]
        for c in ctx.scope.store(CARD).scan()
        if c.get("financial_account") == fa["id"] and c["status"] != "canceled"
    ]
    if live:
        raise StripeError(CLOSE_CARDS.format(cards=", ".join(live), verb="is" if len(live) == 1 else "are"))
    inbound = [
        t["id"]
        for t in ctx.scope.store(INBOUND_TRANSFER).scan()
        if t["financial_account"] == fa["id"] and t["status"] == "processing"
    ]
    if inbound:
        raise StripeError(CLOSE_INBOUND.format(transfers=", ".join(inbound), verb="is" if len(inbound) == 1 else "are"))
    before = ctx.snapshot(fa)
    fa["status"] = "closed"
    fa["status_details"] = {"closed": {"reasons": ["closed_by_platform"]}}
    refresh(ctx, fa, emit=False)
    ctx.emit("treasury.financial_account.closed", fa, before)
    return fa


ROUTES: list[Route] = [
    route("POST", "/v1/treasury/financial_accounts", create),
    route("GET", "/v1/treasury/financial_accounts", list_financial_accounts, includes=[LIST_ACCOUNT_NUMBER]),
    route("GET", "/v1/treasury/financial_accounts/{financial_account}", retrieve, includes=[ACCOUNT_NUMBER]),
    route("POST", "/v1/treasury/financial_accounts/{financial_account}", update),
    route("GET", "/v1/treasury/financial_accounts/{financial_account}/features", retrieve_features),
    route("POST", "/v1/treasury/financial_accounts/{financial_account}/features", update_features),
    route("POST", "/v1/treasury/financial_accounts/{financial_account}/close", close),
]

RESOURCE = Resource(
    FINANCIAL_ACCOUNT,
    prefix="fa",
    title="Financial accounts",
    routes=ROUTES,
    virtual={"features": features_object},
    on_account_change=refresh_all,
    events=(
        "treasury.financial_account.created",
        "treasury.financial_account.closed",
        "treasury.financial_account.features_status_updated",
    ),
)
