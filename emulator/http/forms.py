"""Decoding of Stripe's bracketed form encoding (bodies and query strings).

``a[b][c]=v`` becomes ``{"a": {"b": {"c": "v"}}}``; ``a[]=x`` appends to a list; indexed
arrays (``a[0][b]=v``, what both SDKs send) stay dicts keyed by the index string here and
become lists in :mod:`emulator.http.params`, where the schema says a list is expected.
Brackets may arrive literal or percent-encoded, spaces as ``+`` or ``%20``. Every value is a
string; an empty string means "unset" and is kept as ``""`` for the parameter layer to read.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import unquote

MAX_DEPTH = 16
MAX_PAIRS = 5000
# No Stripe parameter path comes near this; longer keys are refused so that error bodies stay
# within the spec's limits (``error.param`` <= 5000 characters, ``error.message`` <= 40000).
MAX_KEY_LENGTH = 500

FormTree = dict[str, Any]


NOT_UTF8 = "Invalid request: the form data is not valid UTF-8."


class FormError(ValueError):
    """The body or query string cannot be read as a Stripe form."""


# ``%XX`` for the 128 ASCII characters, either case of hex digit: what SDKs escape in most values
# (``@`` in an email, ``+`` in a phone number, ``:`` and ``/`` in a URL)
_ASCII_ESCAPES = {f"{i:02X}": chr(i) for i in range(128)} | {f"{i:02x}": chr(i) for i in range(128)}


def _unquote(text: str) -> str:
    """``unquote(text, errors="strict")``, with a fast path for text whose escapes are all ASCII."""
    head, *parts = text.split("%")
    out = [head]
    for part in parts:
        char = _ASCII_ESCAPES.get(part[:2])
        if char is None:  # a UTF-8 byte, or a malformed escape: the general rules
            return unquote(text, errors="strict")
        out.append(char)
        out.append(part[2:])
    return "".join(out)


@lru_cache(maxsize=1024)  # the same few names arrive in every request; a pure function of the key
def _split_key(key: str) -> tuple[str, ...]:
    """``a[b][]`` -> ``("a", "b", "")``; a malformed key stays one literal segment."""
    open_at = key.find("[")
    if open_at <= 0 or key[-1] != "]":
        return (key,)
    inner = key[open_at + 1 : -1].split("][")
    for part in inner:
        if "[" in part or "]" in part:
            return (key,)
    return (key[:open_at], *inner)


def _prepare(raw: str) -> str:
    """The cheap part of ``unquote_plus``, done once for the whole body: ``+`` is a space, and the
    percent-encoded brackets SDKs send in names (``a%5Bb%5D``) are brackets. Neither ``[``, ``]``
    nor a space separates pairs, so doing it before splitting changes nothing, and what still has
    a ``%`` afterwards goes through ``unquote``."""
    if "%5" in raw:
        raw = raw.replace("%5B", "[").replace("%5D", "]").replace("%5b", "[").replace("%5d", "]")
    if "+" in raw:
        raw = raw.replace("+", " ")
    return raw


def _conflict(path: tuple[str, ...]) -> FormError:
    return FormError(f"Invalid request: conflicting values for parameter {_render(path)}.")


def _render(path: tuple[str, ...]) -> str:
    return path[0] + "".join(f"[{p}]" for p in path[1:])


def decode(raw: str | bytes) -> FormTree:
    """Decode a form body or query string into a nested tree of dicts, lists and strings."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormError(NOT_UTF8) from exc
    tree: FormTree = {}
    if not raw:
        return tree
    pairs = 0
    raw = _prepare(raw)
    try:
        for chunk in raw.split("&"):  # one loop, few calls: this runs for every parameter of every request
            if not chunk:
                continue
            pairs += 1
            if pairs > MAX_PAIRS:
                raise FormError(f"Invalid request: too many parameters (more than {MAX_PAIRS}).")
            key, _, value = chunk.partition("=")
            if "%" in key:
                key = _unquote(key)
            if "%" in value:
                value = _unquote(value)
            if not key:
                continue
            if len(key) > MAX_KEY_LENGTH:
                raise FormError(f"Invalid request: parameter name too long (more than {MAX_KEY_LENGTH} characters).")
            if "[" not in key:
                if isinstance(tree.get(key), (dict, list)):
                    raise _conflict((key,))
                tree[key] = value
                continue
            path = _split_key(key)
            if len(path) > MAX_DEPTH:
                raise FormError(f"Invalid request: parameter {key} is nested too deeply.")
            _insert(tree, path, value)
    except UnicodeDecodeError as exc:
        raise FormError(NOT_UTF8) from exc
    return tree


def _has_path(node: FormTree, path: tuple[str, ...]) -> bool:
    """Rack's ``params_hash_has_key?``: whether ``a[][<path>]`` would set a key the array's last
    hash already has (a new element starts then). A path with ``[]`` in it never has: the values
    of ``a[][categories][]`` go on collecting in the same element."""
    if "" in path:
        return False
    current: Any = node
    for seg in path:
        if not isinstance(current, dict) or seg not in current:
            return False
        current = current[seg]
    return True


def _insert(node: FormTree, path: tuple[str, ...], value: str) -> None:
    # the common case, nested hashes only (``a[b][c]=v``), without recursion
    if "" not in path:
        last = len(path) - 1
        for i in range(last):
            seg = path[i]
            child = node.get(seg)
            if child is None or child == "":
                child = node[seg] = {}
            elif type(child) is not dict:
                raise _conflict(path[: i + 1])
            node = child
        seg = path[last]
        if isinstance(node.get(seg), (dict, list)):
            raise _conflict(path)
        node[seg] = value
        return
    seg, rest = path[0], path[1:]
    if not rest:
        if isinstance(node.get(seg), (dict, list)):
            raise _conflict(path)
        node[seg] = value
        return
    child = node.get(seg)
    if rest[0] == "":  # ``a[]`` / ``a[][k]``: Rack's array-append rule
        if child is None or child == "":
            child = []
            node[seg] = child
        elif not isinstance(child, list):
            raise _conflict(path[:1])
        tail = rest[1:]
        if not tail:
            child.append(value)
            return
        if child and isinstance(child[-1], dict) and not _has_path(child[-1], tail):
            elem = child[-1]
        else:
            elem = {}
            child.append(elem)
        _insert(elem, tail, value)
        return
    if child is None or child == "":
        child = {}
        node[seg] = child
    elif not isinstance(child, dict):
        raise _conflict(path[:1])
    _insert(child, rest, value)
