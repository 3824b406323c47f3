"""Tokens (``POST /v1/tokens``, ``GET /v1/tokens/{token}``) for bank accounts, accounts and persons.

Contract for the code that consumes tokens (external accounts here, account and person creation in
the onboarding code): a token is a ``token`` object stored in the **platform's** scope, whatever
``Stripe-Account`` says; the parameters it was made from are kept in
``ctx.platform.scope().meta_of(token_id)["params"]`` (``{"account": {...}}``, ``{"person": {...}}`` or
``{"bank_account": {...}}``); :func:`use` checks the type, refuses a used token and marks it
``used``. Ids: ``btok_`` bank account, ``ct_`` account, ``cpt_`` person (as Stripe).

A publishable key may create tokens too (Stripe.js's ``createToken``; :mod:`emulator.http.limited_keys`);
they land in the same platform scope. ``client_ip`` is the address the request came from (kept on the
request's tape, so a replay from the persistence journal shows the same one).

Stripe's test tokens ``btok_us_verified...`` (:data:`bank_accounts.MAGIC_TOKENS`) are not stored:
they stand for a test bank account and may be used any number of times. Card, PII, CVC-update and
customer tokens are not emulated (the request is refused).
"""

from __future__ import annotations

from typing import Any

from emulator.core import ids
from emulator.core.context import Ctx
from emulator.core.objects import TOKEN
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.router import Route, route
from emulator.resources.connect import bank_accounts, legal_entity
from emulator.resources.resource import Resource

PREFIXES = {"bank_account": "btok", "account": "ct", "person": "cpt"}
KINDS = ("account", "bank_account", "person")
NOT_EMULATED = ("card", "pii", "cvc_update", "customer")

ONE_KIND = "You must supply exactly one of account, bank_account or person to create a token."
KIND_NOT_EMULATED = (
    "Tokens of type {kind} are not emulated by stripe-issuing-emulator (see docs/connect-money.md): "
    "only account, bank_account and person tokens are."
)
BANK_ACCOUNT_STRING = "bank_account must be a hash of bank account details when creating a token."
TOKEN_USED = "You cannot use a Stripe token more than once: {token}."
WRONG_KIND = "The token {token} is a {actual} token; this parameter takes a {expected} token."


def _scope_ctx(ctx: Ctx) -> Ctx:
    return ctx.in_scope(ctx.platform.scope())


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    given = [k for k in (*KINDS, *NOT_EMULATED) if p.get(k) is not None]
    for kind in given:
        if kind in NOT_EMULATED:
            raise StripeError(KIND_NOT_EMULATED.format(kind=kind), param=kind)
    if len(given) != 1:
        raise StripeError(ONE_KIND, param=given[1] if len(given) > 1 else None)
    kind = given[0]
    sub = _scope_ctx(ctx)
    token: Obj = {"id": sub.new_id(PREFIXES[kind]), "object": TOKEN}
    if kind == "bank_account":
        details = p["bank_account"]
        if not isinstance(details, dict):
            raise StripeError(BANK_ACCOUNT_STRING, param="bank_account")
        bank, _ = bank_accounts.build(sub, details, "bank_account", account_id=None)
        token["bank_account"] = bank
    elif kind == "person":
        legal_entity.check_dob(p["person"], ctx.now, "person[dob]")
        legal_entity.check_documents(ctx, p["person"], "person", legal_entity.PERSON_DOCUMENT_PURPOSES)
    else:
        individual, company = p["account"].get("individual"), p["account"].get("company")
        legal_entity.check_dob(individual, ctx.now, "account[individual][dob]")
        legal_entity.check_documents(ctx, individual, "account[individual]", legal_entity.PERSON_DOCUMENT_PURPOSES)
        legal_entity.check_documents(ctx, company, "account[company]", legal_entity.COMPANY_DOCUMENT_PURPOSES)
    token["client_ip"] = ids.recorded("client_ip", lambda: ctx.client_ip)
    token["created"] = ctx.now
    token["livemode"] = False
    token["type"] = kind
    token["used"] = False
    sub.scope.add(token)
    sub.scope.meta_of(token["id"])["params"] = {kind: p[kind]}
    return token


def retrieve(ctx: Ctx) -> Obj:
    token_id = ctx.path["token"]
    token = ctx.platform.scope().get(TOKEN, token_id)
    if token is None:
        raise errors.no_such(TOKEN, token_id, param="token")
    return token


def check(ctx: Ctx, token_id: str, kind: str, param: str) -> tuple[Obj, dict[str, Any]]:
    """The token and the parameters it was made from, if it is a usable token of ``kind``; else
    Stripe's error for an unknown, used or other-kind token (naming ``param``). Marks nothing."""
    scope = ctx.platform.scope()
    token = scope.get(TOKEN, token_id)
    if token is None:
        raise errors.no_such(TOKEN, token_id, param=param)
    if token["type"] != kind:
        raise StripeError(
            WRONG_KIND.format(token=token_id, actual=token["type"], expected=kind),
            param=param,
            code="parameter_invalid",
        )
    if token["used"]:
        raise StripeError(TOKEN_USED.format(token=token_id), param=param, code="token_already_used")
    params: dict[str, Any] = scope.meta_of(token_id)["params"][kind]
    return token, params


def use(ctx: Ctx, token_id: str, kind: str, param: str) -> dict[str, Any]:
    """:func:`check`, then the token is ``used``: call it once the consumer has nothing left to refuse."""
    token, params = check(ctx, token_id, kind, param)
    token["used"] = True
    return params


ROUTES: list[Route] = [
    route("POST", "/v1/tokens", create),
    route("GET", "/v1/tokens/{token}", retrieve),
]

RESOURCE = Resource(
    TOKEN,
    prefix=PREFIXES["bank_account"],
    more_prefixes=(PREFIXES["account"], PREFIXES["person"]),
    title="Tokens",
    routes=ROUTES,
)
