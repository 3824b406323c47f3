"""Ephemeral keys (``/v1/ephemeral_keys``) for Issuing Elements: showing a card's number and CVC in the
browser without the platform's servers seeing them.

The flow, as Stripe.js runs it:

1. the browser makes a nonce pair: ``POST /v1/ephemeral_key_nonces`` with the publishable key
   (``stripe.createEphemeralKeyNonce({issuingCard})``) answers ``public_nonce`` + ``private_nonce``;
2. the platform's server creates the key with its secret key, an explicit ``Stripe-Version`` and
   ``issuing_card`` + ``nonce`` (the public nonce): ``POST /v1/ephemeral_keys``;
3. the browser reads the card with the key's ``secret``:
   ``GET /v1/issuing/cards/{card}?expand[]=number&expand[]=cvc&ephemeral_key_private_nonce=...``
   (what the key may do is checked in :mod:`emulator.http.limited_keys`).

A nonce this emulator did not make is accepted as is (a test double of Stripe.js may make its own),
and the key made from it then needs no private nonce; a private nonce (``ephkn_priv_``) sent instead
of the public one is refused, the usual wiring mistake. Without a nonce, the key is the one Stripe's
mobile SDKs ask a backend for (``STPIssuingCardEphemeralKeyProvider``: ``issuing_card`` and the API
version only); it may do what a key made from a nonce may, and needs no private nonce either.
``customer`` and ``verification_session`` keys are for objects this emulator does not have: refused. Keys expire an hour after creation;
``DELETE /v1/ephemeral_keys/{key}`` ends one at once.
"""

from __future__ import annotations

import base64

from emulator.core.context import Ctx
from emulator.core.objects import CARD
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.limited_keys import GRANTS, NONCES, Grant, Nonce
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource

EPHEMERAL_KEY = "ephemeral_key"
NONCE_OBJECT = "ephemeral_key_nonce"
LIFETIME = 3600
MIN_ISSUING_VERSION = "2020-03-02"  # Stripe's Issuing Elements guide: the oldest version it takes

NOTHING_TO_ACCESS = "You must pass one of issuing_card, customer or verification_session."
ONE_TARGET = "You may only pass one of issuing_card, customer or verification_session."
NOT_EMULATED = "Ephemeral keys for a {param} are not emulated: this emulator has no {noun} objects."
OLD_VERSION = "Ephemeral keys for Issuing cards need API version {minimum} or newer (Stripe-Version: {version})."
NONCE_USED = "This ephemeral key nonce has already been used: create a new one with stripe.createEphemeralKeyNonce."
PRIVATE_AS_NONCE = (
    "Invalid nonce: this is the private half of an ephemeral key nonce. Send the public_nonce of "
    "stripe.createEphemeralKeyNonce to your server; the private_nonce stays in the browser."
)
PRIVATE_PREFIX = "ephkn_priv_"
NONCE_OTHER_CARD = "This ephemeral key nonce was created for Issuing card '{card}', not for '{given}'."
NO_SUCH_KEY = "No such ephemeral key: '{id}'"


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    targets = [name for name in ("issuing_card", "customer", "verification_session") if p.get(name)]
    if not targets:
        raise StripeError(NOTHING_TO_ACCESS)
    if len(targets) > 1:
        raise StripeError(ONE_TARGET, param=targets[1])
    if targets[0] != "issuing_card":
        noun = {"customer": "Customer", "verification_session": "Identity VerificationSession"}[targets[0]]
        raise StripeError(NOT_EMULATED.format(param=targets[0], noun=noun), param=targets[0])
    if ctx.api_version[:10] < MIN_ISSUING_VERSION:
        raise StripeError(OLD_VERSION.format(minimum=MIN_ISSUING_VERSION, version=ctx.api_version))
    card = common.get(ctx, CARD, p["issuing_card"], param="issuing_card")
    public = p.get("nonce")
    private = _spend_nonce(ctx, public, card["id"]) if public else None
    key_id = ctx.new_id("ephkey")
    account64 = base64.urlsafe_b64encode(ctx.scope.account_id.encode()).decode().rstrip("=")
    secret = ctx.state.ids.secret(f"ek_test_{account64}")
    obj: Obj = {
        "id": key_id,
        "object": EPHEMERAL_KEY,
        # not in the 2023 spec, but in Stripe's answers; the mobile SDKs look for their card here
        "associated_objects": [{"id": card["id"], "type": "issuing.card"}],
        "created": ctx.now,
        "expires": ctx.now + LIFETIME,
        "livemode": False,
        "secret": secret,
    }
    ctx.scope.add(obj)
    ctx.scope.meta_of(key_id)["secret"] = secret
    grants: dict[str, Grant] = ctx.platform.extra.setdefault(GRANTS, {})
    grants[secret] = Grant(ctx.scope.account_id, key_id, card["id"], obj["expires"], private)
    return obj


def _spend_nonce(ctx: Ctx, public: str, card_id: str) -> str | None:
    """The private half of a nonce this emulator made (used up now); ``None`` for a nonce it did not make."""
    if public.startswith(PRIVATE_PREFIX):
        raise StripeError(PRIVATE_AS_NONCE, param="nonce")
    nonces: dict[str, Nonce] = ctx.platform.extra.get(NONCES, {})
    nonce = nonces.get(public)
    if nonce is None or nonce.account != ctx.scope.account_id:
        return None
    if nonce.used:
        raise StripeError(NONCE_USED, param="nonce")
    if nonce.card is not None and nonce.card != card_id:
        raise StripeError(NONCE_OTHER_CARD.format(card=nonce.card, given=card_id), param="nonce")
    nonce.used = True
    return nonce.private


def delete(ctx: Ctx) -> Obj:
    key_id = ctx.path["key"]
    obj = ctx.scope.get(EPHEMERAL_KEY, key_id)
    secret = ctx.scope.meta_of(key_id).get("secret") if obj is not None else None
    grants: dict[str, Grant] = ctx.platform.extra.get(GRANTS, {})
    if obj is None or secret not in grants:
        raise StripeError(NO_SUCH_KEY.format(id=key_id), status=404, code="resource_missing", param="key")
    del grants[secret]
    obj["expires"] = min(obj["expires"], ctx.now)
    return {k: v for k, v in obj.items() if k != "secret"}


def create_nonce(ctx: Ctx) -> Obj:
    """``stripe.createEphemeralKeyNonce``: a public nonce (for the server) and its private half (kept
    by the browser, sent when the card is read with the ephemeral key)."""
    card_id = ctx.params.get("issuing_card")
    if card_id:
        common.get(ctx, CARD, card_id, param="issuing_card")
    public = ctx.state.ids.secret("ephkn_pub")
    private = ctx.state.ids.secret(PRIVATE_PREFIX[:-1])
    nonces: dict[str, Nonce] = ctx.platform.extra.setdefault(NONCES, {})
    nonces[public] = Nonce(ctx.scope.account_id, card_id or None, private)
    return {"object": NONCE_OBJECT, "public_nonce": public, "private_nonce": private}


ROUTES: list[Route] = [
    route("POST", "/v1/ephemeral_keys", create, explicit_version=True),
    route("DELETE", "/v1/ephemeral_keys/{key}", delete),
    route("POST", "/v1/ephemeral_key_nonces", create_nonce),
]

RESOURCES = (Resource(EPHEMERAL_KEY, prefix="ephkey", title="Ephemeral keys", routes=ROUTES),)
