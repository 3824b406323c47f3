"""Every parameter stripe-python 16.1 can send to an endpoint we serve is accepted.

For each route the emulator serves, the ``client.v1`` method that calls it and its parameter
TypedDict are read from the installed SDK (``tests/support/sdk_params.py``). Then, through that SDK
method, over a real socket, on top of a minimal valid request (real objects made with
``tests/support/flows.py``/``tests/support/issuing_flows.py``), each parameter the SDK declares, at any depth:

- is sent alone (its required ancestors and siblings filled in) and must not be answered
  ``parameter_unknown``, nor refused for its shape (``Invalid string/hash/array...``);
- for an enum, is sent with each ``Literal`` value the SDK declares (list enums: all values in
  one list) and must not be answered ``Invalid <name>: must be one of ...``;
- where the SDK declares ``Literal[""]`` (unset), is sent as ``""`` and must not be answered
  ``parameter_invalid_empty``;
- never gets a 5xx.

Other refusals are fine here (a sample id that does not exist, a state that does not allow the
action): they come after the parameter check, which is what this test is about. A failure names
the missing parameter and the ``add_properties`` entry for ``emulator/spec/overlay-sdk-2026.json``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from stripe._request_options import RequestOptions
from stripe.params.issuing._dispute_create_params import DisputeCreateParamsEvidence

from emulator import EmulatorServer
from emulator.app import create_app
from emulator.http.router import Route
from tests.support import flows, issuing_flows, sdk_params
from tests.support.sdk_params import Builder, Param, SdkMethod

APP = create_app()
SDK = sdk_params.sdk_methods()
# routes no SDK method calls (stripe-cli's legacy trigger path)
NOT_IN_SDK = frozenset(
    {
        ("POST", "/v1/issuing/cards/{card}/test/authorizations"),
        ("POST", "/v1/ephemeral_key_nonces"),  # Stripe.js calls it (stripe.createEphemeralKeyNonce), no server SDK
        ("GET", "/v1/files/{file}/contents"),  # fetched at the file's url
        # Issuing settlements: in the 2023-08-16 spec, in no 2026 SDK
        ("GET", "/v1/issuing/settlements"),
        ("GET", "/v1/issuing/settlements/{settlement}"),
        ("POST", "/v1/issuing/settlements/{settlement}"),
        # the spec's aliases of /v1/balance_transactions (the SDKs call only the latter)
        ("GET", "/v1/balance/history"),
        ("GET", "/v1/balance/history/{id}"),
        # Issuing funding instructions and the fund_balance test helper: documented, not in the SDKs
        ("POST", "/v1/issuing/funding_instructions"),
        ("GET", "/v1/issuing/funding_instructions"),
        ("POST", "/v1/test_helpers/issuing/fund_balance"),
    }
)
SHAPE_ERRORS = (
    "Invalid string",
    "Invalid hash",
    "Invalid array",
    "Invalid integer",
    "Invalid boolean",
    "Invalid decimal",
)
ENUM_ERROR = "must be one of"
# a string over its maxLength is Stripe's "Invalid string: abcd...wxyz; must be at most N characters":
# the value's length, not its shape (an SDK example value may be longer than the spec allows)
LENGTH_ERROR = "; must be at most"
MISSING_ID = "sdk_params_missing"
ACCOUNT = "@account"  # in a recipe's objects: the connected account the request is made on


def _cases() -> list[tuple[Route, SdkMethod]]:
    """Routes whose SDK method declares parameters beyond ``expand``."""
    out = []
    for r in APP.router.routes:
        m = SDK.get((r.method, sdk_params.normalize(r.template)))
        if m is not None and m.params is not None and trials(sdk_params.params_of(m.params), Builder()):
            out.append((r, m))
    return out


# --- the objects requests are made on -------------------------------------------------------------


@dataclass
class World:
    """One connected account with a funded financial account, a cardholder, cards and card activity."""

    client: stripe.StripeClient
    account: str
    fa: str
    holder: str
    card: str
    spare_card: str  # what ``replacement_for`` points at (may get canceled)
    auth: str
    txn: str
    dispute: str
    webhook_endpoint: str
    ids: dict[str, str] = field(default_factory=dict)  # path params and id-valued params, by name

    @property
    def opts(self) -> RequestOptions:
        return {"stripe_account": self.account}

    def new_account(self) -> str:
        return flows.connected_account(self.client).id

    def new_fa(self) -> dict[str, str]:
        """A financial account on an account of its own (an account may have only 3 open ones)."""
        account = self.new_account()
        return {"financial_account": flows.financial_account(self.client, account).id, ACCOUNT: account}

    def new_holder(self) -> str:
        return issuing_flows.cardholder(self.client, self.account)

    def new_card(self) -> str:
        return issuing_flows.card(self.client, self.account, self.holder, self.fa)

    def new_auth(self, amount: int = 500) -> str:
        auth = self.client.v1.test_helpers.issuing.authorizations.create(
            {"card": self.card, "amount": amount}, self.opts
        )
        return auth.id

    def new_capture(self) -> str:
        captured = self.client.v1.test_helpers.issuing.authorizations.capture(self.new_auth(), options=self.opts)
        txn: str = captured.transactions[0].id
        return txn

    def new_dispute(self) -> str:
        evidence: DisputeCreateParamsEvidence = {
            "reason": "other",
            "other": {
                "explanation": "sdk parameter check",
                "product_description": "a thing",
                "product_type": "service",
            },
        }
        d = self.client.v1.issuing.disputes.create({"transaction": self.new_capture(), "evidence": evidence}, self.opts)
        return d.id


def _world(client: stripe.StripeClient) -> World:
    account = flows.connected_account(client).id
    fa = flows.funded_financial_account(client, account, amount=5_000_000).id
    holder = issuing_flows.cardholder(client, account)
    # the recipes spend more in a day than Stripe's default 500 USD a day of a card without limits
    roomy = {"spending_limits": [{"amount": 5_000_000, "interval": "daily"}]}
    card = issuing_flows.card(client, account, holder, fa, spending_controls=roomy)
    spare = issuing_flows.card(client, account, holder, fa)
    we = client.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/sdk-params", "enabled_events": ["account.updated"]}
    )
    w = World(client, account, fa, holder, card, spare, "", "", "", we.id)
    w.auth = w.new_auth()
    w.txn = w.new_capture()
    w.dispute = w.new_dispute()
    opts = w.opts
    rc = client.v1.treasury.received_credits.list({"financial_account": fa, "limit": 1}, opts).data[0].id
    rd = client.v1.test_helpers.treasury.received_debits.create(
        {"amount": 100, "currency": "usd", "financial_account": fa, "network": "ach"}, opts
    ).id
    trxn = client.v1.treasury.transactions.list({"financial_account": fa, "limit": 1}, opts).data[0].id
    entry = client.v1.treasury.transaction_entries.list({"financial_account": fa, "limit": 1}, opts).data[0].id
    event = client.v1.events.list({"limit": 1}, opts).data[0].id
    w.ids = {
        "account": account,
        "capability": "card_issuing",
        "financial_account": fa,
        "cardholder": holder,
        "card": card,
        "replacement_for": spare,
        "authorization": w.auth,
        "transaction": w.txn,
        "dispute": w.dispute,
        "webhook_endpoint": we.id,
        "received_credit": rc,
        "received_debit": rd,
        # ``{id}`` path params, by the collection they follow
        "treasury/transactions": trxn,
        "treasury/transaction_entries": entry,
        "treasury/received_credits": rc,
        "treasury/received_debits": rd,
        "v1/events": event,
        "url": "http://127.0.0.1:9/sdk-params",
    }
    return w


@pytest.fixture(scope="module")
def world(server: EmulatorServer) -> Iterator[World]:
    client = stripe.StripeClient(
        "sk_test_" + uuid.uuid4().hex, base_addresses={"api": server.url}, max_network_retries=0
    )
    w = _world(client)
    yield w
    for endpoint in client.v1.webhook_endpoints.list({"limit": 100}).data:  # no deliveries after this module
        client.v1.webhook_endpoints.delete(endpoint.id)


# --- how to call each endpoint ----------------------------------------------------------------------

Objects = Callable[[World], dict[str, str]]


@dataclass(frozen=True)
class Recipe:
    platform: bool = False  # no Stripe-Account header
    objects: Objects | None = None  # ids of objects of its own (path params / id params by name)
    per_trial: bool = False  # ``objects`` is called for every request (the request uses them up)
    base: Callable[[World, dict[str, str]], dict[str, Any]] | None = None  # a minimal valid request
    cleanup: Callable[[World, Any], None] | None = None  # undo a successful request


def _holder_params(w: World, ids: dict[str, str]) -> dict[str, Any]:
    return flows.minimal_cardholder_params()


def _delete_endpoint(w: World, created: Any) -> None:
    w.client.v1.webhook_endpoints.delete(created.id)


RECIPES: dict[str, Recipe] = {
    "accounts.create": Recipe(platform=True),
    "accounts.list": Recipe(platform=True),
    "accounts.retrieve": Recipe(platform=True),
    "accounts.retrieve_current": Recipe(platform=True),
    "accounts.update": Recipe(platform=True, objects=lambda w: {"account": w.new_account()}),
    "accounts.delete": Recipe(platform=True, objects=lambda w: {"account": w.new_account()}, per_trial=True),
    "accounts.reject": Recipe(platform=True, objects=lambda w: {"account": w.new_account()}, per_trial=True),
    "accounts.unreject": Recipe(platform=True, objects=lambda w: {"account": w.new_account()}),
    "accounts.capabilities.list": Recipe(platform=True),
    "accounts.capabilities.retrieve": Recipe(platform=True),
    "accounts.capabilities.update": Recipe(platform=True, objects=lambda w: {"account": w.new_account()}),
    "treasury.financial_accounts.create": Recipe(objects=lambda w: {ACCOUNT: w.new_account()}, per_trial=True),
    "treasury.financial_accounts.update": Recipe(objects=World.new_fa),
    "treasury.financial_accounts.features.update": Recipe(objects=World.new_fa),
    "treasury.financial_accounts.close": Recipe(objects=World.new_fa, per_trial=True),
    # external_account is a token or one of three hashes: start from none, not from the first (a card)
    "accounts.external_accounts.create": Recipe(base=lambda w, ids: {}),
    "issuing.cardholders.create": Recipe(base=_holder_params),
    "issuing.cardholders.update": Recipe(objects=lambda w: {"cardholder": w.new_holder()}),
    "issuing.cards.create": Recipe(
        base=lambda w, ids: {"cardholder": w.holder, "financial_account": w.fa, "currency": "usd", "type": "virtual"}
    ),
    "issuing.cards.update": Recipe(objects=lambda w: {"card": w.new_card()}),
    "test_helpers.issuing.authorizations.create": Recipe(base=lambda w, ids: {"card": w.card, "amount": 100}),
    **dict.fromkeys(
        (
            "test_helpers.issuing.authorizations.capture",
            "test_helpers.issuing.authorizations.increment",
            "test_helpers.issuing.authorizations.reverse",
            "test_helpers.issuing.authorizations.expire",
            "test_helpers.issuing.authorizations.finalize_amount",
            "test_helpers.issuing.authorizations.respond",
        ),
        # each request uses up a pending authorization of its own
        Recipe(objects=lambda w: {"authorization": w.new_auth()}, per_trial=True),
    ),
    "test_helpers.issuing.transactions.refund": Recipe(base=lambda w, ids: {"refund_amount": 1}),
    "issuing.disputes.create": Recipe(
        objects=lambda w: {"transaction": w.new_capture()},
        per_trial=True,
        base=lambda w, ids: {"transaction": ids["transaction"]},
    ),
    "issuing.disputes.submit": Recipe(objects=lambda w: {"dispute": w.new_dispute()}, per_trial=True),
    "events.list": Recipe(platform=True),
    "events.retrieve": Recipe(),
    "webhook_endpoints.create": Recipe(platform=True, cleanup=_delete_endpoint),
    "webhook_endpoints.list": Recipe(platform=True),
    "webhook_endpoints.retrieve": Recipe(platform=True),
    "webhook_endpoints.update": Recipe(platform=True),
    "webhook_endpoints.delete": Recipe(
        platform=True,
        objects=lambda w: {"webhook_endpoint": _spare_endpoint(w)},
        per_trial=True,
    ),
}


def _spare_endpoint(w: World) -> str:
    we = w.client.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/sdk-params", "enabled_events": ["account.updated"]}
    )
    return we.id


def _recipe(method: SdkMethod) -> Recipe:
    return RECIPES.get(".".join((*method.service, method.name)), Recipe())


def _path_args(route: Route, w: World, ids: dict[str, str]) -> list[str]:
    args = []
    for m in re.finditer(r"\{(\w+)\}", route.template):
        name = m.group(1)
        if name == "id":
            before = route.template[: m.start()].rstrip("/").split("/")
            name = "/".join(before[-2:])
        args.append(ids.get(name, MISSING_ID))
    return args


# --- what is sent -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    param: Param
    value: Any
    kind: str  # "accepted", "enum", "empty"

    @property
    def label(self) -> str:
        shown = json.dumps(self.value)
        return f"{self.param.dotted}={shown[:60] + '...' if len(shown) > 60 else shown}"


def trials(params: list[Param], builder: Builder) -> list[Trial]:
    out = []
    for p in params:
        if p.path == ("expand",):
            continue
        if p.literals:
            if p.is_list:
                out.append(Trial(p, list(p.literals), "enum"))
            else:
                out.extend(Trial(p, v, "enum") for v in p.literals)
        if p.is_leaf and (not p.literals or set(p.kinds) - {"str"}):
            out.append(Trial(p, builder.sample(p), "accepted"))
        if p.emptyable:
            out.append(Trial(p, "", "empty"))
    return out


def _bracket(path: tuple[str, ...]) -> str:
    parts = [x for x in path if x != sdk_params.LIST]
    return parts[0] + "".join(f"[{x}]" for x in parts[1:])


def _unbracket(param: str) -> tuple[str, ...]:
    return tuple(x for x in re.findall(r"[^\[\]]+", param) if not x.isdigit())


def problem(trial: Trial, err: stripe.StripeError) -> str | None:
    """Why ``err`` shows the SDK parameter is not accepted (None: a refusal for another reason)."""
    status = err.http_status or 0
    body = err.json_body or {}
    info = body.get("error", {}) if isinstance(body, dict) else {}
    code, message, param = info.get("code"), str(info.get("message", "")), str(info.get("param") or "")
    if status >= 500:
        return f"{status}: {message}"
    if code == "parameter_unknown":
        return f"parameter_unknown {param}"
    if ENUM_ERROR in message:
        return f"enum value refused: {message[:160]}"
    if trial.kind == "empty" and code == "parameter_invalid_empty":
        return f"'' refused: {message[:160]}"
    own = tuple(x for x in trial.param.path if x != sdk_params.LIST)
    shape = message.startswith(SHAPE_ERRORS) and LENGTH_ERROR not in message
    if shape and _unbracket(param)[: len(own)] == own[: len(_unbracket(param))]:
        return f"shape refused: {param}: {message[:160]}"
    return None


def _suggestion(method: SdkMethod, route: Route, detail: str) -> str:
    if not detail.startswith("parameter_unknown "):
        return ""
    dotted = _unbracket(detail.split(" ", 1)[1])
    assert method.params is not None
    try:
        schema = sdk_params.json_schema(sdk_params.type_at(method.params, dotted))
    except (KeyError, StopIteration):
        return ""
    key = f"{route.method.lower()} {route.spec_template or route.template}"
    return f"\n      add_properties[{key!r}][{'.'.join(dotted)!r}] = {json.dumps(schema)[:300]}"


# --- the tests ------------------------------------------------------------------------------------------

CASES = _cases()


def test_every_route_maps_to_an_sdk_method() -> None:
    """The SDK service for each route is found, and it declares parameters (so the walk below is not empty)."""
    unmapped = [
        f"{r.method} {r.template}"
        for r in APP.router.routes
        if (r.method, sdk_params.normalize(r.template)) not in SDK and (r.method, r.template) not in NOT_IN_SDK
    ]
    assert not unmapped, unmapped
    assert len(CASES) >= 40
    card_create = SDK[("POST", "/v1/issuing/cards")]
    assert card_create.label == "client.v1.issuing.cards.create"
    assert card_create.params is not None
    names = {p.dotted for p in sdk_params.params_of(card_create.params)}
    assert {"cardholder", "spending_controls.spending_limits.[].interval", "shipping.address.line1"} <= names
    assert "stripe_account" not in names  # request options are not parameters


def test_introspection_values() -> None:
    """Literal values, ``""`` options and list shapes come out of the TypedDicts as declared."""
    auth_create = SDK[("POST", "/v1/test_helpers/issuing/authorizations")].params
    assert auth_create is not None
    by_name = {p.dotted: p for p in sdk_params.params_of(auth_create)}
    category = by_name["merchant_data.category"]
    assert not category.is_list and "fast_food_restaurants" in category.literals and len(category.literals) > 250
    card_update = SDK[("POST", "/v1/issuing/cards/{}")].params
    assert card_update is not None
    controls = {p.dotted: p for p in sdk_params.params_of(card_update)}
    assert controls["spending_controls.allowed_categories"].is_list
    assert not controls["spending_controls.allowed_categories"].emptyable
    assert controls["metadata"].emptyable and controls["metadata"].kinds == ["map"]
    builder = Builder(strings={"card": "ic_123"})
    body = builder.setting(controls["spending_controls.spending_limits.[].interval"], "daily")
    assert body == {"spending_controls": {"spending_limits": [{"amount": 1, "interval": "daily"}]}}
    schema = sdk_params.json_schema(sdk_params.type_at(card_update, ("spending_controls", "allowed_categories")))
    assert schema["type"] == "array" and "fast_food_restaurants" in schema["items"]["enum"]
    assert sdk_params.json_schema(sdk_params.type_at(card_update, ("metadata",))) == {
        "anyOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "string", "enum": [""]}]
    }


@pytest.mark.parametrize(("route", "method"), CASES, ids=[f"{r.method} {r.template}" for r, _ in CASES])
def test_every_sdk_parameter_is_accepted(world: World, route: Route, method: SdkMethod) -> None:
    assert method.params is not None
    recipe = _recipe(method)
    params = sdk_params.params_of(method.params)
    call = method.bound(world.client.v1)
    own = recipe.objects(world) if recipe.objects and not recipe.per_trial else {}
    found: list[str] = []
    sent = 0
    for trial in trials(params, Builder(strings={**world.ids, **own})):
        ids = {**world.ids, **own}
        if recipe.objects and recipe.per_trial:
            ids.update(recipe.objects(world))
        builder = Builder(strings=ids)
        base = recipe.base(world, ids) if recipe.base else builder.minimal(method.params)
        body = sdk_params.merge(base, builder.setting(trial.param, trial.value))
        options: dict[str, Any] = {} if recipe.platform else {"stripe_account": ids.get(ACCOUNT, world.account)}
        sent += 1
        try:
            result = call(*_path_args(route, world, ids), body, options)
        except stripe.StripeError as err:
            why = problem(trial, err)
            if why is not None:
                found.append(f"{trial.label} ({_bracket(trial.param.path)}): {why}" + _suggestion(method, route, why))
            continue
        if recipe.cleanup is not None:
            recipe.cleanup(world, result)
    assert sent > 0
    assert not found, f"{method.label} refuses parameters the SDK sends:\n  " + "\n  ".join(found[:40])
