"""The page shell (head, top bar with the id search, flash message) and the HTML response."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import HTMLResponse

from emulator.dashboard.html import Child, Markup, el, join, link
from emulator.dashboard.view import ROOT, SEARCH

ASSETS = "/_emulator/dashboard/"
SECURITY_HEADERS = {
    # scripts and styles only from this server; no framing; forms may only post back here
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Flash:
    ok: bool
    text: str


def page(
    title: str,
    body: Child,
    *,
    version: str,
    flash: Flash | None = None,
    query: str = "",
    status: int = 200,
) -> HTMLResponse:
    head = el(
        "head",
        None,
        el("meta", {"charset": "utf-8"}),
        el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
        el("meta", {"name": "emulator-version", "content": str(version)}),
        el("title", None, f"{title} · Stripe emulator"),
        el("link", {"rel": "icon", "href": "data:,"}),
        el("link", {"rel": "stylesheet", "href": ASSETS + "dashboard.css"}),
        el("script", {"src": ASSETS + "dashboard.js", "defer": True}),
    )
    top = el(
        "header",
        {"class": "top"},
        link(ROOT, "Stripe emulator", class_="brand"),
        el("span", {"class": "testmode"}, "Test mode"),
        el(
            "form",
            {"method": "get", "action": SEARCH, "role": "search"},
            el(
                "input",
                {
                    "type": "search",
                    "name": "q",
                    "value": query,
                    "placeholder": "Find by id: ic_…, iauth_…, evt_…, fa_…",
                    "aria-label": "Find by id",
                    "autocomplete": "off",
                    "spellcheck": "false",
                },
            ),
            el("button", {"type": "submit"}, "Find"),
        ),
        el("span", {"id": "live"}, ""),
    )
    notice = (
        el("div", {"class": f"flash {'ok' if flash.ok else 'error'}", "role": "status"}, flash.text) if flash else None
    )
    document = join(
        Markup("<!doctype html>\n"),
        el("html", {"lang": "en"}, head, el("body", None, top, el("main", None, notice, body))),
    )
    return HTMLResponse(document, status_code=status, headers=SECURITY_HEADERS)


def section(section_id: str, title: str, count: int | str | None, content: Child, more: Markup | None = None) -> Markup:
    """A titled block that live updates replace as a whole (``data-live``)."""
    heading = el(
        "h2",
        None,
        title,
        el("span", {"class": "count"}, f"{count}") if count is not None else None,
        more,
    )
    return el("section", {"id": section_id, "data_live": True}, heading, content)


def facts(rows: list[tuple[str, Child]]) -> Markup:
    return el("dl", {"class": "facts"}, [join(el("dt", None, k), el("dd", None, v)) for k, v in rows])
