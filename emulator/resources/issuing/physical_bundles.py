"""Issuing physical bundles (``/v1/issuing/physical_bundles``): card stock, carrier letter and envelope.

Bundles are Stripe's inventory, not something an integration creates: every platform has the same
small catalog (:data:`CATALOG`), made when the platform is (:func:`init_platform`) and stored on the
platform's own account. Connected accounts see the platform's bundles. Ids are derived from the
platform account id, so they are stable for a platform (across ``--persist`` restarts too) and draw
nothing from the seeded id generator.

Each bundle's ``features`` say whether a personalization design (or a card) using it may, must or
must not have a card logo, carrier text and a second line (``optional``/``required``/``unsupported``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from emulator.core.context import Ctx
from emulator.core.ids import ALPHABET
from emulator.core.objects import PHYSICAL_BUNDLE
from emulator.core.state import Platform, Scope
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource

URL = "/v1/issuing/physical_bundles"
PREFIX = "ics"
ID_LENGTH = 24  # characters after the prefix, like every other emulator id
FEATURES = ("card_logo", "carrier_text", "second_line")


@dataclass(frozen=True)
class Offer:
    """One bundle of the catalog: its features are (card_logo, carrier_text, second_line) policies."""

    slot: str
    name: str
    type: str
    features: tuple[str, str, str]


# Oldest first: a list shows the standard bundles first (newest first), the custom one last.
CATALOG: tuple[Offer, ...] = (
    Offer("custom", "Custom Bundle", "custom", ("unsupported", "unsupported", "unsupported")),
    Offer("standard_black", "Standard Black", "standard", ("optional", "optional", "optional")),
    Offer("standard_white", "Standard White", "standard", ("optional", "optional", "optional")),
)


def bundle_id(account_id: str, slot: str) -> str:
    """``ics_1…``: the same id for the same platform and catalog slot, every time."""
    digest = hashlib.blake2b(f"{account_id}:{slot}".encode(), digest_size=32).digest()
    tail = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[: ID_LENGTH - 1])
    return f"{PREFIX}_1{tail}"


def init_platform(platform: Platform) -> None:
    """Give a new platform Stripe's bundle catalog (a platform initializer)."""
    scope = platform.scope()
    for offer in CATALOG:
        scope.add(
            {
                "id": bundle_id(platform.account_id, offer.slot),
                "object": PHYSICAL_BUNDLE,
                "features": dict(zip(FEATURES, offer.features, strict=True)),
                "livemode": False,
                "name": offer.name,
                "status": "active",
                "type": offer.type,
            }
        )


def _catalog_scope(ctx: Ctx) -> Scope:
    return ctx.platform.scope()


def get_bundle(ctx: Ctx, obj_id: str, param: str = "physical_bundle") -> Obj:
    """A bundle the calling account may use (the platform's catalog), or Stripe's 404."""
    bundle = _catalog_scope(ctx).get(PHYSICAL_BUNDLE, obj_id)
    if bundle is None:
        raise errors.no_such(common.noun(PHYSICAL_BUNDLE), obj_id, param=param)
    return bundle


def find_bundle(ctx: Ctx, obj_id: str) -> Obj | None:
    return _catalog_scope(ctx).get(PHYSICAL_BUNDLE, obj_id)


def feature(bundle: Obj, name: str) -> str:
    """The bundle's policy for a feature: ``optional``, ``required`` or ``unsupported``."""
    policy: str = bundle["features"][name]
    return policy


# --- handlers --------------------------------------------------------------------------------------


def retrieve(ctx: Ctx) -> Obj:
    return get_bundle(ctx, ctx.path["physical_bundle"])


def list_bundles(ctx: Ctx) -> Obj:
    p = ctx.params
    preds: list[Predicate | None] = [
        common.equals(field, p[field]) for field in ("status", "type") if p.get(field) is not None
    ]
    return paginate(_catalog_scope(ctx).store(PHYSICAL_BUNDLE), URL, p, preds, noun=common.noun(PHYSICAL_BUNDLE))


ROUTES: list[Route] = [
    route("GET", URL, list_bundles),
    route("GET", URL + "/{physical_bundle}", retrieve),
]

RESOURCE = Resource(
    PHYSICAL_BUNDLE, prefix=PREFIX, title="Physical bundles", routes=ROUTES, on_new_platform=init_platform
)
