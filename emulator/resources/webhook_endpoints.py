"""Webhook endpoints (``/v1/webhook_endpoints``): where events are delivered.

An endpoint belongs to the account that creates it (normally the platform). Its signing
secret (``whsec_...``) is in the create response only; afterwards it lives in the endpoint's
book-keeping and signs deliveries. ``connect`` (create only, not part of the object) chooses
connected accounts' events over the account's own. ``disabled=true`` sets ``status`` to
``disabled``: the endpoint then gets nothing, and its queued deliveries fail. Changing an
endpoint emits no event (Stripe has none for it).
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import WEBHOOK_ENDPOINT
from emulator.core.store import Obj
from emulator.http import errors, versions
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.resource import Resource

NOUN = "webhook endpoint"
MAX_ENDPOINTS = 16
URL_NO_SCHEME = "Invalid URL: An explicit scheme (such as https) must be provided."
URL_BAD_SCHEME = "Invalid URL: URL must use the http or https scheme."
URL_INVALID = "Invalid URL: {url}"
URL_CODE = common.URL_CODE
TOO_MANY_ENDPOINTS = "You have reached the maximum of {max} test webhook endpoints."
EMPTY_EVENTS = "Invalid enabled_events: must contain at least one event type"
# a release the emulator knows (or a newer one): emulator.http.versions, as Stripe-Version is checked
INVALID_API_VERSION = "Invalid api_version: {version} is not a Stripe API version."


def _check_url(url: str) -> str:
    url = url.strip()
    parts = common.url_parts(url)
    if parts is None:
        raise StripeError(URL_INVALID.format(url=url[:200]), param="url", code=URL_CODE)
    host = parts.hostname
    if "://" not in url:
        raise StripeError(URL_NO_SCHEME, param="url", code=URL_CODE)
    if parts.scheme.lower() not in ("http", "https"):
        raise StripeError(URL_BAD_SCHEME, param="url", code=URL_CODE)
    if not host or any(c.isspace() for c in url):
        raise StripeError(URL_INVALID.format(url=url[:200]), param="url", code=URL_CODE)
    return url


def _events(value: list[str]) -> list[str]:
    if not value:
        raise StripeError(EMPTY_EVENTS, param="enabled_events")
    return list(dict.fromkeys(value))  # first occurrence order, no duplicates


def _get(ctx: Ctx) -> Obj:
    endpoint_id = ctx.path["webhook_endpoint"]
    endpoint = ctx.scope.get(WEBHOOK_ENDPOINT, endpoint_id)
    if endpoint is None:
        raise errors.no_such(NOUN, endpoint_id, param="webhook_endpoint")
    return endpoint


def create(ctx: Ctx) -> Obj:
    params = ctx.params
    store = ctx.scope.store(WEBHOOK_ENDPOINT)
    if len(store) >= MAX_ENDPOINTS:
        raise StripeError(TOO_MANY_ENDPOINTS.format(max=MAX_ENDPOINTS))
    url = _check_url(params["url"])
    enabled_events = _events(params["enabled_events"])
    if params.get("api_version") is not None and not versions.is_release(params["api_version"]):
        raise StripeError(
            INVALID_API_VERSION.format(version=params["api_version"][:100]),
            param="api_version",
            code="parameter_invalid",
        )
    endpoint_id = ctx.new_id("we")
    secret = ctx.state.ids.secret()
    endpoint: Obj = {
        "id": endpoint_id,
        "object": WEBHOOK_ENDPOINT,
        "api_version": params.get("api_version"),
        "application": None,
        "created": ctx.now,
        "description": params.get("description"),
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": common.merge_metadata({}, params.get("metadata")),
        "status": "enabled",
        "url": url,
    }
    ctx.scope.add(endpoint)
    meta = ctx.scope.meta_of(endpoint_id)
    meta["secret"] = secret
    meta["connect"] = bool(params.get("connect", False))
    shown = {k: v for k, v in endpoint.items() if k not in ("status", "url")}
    return {**shown, "secret": secret, "status": endpoint["status"], "url": endpoint["url"]}


def retrieve(ctx: Ctx) -> Obj:
    return _get(ctx)


def update(ctx: Ctx) -> Obj:
    endpoint = _get(ctx)
    params = ctx.params
    url = _check_url(params["url"]) if "url" in params else None
    enabled_events = _events(params["enabled_events"]) if "enabled_events" in params else None
    if url is not None:
        endpoint["url"] = url
    if enabled_events is not None:
        endpoint["enabled_events"] = enabled_events
    if "description" in params:
        endpoint["description"] = params["description"]
    common.update_metadata(endpoint, params)
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    return endpoint


def delete(ctx: Ctx) -> Obj:
    endpoint = _get(ctx)
    ctx.scope.store(WEBHOOK_ENDPOINT).remove(endpoint["id"])
    ctx.scope.meta.pop(endpoint["id"], None)
    ctx.platform.index.pop(endpoint["id"], None)
    return {"id": endpoint["id"], "object": WEBHOOK_ENDPOINT, "deleted": True}


def list_endpoints(ctx: Ctx) -> Obj:
    return paginate(ctx.scope.store(WEBHOOK_ENDPOINT), "/v1/webhook_endpoints", ctx.params, noun=NOUN)


ROUTES: list[Route] = [
    route("POST", "/v1/webhook_endpoints", create),
    route("GET", "/v1/webhook_endpoints", list_endpoints),
    route("GET", "/v1/webhook_endpoints/{webhook_endpoint}", retrieve),
    route("POST", "/v1/webhook_endpoints/{webhook_endpoint}", update),
    route("DELETE", "/v1/webhook_endpoints/{webhook_endpoint}", delete),
]

RESOURCE = Resource(WEBHOOK_ENDPOINT, prefix="we", title="Webhook endpoints", routes=ROUTES)
