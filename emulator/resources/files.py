"""Files (``/v1/files``): uploads for dispute evidence, card logos, identity and verification documents.

``POST /v1/files`` takes a ``multipart/form-data`` body (the SDKs send it to their ``files`` base
address: point it at the emulator). The file's format is read from its first bytes, not from the
declared Content-Type (the SDKs send ``application/octet-stream``); each ``purpose`` accepts some
formats up to a size, as Stripe's file upload guide lists them (:data:`PURPOSES`). Files of a
downloadable purpose have a ``url``; ``GET /v1/files/{file}/contents`` answers their bytes, and file
links (:mod:`emulator.resources.file_links`) share them. A file
belongs to the account that uploaded it (``Stripe-Account``), whether a secret or a publishable key
(the mobile SDKs' ``createFile``, :mod:`emulator.http.limited_keys`) uploaded it.

Other resources take file ids through :func:`check_file` (dispute evidence, a design's card logo,
person verification documents).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import FILE
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import paginate
from emulator.http.multipart import Upload
from emulator.http.responses import RawBody
from emulator.http.router import Route, route
from emulator.resources.resource import Resource

URL = "/v1/files"
CONTENTS_URL = "https://files.stripe.com/v1/files/{id}/contents"
MB = 1_000_000  # Stripe's table counts decimal megabytes (a 4 MiB limit reads "4.194304MB")
KB = 1_000
DAY = 86_400
# The largest upload a route takes (the largest purpose limit, plus room for the multipart framing).
MAX_UPLOAD = 64 * MB + 64 * KB

NO_SUCH_FILE = "No such file upload: '{id}'"
UNSUPPORTED_TYPE = (
    "We don't currently support that file type. Try uploading a file with one of the following mimetypes: {mimetypes}"
)
TOO_LARGE = (
    "The file you uploaded is too large: files with purpose {purpose} can be at most {limit} (yours: {size} bytes)."
)
EMPTY_FILE = "The file you uploaded is empty."
NOT_A_FILE = "Invalid file: send the file as a multipart/form-data part with a filename."
WRONG_PURPOSE = "The file '{id}' was uploaded with purpose {purpose}; {param} takes a file with purpose {expected}."

MIMETYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "json": "application/json",
    "csv": "text/csv",
    "txt": "text/plain",
    "md": "text/markdown",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pem": "application/x-pem-file",
    "apk": "application/vnd.android.package-archive",
}


@dataclass(frozen=True)
class Purpose:
    types: tuple[str, ...]
    max_size: int
    expires_after: int | None  # seconds; None: never
    downloadable: bool


_IMAGES_AND_PDF = ("pdf", "jpg", "png")
PURPOSES: dict[str, Purpose] = {
    "account_requirement": Purpose(_IMAGES_AND_PDF, 64 * MB, None, False),
    "additional_verification": Purpose(_IMAGES_AND_PDF, 16 * MB, None, False),
    "business_icon": Purpose(("jpg", "png", "gif"), 512 * KB, None, True),
    "business_logo": Purpose(("jpg", "png", "gif"), 512 * KB, None, True),
    "customer_signature": Purpose(("jpg", "png", "svg"), 4 * MB, 7 * DAY, True),
    # 270 days: Stripe's API reference example (expires_at - created); the guide says "9 months"
    "dispute_evidence": Purpose(_IMAGES_AND_PDF, 5 * MB, 270 * DAY, True),
    "identity_document": Purpose(_IMAGES_AND_PDF, 32 * MB, None, False),
    # a choice: Stripe asks for a 1000x200 black-and-white PNG and lists no size limit
    "issuing_logo": Purpose(("png",), 512 * KB, None, True),
    "issuing_regulatory_reporting": Purpose(("json",), 256 * KB, 730 * DAY, True),
    "pci_document": Purpose(("pdf",), 16 * MB, None, True),
    "platform_terms_of_service": Purpose(("pdf", "txt", "md"), 64 * MB, None, False),
    "tax_document_user_upload": Purpose(("pdf", "csv", "jpg", "png", "xlsx", "docx"), 16 * MB, None, True),
    "terminal_android_apk": Purpose(("apk",), 200 * MB, 182 * DAY, True),
    "terminal_reader_splashscreen": Purpose(("png", "jpg", "gif"), 4_194_304, 365 * DAY, True),
    "terminal_wifi_certificate": Purpose(("pem",), 100 * KB, None, False),
    "terminal_wifi_private_key": Purpose(("pem",), 100 * KB, None, False),
}


def _limit_text(size: int) -> str:
    return f"{size / MB:g}MB" if size >= MB else f"{size / KB:g}KB"


def sniff(data: bytes, filename: str) -> str | None:
    """The file's format from its first bytes (and, for text formats, its name)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        for ext in ("xlsx", "docx", "apk"):
            if name.endswith("." + ext):
                return ext
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.lstrip()[:2048].lower()
    if "<svg" in head:
        return "svg"
    if head.startswith("-----begin"):
        return "pem"
    if name.endswith(".json") or head.startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            return None if name.endswith(".json") else "txt"
        return "json"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".md", ".markdown")):
        return "md"
    return "txt"


def _basename(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "blob"


# --- the API ----------------------------------------------------------------------------------------


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    upload = p["file"]
    if not isinstance(upload, Upload):
        raise StripeError(NOT_A_FILE, param="file")
    purpose_name: str = p["purpose"]
    purpose = PURPOSES[purpose_name]
    if not upload.data:
        raise StripeError(EMPTY_FILE, param="file")
    if len(upload.data) > purpose.max_size:
        raise StripeError(
            TOO_LARGE.format(purpose=purpose_name, limit=_limit_text(purpose.max_size), size=len(upload.data)),
            param="file",
        )
    kind = sniff(upload.data, upload.filename)
    if kind not in purpose.types:
        raise StripeError(
            UNSUPPORTED_TYPE.format(mimetypes=", ".join(MIMETYPES[t] for t in purpose.types)), param="file"
        )
    file_id = ctx.new_id("file")
    obj: Obj = {
        "id": file_id,
        "object": FILE,
        "created": ctx.now,
        "expires_at": ctx.now + purpose.expires_after if purpose.expires_after else None,
        "filename": _basename(upload.filename),
        "links": {"object": "list", "data": [], "has_more": False, "url": f"/v1/file_links?file={file_id}"},
        "purpose": purpose_name,
        "size": len(upload.data),
        "title": None,
        "type": kind,
        "url": CONTENTS_URL.format(id=file_id) if purpose.downloadable else None,
    }
    link_data = p.get("file_link_data") or {}
    if link_data.get("create"):  # checked before the file is kept: a refused link keeps nothing
        from emulator.resources import file_links

        file_links.new_link(ctx, obj, link_data.get("expires_at"), link_data.get("metadata"), "file_link_data")
    ctx.scope.add(obj)
    meta = ctx.scope.meta_of(file_id)
    meta["contents"] = upload.data
    return obj


def render(ctx: Ctx, obj: Obj) -> Obj:
    """The file with its newest links (``links``)."""
    from emulator.resources import file_links

    return {**obj, "links": file_links.links_of_file(ctx, obj["id"])}


def live(ctx: Ctx, file_id: str, param: str = "file") -> Obj:
    obj = ctx.scope.get(FILE, file_id)
    if obj is None or (obj["expires_at"] is not None and obj["expires_at"] <= ctx.now):
        raise errors.resource_missing(NO_SUCH_FILE.format(id=file_id), file_id, param)
    return obj


def retrieve(ctx: Ctx) -> Obj:
    return live(ctx, ctx.path["file"])


def contents(ctx: Ctx) -> RawBody:
    obj = live(ctx, ctx.path["file"])
    if obj["url"] is None:  # not a downloadable purpose: Stripe has no contents to show for it
        raise StripeError(NO_SUCH_FILE.format(id=obj["id"]), status=404, code="resource_missing", param="file")
    data: bytes = ctx.scope.meta_of(obj["id"]).get("contents", b"")
    return RawBody(MIMETYPES.get(obj["type"] or "", "application/octet-stream"), data)


def list_files(ctx: Ctx) -> Obj:
    purpose = ctx.params.get("purpose")
    now = ctx.now
    preds: list[Any] = [lambda o: o["expires_at"] is None or o["expires_at"] > now]
    if purpose:
        preds.append(lambda o: o["purpose"] == purpose)
    return paginate(ctx.scope.store(FILE), URL, ctx.params, preds, noun="file upload")


def check_file(ctx: Ctx, file_id: str, purposes: tuple[str, ...], param: str) -> Obj:
    """The uploaded file ``file_id`` of the calling account, if its purpose is one of ``purposes``;
    else Stripe's 404 (no such file, or expired) or a 400 naming the purpose it needs."""
    obj = live(ctx, file_id, param)
    if obj["purpose"] not in purposes:
        raise StripeError(
            WRONG_PURPOSE.format(id=file_id, purpose=obj["purpose"], param=param, expected=" or ".join(purposes)),
            param=param,
        )
    return obj


ROUTES: list[Route] = [
    route("POST", URL, create, uploads=MAX_UPLOAD),
    route("GET", URL, list_files),
    route("GET", URL + "/{file}", retrieve),
    route("GET", URL + "/{file}/contents", contents),
]

RESOURCE = Resource(FILE, prefix="file", title="Files", routes=ROUTES, render=render)
