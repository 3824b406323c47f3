"""Safe HTML building: every string is escaped unless it is already :class:`Markup`.

Pages are built only with :func:`el` (an element), :func:`join` and :class:`Markup` produced by
them, so text that came from a request or a stored object (a cardholder named ``<script>``)
can only ever reach the page escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Union
from urllib.parse import quote

Child = Union["Markup", str, int, float, None, Iterable["Child"]]
AttrValue = str | int | float | bool | None

VOID = frozenset({"br", "hr", "img", "input", "meta", "link"})


class Markup(str):
    """A string that is already HTML (made by this module only)."""

    __slots__ = ()


def escape(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def render_child(child: Child) -> Markup:
    if child is None or child is False:
        return Markup("")
    if isinstance(child, Markup):
        return child
    if isinstance(child, (str, int, float)):
        return escape(child)
    return Markup("".join(render_child(c) for c in child))


def join(*children: Child) -> Markup:
    return render_child(children)


def _attrs(attrs: Mapping[str, AttrValue]) -> str:
    parts: list[str] = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")  # class_ -> class, data_live -> data-live
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{html.escape(str(value), quote=True)}"')
    return "".join(parts)


def el(tag: str, attrs: Mapping[str, AttrValue] | None = None, *children: Child) -> Markup:
    """``<tag attrs>children</tag>`` with attribute values and text children escaped."""
    opening = f"<{tag}{_attrs(attrs or {})}>"
    if tag in VOID:
        return Markup(opening)
    return Markup(f"{opening}{render_child(children)}</{tag}>")


def link(href: str, *children: Child, **attrs: AttrValue) -> Markup:
    return el("a", {"href": href, **attrs}, *children)


def path_part(value: str) -> str:
    """A value made safe to put in one URL path segment."""
    return quote(value, safe="")
