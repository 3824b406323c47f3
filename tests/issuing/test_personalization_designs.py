"""Issuing physical bundles and personalization designs through the real SDK, and cards using designs."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from emulator.core import objects
from emulator.core.jsonutil import thaw
from emulator.core.state import State
from emulator.resources.issuing import physical_bundles
from tests.support.cards import (
    Opts,
    active_design,
    bundles,
    create_cardholder,
    logo,
    new_design,
    physical_card,
    standard,
)
from tests.support.errors import error_of
from tests.support.events import events_of
from tests.support.running import Running, state_of
from tests.support.sdk_fields import check, declared, embedded, sdk_class

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed


def custom(client: stripe.StripeClient) -> str:
    return bundles(client, type="custom")["custom:Custom Bundle"].id


# --- physical bundles ------------------------------------------------------------------------------------


def test_every_platform_has_the_bundle_catalog(client: stripe.StripeClient, account: stripe.Account) -> None:
    listed = client.v1.issuing.physical_bundles.list()
    assert [(b.type, b.name) for b in listed.data] == [
        ("standard", "Standard White"),
        ("standard", "Standard Black"),
        ("custom", "Custom Bundle"),
    ]
    assert listed.has_more is False and listed.url == "/v1/issuing/physical_bundles"
    for bundle in listed.data:
        assert isinstance(bundle, stripe.issuing.PhysicalBundle)
        assert bundle.id.startswith("ics_1") and len(bundle.id) == 28
        assert bundle.object == "issuing.physical_bundle"
        assert bundle.status == "active" and bundle.livemode is False
        assert client.v1.issuing.physical_bundles.retrieve(bundle.id).to_dict() == bundle.to_dict()
    white, _, custom_bundle = listed.data
    assert white.features.to_dict() == {"card_logo": "optional", "carrier_text": "optional", "second_line": "optional"}
    assert custom_bundle.features.to_dict() == {
        "card_logo": "unsupported",
        "carrier_text": "unsupported",
        "second_line": "unsupported",
    }
    # a connected account sees its platform's bundles, with the same ids
    seen = client.v1.issuing.physical_bundles.list(options={"stripe_account": account.id})
    assert [b.id for b in seen.data] == [b.id for b in listed.data]
    assert [b.id for b in client.v1.issuing.physical_bundles.list().data] == [b.id for b in listed.data]


def test_bundle_filters_and_pages(client: stripe.StripeClient) -> None:
    assert [b.name for b in client.v1.issuing.physical_bundles.list({"type": "custom"}).data] == ["Custom Bundle"]
    assert len(client.v1.issuing.physical_bundles.list({"type": "standard", "status": "active"}).data) == 2
    assert client.v1.issuing.physical_bundles.list({"status": "inactive"}).data == []
    assert client.v1.issuing.physical_bundles.list({"status": "review"}).data == []
    first = client.v1.issuing.physical_bundles.list({"limit": 1})
    assert len(first.data) == 1 and first.has_more is True
    rest = client.v1.issuing.physical_bundles.list({"limit": 5, "starting_after": first.data[0].id})
    assert len(rest.data) == 2 and rest.has_more is False
    back = client.v1.issuing.physical_bundles.list({"ending_before": rest.data[0].id})
    assert [b.id for b in back.data] == [first.data[0].id]
    err = error_of(lambda: client.v1.issuing.physical_bundles.list({"type": "premium"}))
    assert err.http_status == 400 and err.param == "type"


def test_bundle_errors(client: stripe.StripeClient, http: httpx.Client) -> None:
    err = error_of(lambda: client.v1.issuing.physical_bundles.retrieve("ics_nope"))
    assert err.http_status == 404 and err.code == "resource_missing" and err.param == "physical_bundle"
    assert err.user_message == "No such issuing physical_bundle: 'ics_nope'"
    r = http.get("/v1/issuing/physical_bundles", params={"colour": "black"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"


def test_bundle_ids_are_stable_per_platform_and_differ_between_platforms(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    other = stripe.StripeClient(api_key + "other", base_addresses={"api": server.url})
    mine = {b.id for b in client.v1.issuing.physical_bundles.list().data}
    theirs = {b.id for b in other.v1.issuing.physical_bundles.list().data}
    assert len(mine) == 3 and len(theirs) == 3 and not mine & theirs
    err = error_of(lambda: other.v1.issuing.physical_bundles.retrieve(sorted(mine)[0]))
    assert err.http_status == 404
    # derived from the platform account id: two seeded states make the same platform and bundles
    a, b = State(seed=7), State(seed=7)
    for state in (a, b):
        state.platform_initializers.append(physical_bundles.init_platform)
    ids_a = sorted(a.platform("sk_test_x").scope().store(objects.PHYSICAL_BUNDLE).objects)
    ids_b = sorted(b.platform("sk_test_x").scope().store(objects.PHYSICAL_BUNDLE).objects)
    assert ids_a == ids_b and len(ids_a) == 3
    assert physical_bundles.bundle_id("acct_1", "custom") == physical_bundles.bundle_id("acct_1", "custom")
    assert physical_bundles.bundle_id("acct_1", "custom") != physical_bundles.bundle_id("acct_2", "custom")


# --- creating designs -------------------------------------------------------------------------------------


def test_create_personalization_design(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    bundle = standard(client)
    logo_id = logo(client)
    design = client.v1.issuing.personalization_designs.create(
        {
            "physical_bundle": bundle,
            "card_logo": logo_id,
            "carrier_text": {"header_title": "Welcome", "header_body": "Your new card", "footer_title": ""},
            "lookup_key": "my_card_design_lookup_key",
            "metadata": {"team": "cards"},
            "name": "My Card Design V1",
        }
    )
    assert isinstance(design, stripe.issuing.PersonalizationDesign)
    assert design.id.startswith("ipcd_1") and len(design.id) == 29
    assert design.object == "issuing.personalization_design"
    assert design.status == "review"
    assert design.physical_bundle == bundle
    assert design.card_logo == logo_id
    assert design.carrier_text is not None and design.carrier_text.to_dict() == {
        "footer_body": None,
        "footer_title": None,
        "header_body": "Your new card",
        "header_title": "Welcome",
    }
    assert design.lookup_key == "my_card_design_lookup_key"
    assert design.name == "My Card Design V1"
    assert design.metadata.to_dict() == {"team": "cards"}
    assert design.preferences.to_dict() == {"is_default": False, "is_platform_default": None}
    assert design.rejection_reasons.to_dict() == {"card_logo": [], "carrier_text": []}
    assert design.livemode is False and isinstance(design.created, int)
    assert client.v1.issuing.personalization_designs.retrieve(design.id).to_dict() == design.to_dict()
    # no event on create (Stripe has none), and the minimal design
    assert [e["type"] for e in server.state.platform(api_key).scope().store("event").values()] == []
    bare = new_design(client)
    assert bare.carrier_text is None and bare.card_logo is None and bare.name is None and bare.lookup_key is None


def test_expand_physical_bundle(client: stripe.StripeClient, http: httpx.Client) -> None:
    design = new_design(client, expand=["physical_bundle"])
    assert isinstance(design.physical_bundle, stripe.issuing.PhysicalBundle)
    assert design.physical_bundle.name == "Standard White"
    got = client.v1.issuing.personalization_designs.retrieve(design.id, {"expand": ["physical_bundle"]})
    assert isinstance(got.physical_bundle, stripe.issuing.PhysicalBundle)
    listed = client.v1.issuing.personalization_designs.list({"expand": ["data.physical_bundle"]})
    assert isinstance(listed.data[0].physical_bundle, stripe.issuing.PhysicalBundle)
    activated = client.v1.test_helpers.issuing.personalization_designs.activate(
        design.id, {"expand": ["physical_bundle"]}
    )
    assert isinstance(activated.physical_bundle, stripe.issuing.PhysicalBundle)
    assert isinstance(client.v1.issuing.personalization_designs.retrieve(design.id).physical_bundle, str)
    # the card logo expands to its File
    logo_id = logo(client)
    r = http.post(
        "/v1/issuing/personalization_designs",
        data={"physical_bundle": standard(client), "card_logo": logo_id, "expand[]": "card_logo"},
    )
    assert r.status_code == 200 and r.json()["card_logo"]["id"] == logo_id
    assert r.json()["card_logo"]["purpose"] == "issuing_logo"
    listed = client.v1.issuing.personalization_designs.list({"expand": ["data.card_logo"]})
    assert isinstance(listed.data[0].card_logo, stripe.File)


@pytest.mark.parametrize(
    ("params", "status", "param"),
    [
        ({"physical_bundle": "ics_nope"}, 400, "physical_bundle"),
        ({"card_logo": "logo.png"}, 400, "card_logo"),
        ({"carrier_text": {"header_title": "x" * 31}}, 400, "carrier_text[header_title]"),
        ({"carrier_text": {"footer_body": "x" * 201}}, 400, "carrier_text[footer_body]"),
        ({"lookup_key": "k" * 201}, 400, "lookup_key"),
        ({"name": "n" * 201}, 400, "name"),
        ({"lookup_key": ""}, 400, "lookup_key"),
        ({"color": "red"}, 400, "color"),
    ],
)
def test_create_refusals(client: stripe.StripeClient, params: dict[str, Any], status: int, param: str) -> None:
    err = error_of(lambda: new_design(client, **params))
    assert err.http_status == status and err.param == param, err.user_message
    assert client.v1.issuing.personalization_designs.list().data == []


def test_missing_bundle_is_parameter_missing(http: httpx.Client) -> None:
    r = http.post("/v1/issuing/personalization_designs", data={"name": "No bundle"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "parameter_missing" and r.json()["error"]["param"] == "physical_bundle"


def test_bundle_features_decide_logo_and_carrier_text(client: stripe.StripeClient) -> None:
    bundle = custom(client)
    err = error_of(lambda: new_design(client, physical_bundle=bundle, card_logo=logo(client)))
    assert err.http_status == 400 and err.param == "card_logo" and "does not support a card logo" in err.user_message
    err = error_of(lambda: new_design(client, physical_bundle=bundle, carrier_text={"header_title": "Hi"}))
    assert err.http_status == 400 and err.param == "carrier_text"
    plain = new_design(client, physical_bundle=bundle, carrier_text={"header_title": ""}, name="Plain")
    assert plain.physical_bundle == bundle
    logo_id = logo(client)
    err = error_of(lambda: client.v1.issuing.personalization_designs.update(plain.id, {"card_logo": logo_id}))
    assert err.param == "card_logo"
    with_logo = new_design(client, card_logo=logo_id)
    err = error_of(lambda: client.v1.issuing.personalization_designs.update(with_logo.id, {"physical_bundle": bundle}))
    assert err.http_status == 400 and err.param == "card_logo"
    assert client.v1.issuing.personalization_designs.retrieve(with_logo.id).physical_bundle == standard(client)


def test_lookup_keys_are_unique_and_can_be_transferred(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    first = new_design(client, lookup_key="gold")
    err = error_of(lambda: new_design(client, lookup_key="gold"))
    assert err.http_status == 400 and err.param == "lookup_key" and first.id in err.user_message
    second = new_design(client, lookup_key="gold", transfer_lookup_key=True)
    assert second.lookup_key == "gold"
    assert client.v1.issuing.personalization_designs.retrieve(first.id).lookup_key is None
    updated = events_of(server, api_key, None, "issuing_personalization_design.updated")
    assert [(e["data"]["object"]["id"], e["data"]["previous_attributes"]) for e in updated] == [
        (first.id, {"lookup_key": "gold"})
    ]
    third = new_design(client, lookup_key="silver")
    err = error_of(lambda: client.v1.issuing.personalization_designs.update(third.id, {"lookup_key": "gold"}))
    assert err.param == "lookup_key"
    client.v1.issuing.personalization_designs.update(third.id, {"lookup_key": "gold", "transfer_lookup_key": True})
    assert client.v1.issuing.personalization_designs.retrieve(second.id).lookup_key is None
    found = client.v1.issuing.personalization_designs.list({"lookup_keys": ["gold", "bronze"]}).data
    assert [d.id for d in found] == [third.id]
    # its own key again is no conflict
    same = client.v1.issuing.personalization_designs.update(third.id, {"lookup_key": "gold"})
    assert same.lookup_key == "gold"


def test_one_default_design_per_account(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    first = new_design(client, preferences={"is_default": True})
    assert first.preferences.is_default is True
    second = new_design(client, preferences={"is_default": True})
    assert client.v1.issuing.personalization_designs.retrieve(first.id).preferences.is_default is False
    defaults = client.v1.issuing.personalization_designs.list({"preferences": {"is_default": True}}).data
    assert [d.id for d in defaults] == [second.id]
    others = client.v1.issuing.personalization_designs.list({"preferences": {"is_default": False}}).data
    assert [d.id for d in others] == [first.id]
    client.v1.issuing.personalization_designs.update(first.id, {"preferences": {"is_default": True}})
    assert client.v1.issuing.personalization_designs.retrieve(second.id).preferences.is_default is False
    changes = [
        (e["data"]["object"]["id"], e["data"]["previous_attributes"])
        for e in events_of(server, api_key, None, "issuing_personalization_design.updated")
    ]
    assert changes == [
        (first.id, {"preferences": {"is_default": True}}),
        (second.id, {"preferences": {"is_default": True}}),
        (first.id, {"preferences": {"is_default": False}}),
    ]
    # on the platform itself, is_platform_default is null: nothing matches it
    assert client.v1.issuing.personalization_designs.list({"preferences": {"is_platform_default": True}}).data == []


# --- the test helpers --------------------------------------------------------------------------------------

# status -> action -> the status it leads to (None: refused with status_transition_invalid)
MOVES: dict[str, dict[str, str | None]] = {
    "review": {"activate": "active", "deactivate": "inactive", "reject": "rejected"},
    "active": {"activate": None, "deactivate": "inactive", "reject": None},
    "inactive": {"activate": "active", "deactivate": None, "reject": None},
    "rejected": {"activate": None, "deactivate": None, "reject": None},
}
REASONS: Any = {"card_logo": ["network_name", "inappropriate"], "carrier_text": ["other"]}


def _act(
    client: stripe.StripeClient, design_id: str, action: str, opts: Opts | None = None
) -> stripe.issuing.PersonalizationDesign:
    helpers = client.v1.test_helpers.issuing.personalization_designs
    options: Any = opts or {}
    if action == "reject":
        return helpers.reject(design_id, {"rejection_reasons": REASONS}, options)
    if action == "activate":
        return helpers.activate(design_id, options=options)
    return helpers.deactivate(design_id, options=options)


def test_test_helpers_move_the_status(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    design = new_design(client)
    rejected = _act(client, design.id, "reject")
    assert rejected.status == "rejected"
    assert rejected.rejection_reasons.to_dict() == REASONS
    other = new_design(client)
    assert _act(client, other.id, "activate").status == "active"
    assert _act(client, other.id, "deactivate").status == "inactive"
    reactivated = _act(client, other.id, "activate")
    assert reactivated.status == "active" and reactivated.rejection_reasons.to_dict() == {
        "card_logo": [],
        "carrier_text": [],
    }
    for kind, previous in (
        ("activated", ["review", "inactive"]),
        ("deactivated", ["active"]),
        ("rejected", ["review"]),
    ):
        found = events_of(server, api_key, None, f"issuing_personalization_design.{kind}")
        assert [e["data"]["previous_attributes"]["status"] for e in found] == previous


@pytest.mark.parametrize("start", sorted(MOVES))
@pytest.mark.parametrize("action", ["activate", "deactivate", "reject"])
def test_transition_table(client: stripe.StripeClient, start: str, action: str) -> None:
    design = new_design(client)
    path = {"review": [], "active": ["activate"], "inactive": ["deactivate"], "rejected": ["reject"]}[start]
    for step in path:
        _act(client, design.id, step)
    expected = MOVES[start][action]
    if expected is None:
        err = error_of(lambda: _act(client, design.id, action))
        assert err.http_status == 400 and err.code == "status_transition_invalid"
        assert f"its status is `{start}`" in err.user_message
        assert client.v1.issuing.personalization_designs.retrieve(design.id).status == start
    else:
        assert _act(client, design.id, action).status == expected


def test_reject_needs_reasons(client: stripe.StripeClient, http: httpx.Client) -> None:
    design = new_design(client)
    url = f"/v1/test_helpers/issuing/personalization_designs/{design.id}/reject"
    r = http.post(url)
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_missing"
    assert r.json()["error"]["param"] == "rejection_reasons"
    err = error_of(
        lambda: client.v1.test_helpers.issuing.personalization_designs.reject(design.id, {"rejection_reasons": {}})
    )
    assert err.param == "rejection_reasons"
    r = http.post(url, data={"rejection_reasons[card_logo][0]": "ugly"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "rejection_reasons[card_logo][0]"
    r = http.post(url, data={"rejection_reasons[carrier_text][0]": "non_binary_image"})  # a logo-only reason
    assert r.status_code == 400
    assert client.v1.issuing.personalization_designs.retrieve(design.id).status == "review"
    done = client.v1.test_helpers.issuing.personalization_designs.reject(
        design.id, {"rejection_reasons": {"carrier_text": ["promotional_material"]}}
    )
    assert done.rejection_reasons.to_dict() == {"card_logo": [], "carrier_text": ["promotional_material"]}


def test_helpers_on_unknown_designs(client: stripe.StripeClient) -> None:
    for call in (
        lambda: client.v1.test_helpers.issuing.personalization_designs.activate("ipcd_nope"),
        lambda: client.v1.issuing.personalization_designs.retrieve("ipcd_nope"),
        lambda: client.v1.issuing.personalization_designs.update("ipcd_nope", {"name": "x"}),
    ):
        err = error_of(call)
        assert err.http_status == 404 and err.code == "resource_missing" and err.param == "personalization_design"
        assert err.user_message == "No such issuing personalization_design: 'ipcd_nope'"


# --- updating designs -----------------------------------------------------------------------------------------


def test_update_fields(client: stripe.StripeClient, server: EmulatorServer, api_key: str) -> None:
    design = new_design(
        client,
        name="V1",
        lookup_key="v1",
        card_logo=logo(client),
        carrier_text={"header_title": "Hi"},
        metadata={"a": "1"},
    )
    updated = client.v1.issuing.personalization_designs.update(
        design.id, {"name": "V2", "metadata": {"b": "2"}, "carrier_text": {"footer_title": "Bye", "header_title": ""}}
    )
    assert updated.name == "V2"
    assert updated.metadata.to_dict() == {"a": "1", "b": "2"}
    assert updated.carrier_text is not None
    assert updated.carrier_text.to_dict() == {
        "footer_body": None,
        "footer_title": "Bye",
        "header_body": None,
        "header_title": None,
    }
    unset_all: Any = {"name": "", "lookup_key": "", "card_logo": "", "carrier_text": "", "metadata": ""}
    cleared = client.v1.issuing.personalization_designs.update(design.id, unset_all)
    assert cleared.name is None and cleared.lookup_key is None and cleared.card_logo is None
    assert cleared.carrier_text is None and cleared.metadata.to_dict() == {}
    found = events_of(server, api_key, None, "issuing_personalization_design.updated")
    assert found[0]["data"]["previous_attributes"]["name"] == "V1"
    assert found[1]["data"]["previous_attributes"]["lookup_key"] == "v1"
    # nothing changed: no event
    client.v1.issuing.personalization_designs.update(design.id, {"name": ""})
    assert len(events_of(server, api_key, None, "issuing_personalization_design.updated")) == 2


def test_changing_what_review_looks_at_sends_the_design_back_to_review(client: stripe.StripeClient) -> None:
    first, second = logo(client), logo(client)
    design = active_design(client, card_logo=first)
    renamed = client.v1.issuing.personalization_designs.update(design.id, {"name": "Renamed", "metadata": {"x": "y"}})
    assert renamed.status == "active"
    same_logo = client.v1.issuing.personalization_designs.update(design.id, {"card_logo": first})
    assert same_logo.status == "active"
    relogo = client.v1.issuing.personalization_designs.update(design.id, {"card_logo": second})
    assert relogo.status == "review"
    rejected = _act(client, design.id, "reject")
    assert rejected.rejection_reasons.card_logo == REASONS["card_logo"]
    fixed = client.v1.issuing.personalization_designs.update(design.id, {"carrier_text": {"header_body": "Fixed"}})
    assert fixed.status == "review" and fixed.rejection_reasons.to_dict() == {"card_logo": [], "carrier_text": []}
    inactive = _act(client, _act(client, design.id, "activate").id, "deactivate")
    black: Any = {"physical_bundle": bundles(client)["standard:Standard Black"].id}
    moved = client.v1.issuing.personalization_designs.update(inactive.id, black)
    assert moved.status == "inactive"


def test_list_filters_and_pages(client: stripe.StripeClient, http: httpx.Client) -> None:
    designs = [new_design(client, name=f"D{i}") for i in range(5)]
    _act(client, designs[1].id, "activate")
    _act(client, designs[3].id, "reject")
    listed = client.v1.issuing.personalization_designs.list()
    assert [d.id for d in listed.data] == [d.id for d in reversed(designs)]
    assert listed.url == "/v1/issuing/personalization_designs"
    assert [d.id for d in client.v1.issuing.personalization_designs.list({"status": "active"}).data] == [designs[1].id]
    assert [d.id for d in client.v1.issuing.personalization_designs.list({"status": "rejected"}).data] == [
        designs[3].id
    ]
    assert len(client.v1.issuing.personalization_designs.list({"status": "review"}).data) == 3
    page = client.v1.issuing.personalization_designs.list({"limit": 2, "starting_after": designs[3].id})
    assert [d.id for d in page.data] == [designs[2].id, designs[1].id] and page.has_more is True
    every = list(client.v1.issuing.personalization_designs.list({"limit": 2}).auto_paging_iter())
    assert len(every) == 5
    r = http.get("/v1/issuing/personalization_designs", params={"status": "draft"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "status"
    r = http.get("/v1/issuing/personalization_designs", params={"starting_after": "ipcd_nope"})
    assert r.status_code == 404 and r.json()["error"]["param"] == "starting_after"


# --- connected accounts ---------------------------------------------------------------------------------------


def test_connected_accounts_see_the_platform_designs(client: stripe.StripeClient, account: stripe.Account) -> None:
    opts: Opts = {"stripe_account": account.id}
    platform_default = active_design(client, name="Platform", preferences={"is_default": True})
    platform_other = new_design(client, name="Platform other")
    own = new_design(client, opts, name="Own")
    seen = client.v1.issuing.personalization_designs.list(options=opts).data  # type: ignore[arg-type]
    assert [d.id for d in seen] == [own.id, platform_other.id, platform_default.id]
    flags = {d.id: d.preferences.is_platform_default for d in seen}
    assert flags == {own.id: False, platform_other.id: False, platform_default.id: True}
    only = client.v1.issuing.personalization_designs.list({"preferences": {"is_platform_default": True}}, opts)  # type: ignore[arg-type]
    assert [d.id for d in only.data] == [platform_default.id]
    got = client.v1.issuing.personalization_designs.retrieve(platform_default.id, options=opts)  # type: ignore[arg-type]
    assert got.preferences.is_platform_default is True
    # the platform does not see the connected account's designs
    assert own.id not in {d.id for d in client.v1.issuing.personalization_designs.list().data}
    err = error_of(lambda: client.v1.issuing.personalization_designs.retrieve(own.id))
    assert err.http_status == 404
    # lookup keys are unique per account
    new_design(client, lookup_key="shared")
    assert new_design(client, opts, lookup_key="shared").lookup_key == "shared"
    page = client.v1.issuing.personalization_designs.list({"limit": 2, "starting_after": own.id}, opts)  # type: ignore[arg-type]
    assert [d.id for d in page.data] == [platform_other.id, platform_default.id]


# --- cards ----------------------------------------------------------------------------------------------------


def test_physical_cards_use_usable_designs(client: stripe.StripeClient) -> None:
    active = active_design(client)
    card = physical_card(client, personalization_design=active.id)
    assert card.personalization_design == active.id
    in_review = new_design(client)
    assert physical_card(client, personalization_design=in_review.id).personalization_design == in_review.id
    listed = client.v1.issuing.cards.list({"personalization_design": active.id}).data
    assert [c.id for c in listed] == [card.id]
    for status in ("rejected", "inactive"):
        design = new_design(client)
        _act(client, design.id, "reject" if status == "rejected" else "deactivate")
        err = error_of(lambda d=design.id: physical_card(client, personalization_design=d))
        assert err.http_status == 400 and err.param == "personalization_design" and f"`{status}`" in err.user_message
    err = error_of(lambda: physical_card(client, personalization_design="ipcd_nope"))
    assert err.http_status == 400 and err.param == "personalization_design"
    holder = create_cardholder(client)
    err = error_of(
        lambda: client.v1.issuing.cards.create(
            {"cardholder": holder.id, "currency": "usd", "type": "virtual", "personalization_design": active.id}
        )
    )
    assert err.http_status == 400 and err.param == "personalization_design"
    assert len(client.v1.issuing.cards.list().data) == 2


def test_default_design_applies_to_physical_cards(client: stripe.StripeClient, account: stripe.Account) -> None:
    assert physical_card(client).personalization_design is None
    default = active_design(client, preferences={"is_default": True})
    assert physical_card(client).personalization_design == default.id
    holder = create_cardholder(client)
    virtual = client.v1.issuing.cards.create({"cardholder": holder.id, "currency": "usd", "type": "virtual"})
    assert virtual.personalization_design is None
    # a connected account without a default of its own uses the platform's
    opts: Opts = {"stripe_account": account.id}
    assert physical_card(client, opts).personalization_design == default.id
    own = active_design(client, opts, preferences={"is_default": True})
    assert physical_card(client, opts).personalization_design == own.id
    # and may name a platform design
    other = active_design(client, name="Platform other")
    assert physical_card(client, opts, personalization_design=other.id).personalization_design == other.id
    # a default that can't be used is not applied
    _act(client, own.id, "deactivate", opts)
    assert physical_card(client, opts).personalization_design is None


def test_second_line_follows_the_bundle(client: stripe.StripeClient) -> None:
    plain = active_design(client, physical_bundle=custom(client))
    err = error_of(lambda: physical_card(client, personalization_design=plain.id, second_line="Rocket Rides"))
    assert err.http_status == 400 and err.param == "second_line"
    assert physical_card(client, personalization_design=plain.id).second_line is None
    rich = active_design(client)
    assert (
        physical_card(client, personalization_design=rich.id, second_line="Rocket Rides").second_line == "Rocket Rides"
    )


def test_card_update_changes_the_design_until_shipped(client: stripe.StripeClient) -> None:
    first, second = active_design(client), active_design(client)
    card = physical_card(client, personalization_design=first.id)
    updated = client.v1.issuing.cards.update(card.id, {"personalization_design": second.id})
    assert updated.personalization_design == second.id
    rejected = new_design(client)
    _act(client, rejected.id, "reject")
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"personalization_design": rejected.id}))
    assert err.http_status == 400 and err.param == "personalization_design"
    client.v1.test_helpers.issuing.cards.ship_card(card.id)
    err = error_of(lambda: client.v1.issuing.cards.update(card.id, {"personalization_design": first.id}))
    assert err.http_status == 400 and "shipped" in err.user_message
    assert client.v1.issuing.cards.retrieve(card.id).personalization_design == second.id
    holder = create_cardholder(client)
    virtual = client.v1.issuing.cards.create({"cardholder": holder.id, "currency": "usd", "type": "virtual"})
    err = error_of(lambda: client.v1.issuing.cards.update(virtual.id, {"personalization_design": first.id}))
    assert err.param == "personalization_design"


def test_rejecting_a_design_cancels_the_cards_waiting_for_it(
    client: stripe.StripeClient, account: stripe.Account, server: EmulatorServer, api_key: str
) -> None:
    """Stripe: cards of a design in review are fulfilled once it is approved; a rejected design's cards are
    canceled with ``cancellation_reason: design_rejected`` (docs/issuing.md, Choices)."""
    cards, shipping = client.v1.issuing.cards, client.v1.test_helpers.issuing.cards
    design, other = new_design(client), new_design(client)
    opts: Opts = {"stripe_account": account.id}
    pending = physical_card(client, personalization_design=design.id)
    submitted = physical_card(client, personalization_design=design.id, status="active")
    shipping.submit_card(submitted.id)
    shipped = physical_card(client, personalization_design=design.id)
    shipping.ship_card(shipped.id)
    lost = physical_card(client, personalization_design=design.id)
    cards.update(lost.id, {"status": "canceled", "cancellation_reason": "lost"})
    unrelated = physical_card(client, personalization_design=other.id)
    connected = physical_card(client, opts, personalization_design=design.id)

    _act(client, design.id, "reject")

    for card_id, options in ((pending.id, {}), (submitted.id, {}), (connected.id, opts)):
        card = cards.retrieve(card_id, options=options)  # type: ignore[arg-type]
        assert (card.status, card.cancellation_reason) == ("canceled", "design_rejected"), card_id
        assert card.shipping is not None and card.shipping.status == "canceled"
    for card_id, status, reason, shipment in (
        (shipped.id, "inactive", None, "shipped"),
        (lost.id, "canceled", "lost", "canceled"),
        (unrelated.id, "inactive", None, "pending"),
    ):
        card = cards.retrieve(card_id)
        assert card.shipping is not None
        assert (card.status, card.cancellation_reason, card.shipping.status) == (status, reason, shipment), card_id
    # one issuing_card.updated per canceled card, on the card's account, after the design's event
    platform_events = [thaw(e) for e in server.state.platform(api_key).scope().store("event").values()]
    types = [(e["type"], e["data"]["object"]["id"]) for e in platform_events]
    rejected_at = types.index(("issuing_personalization_design.rejected", design.id))
    assert types[rejected_at + 1 :] == [("issuing_card.updated", pending.id), ("issuing_card.updated", submitted.id)]
    updated = {e["data"]["object"]["id"]: e for e in events_of(server, api_key, None, "issuing_card.updated")}
    assert updated[pending.id]["data"]["previous_attributes"] == {
        "cancellation_reason": None,
        "shipping": {"status": "pending"},
        "status": "inactive",
    }
    assert updated[submitted.id]["data"]["previous_attributes"]["status"] == "active"
    on_connected = events_of(server, api_key, account.id, "issuing_card.updated")
    assert [e["data"]["object"]["cancellation_reason"] for e in on_connected] == ["design_rejected"]
    # a card of a connected account's own design: only that account's cards are looked at
    own = new_design(client, opts)
    own_card = physical_card(client, opts, personalization_design=own.id)
    _act(client, own.id, "reject", opts)
    assert cards.retrieve(own_card.id, options=opts).cancellation_reason == "design_rejected"  # type: ignore[arg-type]


# --- the status machine, property-tested ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["activate", "deactivate", "reject", "relogo", "rename"]), max_size=8))
def test_status_follows_the_model(client: stripe.StripeClient, actions: list[str]) -> None:
    design = new_design(client, card_logo=logo(client))
    status = "review"
    for i, action in enumerate(actions):
        if action in ("relogo", "rename"):
            body: Any = {"card_logo": logo(client)} if action == "relogo" else {"name": f"Name {i}"}
            got = client.v1.issuing.personalization_designs.update(design.id, body)
            if action == "relogo" and status in ("active", "rejected"):
                status = "review"
            assert got.status == status
            continue
        target = MOVES[status][action]
        if target is None:
            err = error_of(lambda a=action: _act(client, design.id, a))
            assert err.code == "status_transition_invalid"
        else:
            assert _act(client, design.id, action).status == target
            status = target
        current = client.v1.issuing.personalization_designs.retrieve(design.id)
        assert current.status == status
        assert (current.rejection_reasons.card_logo != []) == (status == "rejected")


# --- the SDK's view -------------------------------------------------------------------------------------------


def test_objects_carry_exactly_the_sdk_fields(
    client: stripe.StripeClient, http: httpx.Client, account: stripe.Account
) -> None:
    rejected = new_design(client, card_logo=logo(client), carrier_text={"header_title": "Hi"}, lookup_key="k", name="N")
    _act(client, rejected.id, "reject")
    active_design(client, preferences={"is_default": True})
    bodies = [
        http.get("/v1/issuing/physical_bundles").json(),
        http.get("/v1/issuing/personalization_designs", params={"expand[]": "data.physical_bundle"}).json(),
        http.get("/v1/issuing/personalization_designs", headers={"Stripe-Account": account.id}).json(),
    ]
    seen = [obj for body in bodies for obj in embedded(body)]
    assert {o["object"] for o in seen} == {"issuing.physical_bundle", "issuing.personalization_design"}
    for obj in seen:
        assert check(obj) == [], obj
        cls = sdk_class(obj["object"])
        assert cls is not None and set(obj) == set(declared(cls)), obj["object"]


def test_bundles_and_designs_survive_a_restart(tmp_path: Path) -> None:
    running = Running(tmp_path / "state.db")
    key = "sk_test_" + uuid.uuid4().hex
    try:
        url = running.start()
        c = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
        account = c.v1.accounts.create(
            {"country": "US", "type": "custom", "capabilities": {"card_issuing": {"requested": True}}}
        )
        opts: Opts = {"stripe_account": account.id}
        platform_design = active_design(c, preferences={"is_default": True}, lookup_key="gold")
        own = new_design(c, opts, name="Own")
        before = state_of(url, key)
        listed = [d.id for d in c.v1.issuing.personalization_designs.list(options=opts).data]  # type: ignore[arg-type]
        running.stop()
        url = running.start()
        c = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
        assert state_of(url, key) == before
        assert [d.id for d in c.v1.issuing.personalization_designs.list(options=opts).data] == listed  # type: ignore[arg-type]
        assert listed == [own.id, platform_design.id]
        assert c.v1.issuing.personalization_designs.retrieve(platform_design.id).status == "active"
    finally:
        running.stop()
