"""Account and person tokens (``ct_``/``cpt_`` from ``POST /v1/tokens``) where accounts and
persons accept them: :func:`emulator.resources.connect.tokens.use` checks and uses the token; this
module merges what it carries into the request's parameters (which may then not repeat it).
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.http.errors import StripeError

ACCOUNT_TOKEN = "account"
PERSON_TOKEN = "person"
TOKEN_AND_FIELDS = "You cannot provide `{name}` together with `{param}`: put it in the token, or leave `{param}` out."
# what a token carries that the request itself may not repeat
ACCOUNT_TOKEN_FIELDS = ("business_type", "company", "individual", "tos_acceptance")
PERSON_TOKEN_FIELDS = (
    "address",
    "dob",
    "email",
    "first_name",
    "id_number",
    "last_name",
    "phone",
    "relationship",
    "ssn_last_4",
    "verification",
)


def consume(ctx: Ctx, token_id: str, kind: str, param: str) -> dict[str, Any]:
    """The parameters a token was made from; marks it used (Stripe's 400s for bad tokens)."""
    from emulator.resources.connect import tokens

    return tokens.use(ctx, token_id, kind, param)


def refuse_mixed(params: dict[str, Any], fields: tuple[str, ...], param: str) -> None:
    for name in fields:
        if name in params:
            raise StripeError(TOKEN_AND_FIELDS.format(name=name, param=param), param=name)


def account_params(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with an ``account_token``'s contents merged in (the token consumed)."""
    token_id = params.get("account_token")
    if not token_id:
        return params
    refuse_mixed(params, ACCOUNT_TOKEN_FIELDS, "account_token")
    carried = consume(ctx, token_id, ACCOUNT_TOKEN, "account_token")
    merged = {k: v for k, v in params.items() if k != "account_token"}
    inner = carried.get("account")
    account: dict[str, Any] = inner if isinstance(inner, dict) else carried
    for name in ("business_type", "company", "individual"):
        if name in account:
            merged[name] = account[name]
    if account.get("tos_shown_and_accepted"):
        merged["tos_acceptance"] = {"date": ctx.now, "ip": account.get("client_ip") or "127.0.0.1"}
    return merged


def person_params(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with a ``person_token``'s contents merged in (the token consumed)."""
    token_id = params.get("person_token")
    if not token_id:
        return params
    refuse_mixed(params, PERSON_TOKEN_FIELDS, "person_token")
    carried = consume(ctx, token_id, PERSON_TOKEN, "person_token")
    inner = carried.get("person")
    person: dict[str, Any] = inner if isinstance(inner, dict) else carried
    merged = {k: v for k, v in params.items() if k != "person_token"}
    merged.update(person)
    return merged
