"""``multipart/form-data`` bodies (``POST /v1/files``), parsed by hand: only what the Stripe SDKs send.

Each part has a ``Content-Disposition: form-data; name="..."`` header (and ``filename="..."`` for the
uploaded file). Ordinary fields become the same parameter tree a form body gives (bracket names as
in :mod:`forms`); a part with a filename becomes an :class:`Upload` under its name. The caller bounds
the body's size; here the number of parts and the size of each part's headers are bounded, and any
malformed body is a :class:`forms.FormError` (a Stripe 400), never an exception of another kind.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote

from emulator.http import forms

MAX_PARTS = 200
MAX_PART_HEADERS = 8192
MAX_FIELD_BYTES = 65536  # a non-file field (files are bounded by the body limit only)

NO_BOUNDARY = "Invalid request: multipart/form-data without a boundary."
MALFORMED = "Invalid request: malformed multipart/form-data body ({detail})."

_BOUNDARY = re.compile(r"""boundary=(?:"([^"]{1,200})"|([^\s;"]{1,200}))""", re.IGNORECASE)
_PARAM = re.compile(r"""\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))\s*""")


class Upload(str):
    """An uploaded file. As a string it is ``sha256:<hex digest>`` of the bytes (what parameter
    checks and idempotency fingerprints see); the bytes, filename and declared type ride along."""

    __slots__ = ("content_type", "data", "filename")
    data: bytes
    filename: str
    content_type: str

    def __new__(cls, data: bytes, filename: str, content_type: str) -> Upload:
        self = super().__new__(cls, "sha256:" + hashlib.sha256(data).hexdigest())
        self.data = data
        self.filename = filename
        self.content_type = content_type
        return self


def boundary_of(content_type: str) -> str:
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise forms.FormError(NO_BOUNDARY)
    return found.group(1) or found.group(2)


def parse(body: bytes, content_type: str) -> tuple[dict[str, Any], bytes]:
    """The parameter tree of a multipart body (uploads as :class:`Upload` values), and what the
    request log keeps of it: the fields as a form body, each upload as ``name=<filename>`` (the
    log never holds a file's bytes)."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise forms.FormError(MALFORMED.format(detail="no opening boundary"))
    fields: list[tuple[str, str]] = []
    uploads: dict[str, Upload] = {}
    pos = start + len(delimiter)
    separator = b"\r\n" + delimiter
    for _ in range(MAX_PARTS + 1):
        if body.startswith(b"--", pos):
            break  # the closing delimiter
        if not body.startswith(b"\r\n", pos):
            raise forms.FormError(MALFORMED.format(detail="boundary not followed by a line break"))
        pos += 2
        end = body.find(separator, pos)
        if end < 0:
            raise forms.FormError(MALFORMED.format(detail="no closing boundary"))
        _part(body[pos:end], fields, uploads)
        pos = end + len(separator)
    else:
        raise forms.FormError(MALFORMED.format(detail=f"more than {MAX_PARTS} parts"))
    encoded = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in fields)
    tree = forms.decode(encoded.encode()) if encoded else {}
    for name, upload in uploads.items():
        if name in tree:
            raise forms.FormError(MALFORMED.format(detail=f"{name[:40]} sent twice"))
        tree[name] = upload
    logged = [encoded] if encoded else []
    logged += [f"{quote(name, safe='')}={quote(up.filename or 'blob', safe='')}" for name, up in uploads.items()]
    return tree, "&".join(logged).encode()


def _part(raw: bytes, fields: list[tuple[str, str]], uploads: dict[str, Upload]) -> None:
    head, sep, content = raw.partition(b"\r\n\r\n")
    if not sep:
        if raw.endswith(b"\r\n"):  # headers and an empty body (``\r\n`` + ``\r\n`` of the separator)
            head, content = raw[:-2], b""
        else:
            raise forms.FormError(MALFORMED.format(detail="part without a blank line after its headers"))
    if len(head) > MAX_PART_HEADERS:
        raise forms.FormError(MALFORMED.format(detail="part headers too long"))
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon:
            raise forms.FormError(MALFORMED.format(detail="bad part header line"))
        headers[name.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition", "")
    kind, _, rest = disposition.partition(";")
    if kind.strip().lower() != "form-data":
        raise forms.FormError(MALFORMED.format(detail="part without Content-Disposition: form-data"))
    params: dict[str, str] = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else (m.group(3) or "") for m in _PARAM.finditer(rest)
    }
    raw_name = params.get("name")
    if not raw_name:
        raise forms.FormError(MALFORMED.format(detail="part without a name"))
    name = _utf8(raw_name.encode("latin-1"))
    if "filename" in params:
        if name in uploads:
            raise forms.FormError(MALFORMED.format(detail=f"{name[:40]} sent twice"))
        filename = _utf8(params["filename"].encode("latin-1"))
        declared = headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()
        uploads[name] = Upload(content, filename, declared)
        return
    if len(content) > MAX_FIELD_BYTES:
        raise forms.FormError(MALFORMED.format(detail=f"field {name[:40]} too long"))
    fields.append((name, _utf8(content)))


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise forms.FormError(MALFORMED.format(detail="text that is not UTF-8")) from None
