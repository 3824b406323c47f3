"""Persons of a connected account (``/v1/accounts/{account}/persons``).

Rules: a person belongs to one account and lives in that account's scope. Only one person is the
``representative`` at a time: naming a new one takes the role from the previous one (choice).
``person_token`` (a ``cpt_`` token) carries the person's details; the request may then not repeat
them. Creating, changing and deleting a person emits ``person.created|updated|deleted`` on the
connected account, and re-evaluates the account's requirements (``account.updated`` and
``capability.updated`` when they change). An individual's account shows its person (made by the
account's ``individual`` parameters, its ``representative``) as ``account.individual``: one stored
object, so a change through either API shows in both; deleting it removes ``individual`` (choice).
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import PERSON
from emulator.core.store import Obj
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import accounts, legal_entity, onboarding, token_use
from emulator.resources.resource import Resource

NO_SUCH_PERSON = "No such person: '{person}'"
RELATIONSHIP_FILTERS = ("authorizer", "director", "executive", "legal_guardian", "owner", "representative")


def _account(ctx: Ctx) -> Obj:
    return accounts._connected(ctx, ctx.path["account"])


def _scope_ctx(ctx: Ctx, account: Obj) -> Ctx:
    return ctx.in_scope(ctx.platform.scope(account["id"]))


def _person(ctx: Ctx, account: Obj) -> Obj:
    person_id = ctx.path["person"]
    person = ctx.platform.scope(account["id"]).get(PERSON, person_id)
    if person is None:
        raise StripeError(NO_SUCH_PERSON.format(person=person_id), status=404, code="resource_missing", param="person")
    return person


def _only_representative(ctx: Ctx, account: Obj, person: Obj, sub: Ctx) -> None:
    """``person`` became the representative: the previous one stops being it."""
    if not (person.get("relationship") or {}).get("representative"):
        return
    for other in onboarding.persons_of(ctx, account):
        if other["id"] != person["id"] and other["relationship"].get("representative"):
            before = sub.snapshot(other)
            other["relationship"]["representative"] = False
            sub.emit("person.updated", other, before)


def _check(ctx: Ctx, account: Obj, params: dict[str, Any], person: Obj | None) -> None:
    """What Stripe refuses of a person before anything changes: a US account's id number of another
    length than 9 digits, a date of birth that is no past date, a malformed email, an ownership
    that takes the persons' total over 100 percent."""
    legal_entity.check_id_number(params, account.get("country"), "id_number")
    legal_entity.check_dob(params, ctx.now, "dob")
    if params.get("email"):
        common.check_email(str(params["email"]))
    others = [p for p in onboarding.persons_of(ctx, account) if person is None or p["id"] != person["id"]]
    legal_entity.check_ownership(params, others)


def create(ctx: Ctx) -> Obj:
    account = _account(ctx)
    legal_entity.check_documents(ctx, ctx.params, "", legal_entity.PERSON_DOCUMENT_PURPOSES, account["id"])
    _check(ctx, account, token_use.person_params(ctx, ctx.params, peeking=True), None)
    params: dict[str, Any] = token_use.person_params(ctx, ctx.params)  # nothing left to refuse
    sub = _scope_ctx(ctx, account)
    before_account = ctx.snapshot(account)
    before_caps = accounts.capability_snapshots(ctx, account)
    person = legal_entity.new_person(ctx.new_id("person"), account["id"], ctx.now)
    scope = ctx.platform.scope(account["id"])
    legal_entity.apply_person(person, scope.meta_of(person["id"]), params, account.get("country"))
    scope.add(person)
    _only_representative(ctx, account, person, sub)
    onboarding.refresh(ctx, account)
    sub.emit("person.created", person)
    accounts.settle(ctx, account, before_account, before_caps)
    return person


def retrieve(ctx: Ctx) -> Obj:
    return _person(ctx, _account(ctx))


def update(ctx: Ctx) -> Obj:
    account = _account(ctx)
    person = _person(ctx, account)
    legal_entity.check_documents(ctx, ctx.params, "", legal_entity.PERSON_DOCUMENT_PURPOSES, account["id"])
    _check(ctx, account, token_use.person_params(ctx, ctx.params, peeking=True), person)
    params: dict[str, Any] = token_use.person_params(ctx, ctx.params)  # nothing left to refuse
    sub = _scope_ctx(ctx, account)
    before = sub.snapshot(person)
    before_account = ctx.snapshot(account)
    before_caps = accounts.capability_snapshots(ctx, account)
    scope = ctx.platform.scope(account["id"])
    legal_entity.apply_person(person, scope.meta_of(person["id"]), params, account.get("country"))
    _only_representative(ctx, account, person, sub)
    onboarding.refresh(ctx, account)
    if sub.snapshot(person) != before:
        sub.emit("person.updated", person, before)
    accounts.settle(ctx, account, before_account, before_caps)
    return person


def delete(ctx: Ctx) -> Obj:
    account = _account(ctx)
    person = _person(ctx, account)
    sub = _scope_ctx(ctx, account)
    before_account = ctx.snapshot(account)
    before_caps = accounts.capability_snapshots(ctx, account)
    scope = ctx.platform.scope(account["id"])
    scope.store(PERSON).remove(person["id"])
    ctx.platform.index.pop(person["id"], None)
    if onboarding.is_individual(account, person):
        del account["individual"]
    sub.emit("person.deleted", person)
    onboarding.refresh(ctx, account)
    accounts.settle(ctx, account, before_account, before_caps)
    return {"id": person["id"], "object": "person", "deleted": True}


def list_persons(ctx: Ctx) -> Obj:
    account = _account(ctx)
    wanted = {k: v for k, v in (ctx.params.get("relationship") or {}).items() if k in RELATIONSHIP_FILTERS}

    def matches(person: Obj) -> bool:
        relationship = person.get("relationship") or {}
        return all(bool(relationship.get(k)) == bool(v) for k, v in wanted.items())

    store = ctx.platform.scope(account["id"]).store(PERSON)
    url = f"/v1/accounts/{account['id']}/persons"
    return paginate(store, url, ctx.params, [matches if wanted else None], noun="person")


ROUTES: list[Route] = [
    route("POST", "/v1/accounts/{account}/persons", create),
    route("GET", "/v1/accounts/{account}/persons", list_persons),
    route("GET", "/v1/accounts/{account}/persons/{person}", retrieve),
    route("POST", "/v1/accounts/{account}/persons/{person}", update),
    route("DELETE", "/v1/accounts/{account}/persons/{person}", delete),
]

RESOURCE = Resource(
    "person",
    prefix="person",
    title="Persons",
    routes=ROUTES,
    events=("person.created", "person.updated", "person.deleted"),
)
