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


def peek(ctx: Ctx, token_id: str, kind: str, param: str) -> dict[str, Any]:
    """What a token carries, checked as :func:`consume` does, without using it up."""
    from emulator.resources.connect import tokens

    return tokens.check(ctx, token_id, kind, param)[1]


def _carried(
    ctx: Ctx, params: dict[str, Any], kind: str, fields: tuple[str, ...], *, peeking: bool = False
) -> tuple[Any, dict[str, Any]]:
    """What the ``<kind>_token`` of ``params`` carries (the token consumed, unless ``peeking``) and
    ``params`` without the token; ``(None, params)`` when there is no token."""
    param = f"{kind}_token"
    token_id = params.get(param)
    if not token_id:
        return None, params
    refuse_mixed(params, fields, param)
    carried = (peek if peeking else consume)(ctx, token_id, kind, param)
    inner = carried.get(kind)
    return (inner if isinstance(inner, dict) else carried), {k: v for k, v in params.items() if k != param}


def account_params(ctx: Ctx, params: dict[str, Any], *, peeking: bool = False) -> dict[str, Any]:
    """``params`` with an ``account_token``'s contents merged in (the token consumed, unless
    ``peeking``: what the checks before any change look at)."""
    account, merged = _carried(ctx, params, ACCOUNT_TOKEN, ACCOUNT_TOKEN_FIELDS, peeking=peeking)
    if account is None:
        return params
    for name in ("business_type", "company", "individual"):
        if name in account:
            merged[name] = account[name]
    if account.get("tos_shown_and_accepted"):
        merged["tos_acceptance"] = {"date": ctx.now, "ip": account.get("client_ip") or "127.0.0.1"}
    return merged


def person_params(ctx: Ctx, params: dict[str, Any], *, peeking: bool = False) -> dict[str, Any]:
    """``params`` with a ``person_token``'s contents merged in (the token consumed, unless ``peeking``)."""
    person, merged = _carried(ctx, params, PERSON_TOKEN, PERSON_TOKEN_FIELDS, peeking=peeking)
    if person is None:
        return params
    merged.update(person)
    return merged
