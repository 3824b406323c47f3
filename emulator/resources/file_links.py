"""File links (``/v1/file_links``): a URL anyone may fetch a file's contents from, without a key.

Rules (Stripe's API reference for File Links): a link points at a file of the calling account
(``Stripe-Account``) whose purpose is downloadable (the files of :data:`files.PURPOSES` that have a
``url``); ``expires_at`` is in the future or absent (never expires); an update may set another future
time, ``now`` (it expires at once) or ``""`` (never), and changes nothing once the link has expired.
``expired`` is read on the platform's clock. ``POST /v1/files`` with ``file_link_data[create]=true``
makes the file's first link; a file shows its newest links in ``links``.

The link's ``url`` is a page the emulator serves, ``/_emulator/file_links/{token}`` on the address the
client called (Stripe's are on files.stripe.com): the file's bytes while the link lives, a 404 after.
Tokens live in ``platform.extra[TOKENS]`` (token -> (account id, link id)).
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.ids import IdFactory
from emulator.core.objects import FILE
from emulator.core.state import State
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common, files
from emulator.resources.resource import Resource

OBJECT = "file_link"
URL = "/v1/file_links"
PAGE_PATH = "/_emulator/file_links/"
TOKENS = "file_link_tokens"
SHOWN_ON_FILE = 10  # the file's ``links`` list shows its newest links, as an embedded list does

NOT_DOWNLOADABLE = "File links cannot be created for files with purpose {purpose}: their contents cannot be downloaded."
IN_THE_PAST = "Invalid expires_at: it must be in the future ({now} or later)."
EXPIRED = "The file link {id} has expired and can no longer be updated."
NO_SUCH_LINK = "No such file link: '{id}'"


def _expires_at(ctx: Ctx, value: Any, *, updating: bool, param: str = "expires_at") -> int | None:
    if value is None or value == "":
        return None
    if value == "now" and updating:
        return ctx.now
    if not isinstance(value, int) or value <= ctx.now:
        raise StripeError(IN_THE_PAST.format(now=ctx.now + 1), param=param, code="parameter_invalid_integer")
    return value


def new_link(ctx: Ctx, file: Obj, expires_at: Any, metadata: Any, within: str | None = None) -> Obj:
    """A link to ``file`` (checked to be the caller's), stored with its token; ``within``: the
    parameter its details came in (``file_link_data`` of an upload), which errors name."""
    purpose = files.PURPOSES.get(str(file["purpose"]))
    if purpose is None or not purpose.downloadable:
        raise StripeError(
            NOT_DOWNLOADABLE.format(purpose=file["purpose"]), param=f"{within}[create]" if within else "file"
        )
    when = _expires_at(ctx, expires_at, updating=False, param=f"{within}[expires_at]" if within else "expires_at")
    token = IdFactory.token()
    link: Obj = {
        "id": ctx.new_id("link"),
        "object": OBJECT,
        "created": ctx.now,
        "expired": False,
        "expires_at": when,
        "file": file["id"],
        "livemode": False,
        "metadata": common.merge_metadata({}, metadata),
        "url": f"{ctx.origin}{PAGE_PATH}{token}",
    }
    ctx.scope.add(link)
    ctx.platform.extra.setdefault(TOKENS, {})[token] = (ctx.scope.account_id, link["id"])
    return link


def is_expired(link: Obj, now: int) -> bool:
    return link["expires_at"] is not None and link["expires_at"] <= now


def render(ctx: Ctx, link: Obj) -> Obj:
    """``expired`` as of the platform's time (the stored link keeps ``False``); the API applies it to
    what a handler answers, :func:`links_of_file` to the links a file shows."""
    if not is_expired(link, ctx.now):
        return link
    return {**link, "expired": True}


def links_of_file(ctx: Ctx, file_id: str) -> Obj:
    """The ``links`` list a file shows: its newest links (``/v1/file_links?file=`` lists them all)."""
    mine = [render(ctx, link) for link in ctx.scope.store(OBJECT).newest_first() if link["file"] == file_id]
    return {
        "object": "list",
        "data": mine[:SHOWN_ON_FILE],
        "has_more": len(mine) > SHOWN_ON_FILE,
        "url": f"{URL}?file={file_id}",
    }


def find(state: State, token: str) -> tuple[bytes, str] | None:
    """The contents and media type of the file a link's token shares, while the link and the file
    live (on their platform's time)."""
    for platform in list(state.platforms.values()):
        found = platform.extra.get(TOKENS, {}).get(token)
        if found is None:
            continue
        account_id, link_id = found
        scope = platform.scope(account_id)
        link = scope.get(OBJECT, link_id)
        file = scope.get(FILE, link["file"]) if link is not None else None
        if link is None or file is None or is_expired(link, platform.now()):
            return None
        if file["expires_at"] is not None and file["expires_at"] <= platform.now():
            return None
        contents: bytes = scope.meta_of(file["id"]).get("contents", b"")
        return contents, files.MIMETYPES.get(file["type"] or "", "application/octet-stream")
    return None


# --- the API ----------------------------------------------------------------------------------------


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    file = files.live(ctx, str(p["file"]))
    return new_link(ctx, file, p.get("expires_at"), p.get("metadata"))


def _link(ctx: Ctx) -> Obj:
    link = ctx.scope.get(OBJECT, ctx.path["link"])
    if link is None:
        raise errors.resource_missing(NO_SUCH_LINK.format(id=ctx.path["link"]), ctx.path["link"], "link")
    return link


def retrieve(ctx: Ctx) -> Obj:
    return _link(ctx)


def update(ctx: Ctx) -> Obj:
    link = _link(ctx)
    p = ctx.params
    if is_expired(link, ctx.now) and ("expires_at" in p or p.get("metadata")):
        raise StripeError(EXPIRED.format(id=link["id"]), param="expires_at" if "expires_at" in p else "metadata")
    if "expires_at" in p:
        link["expires_at"] = _expires_at(ctx, p["expires_at"], updating=True)
    common.update_metadata(link, p)
    return link


def list_links(ctx: Ctx) -> Obj:
    p = ctx.params
    now = ctx.now
    preds: list[Any] = []
    if p.get("file"):
        preds.append(common.equals("file", p["file"]))
    if "expired" in p:
        wanted = bool(p["expired"])
        preds.append(lambda link: is_expired(link, now) == wanted)
    return paginate(ctx.scope.store(OBJECT), URL, p, preds, noun=common.noun(OBJECT))


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_links),
    route("GET", URL + "/{link}", retrieve),
    route("POST", URL + "/{link}", update),
]

RESOURCE = Resource(OBJECT, prefix="link", title="File links", routes=ROUTES, render=render)
