"""External accounts of an account (``/v1/accounts/{account}/external_accounts``): bank accounts.

A bank account lives in the scope of the account it belongs to (the platform's own or a connected
account). ``external_account`` is a hash of bank details, a ``btok_`` token from ``/v1/tokens``
(used once; the token's bank account id becomes the external account's) or one of Stripe's test
tokens (``btok_us_verified``...). Card external accounts are not emulated.

Rules as Stripe: the first bank account in a currency becomes ``default_for_currency``, as does
one created or updated with ``default_for_currency=true`` (the previous default loses it); the
same routing and account number twice on one account is ``bank_account_exists`` (not for Stripe's
test tokens, which may be added any number of times); the default
account of a currency cannot be deleted while another account in that currency exists, nor when
its currency is the account's ``default_currency``. Bank accounts of connected accounts whose
requirements Stripe collects (``controller.requirement_collection=stripe``: Standard and Express)
cannot be created, updated or deleted (:data:`STRIPE_MANAGES`, our text); the platform's own
account is not refused. The account's embedded ``external_accounts`` list follows every change.
Events (on the account's scope): ``account.external_account.created|updated|deleted``. Account create
takes the bank account as ``external_account`` or as ``bank_account`` (the 2023-08-16 spec's parameter,
which Stripe still honours: a hash without ``object``, or a token), not both (:data:`ONE_BANK_PARAM`,
as Stripe words exclusive parameters); so does account update (the spec lists ``bank_account`` on
create only, Stripe's recorded answers take it on update too). On create and update the new bank
account replaces its currency's default, even one with the same numbers (a recorded answer). A failed
payout sets the bank account's ``status`` to ``errored`` (:func:`mark_errored`); an update of its
details (``account_holder_name``, ``account_holder_type``, ``account_type``) sets it back to ``new``
(Stripe: "transfers are stopped until account details are updated").
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import accounts, bank_accounts, tokens
from emulator.resources.resource import Resource

BANK_ACCOUNT = bank_accounts.BANK_ACCOUNT
NOUN = "external account"
EMBEDDED = 10  # bank accounts an account object embeds (newest first), as Stripe's sublists
ERRORED = "errored"
DETAILS = ("account_holder_name", "account_holder_type", "account_type")

MISSING_EXTERNAL_ACCOUNT = "Missing required param: external_account."
EXTERNAL_ACCOUNT = "external_account"
BANK_ACCOUNT_PARAM = "bank_account"  # account create's other name for it
ONE_BANK_PARAM = f"You may only specify one of these parameters: {BANK_ACCOUNT_PARAM}, {EXTERNAL_ACCOUNT}."
CARDS_NOT_EMULATED = (
    "Card external accounts are not emulated by stripe-issuing-emulator (see docs/connect-money.md): "
    "use a bank account."
)
BANK_ACCOUNT_EXISTS = "A bank account with that routing number and account number already exists for this account."
DELETE_DEFAULT = (
    "You cannot delete the default external account for your default currency. Please make another external "
    "account the default using the `default_for_currency` param, and then delete this one."
)
# Stripe: "You can only specify connected accounts where account.controller.requirement_collection is
# application"; its error text for this case was not found, so this one is ours
STRIPE_MANAGES = (
    "You cannot manage the external accounts of accounts where controller[requirement_collection]=stripe, "
    "which includes Standard and Express accounts."
)
DEFAULT_FALSE = (
    "You cannot set default_for_currency to false. Set another external account in this currency as the default "
    "instead."
)
CARD_ONLY = "Received unknown parameter: {param}"
CARD_PARAMS = (
    "address_city",
    "address_country",
    "address_line1",
    "address_line2",
    "address_state",
    "address_zip",
    "exp_month",
    "exp_year",
    "name",
)
EVENTS = (
    "account.external_account.created",
    "account.external_account.updated",
    "account.external_account.deleted",
)


def _account_ctx(ctx: Ctx) -> tuple[Ctx, Obj]:
    account = accounts._connected(ctx, ctx.path["account"])
    return ctx.in_scope(ctx.platform.scope(account["id"])), account


def _managed_ctx(ctx: Ctx) -> tuple[Ctx, Obj]:
    """:func:`_account_ctx` for a change: refused on connected accounts whose requirements Stripe collects."""
    sub, account = _account_ctx(ctx)
    if account["id"] != ctx.platform.account_id and accounts.stripe_collects(account.get("controller") or {}):
        raise StripeError(STRIPE_MANAGES)
    return sub, account


def _get(sub: Ctx, bank_id: str) -> Obj:
    bank = sub.scope.get(BANK_ACCOUNT, bank_id)
    if bank is None:
        raise bank_accounts.no_such_bank_account(bank_id, "id")
    return bank


def _in_currency(sub: Ctx, currency: str) -> list[Obj]:
    return [b for b in sub.scope.store(BANK_ACCOUNT).values() if b["currency"] == currency]


def default_for(sub: Ctx, currency: str) -> Obj | None:
    """The account's default bank account for ``currency`` (in ``sub``'s scope), or None."""
    return next((b for b in _in_currency(sub, currency) if b.get("default_for_currency")), None)


def _make_default(sub: Ctx, bank: Obj) -> None:
    for other in _in_currency(sub, bank["currency"]):
        if other is not bank and other.get("default_for_currency"):
            before = sub.snapshot(other)
            other["default_for_currency"] = False
            sub.emit("account.external_account.updated", other, before)
    bank["default_for_currency"] = True


def _refresh_embedded(sub: Ctx, account: Obj) -> None:
    banks = list(sub.scope.store(BANK_ACCOUNT).newest_first())
    embedded = account.get("external_accounts")
    if not isinstance(embedded, dict):
        return
    embedded["data"] = [dict(b) for b in banks[:EMBEDDED]]
    embedded["has_more"] = len(banks) > EMBEDDED


def mark_errored(sub: Ctx, bank: Obj) -> None:
    """A payout to ``bank`` failed: its ``status`` turns ``errored`` (``sub`` is its account's scope)."""
    if bank["status"] == ERRORED:
        return
    before = sub.snapshot(bank)
    bank["status"] = ERRORED
    account = sub.platform.account_by_id(sub.scope.account_id)
    if account is not None:
        _refresh_embedded(sub, account)
    sub.emit("account.external_account.updated", bank, before)


def _details(value: Any, param: str = EXTERNAL_ACCOUNT) -> tuple[dict[str, Any] | None, str | None]:
    """(bank details, or a stored token's id) from an ``external_account`` value (given as ``param``);
    a hash without ``object`` is a bank account's."""
    if value is None:
        raise StripeError(MISSING_EXTERNAL_ACCOUNT, param=param, code="parameter_missing")
    if isinstance(value, dict):
        if value.get("object", BANK_ACCOUNT) != BANK_ACCOUNT:
            raise StripeError(CARDS_NOT_EMULATED, param=f"{param}[object]")
        if value.get("token") is None:
            return value, None
        value = value["token"]
    token = str(value)
    magic = bank_accounts.magic_details(token)
    if magic is not None:
        return magic, None
    if token.startswith(("tok_", "card_")):
        raise StripeError(CARDS_NOT_EMULATED, param=param)
    return None, token


def _prepare(
    sub: Ctx, account: Obj, value: Any, param: str = EXTERNAL_ACCOUNT, replacing: bool = False
) -> tuple[Obj, str | None, str | None]:
    """(the new bank account, its payout outcome, the stored token to mark used) after every check,
    errors naming ``param``; nothing is stored yet. ``replacing``: it takes the place of its
    currency's default, which may have the same numbers (Stripe's recorded answers replace it)."""
    details, token_id = _details(value, param)
    bank_id = None
    if token_id is not None:
        token, details = tokens.check(sub, token_id, "bank_account", param)
        bank_id = token["bank_account"]["id"]
    assert details is not None
    bank, failure = bank_accounts.build(sub, details, param, account_id=account["id"], bank_id=bank_id)
    # Stripe's test tokens stand for a bank account anew at each use (stripe-cli's
    # account.external_account.deleted trigger adds btok_us twice to one account)
    test_token = str(value.get("token") if isinstance(value, dict) else value) in bank_accounts.MAGIC_TOKENS
    replaced = default_for(sub, bank["currency"]) if replacing else None
    others = (b for b in sub.scope.store(BANK_ACCOUNT).values() if b is not replaced)
    if not test_token and any(b["fingerprint"] == bank["fingerprint"] for b in others):
        raise StripeError(BANK_ACCOUNT_EXISTS, param=param, code="bank_account_exists")
    return bank, failure, token_id


def _store(sub: Ctx, account: Obj, prepared: tuple[Obj, str | None, str | None], default: bool) -> Obj:
    bank, failure, token_id = prepared
    if token_id is not None:
        tokens.use(sub, token_id, "bank_account", EXTERNAL_ACCOUNT)
    if default or default_for(sub, bank["currency"]) is None:
        _make_default(sub, bank)
    sub.scope.add(bank)
    sub.scope.meta_of(bank["id"])["payout_failure"] = failure
    _refresh_embedded(sub, account)
    sub.emit("account.external_account.created", bank)
    return bank


def _settle(ctx: Ctx, account: Obj) -> None:
    """A change to an account's bank accounts may meet (or no longer meet) its ``external_account``
    requirement: its requirements again, with the account's and capabilities' events when they
    change (the bank account's own event tells of the list; the platform's account has none)."""
    if account["id"] != ctx.platform.account_id:
        accounts.settle(ctx, account, ctx.snapshot(account), accounts.capability_snapshots(ctx, account))


def create(ctx: Ctx) -> Obj:
    sub, account = _managed_ctx(ctx)
    p = ctx.params
    value = p.get("external_account") if p.get("external_account") is not None else p.get("bank_account")
    prepared = _prepare(sub, account, value)
    prepared[0]["metadata"] = common.merge_metadata({}, p.get("metadata"))
    bank = _store(sub, account, prepared, bool(p.get("default_for_currency")))
    _settle(ctx, account)
    return bank


def _account_param(params: dict[str, Any]) -> tuple[str, Any] | None:
    """(the parameter's name, its value) of the bank account an account create/update attaches:
    ``external_account``, or ``bank_account`` (only in account create's parameters); not both."""
    given = [name for name in (EXTERNAL_ACCOUNT, BANK_ACCOUNT_PARAM) if params.get(name) is not None]
    if len(given) > 1:
        raise StripeError(ONE_BANK_PARAM, param=BANK_ACCOUNT_PARAM)
    return (given[0], params[given[0]]) if given else None


def check_account_param(ctx: Ctx, params: dict[str, Any]) -> None:
    """Account create/update: refuse a bad ``external_account`` (or ``bank_account``) before anything changes."""
    given = _account_param(params)
    if given is None:
        return
    param, value = given
    details, token_id = _details(value, param)
    if token_id is not None:
        tokens.check(ctx, token_id, "bank_account", param)
    else:
        assert details is not None
        bank_accounts.check(details, param)


def attach_from_account(ctx: Ctx, account: Obj, params: dict[str, Any]) -> None:
    """Account create/update with ``external_account`` or ``bank_account`` (Stripe: it becomes the default
    external account for its currency, and the old default, if any, is deleted)."""
    given = _account_param(params)
    if given is None:
        return
    param, value = given
    sub = ctx.in_scope(ctx.platform.scope(account["id"]))
    prepared = _prepare(sub, account, value, param, replacing=True)
    old = default_for(sub, prepared[0]["currency"])
    _store(sub, account, prepared, True)
    if old is not None:
        snapshot = sub.snapshot(old)
        sub.scope.store(BANK_ACCOUNT).remove(old["id"])
        _refresh_embedded(sub, account)
        sub.emit("account.external_account.deleted", snapshot)


def retrieve(ctx: Ctx) -> Obj:
    sub, _ = _account_ctx(ctx)
    return _get(sub, ctx.path["id"])


def list_external_accounts(ctx: Ctx) -> Obj:
    sub, account = _account_ctx(ctx)
    p = ctx.params
    if p.get("object") == "card":
        return {"object": "list", "data": [], "has_more": False, "url": _url(account)}
    return paginate(sub.scope.store(BANK_ACCOUNT), _url(account), p, noun=NOUN)


def _url(account: Obj) -> str:
    return f"/v1/accounts/{account['id']}/external_accounts"


def update(ctx: Ctx) -> Obj:
    sub, account = _managed_ctx(ctx)
    bank = _get(sub, ctx.path["id"])
    p = ctx.params
    for name in CARD_PARAMS:
        if p.get(name) is not None:
            raise StripeError(CARD_ONLY.format(param=name), param=name, code="parameter_unknown")
    if p.get("default_for_currency") is False and bank.get("default_for_currency"):
        raise StripeError(DEFAULT_FALSE, param="default_for_currency")
    before = sub.snapshot(bank)
    for name in DETAILS:
        if name in p:
            bank[name] = p[name]
            if bank["status"] == ERRORED:
                bank["status"] = "new"
    common.update_metadata(bank, p)
    if p.get("default_for_currency"):
        _make_default(sub, bank)
    if sub.snapshot(bank) != before:
        _refresh_embedded(sub, account)
        sub.emit("account.external_account.updated", bank, before)
        _settle(ctx, account)
    return bank


def delete(ctx: Ctx) -> Obj:
    sub, account = _managed_ctx(ctx)
    bank = _get(sub, ctx.path["id"])
    if bank.get("default_for_currency") and (
        bank["currency"] == account.get("default_currency") or len(_in_currency(sub, bank["currency"])) > 1
    ):
        raise StripeError(DELETE_DEFAULT, param="id")
    snapshot = sub.snapshot(bank)
    sub.scope.store(BANK_ACCOUNT).remove(bank["id"])
    _refresh_embedded(sub, account)
    sub.emit("account.external_account.deleted", snapshot)
    _settle(ctx, account)
    return {"id": bank["id"], "object": BANK_ACCOUNT, "currency": bank["currency"], "deleted": True}


URL = "/v1/accounts/{account}/external_accounts"
ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_external_accounts),
    route("GET", URL + "/{id}", retrieve),
    route("POST", URL + "/{id}", update),
    route("DELETE", URL + "/{id}", delete),
]

RESOURCE = Resource(
    BANK_ACCOUNT,
    prefix=bank_accounts.PREFIX,
    title="Bank accounts",
    routes=ROUTES,
    events=EVENTS,
)
