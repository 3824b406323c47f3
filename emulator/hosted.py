"""The pages Stripe hosts for connected accounts, served by the emulator (no API key needed).

* ``GET /_emulator/onboarding/{token}``: an account link's onboarding page: what the account
  still needs, and a form that fills it with Stripe's test values. The first visit (not a
  ``HEAD``) uses the link up: a second visit, or a visit after ``expires_at``, is sent (303) to the link's
  ``refresh_url``. The page's form carries a second per-link random token.
* ``POST /_emulator/onboarding/{token}``: only from the page itself (same origin, its form token,
  once): provides every requirement through in-process API requests (so events, persistence and
  requirements work as for the platform's own requests), then 303 to the link's ``return_url``.
* ``GET /_emulator/express/{token}``: a login link's page (single use).
* ``GET /_emulator/file_links/{token}``: a file link's file, while the link lives; sandboxed (an
  uploaded SVG or HTML-looking file runs nothing on the emulator's origin).

Output is built with :mod:`emulator.dashboard.html` (escaped by construction); no key, and no
token other than the page's own, is ever written into a page.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from emulator.dashboard.html import Child, Markup, el, join
from emulator.fixtures.inprocess import call_app
from emulator.http import guard
from emulator.resources import file_links
from emulator.resources.connect import accounts, links, test_values

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

STYLESHEET = "/_emulator/dashboard/dashboard.css"
MAX_FORM_BYTES = 4096
MAX_ROUNDS = 4  # provide, look again (a business type brings its own fields), at most this often
USER_AGENT = "stripe-emulator-hosted-onboarding"

TITLE = "Onboarding"
TITLE_DONE = "Onboarding complete"
TITLE_NOT_FOUND = "Link not found"
TITLE_REFUSED = "Refused"
TITLE_FAILED = "Onboarding failed"
NOT_FOUND = "This link does not exist. Ask the platform for a new one."
EXPIRED_NO_REFRESH = "This link has expired or was already used, and the platform gave no refresh_url."
DONE_NO_RETURN = "The account's details were submitted. The platform gave no return_url: you can close this page."
REFUSED_ORIGIN = "This form was sent from another site, so it was refused."
REFUSED_TOKEN = "This form did not carry the page's token, so it was refused. Open the link again."
NOTHING_DUE = "Nothing is due: the account has provided everything its capabilities need."
EXPLAIN = (
    "This page stands in for Stripe-hosted onboarding. Submitting fills every item below with Stripe's "
    "test values (date of birth 1901-01-01, address address_full_match, id numbers 000000000, "
    "document file_identity_document_success) and returns you to the platform."
)
LOGIN_TITLE = "Express Dashboard"
LOGIN_TEXT = "The emulator has no Express Dashboard; this page confirms that the login link works."
# a shared file is someone's upload: it may not run anything, nor be read as another type
SANDBOXED = {"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"}


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _headers(link: links.Link | None = None) -> dict[str, str]:
    targets = [] if link is None else [_origin_of(link.return_url), _origin_of(link.refresh_url)]
    form_action = " ".join(["'self'", *sorted({t for t in targets if t})])
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action {form_action}; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",  # no-referrer would make the form's Origin "null"
        "Cache-Control": "no-store",
    }


def _page(title: str, body: Child, *, status: int = 200, link: links.Link | None = None) -> HTMLResponse:
    head = el(
        "head",
        None,
        el("meta", {"charset": "utf-8"}),
        el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
        el("title", None, f"{title} · Stripe emulator"),
        el("link", {"rel": "icon", "href": "data:,"}),
        el("link", {"rel": "stylesheet", "href": STYLESHEET}),
    )
    top = el(
        "header",
        {"class": "top"},
        el("span", {"class": "brand"}, "Stripe emulator"),
        el("span", {"class": "testmode"}, "Test mode"),
    )
    document = join(
        Markup("<!doctype html>\n"),
        el("html", {"lang": "en"}, head, el("body", None, top, el("main", None, el("h1", None, title), body))),
    )
    return HTMLResponse(document, status_code=status, headers=_headers(link))


def _not_found() -> HTMLResponse:
    """The page of a link that does not exist (or whose account is gone)."""
    return _page(TITLE_NOT_FOUND, el("p", None, NOT_FOUND), status=404)


def _redirect(url: str | None, fallback_title: str, fallback_text: str, link: links.Link) -> Response:
    if url:
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    return _page(fallback_title, el("p", None, fallback_text), link=link)


class HostedPages:
    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.state = app.state

    def routes(self) -> list[Route]:
        return [
            Route(links.ONBOARDING_PATH + "{token}", self.onboarding, methods=["GET", "POST"]),
            Route(links.LOGIN_PATH + "{token}", self.express, methods=["GET"]),
            Route(file_links.PAGE_PATH + "{token}", self.file_link, methods=["GET"]),
        ]

    def _due(self, platform: Any, link: links.Link) -> list[str] | None:
        account = platform.account_by_id(link.account)
        if account is None:
            return None
        field = "eventually_due" if link.collect == "eventually_due" else "currently_due"
        due = set(account["requirements"].get(field) or [])
        if link.future_requirements == "include":
            due |= set(account["future_requirements"].get(field) or [])
        return sorted(due)

    @staticmethod
    def _rejected(platform: Any, link: links.Link) -> bool:
        """A rejected account cannot be onboarded: its link is "otherwise invalid" (Stripe's
        ``refresh_url``: where an expired, visited or otherwise invalid link sends the user)."""
        return accounts.is_rejected(platform, link.account)

    async def onboarding(self, request: Request) -> Response:
        found = links.find_link(self.state, str(request.path_params["token"]))
        if found is None:
            return _not_found()
        platform, link = found
        if request.method == "POST":
            return await self._submit(request, platform, link)
        expired = platform.now() >= link.expires_at  # the platform's time, which made expires_at
        if link.visited or link.used or expired or self._rejected(platform, link):
            return _redirect(link.refresh_url, TITLE_NOT_FOUND, EXPIRED_NO_REFRESH, link)
        if request.method == "HEAD":  # a link checker's look does not use the link up
            return Response(status_code=200, media_type="text/html", headers=_headers(link))
        link.visited = True
        due = self._due(platform, link)
        account = platform.account_by_id(link.account)
        if due is None or account is None:
            return _not_found()
        name = (account.get("business_profile") or {}).get("name") or link.account
        items = el("ul", {"class": "due"}, [el("li", None, el("code", None, r)) for r in due]) if due else None
        form = el(
            "form",
            {"method": "post", "action": links.ONBOARDING_PATH + str(request.path_params["token"]), "id": "onboard"},
            el("input", {"type": "hidden", "name": "form_token", "value": link.form_token}),
            el("button", {"type": "submit"}, "Submit test details and continue"),
        )
        body = join(
            el("p", None, "Account ", el("code", None, link.account), " · ", name),
            el("p", None, EXPLAIN),
            el("h2", None, "Still needed", el("span", {"class": "count"}, str(len(due)))),
            items if due else el("p", None, NOTHING_DUE),
            form,
        )
        return _page(TITLE, body, link=link)

    async def _submit(self, request: Request, platform: Any, link: links.Link) -> Response:
        if not guard.same_origin(request):
            return _page(TITLE_REFUSED, el("p", None, REFUSED_ORIGIN), status=403)
        raw = await request.body()
        fields = dict(parse_qsl(raw[:MAX_FORM_BYTES].decode("utf-8", "replace")))
        sent = fields.get("form_token", "")
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), link.form_token.encode()):
            return _page(TITLE_REFUSED, el("p", None, REFUSED_TOKEN), status=403)
        if link.used or platform.now() >= link.expires_at or self._rejected(platform, link):
            return _redirect(link.refresh_url, TITLE_NOT_FOUND, EXPIRED_NO_REFRESH, link)
        link.used = True
        ip = request.client.host if request.client else "127.0.0.1"
        for _ in range(MAX_ROUNDS):
            due = self._due(platform, link)
            if due is None:
                return _not_found()
            account = platform.account_by_id(link.account)
            calls = test_values.calls(account, due, platform.now(), ip)
            if not calls:
                break
            for path, params, acting_as in calls:
                failure = await self._call(platform.key, path, params, acting_as)
                if failure:
                    return _page(TITLE_FAILED, el("p", None, failure), status=400, link=link)
        return _redirect(link.return_url, TITLE_DONE, DONE_NO_RETURN, link)

    async def _call(self, key: str, path: str, params: dict[str, str], acting_as: str | None = None) -> str | None:
        """One API request as the platform (or as the account ``acting_as``); the error message when it fails."""
        from urllib.parse import urlencode

        headers = [
            ("authorization", f"Bearer {key}"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("user-agent", USER_AGENT),
        ]
        if acting_as:
            headers.append(("stripe-account", acting_as))
        status, body = await call_app(self.app, "POST", path, body=urlencode(params).encode(), headers=headers)
        if status < 400:
            return None
        try:
            message = json.loads(body)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {status}"
        return str(message)

    async def file_link(self, request: Request) -> Response:
        found = file_links.find(self.state, str(request.path_params["token"]))
        if found is None:
            return _not_found()
        contents, media_type = found
        return Response(contents, media_type=media_type, headers=SANDBOXED)

    async def express(self, request: Request) -> Response:
        found = links.find_login(self.state, str(request.path_params["token"]))
        if found is None:
            return _not_found()
        platform, account_id = found
        if request.method == "HEAD":  # a link checker's look does not use the link up
            return Response(status_code=200, media_type="text/html")
        platform.extra.get(links.LOGIN_LINKS, {}).pop(str(request.path_params["token"]), None)  # single use
        return _page(
            LOGIN_TITLE, join(el("p", None, "Account ", el("code", None, account_id)), el("p", None, LOGIN_TEXT))
        )
