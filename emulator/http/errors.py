"""Stripe-shaped errors.

Every error the emulator returns is a :class:`StripeError`, rendered as Stripe's
``{"error": {...}}`` body with the HTTP status the SDKs map to their exception classes
(400/404 invalid request, 401 authentication, 402 card, 403 permission, 409 conflict).
Message texts live here as constants so that one place holds Stripe's wording.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"
# Where ``request_log_url`` points when the emulator's own address is unknown (Stripe's dashboard).
DASHBOARD_LOGS = "https://dashboard.stripe.com/test/logs/"
# The emulator's own page for one logged request: ``GET /_emulator/requests/<request id>``.
REQUEST_LOG_PATH = "/_emulator/requests/"

# --- message texts (Stripe's wording where it is known) ---------------------------------
NO_API_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
    "for details, or we can help at https://support.stripe.com/."
)
INVALID_API_KEY = "Invalid API Key provided: {masked}"
PUBLISHABLE_KEY = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list "
    "of your API keys at https://dashboard.stripe.com/account/apikeys."
)
ACCOUNT_INVALID = (
    "The provided key '{masked}' does not have access to account '{account}' (or that account does not exist). "
    "Application access may have been revoked."
)
UNRECOGNIZED_URL = (
    "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at "
    "https://support.stripe.com/."
)
NOT_EMULATED = "{product} are not emulated by stripe-issuing-emulator (see docs/balances.md)"
# Stripe products outside the emulator, by path prefix: their URLs answer a 404 that names them.
NOT_EMULATED_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("/v1/charges", "charges"),
    ("/v1/checkout/", "Checkout sessions"),
    ("/v1/customers", "customers"),
    ("/v1/invoices", "invoices"),
    ("/v1/payment_intents", "payment intents"),
    ("/v1/payment_links", "payment links"),
    ("/v1/payment_methods", "payment methods"),
    ("/v1/prices", "prices"),
    ("/v1/products", "products"),
    ("/v1/refunds", "refunds"),
    ("/v1/setup_intents", "setup intents"),
    ("/v1/subscriptions", "subscriptions"),
)
NO_SUCH = "No such {noun}: '{id}'"
UNKNOWN_PARAM = "Received unknown parameter: {param}"
UNKNOWN_PARAMS = "Received unknown parameters: {params}"
DID_YOU_MEAN = "{message}. Did you mean {suggestion}?"
MISSING_PARAM = "Missing required param: {param}."
INVALID_INTEGER = "Invalid integer: {value}"
INVALID_BOOLEAN = "Invalid boolean: {value}"
INVALID_ENUM = "Invalid {name}: must be one of {choices}"
INVALID_ARRAY = "Invalid array"
INVALID_HASH = "Invalid object"
INVALID_STRING = "Invalid string: {value}"
# the value shown shortened to its first and last four characters (``P1_e...Gvxg``)
STRING_TOO_LONG = "Invalid string: {value}; must be at most {max} characters"
EMPTY_NOT_ALLOWED = (
    "You passed an empty string for '{param}'. We assume empty values are an attempt to unset a parameter; "
    "however '{param}' cannot be unset. You should remove '{param}' from your request or supply a non-empty value."
)
INVALID_BODY = "Invalid request: {detail}"
UNSUPPORTED_CONTENT_TYPE = (
    "Invalid request: unsupported Content-Type {content_type}. If error persists and you need assistance, "
    "please contact support@stripe.com. Stripe expects request bodies as application/x-www-form-urlencoded."
)
BODY_TOO_LARGE = "Request body too large: the limit is {limit} bytes."
INVALID_API_VERSION = "Invalid Stripe API version: {version}"
VERSION_REQUIRED = (
    "{method} {path} needs an explicit Stripe-Version header: the API version of the client (Stripe.js or a "
    "mobile SDK) that will use the key."
)
IDEMPOTENCY_PARAMS = (
    "Keys for idempotent requests can only be used with the same parameters they were first used with. "
    "Try using a key other than '{key}' if you meant to execute a different request."
)
IDEMPOTENCY_ENDPOINT = (
    "Keys for idempotent requests can only be used for the same endpoint they were first used for "
    "('{first}' vs '{second}'). Try using a key other than '{key}' if you meant to execute a different request."
)
IDEMPOTENCY_IN_USE = (
    "There is currently another in-progress request using this Idempotent Key (that probably means you "
    "submitted twice, and the other request is still going through): {key}. Please try again later."
)
IDEMPOTENCY_KEY_TOO_LONG = "Invalid idempotency key: must be at most 255 characters long."
METADATA_TOO_MANY_KEYS = (
    "Metadata can have up to 50 keys, but you've set {count}. Email us at support+metadata@stripe.com for more "
    "information."
)
METADATA_KEY_TOO_LONG = (
    "Metadata keys can have up to 40 characters, but you passed in a key that is {length} characters. "
    "Invalid key: {key}"
)
METADATA_VALUE_TOO_LONG = (
    "Metadata values can have up to 500 characters, but you passed in a value that is {length} characters. "
    "Invalid value: {value}"
)
METADATA_KEY_BRACKETS = "Invalid metadata: keys cannot contain '[' or ']' (key '{key}')"
# names the first segment of the path that cannot be expanded (``invalid`` of ``invalid.deep.path``)
EXPAND_NOT_EXPANDABLE = "This property cannot be expanded ({path})."
EXPAND_TOO_DEEP_CODE = "property_expansion_max_depth"
EXPAND_TOO_DEEP = "You cannot expand more than 4 levels of a property. Property: {path}"
# on a list, a path without ``data.`` (real answers: "... (application). You may want to try expanding
# 'data.application' instead.")
EXPAND_LIST_HINT = " You may want to try expanding 'data.{path}' instead."
# Stripe's bound errors ("This value must be greater than or equal to 0.01 (it currently is '0.0').");
# its text for ``limit`` itself has not been seen
LIMIT_TOO_SMALL = "This value must be greater than or equal to 1 (it currently is '{value}')."
LIMIT_TOO_LARGE = "This value must be less than or equal to 100 (it currently is '{value}')."
CURSORS_EXCLUSIVE = "Received both starting_after and ending_before parameters. Please pass in only one."
INTERNAL = "An unexpected error occurred in the emulator while handling this request ({detail})."


class StripeError(Exception):
    """An error to answer with Stripe's error JSON."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",  # noqa: A002 - Stripe's own field name
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        doc_url: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.doc_url = doc_url if doc_url is not None else (DOCS + code.replace("_", "-") if code else None)
        self.extra = extra or {}
        # the id a ``resource_missing`` error could not find (the API answers 400 when the request
        # named it in a parameter, 404 when in the URL path)
        self.missing_id: str | None = None

    def body(self, request_id: str | None = None, log_base: str | None = None) -> dict[str, Any]:
        """The error JSON; ``log_base`` + ``request_id`` becomes ``request_log_url`` (when both are known)."""
        err: dict[str, Any] = {}
        if self.code:
            err["code"] = self.code
        if self.decline_code:
            err["decline_code"] = self.decline_code
        if self.doc_url:
            err["doc_url"] = self.doc_url
        err["message"] = self.message
        if self.param:
            err["param"] = self.param
        if request_id:
            err["request_log_url"] = f"{log_base or DASHBOARD_LOGS}{request_id}"
        err.update(self.extra)
        err["type"] = self.type
        return {"error": err}


# --- constructors for the common cases ------------------------------------------------------


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(message, param=param, code=code)


def no_such(noun: str, obj_id: str, param: str = "id") -> StripeError:
    """Stripe's ``resource_missing``: a 404 as raised; the API makes it a 400 when ``obj_id`` came in a
    request parameter rather than the URL path (:func:`missing_in_request`)."""
    return resource_missing(NO_SUCH.format(noun=noun, id=obj_id), obj_id, param)


def resource_missing(message: str, obj_id: str, param: str) -> StripeError:
    """:func:`no_such` with a message of the resource's own (``No such file upload: 'file_x'``)."""
    err = StripeError(message, status=404, code="resource_missing", param=param)
    err.missing_id = obj_id
    return err


# list cursors: an unknown one is a 404 although it is a parameter (as Stripe answers)
CURSOR_PARAMS = frozenset({"starting_after", "ending_before"})


def missing_in_request(err: StripeError, path_ids: Iterable[str]) -> None:
    """Stripe answers 404 for an unknown id in the URL path, 400 for one named in the body or query:
    turn ``err`` (from :func:`no_such`) into a 400 unless its id is one of ``path_ids`` or a cursor."""
    if (
        err.status == 404
        and err.missing_id is not None
        and err.param not in CURSOR_PARAMS
        and err.missing_id not in path_ids
    ):
        err.status = 400


def shortened(value: str) -> str:
    """A long value as Stripe shows it in an error: its first and last four characters."""
    return value if len(value) <= 8 else f"{value[:4]}...{value[-4:]}"


def missing(param: str) -> StripeError:
    return StripeError(MISSING_PARAM.format(param=param), code="parameter_missing", param=param)


def unknown_params(params: list[str], suggestion: str | None = None) -> StripeError:
    """``parameter_unknown``; with one unknown name, ``suggestion`` (the closest known name) is offered."""
    if len(params) == 1:
        msg = UNKNOWN_PARAM.format(param=params[0])
        if suggestion:
            msg = DID_YOU_MEAN.format(message=msg, suggestion=suggestion)
    else:
        msg = UNKNOWN_PARAMS.format(params=", ".join(params))
    return StripeError(msg, code="parameter_unknown", param=params[0])


def not_emulated(path: str) -> str | None:
    """The name of the Stripe product behind ``path`` when the emulator does not emulate it."""
    for prefix, product in NOT_EMULATED_PRODUCTS:
        if path == prefix.rstrip("/") or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return product
    return None


def unrecognized_url(method: str, path: str) -> StripeError:
    message = UNRECOGNIZED_URL.format(method=method, path=path)
    product = not_emulated(path)
    if product is not None:
        message = f"{message} {NOT_EMULATED.format(product=product[0].upper() + product[1:])}."
    return StripeError(message, status=404)


def state_error(message: str, *, param: str | None = None) -> StripeError:
    """A request that is well formed but not allowed in the object's current state."""
    return StripeError(message, param=param)


def mask_key(key: str) -> str:
    """Mask a key the way Stripe does: keep the mode prefix and the last four characters (an
    ephemeral key: also its first two characters after the prefix and its underscores)."""
    if key.startswith("ek_test_"):
        tail = key[len("ek_test_") :]
        if len(tail) > 6:
            middle = "".join("_" if c == "_" else "*" for c in tail[2:-4])
            return "ek_test_" + tail[:2] + middle + tail[-4:]
    for prefix in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"):
        if key.startswith(prefix):
            tail = key[len(prefix) :]
            return prefix + "*" * max(len(tail) - 4, 0) + tail[-4:]
    if len(key) <= 4:
        return "*" * len(key)
    return "*" * (len(key) - 4) + key[-4:]
