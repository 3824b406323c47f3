"""Issuing personalization designs (``/v1/issuing/personalization_designs``) and their test helpers.

A design groups a physical bundle (:mod:`physical_bundles`), a card logo (a file uploaded with
purpose ``issuing_logo``, :func:`emulator.resources.files.check_file`; ``expand[]=card_logo`` shows
it) and carrier letter text. Designs live on the account that
created them; a connected account also sees, and can issue cards with, its platform's designs.

Status (``review`` on create) moves only through the test helpers, except that changing what design
review looks at sends a design back to review::

    activate    review, inactive   -> active     issuing_personalization_design.activated
    deactivate  review, active     -> inactive   issuing_personalization_design.deactivated
    reject      review             -> rejected   issuing_personalization_design.rejected (rejection_reasons)
    update of card_logo / carrier_text / physical_bundle:  active, rejected -> review

Any other move is a 400 ``status_transition_invalid``. Other changes emit
``issuing_personalization_design.updated``. Rules on create/update: the bundle's ``features`` decide
whether a card logo and carrier text may/must be given; ``lookup_key`` is unique per account
(``transfer_lookup_key=true`` moves it from the design holding it); ``preferences[is_default]=true``
makes the design the account's default (the previous default loses the flag).
``preferences.is_platform_default`` is ``null`` seen from the platform; seen from a connected account
it tells whether a platform design is the platform's default (``false`` for the account's own).

Cards (:func:`design_for_card`): a physical card may use a design in ``active`` or ``review`` status
(cards of a design in review are fulfilled once it is activated); without one it gets the account's
default design, else (connected accounts) the platform's default. Virtual cards have none.
Rejecting a design cancels the cards still waiting for it (shipment ``pending``/``submitted``, not yet
canceled; a platform design's cards on connected accounts too): ``status: canceled``,
``cancellation_reason: design_rejected``, ``shipping.status: canceled``, one
``issuing_card.updated`` each (on the card's account), after the design's ``rejected`` event.
Stripe documents the reason ("rejected by Stripe for violating our partner guidelines") and that
cards of a design in review are only fulfilled once it is approved, not these mechanics.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import CARD, FILE, PERSONALIZATION_DESIGN
from emulator.core.state import Scope
from emulator.core.store import Obj, ObjectStore
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common, files
from emulator.resources.issuing import card_shipping, physical_bundles
from emulator.resources.resource import Resource

URL = "/v1/issuing/personalization_designs"
HELPERS = "/v1/test_helpers/issuing/personalization_designs/{personalization_design}/"
PARAM = "personalization_design"
CARRIER_FIELDS = ("footer_body", "footer_title", "header_body", "header_title")
REVIEWED = ("card_logo", "carrier_text", "physical_bundle")  # what design review looks at
USABLE = frozenset({"active", "review"})  # statuses a card may be created with
SEQ_KEY = "issuing.personalization_design.seq"  # platform.extra: creation order across accounts
# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({"review", "inactive"}), "active"),
    "deactivate": (frozenset({"review", "active"}), "inactive"),
    "reject": (frozenset({"review"}), "rejected"),
}
EVENTS = {"activate": "activated", "deactivate": "deactivated", "reject": "rejected"}
DESIGN_REJECTED = "design_rejected"  # the cancellation_reason of the cards a rejection cancels

BUNDLE_INACTIVE = "The physical bundle {bundle} is inactive: it can't be used for new personalization designs."
FEATURE_UNSUPPORTED = "The physical bundle {bundle} does not support {what}: remove `{param}`."
FEATURE_REQUIRED = "The physical bundle {bundle} requires {what}: provide `{param}`."
WHAT = {"card_logo": "a card logo", "carrier_text": "carrier text", "second_line": "a second line"}
LOOKUP_KEY_TAKEN = (
    "A personalization design (`{design}`) already uses that lookup key. Pass `transfer_lookup_key=true` to move "
    "it to this personalization design."
)
BAD_TRANSITION = (
    "Cannot {action} personalization design {design}: its status is `{status}`, and {action} is only possible "
    "from {allowed}."
)
NO_REJECTION_REASON = (
    "Provide at least one reason in `rejection_reasons[card_logo]` or `rejection_reasons[carrier_text]`."
)
NOT_USABLE = (
    "The personalization design {design} is `{status}`: cards can only be created with a personalization design "
    "that is `active` or in `review`."
)
VIRTUAL_CARD = "A personalization design can only be used with physical cards (`type=physical`)."
CARD_SHIPPED = "The personalization design of card {card} can no longer be changed: its shipment is already `{status}`."


# --- look-ups --------------------------------------------------------------------------------------


def _visible_scopes(ctx: Ctx) -> list[Scope]:
    """The accounts whose designs the caller sees: its own, and the platform's for a connected one."""
    return [ctx.scope, ctx.platform.scope()] if ctx.scope.is_connected else [ctx.scope]


def find(ctx: Ctx, design_id: str, param: str = PARAM) -> tuple[Scope, Obj]:
    """A design the caller can see, with the account holding it, or Stripe's 404."""
    for scope in _visible_scopes(ctx):
        design = scope.get(PERSONALIZATION_DESIGN, design_id)
        if design is not None:
            return scope, design
    raise errors.no_such(common.noun(PERSONALIZATION_DESIGN), design_id, param=param)


def expand_on_card(ctx: Ctx, card: Obj) -> Any:
    """``expand[]=personalization_design`` on a card: the design, also when it is the platform's."""
    design_id = card.get("personalization_design")
    if not isinstance(design_id, str):
        return design_id
    for scope in _visible_scopes(ctx):
        design = scope.get(PERSONALIZATION_DESIGN, design_id)
        if design is not None:
            return ctx.in_scope(scope).rendered(design)
    return design_id


def expand_bundle(ctx: Ctx, design: Obj) -> Any:
    """``expand[]=physical_bundle`` on a design: the bundle from the platform's catalog."""
    bundle_id = design.get("physical_bundle")
    if not isinstance(bundle_id, str):
        return bundle_id
    return physical_bundles.find_bundle(ctx, bundle_id) or bundle_id


def _seq(scope: Scope, design: Obj) -> int:
    value: int = scope.meta_of(design["id"])["seq"]
    return value


def _visible(ctx: Ctx) -> ObjectStore:
    """The designs the caller sees, in creation order (a merged store for a connected account)."""
    scopes = _visible_scopes(ctx)
    if len(scopes) == 1:
        return ctx.scope.store(PERSONALIZATION_DESIGN)
    pairs = [(scope, d) for scope in scopes for d in scope.store(PERSONALIZATION_DESIGN).values()]
    merged = ObjectStore()
    for _, design in sorted(pairs, key=lambda sd: _seq(*sd)):
        merged.add(design)
    return merged


def _default_of(scope: Scope) -> Obj | None:
    for design in scope.store(PERSONALIZATION_DESIGN).values():
        if design["preferences"]["is_default"]:
            return design
    return None


# --- rendering -------------------------------------------------------------------------------------


def preferences(ctx: Ctx, design: Obj) -> Obj:
    """``preferences`` as the caller sees them (``is_platform_default`` depends on who asks)."""
    prefs = dict(design["preferences"])
    if ctx.scope.is_connected:
        of_platform = design["id"] in ctx.platform.scope().store(PERSONALIZATION_DESIGN)
        prefs["is_platform_default"] = bool(design["preferences"]["is_default"]) if of_platform else False
    return prefs


def render(ctx: Ctx, design: Obj) -> Obj:
    """The design as the caller sees it: ``is_platform_default`` in context, the bundle when expanded."""
    out = dict(design)
    out["preferences"] = preferences(ctx, design)
    if ctx.includes & {"physical_bundle", "data.physical_bundle"}:
        bundle = physical_bundles.find_bundle(ctx, design["physical_bundle"])
        if bundle is not None:
            out["physical_bundle"] = dict(bundle)
    if design["card_logo"] and ctx.includes & {"card_logo", "data.card_logo"}:
        logo = ctx.scope.get(FILE, design["card_logo"])
        if logo is not None:
            out["card_logo"] = dict(logo)
    return out


# --- checks ----------------------------------------------------------------------------------------


def _card_logo(ctx: Ctx, value: str | None) -> str | None:
    """A card logo is a file uploaded (by this account) with purpose ``issuing_logo``."""
    if value is not None:
        files.check_file(ctx, value, ("issuing_logo",), "card_logo")
    return value


def _carrier_text(current: Obj | None, update: Any) -> Obj | None:
    """The carrier text after ``update``: ``None`` clears it; given fields replace, ``""`` unsets one."""
    if update is None:
        return None
    merged: Obj = {name: (current or {}).get(name) for name in CARRIER_FIELDS}
    for name, value in update.items():
        merged[name] = value or None
    return merged


def _has_carrier_text(carrier: Obj | None) -> bool:
    return carrier is not None and any(carrier.get(name) for name in CARRIER_FIELDS)


def _check_features(bundle: Obj, logo: str | None, carrier: Obj | None) -> None:
    for name, present in (("card_logo", logo is not None), ("carrier_text", _has_carrier_text(carrier))):
        policy = physical_bundles.feature(bundle, name)
        if policy == "unsupported" and present:
            raise StripeError(FEATURE_UNSUPPORTED.format(bundle=bundle["id"], what=WHAT[name], param=name), param=name)
        if policy == "required" and not present:
            raise StripeError(FEATURE_REQUIRED.format(bundle=bundle["id"], what=WHAT[name], param=name), param=name)


def _usable_bundle(ctx: Ctx, bundle_id: str) -> Obj:
    bundle = physical_bundles.get_bundle(ctx, bundle_id)
    if bundle["status"] == "inactive":
        raise StripeError(BUNDLE_INACTIVE.format(bundle=bundle_id), param="physical_bundle")
    return bundle


def _lookup_key_holder(ctx: Ctx, key: str | None, design_id: str | None, transfer: bool) -> Obj | None:
    """The other design of this account holding ``key`` (to take it from), or the refusal."""
    if key is None:
        return None
    for design in ctx.scope.store(PERSONALIZATION_DESIGN).values():
        if design["lookup_key"] == key and design["id"] != design_id:
            if not transfer:
                raise StripeError(LOOKUP_KEY_TAKEN.format(design=design["id"]), param="lookup_key")
            return design
    return None


# --- side effects shared by create and update ------------------------------------------------------


def _take_lookup_key(ctx: Ctx, holder: Obj | None) -> None:
    if holder is None:
        return
    before = ctx.snapshot(holder)
    holder["lookup_key"] = None
    ctx.emit("issuing_personalization_design.updated", holder, before)


def _clear_other_defaults(ctx: Ctx, design_id: str) -> None:
    for other in ctx.scope.store(PERSONALIZATION_DESIGN).values():
        if other["id"] != design_id and other["preferences"]["is_default"]:
            before = ctx.snapshot(other)
            other["preferences"] = {**other["preferences"], "is_default": False}
            ctx.emit("issuing_personalization_design.updated", other, before)


def _next_seq(ctx: Ctx) -> int:
    seq = int(ctx.platform.extra.get(SEQ_KEY, 0)) + 1
    ctx.platform.extra[SEQ_KEY] = seq
    return seq


# --- handlers --------------------------------------------------------------------------------------


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    bundle = _usable_bundle(ctx, p["physical_bundle"])
    logo = _card_logo(ctx, p.get("card_logo"))
    carrier = _carrier_text(None, p.get("carrier_text"))
    _check_features(bundle, logo, carrier)
    key = p.get("lookup_key")
    holder = _lookup_key_holder(ctx, key, None, bool(p.get("transfer_lookup_key")))
    is_default = bool((p.get("preferences") or {}).get("is_default"))
    design: Obj = {
        "id": ctx.new_id("ipcd"),
        "object": PERSONALIZATION_DESIGN,
        "card_logo": logo,
        "carrier_text": carrier,
        "created": ctx.now,
        "livemode": False,
        "lookup_key": key,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "name": p.get("name"),
        "physical_bundle": bundle["id"],
        "preferences": {"is_default": is_default, "is_platform_default": None},
        "rejection_reasons": {"card_logo": [], "carrier_text": []},
        "status": "review",
    }
    _take_lookup_key(ctx, holder)
    if is_default:
        _clear_other_defaults(ctx, design["id"])
    ctx.scope.add(design)
    ctx.scope.meta_of(design["id"])["seq"] = _next_seq(ctx)
    return design


def retrieve(ctx: Ctx) -> Obj:
    return find(ctx, ctx.path[PARAM])[1]


def update(ctx: Ctx) -> Obj:
    scope, design = find(ctx, ctx.path[PARAM])
    ctx = ctx.in_scope(scope)  # a platform design changed through a connected account: the platform's events
    p = ctx.params
    changes: Obj = {}
    bundle = physical_bundles.find_bundle(ctx, design["physical_bundle"])
    if "physical_bundle" in p:
        bundle = _usable_bundle(ctx, p["physical_bundle"])
        changes["physical_bundle"] = bundle["id"]
    if "card_logo" in p:
        changes["card_logo"] = _card_logo(ctx, p["card_logo"])
    if "carrier_text" in p:
        changes["carrier_text"] = _carrier_text(design["carrier_text"], p["carrier_text"])
    if bundle is not None and any(field in p for field in REVIEWED):
        _check_features(
            bundle, changes.get("card_logo", design["card_logo"]), changes.get("carrier_text", design["carrier_text"])
        )
    for field in ("name", "lookup_key"):
        if field in p:
            changes[field] = p[field]
    holder = _lookup_key_holder(ctx, changes.get("lookup_key"), design["id"], bool(p.get("transfer_lookup_key")))
    metadata = common.merge_metadata(design["metadata"], p["metadata"]) if "metadata" in p else None
    prefs = p.get("preferences")
    before = ctx.snapshot(design)
    _take_lookup_key(ctx, holder)
    reviewed_change = any(field in changes and changes[field] != design[field] for field in REVIEWED)
    design.update(changes)
    if metadata is not None:
        design["metadata"] = metadata
    if prefs is not None:
        design["preferences"] = {**design["preferences"], "is_default": prefs["is_default"]}
        if prefs["is_default"]:
            _clear_other_defaults(ctx, design["id"])
    if reviewed_change and design["status"] in ("active", "rejected"):
        design["status"] = "review"
        design["rejection_reasons"] = {"card_logo": [], "carrier_text": []}
    common.emit_if_changed(ctx, "issuing_personalization_design.updated", design, before)
    return design


def list_designs(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = []
    keys = p.get("lookup_keys")
    if keys is not None:
        wanted = frozenset(keys)
        preds.append(lambda d: d["lookup_key"] in wanted)
    if p.get("status") is not None:
        status = p["status"]
        preds.append(lambda d: d["status"] == status)
    prefs = p.get("preferences") or {}
    preds.extend(
        _preference_is(ctx, name, prefs[name]) for name in ("is_default", "is_platform_default") if name in prefs
    )
    return paginate(_visible(ctx), URL, p, preds, noun=common.noun(PERSONALIZATION_DESIGN))


def _preference_is(ctx: Ctx, name: str, value: bool) -> Predicate:
    return lambda design: preferences(ctx, design)[name] is value


# --- test helpers ----------------------------------------------------------------------------------


def _move(ctx: Ctx, action: str, reasons: Obj | None = None) -> Obj:
    scope, design = find(ctx, ctx.path[PARAM])
    ctx = ctx.in_scope(scope)
    allowed, target = TRANSITIONS[action]
    if design["status"] not in allowed:
        raise StripeError(
            BAD_TRANSITION.format(
                action=action, design=design["id"], status=design["status"], allowed=" or ".join(sorted(allowed))
            ),
            code="status_transition_invalid",
        )
    before = ctx.snapshot(design)
    design["status"] = target
    design["rejection_reasons"] = {
        "card_logo": list((reasons or {}).get("card_logo") or []),
        "carrier_text": list((reasons or {}).get("carrier_text") or []),
    }
    ctx.emit(f"issuing_personalization_design.{EVENTS[action]}", design, before)
    if action == "reject":
        _cancel_waiting_cards(ctx, scope, design["id"])
    return design


def _waiting_for(card: Obj, design_id: str) -> bool:
    shipping = card.get("shipping") or {}
    return (
        card.get("personalization_design") == design_id
        and card["status"] != "canceled"
        and shipping.get("status") in card_shipping.NOT_LEFT_YET
    )


def _cancel_waiting_cards(ctx: Ctx, scope: Scope, design_id: str) -> None:
    """A rejected design is never printed: cancel the cards whose shipment still waits for it."""
    scopes = [scope] if scope.is_connected else list(ctx.platform.scopes.values())
    for card_scope in scopes:
        store = card_scope.stores.get(CARD)
        if store is None:
            continue
        waiting = [card["id"] for card in store.scan() if _waiting_for(card, design_id)]
        sub = ctx.in_scope(card_scope)
        for card_id in waiting:
            card = store.get(card_id)
            if card is None:
                continue
            before = sub.snapshot(card)
            card["status"] = "canceled"
            card["cancellation_reason"] = DESIGN_REJECTED
            card_shipping.cancel_shipment(card)
            sub.emit("issuing_card.updated", card, before)


def activate(ctx: Ctx) -> Obj:
    return _move(ctx, "activate")


def deactivate(ctx: Ctx) -> Obj:
    return _move(ctx, "deactivate")


def reject(ctx: Ctx) -> Obj:
    reasons: Obj = ctx.params["rejection_reasons"]
    if not (reasons.get("card_logo") or reasons.get("carrier_text")):
        raise StripeError(NO_REJECTION_REASON, param="rejection_reasons")
    return _move(ctx, "reject", reasons)


# --- cards -----------------------------------------------------------------------------------------


def _check_second_line(ctx: Ctx, design: Obj, second_line: str | None) -> None:
    bundle = physical_bundles.find_bundle(ctx, design["physical_bundle"])
    if bundle is None:
        return
    policy = physical_bundles.feature(bundle, "second_line")
    what = WHAT["second_line"]
    if policy == "unsupported" and second_line:
        raise StripeError(
            FEATURE_UNSUPPORTED.format(bundle=bundle["id"], what=what, param="second_line"), param="second_line"
        )
    if policy == "required" and not second_line:
        raise StripeError(
            FEATURE_REQUIRED.format(bundle=bundle["id"], what=what, param="second_line"), param="second_line"
        )


def _usable_design(ctx: Ctx, design_id: str) -> Obj:
    design = find(ctx, design_id)[1]
    if design["status"] not in USABLE:
        raise StripeError(NOT_USABLE.format(design=design_id, status=design["status"]), param=PARAM)
    return design


def default_design(ctx: Ctx) -> Obj | None:
    """The design a physical card gets when it names none: the account's default, else the platform's."""
    for scope in _visible_scopes(ctx):
        design = _default_of(scope)
        if design is not None:
            return design if design["status"] in USABLE else None
    return None


def design_for_card(ctx: Ctx, kind: str, design_id: str | None, second_line: str | None) -> str | None:
    """The ``personalization_design`` of a new card (checked), or the Stripe-shaped refusal."""
    if design_id:
        design: Obj | None = _usable_design(ctx, design_id)
        if kind != "physical":
            raise StripeError(VIRTUAL_CARD, param=PARAM)
    elif kind == "physical":
        design = default_design(ctx)
    else:
        return None
    if design is None:
        return None
    _check_second_line(ctx, design, second_line)
    return str(design["id"])


def design_for_card_update(ctx: Ctx, card: Obj, design_id: str | None) -> str | None:
    """The new ``personalization_design`` of an existing card (checked before anything changes)."""
    if not design_id:
        return None
    design = _usable_design(ctx, design_id)
    if card["type"] != "physical":
        raise StripeError(VIRTUAL_CARD, param=PARAM)
    shipping = card.get("shipping") or {}
    if shipping.get("status") not in card_shipping.NOT_LEFT_YET:
        raise StripeError(CARD_SHIPPED.format(card=card["id"], status=shipping.get("status")), param=PARAM)
    _check_second_line(ctx, design, card.get("second_line"))
    return str(design["id"])


BUNDLE_INCLUDES = ("physical_bundle", "card_logo")

ROUTES: list[Route] = [
    route("POST", URL, create, includes=BUNDLE_INCLUDES),
    route("GET", URL, list_designs, includes=tuple("data." + p for p in BUNDLE_INCLUDES)),
    route("GET", URL + "/{personalization_design}", retrieve, includes=BUNDLE_INCLUDES),
    route("POST", URL + "/{personalization_design}", update, includes=BUNDLE_INCLUDES),
    route("POST", HELPERS + "activate", activate, includes=BUNDLE_INCLUDES),
    route("POST", HELPERS + "deactivate", deactivate, includes=BUNDLE_INCLUDES),
    route("POST", HELPERS + "reject", reject, includes=BUNDLE_INCLUDES),
]

RESOURCES = (
    Resource(
        PERSONALIZATION_DESIGN,
        prefix="ipcd",
        title="Personalization designs",
        routes=ROUTES,
        render=render,
        virtual={"physical_bundle": expand_bundle},
        events=tuple(f"issuing_personalization_design.{e}" for e in ("updated", *EVENTS.values())),
    ),
    Resource("issuing.card", virtual={"personalization_design": expand_on_card}),
)
