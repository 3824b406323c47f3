"""Issuing network tokens (``/v1/issuing/tokens``): a card added to a digital wallet.

Stripe makes a token when a cardholder provisions a card into Apple Pay, Google Pay or Samsung Pay.
That only happens in live mode ("You can't test this feature in a sandbox, because digital wallet
tokens are only available in live mode"), and no API call or test helper creates one. So through the
API a card's token list is empty and a retrieve is a 404, as in Stripe's test mode; :func:`provision`
is what a provisioning does (the object and its ``issuing_token.created`` event), for in-process
callers such as tests that need a token to manage.

``status`` (update): ``active <-> suspended``; ``deleted`` is final; a ``requested`` token (not
provisioned yet) can only be deleted. Asking for the current status changes nothing. Each change
emits ``issuing_token.updated`` and moves ``network_updated_at``. ``network_data`` is left out unless
asked for with ``expand[]=network_data`` on retrieve or update, and is ``null`` once the token is more
than 24 hours old.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import CARD, ISSUING_TOKEN
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource

URL = "/v1/issuing/tokens"
PARAM = "token"
NETWORK_DATA_SECONDS = 86_400  # network_data is shown for 24 hours after creation
# status -> statuses an update may move it to
TRANSITIONS: dict[str, frozenset[str]] = {
    "active": frozenset({"suspended", "deleted"}),
    "suspended": frozenset({"active", "deleted"}),
    "requested": frozenset({"deleted"}),
    "deleted": frozenset(),
}
# Visa token requestor ids of the wallets (the network's ids for Apple Pay, Google Pay, Samsung Pay)
TOKEN_REQUESTORS = {"apple_pay": "40010030273", "google_pay": "40010075001", "samsung_pay": "40010043095"}

BAD_TRANSITION = "Token {token} is `{status}`: it can't be updated to `{target}`."
DELETED_FINAL = "Token {token} is deleted: a deleted token can no longer be updated."


# --- rendering -------------------------------------------------------------------------------------


def render(ctx: Ctx, token: Obj) -> Obj:
    """The token as the API shows it: the card or the network data only when asked for."""
    if not ctx.includes:
        return token
    out = dict(token)
    if ctx.includes & {"card", "data.card"}:
        card = ctx.scope.get(CARD, token["card"])
        if card is not None:
            out["card"] = ctx.rendered(card)
    if "network_data" in ctx.includes and ctx.path.get(PARAM) == token["id"]:
        fresh = ctx.now - token["created"] <= NETWORK_DATA_SECONDS
        if fresh:
            out["network_data"] = ctx.scope.meta_of(token["id"]).get("network_data")
        # stale network data is left out, as Stripe's types have it (optional, never null)
    return out


# --- provisioning (live mode only at Stripe) -------------------------------------------------------


def provision(
    ctx: Ctx,
    card: Obj,
    *,
    wallet_provider: str | None = "apple_pay",
    status: str = "active",
    device_fingerprint: str | None = None,
) -> Obj:
    """The token a wallet provisioning of ``card`` makes, with its ``issuing_token.created`` event."""
    token_ref = "DNITHE" + ctx.state.ids.digits(18)
    token: Obj = {
        "id": ctx.new_id("intok"),
        "object": ISSUING_TOKEN,
        "card": card["id"],
        "created": ctx.now,
        "device_fingerprint": device_fingerprint,
        "last4": ctx.state.ids.digits(4),
        "livemode": False,
        "network": "visa",
        "network_updated_at": ctx.now,
        "status": status,
        "wallet_provider": wallet_provider,
    }
    ctx.scope.add(token)
    # what the network did not report is left out (Stripe's types: optional fields, never null)
    device: Obj = {}
    if device_fingerprint is not None:
        device["device_fingerprint"] = device_fingerprint
    if wallet_provider:
        device["type"] = "phone"
    ctx.scope.meta_of(token["id"])["network_data"] = {
        "device": device,
        "type": "visa",
        "visa": {
            "card_reference_id": "V-" + ctx.state.ids.digits(19),
            "token_reference_id": token_ref,
            "token_requestor_id": TOKEN_REQUESTORS.get(wallet_provider or "", "40010030273"),
        },
    }
    ctx.emit("issuing_token.created", token)
    return token


# --- handlers --------------------------------------------------------------------------------------


def retrieve(ctx: Ctx) -> Obj:
    return common.get(ctx, ISSUING_TOKEN, ctx.path[PARAM], param=PARAM)


def update(ctx: Ctx) -> Obj:
    token = common.get(ctx, ISSUING_TOKEN, ctx.path[PARAM], param=PARAM)
    target: str = ctx.params["status"]
    current: str = token["status"]
    if current == "deleted":
        raise StripeError(DELETED_FINAL.format(token=token["id"]), param="status", code="status_transition_invalid")
    if target == current:
        return token
    if target not in TRANSITIONS[current]:
        raise StripeError(
            BAD_TRANSITION.format(token=token["id"], status=current, target=target),
            param="status",
            code="status_transition_invalid",
        )
    before = ctx.snapshot(token)
    token["status"] = target
    token["network_updated_at"] = ctx.now
    ctx.emit("issuing_token.updated", token, before)
    return token


def list_tokens(ctx: Ctx) -> Obj:
    p = ctx.params
    card = common.get(ctx, CARD, p["card"], param="card")
    card_id = card["id"]
    preds: list[Predicate | None] = [lambda t: t["card"] == card_id]
    status = p.get("status")
    if status is not None:
        preds.append(lambda t: t["status"] == status)
    return paginate(ctx.scope.store(ISSUING_TOKEN), URL, p, preds, noun=common.noun(ISSUING_TOKEN))


ROUTES: list[Route] = [
    route("GET", URL, list_tokens, includes=("data.card",)),
    route("GET", URL + "/{token}", retrieve, includes=("card", "network_data")),
    route("POST", URL + "/{token}", update, includes=("card", "network_data")),
]

RESOURCE = Resource(
    ISSUING_TOKEN,
    prefix="intok",
    title="Card tokens",
    routes=ROUTES,
    render=render,
    events=("issuing_token.created", "issuing_token.updated"),
)
