"""Issuing authorizations (``/v1/issuing/authorizations``): read, update metadata, approve/decline.

An authorization is stored with ``card`` and ``transactions`` as ids; the API shows the full
card (with its cardholder) and the full transactions. ``status: expired`` exists from API
version 2025-03-31.basil; a request with an older ``Stripe-Version`` sees ``reversed``.

``/approve`` and ``/decline`` are the (deprecated) way to answer the
``issuing_authorization.request`` webhook: they only work while Stripe waits for that answer
(:func:`emulator.webhooks.realtime.resolve_via_api`); at any other time they are refused.
``amount`` on ``/approve`` needs ``pending_request.is_amount_controllable`` and may not be below
``pending_request.amount_details.cashback_amount`` ("You can't set the approved amount lower than
the cashback_amount", Stripe's authorizations guide).
"""

from __future__ import annotations

import asyncio
from typing import Any

from emulator.core import api_changes, ids
from emulator.core.context import Ctx
from emulator.core.objects import AUTHORIZATION, CARD, ISSUING_TRANSACTION
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.issuing import issuing_balance
from emulator.resources.resource import Resource
from emulator.webhooks import realtime

URL = "/v1/issuing/authorizations"
EXPIRED_SINCE = api_changes.AUTHORIZATION_EXPIRED
DECISION_WAIT_SECONDS = 5.0  # how long /approve or /decline waits for the engine to apply the decision

NOT_AWAITING = (
    "This authorization cannot be {verb}: it has no pending request. Authorizations can only be approved or "
    "declined while Stripe waits for your response to the issuing_authorization.request webhook."
)
AMOUNT_NOT_CONTROLLABLE = (
    "You can only provide an amount when the authorization's pending_request.is_amount_controllable is true."
)
MIN_ONE = "This value must be greater than or equal to 1."
BELOW_CASHBACK = (
    "The amount ({amount}) cannot be less than the cashback_amount ({cashback}) of the pending request: a "
    "partially approved cashback authorization must approve the full cashback amount."
)


def status_for(ctx: Ctx, status: str) -> str:
    if status == "expired" and ctx.api_version[:10] < EXPIRED_SINCE:
        return "reversed"
    return status


def render(ctx: Ctx, auth: Obj) -> Obj:
    """The authorization as the API shows it: full card and transactions, versioned status."""
    out = dict(auth)
    card = ctx.scope.get(CARD, auth["card"])
    if card is not None:
        out["card"] = ctx.renderer.render(ctx, card, [])
    store = ctx.scope.store(ISSUING_TRANSACTION)
    out["transactions"] = [
        ctx.renderer.render(ctx, tx, []) for tx in (store.get(t) for t in auth["transactions"]) if tx is not None
    ]
    out["status"] = status_for(ctx, auth["status"])
    out["request_history"] = api_changes.request_history_as_shown(auth["request_history"], ctx.api_version)
    if auth.get("treasury") is None:
        out["balance_transactions"] = issuing_balance.balance_transactions(ctx, auth)
    return out


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, AUTHORIZATION, ctx.path["authorization"], param="authorization")


def update(ctx: Ctx) -> Obj:
    auth = retrieve(ctx)
    if "metadata" in ctx.params:
        before = ctx.snapshot(auth)
        common.update_metadata(auth, ctx.params)
        if auth["metadata"] != before["metadata"]:
            ctx.emit("issuing_authorization.updated", auth, before)
    return auth


async def _resolve(ctx: Ctx, approved: bool) -> Obj:
    """Hand the decision to the waiting engine, then answer with the decided authorization (as Stripe
    does: ``approved`` set, ``pending_request`` gone, the decision in ``request_history``)."""
    auth = retrieve(ctx)
    verb = "approved" if approved else "declined"
    pending = auth.get("pending_request")
    if pending is None:
        raise StripeError(NOT_AWAITING.format(verb=verb))
    amount = ctx.params.get("amount") if approved else None
    if amount is not None:
        if not pending.get("is_amount_controllable"):
            raise StripeError(AMOUNT_NOT_CONTROLLABLE, param="amount")
        if amount < 1:
            raise StripeError(MIN_ONE, param="amount", code="parameter_invalid_integer")
        cashback = realtime.cashback_of(pending)
        if amount < cashback:
            raise StripeError(BELOW_CASHBACK.format(amount=amount, cashback=cashback), param="amount")
    metadata = ctx.params.get("metadata")
    clean = {k: v for k, v in metadata.items() if v} if isinstance(metadata, dict) else None
    if not realtime.resolve_via_api(ctx, auth["id"], approved, amount, clean):
        raise StripeError(NOT_AWAITING.format(verb=verb))

    async def applied() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DECISION_WAIT_SECONDS
        while auth.get("pending_request") is not None and loop.time() < deadline:  # ``auth`` is the stored object
            await asyncio.sleep(0.001)  # the engine applies the decision on its next turn of the loop

    await ids.outside("decision_applied", applied, None)  # (a replay resumes here once the engine went on)
    return retrieve(ctx)


async def approve(ctx: Ctx) -> Obj:
    return await _resolve(ctx, True)


async def decline(ctx: Ctx) -> Obj:
    return await _resolve(ctx, False)


def _field_is(name: str, value: Any) -> Predicate:
    return lambda o: o.get(name) == value


def list_authorizations(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = []
    for name in ("card", "cardholder"):
        if p.get(name):
            preds.append(_field_is(name, p[name]))
    status = p.get("status")
    if status:
        preds.append(lambda o: status_for(ctx, o["status"]) == status)
    return paginate(ctx.scope.store(AUTHORIZATION), URL, p, preds, noun=common.noun(AUTHORIZATION))


ROUTES: list[Route] = [
    route("GET", URL, list_authorizations),
    route("GET", URL + "/{authorization}", retrieve),
    route("POST", URL + "/{authorization}", update),
    route("POST", URL + "/{authorization}/approve", approve),
    route("POST", URL + "/{authorization}/decline", decline),
]

RESOURCE = Resource(
    AUTHORIZATION,
    prefix="iauth",
    title="Authorizations",
    routes=ROUTES,
    render=render,
    events=("issuing_authorization.created", "issuing_authorization.updated", "issuing_authorization.request"),
)
