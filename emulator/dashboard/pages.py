"""The bodies of the dashboard's pages (pure rendering from a :class:`View`; no requests here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.core.state import Platform, Scope
from emulator.core.store import Obj
from emulator.dashboard import data, deliveries, fmt, forms, tables
from emulator.dashboard.html import Child, Markup, el, join, link
from emulator.dashboard.layout import facts, section
from emulator.dashboard.view import ROOT, View
from emulator.resources import events
from emulator.resources.balance import ledger
from emulator.webhooks.book import Delivery

PREVIEW = 10  # rows per section on a platform's page
PAGE_SIZE = 50  # rows per page of a full list
LINKED_LIMIT = 60
EVENTS_LIMIT = 50
PLATFORMS_LIMIT = 100
SUMMARY_TYPES = ("issuing.card", "issuing.authorization", "event")


# --- the platforms ---------------------------------------------------------------------------------


def platforms_table(rows: Sequence[tuple[View, Platform]], total: int) -> Markup:
    if not rows:
        return el(
            "p",
            {"class": "muted empty"},
            "No platform yet: every API key is its own platform, made by its first request. Point a Stripe SDK at "
            "this server with any sk_test_ key.",
        )
    head = el(
        "thead",
        None,
        el(
            "tr",
            None,
            [
                el("th", None, h)
                for h in (
                    "Platform key",
                    "Platform account",
                    "Connected accounts",
                    "Cards",
                    "Authorizations",
                    "Events",
                    "Created",
                )
            ],
        ),
    )
    body = []
    for view, platform in rows:
        body.append(
            el(
                "tr",
                {"data_id": view.handle},
                el("td", None, link(view.url, el("code", None, view.masked_key))),
                el("td", None, el("code", None, platform.account_id)),
                el("td", {"class": "num"}, str(len(platform.accounts))),
                [el("td", {"class": "num"}, str(data.count(platform, t))) for t in SUMMARY_TYPES],
                el("td", {"class": "nowrap"}, fmt.timestamp(platform.created)),
            )
        )
    more = (
        el("p", {"class": "muted small"}, f"Showing the newest {len(rows)} of {total}.") if total > len(rows) else None
    )
    return join(el("table", {"class": "objects t-platforms"}, head, el("tbody", None, body)), more)


def overview(rows: Sequence[tuple[View, Platform]], total: int) -> Markup:
    parts: list[Child] = [
        el("h1", None, "Emulator dashboard"),
        el(
            "p",
            {"class": "muted"},
            "Everything this emulator holds, by platform (one per API key). Paste any id above to jump to it.",
        ),
        section("platforms", "Platforms", total, platforms_table(rows, total)),
    ]
    if total == 1 and rows:
        parts.append(platform_sections(rows[0][0]))
    return join(parts)


# --- one platform -------------------------------------------------------------------------------------


def platform_sections(view: View) -> Markup:
    p = view.platform
    parts: list[Child] = []
    for kind in tables.KINDS:
        total = data.count(p, kind.object_type)
        rows = data.newest(p, kind.object_type, PREVIEW)
        more = link(view.list_url(kind.object_type), "View all") if total > len(rows) else None
        parts.append(
            section(
                f"s-{kind.object_type.replace('.', '-')}",
                view.title(kind.object_type),
                total,
                tables.table(view, kind, rows),
                more,
            )
        )
    parts.append(
        section(
            "s-deliveries",
            "Webhook deliveries",
            data.delivery_count(p),
            deliveries.table(view, data.deliveries(p, PREVIEW)),
            link(view.list_url("deliveries"), "View all") if data.delivery_count(p) > PREVIEW else None,
        )
    )
    parts.append(section("s-types", "Everything by type", None, types_table(view)))
    return join(parts)


def _rta_timeout(seconds: object, approves: object) -> str:
    shown = f"{seconds:g} s" if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else "default"
    return f"{shown}, then {'approve' if approves else 'decline'}"


def _time(p: Platform) -> str:
    offset = p.now() - p.state.clock.now()
    ahead = f"{fmt.duration_s(offset)} ahead" if offset > 0 else "the present"
    return f"{fmt.timestamp(p.now())} ({ahead}{', frozen' if p.clock.frozen else ''})"


def platform_page(view: View) -> Markup:
    p = view.platform
    head = join(
        el("h1", None, "Platform ", el("code", None, view.masked_key)),
        facts(
            [
                ("Platform account", view.id_link(p.account_id)),
                ("Connected accounts", str(len(p.accounts))),
                ("Created", fmt.timestamp(p.created)),
                ("Time", _time(p)),
                (
                    "Real-time authorization timeout",
                    _rta_timeout(p.settings.rta_timeout_seconds, p.settings.rta_timeout_approves),
                ),
            ]
        ),
        el("div", {"class": "actions"}, forms.clock_form(view)),
    )
    return join(head, platform_sections(view))


def types_table(view: View) -> Markup:
    counts = data.types_held(view.platform)
    rows = [
        el("tr", None, el("td", None, link(view.list_url(t), el("code", None, t))), el("td", {"class": "num"}, str(n)))
        for t, n in sorted(counts.items())
    ]
    head = el("thead", None, el("tr", None, el("th", None, "Type"), el("th", None, "Objects")))
    return el("table", {"class": "objects t-types"}, head, el("tbody", None, rows))


def list_page(view: View, object_type: str, page: int) -> Markup:
    offset = (page - 1) * PAGE_SIZE
    if object_type == "deliveries":
        total = data.delivery_count(view.platform)
        title = "Webhook deliveries"
        content = deliveries.table(view, data.deliveries(view.platform, PAGE_SIZE, offset))
    else:
        kind = tables.kind_of(object_type)
        total = data.count(view.platform, object_type)
        title = view.title(object_type)
        content = tables.table(view, kind, data.newest(view.platform, object_type, PAGE_SIZE, offset))
    pages = el(
        "nav",
        {"class": "pages"},
        link(view.list_url(object_type, page - 1), "← Newer") if page > 1 else None,
        el("span", {"class": "muted"}, f"Page {page} · {total} in all"),
        link(view.list_url(object_type, page + 1), "Older →") if offset + PAGE_SIZE < total else None,
    )
    crumbs = el("p", None, link(view.url, "← Platform ", el("code", None, view.masked_key)))
    return join(crumbs, section("list", title, total, join(content, pages)))


# --- one object ----------------------------------------------------------------------------------------


def _funding_balance(view: View, obj: Obj) -> Child:
    """The cash balance of the financial account behind an Issuing object (card, transaction...)."""
    card_ref = obj.get("card") if obj.get("object") != "issuing.card" else obj
    card: Any = card_ref
    if isinstance(card_ref, str):
        found = data.find(view.platform, card_ref)
        card = found[1] if found else None
    fa_id = card.get("financial_account") if isinstance(card, dict) else None
    found_fa = data.find(view.platform, fa_id) if isinstance(fa_id, str) else None
    if found_fa is None:
        return None
    fa = found_fa[1]
    return join(
        view.id_link(fa_id),
        " ",
        el("span", {"class": "num balance"}, fmt.balances((fa.get("balance") or {}).get("cash"))),
        el("span", {"class": "muted"}, " cash"),
    )


def _summary(view: View, scope: Scope, obj: Obj) -> list[tuple[str, Child]]:
    kind = obj.get("object")
    rows: list[tuple[str, Child]] = [
        ("Account", view.account_label(scope) if kind != "account" else _kind_text(view, obj))
    ]
    if kind == "account":
        rows += [
            ("Country", str(obj.get("country") or "—")),
            ("Email", str(obj.get("email") or "—")),
            ("Capabilities", tables.capabilities(obj)),
        ]
        rows += [
            (label, el("span", {"class": f"num stripe-balance-{part}"}, fmt.balances(ledger.amounts(scope, part))))
            for label, part in (("Available", "available"), ("Pending", "pending"), ("Issuing balance", "issuing"))
        ]
    elif kind == "treasury.financial_account":
        balance = obj.get("balance") or {}
        rows += [("Status", fmt.badge(obj.get("status")))]
        rows += [
            (label, el("span", {"class": f"num balance-{part}"}, fmt.balances(balance.get(part))))
            for label, part in (
                ("Cash", "cash"),
                ("Inbound pending", "inbound_pending"),
                ("Outbound pending", "outbound_pending"),
            )
        ]
        rows += [("Features", tables.features(obj))]
    elif kind == "issuing.cardholder":
        rows += [
            ("Name", str(obj.get("name") or "—")),
            ("Type", str(obj.get("type") or "—")),
            ("Status", fmt.badge(obj.get("status"))),
            ("Email", str(obj.get("email") or "—")),
        ]
    elif kind == "issuing.card":
        holder = obj.get("cardholder")
        rows += [
            ("Status", fmt.badge(obj.get("status"))),
            (
                "Cardholder",
                join(view.ref_link(holder), " ", holder.get("name", "") if isinstance(holder, dict) else ""),
            ),
            (
                "Card",
                f"{obj.get('brand', '')} •••• {obj.get('last4', '')}  exp {obj.get('exp_month', '')}/{obj.get('exp_year', '')}",
            ),
            ("Type", str(obj.get("type") or "—")),
            ("Funding", _funding_balance(view, obj) or "—"),
            ("Spending controls", tables.spending_controls(obj)),
            ("Shipping", tables.shipping(obj)),
        ]
    elif kind == "issuing.authorization":
        last = tables.last_request(obj)
        m = obj.get("merchant_data") or {}
        rows += [
            ("Decision", el("span", {"class": "decision"}, fmt.yes_no(obj.get("approved")))),
            (
                "Reason",
                join(
                    el("code", {"class": "reason"}, last.get("reason") or "—"),
                    el("div", {"class": "muted small"}, last.get("reason_message"))
                    if last.get("reason_message")
                    else None,
                ),
            ),
            ("Status", fmt.badge(obj.get("status"))),
            ("Amount", fmt.money(obj.get("amount"), obj.get("currency"))),
            ("Card", view.ref_link(obj.get("card"))),
            (
                "Merchant",
                f"{m.get('name', '')} · {m.get('category', '')} ({m.get('category_code', '')}) · {m.get('country', '')}",
            ),
            ("Funding", _funding_balance(view, obj) or "—"),
        ]
    elif kind == "issuing.transaction":
        rows += [
            ("Type", str(obj.get("type") or "—")),
            ("Amount", fmt.money(obj.get("amount"), obj.get("currency"))),
            ("Card", view.ref_link(obj.get("card"))),
            ("Authorization", view.ref_link(obj.get("authorization"))),
            ("Funding", _funding_balance(view, obj) or "—"),
        ]
    elif kind == "event":
        target = events.data_object(obj) or {}
        rows += [
            ("Type", el("code", None, obj.get("type") or "")),
            ("Object", view.ref_link(target)),
            ("Pending webhooks", str(obj.get("pending_webhooks", 0))),
        ]
    else:
        if "status" in obj:
            rows.append(("Status", fmt.badge(obj.get("status"))))
        if isinstance(obj.get("amount"), int):
            rows.append(("Amount", fmt.money(obj.get("amount"), obj.get("currency"))))
    if "created" in obj:
        rows.append(("Created", fmt.timestamp(obj.get("created"))))
    return rows


def _kind_text(view: View, obj: Obj) -> str:
    return "platform account" if obj.get("id") == view.platform.account_id else "connected account"


def request_history(obj: Obj) -> Markup:
    history = obj.get("request_history") or []
    if not history:
        return el("p", {"class": "muted empty"}, "No requests.")
    head = el(
        "thead",
        None,
        el("tr", None, [el("th", None, h) for h in ("Requested", "Amount", "Decision", "Reason", "Message")]),
    )
    rows = [
        el(
            "tr",
            None,
            el("td", {"class": "nowrap"}, fmt.timestamp(r.get("requested_at") or r.get("created"))),
            el("td", {"class": "num"}, fmt.money(r.get("amount"), r.get("currency"))),
            el("td", None, fmt.yes_no(r.get("approved"))),
            el("td", None, el("code", {"class": "reason"}, r.get("reason") or "—")),
            el("td", None, r.get("reason_message") or ""),
        )
        for r in history
        if isinstance(r, dict)
    ]
    return el("table", {"class": "objects t-request-history"}, head, el("tbody", None, rows))


def _linked(view: View, rendered: Obj) -> Markup:
    ids = [i for i in data.ids_in(view.state, rendered) if i != rendered.get("id") and view.exists(i)][:LINKED_LIMIT]
    if not ids:
        return el("p", {"class": "muted empty"}, "None.")
    return el(
        "ul",
        {"class": "links"},
        [el("li", None, view.id_link(i), " ", el("span", {"class": "muted small"}, _type_of(view, i))) for i in ids],
    )


def _type_of(view: View, obj_id: str) -> str:
    found = data.find(view.platform, obj_id)
    return str(found[1].get("object", "")) if found else ""


def _grouped(view: View, rows: list[tuple[Scope, Obj]]) -> Markup:
    if not rows:
        return el("p", {"class": "muted empty"}, "Nothing refers to it.")
    by_type: dict[str, list[tuple[Scope, Obj]]] = {}
    for scope, obj in rows:
        by_type.setdefault(str(obj.get("object")), []).append((scope, obj))
    return join(
        join(el("h3", None, view.title(t)), tables.table(view, tables.kind_of(t), group))
        for t, group in by_type.items()
    )


def object_page(view: View, scope: Scope, obj: Obj) -> Markup:
    rendered = view.rendered(scope, obj) if obj.get("object") != "account" else obj
    obj_id = str(obj.get("id"))
    kind = str(obj.get("object"))
    parts: list[Child] = [
        el(
            "p",
            {"class": "crumbs"},
            link(view.url, "← Platform ", el("code", None, view.masked_key)),
            " · ",
            link(view.list_url(kind), view.title(kind)),
        ),
        el("h1", None, el("span", {"class": "muted"}, kind), " ", el("code", None, obj_id)),
        section("summary", "Summary", None, el("div", {"class": "card"}, facts(_summary(view, scope, rendered)))),
    ]
    actions = forms.forms_for(view, rendered)
    if actions:
        parts.append(
            el("section", {"id": "actions"}, el("h2", None, "Actions"), el("div", {"class": "actions"}, actions))
        )
    if kind == "issuing.authorization":
        parts.append(section("request-history", "Request history", None, request_history(rendered)))
    if kind == "event":
        parts.append(
            section(
                "deliveries",
                "Webhook deliveries",
                None,
                deliveries.table(view, data.deliveries(view.platform, EVENTS_LIMIT, event_id=obj_id)),
            )
        )
    if kind == "webhook_endpoint":
        parts.append(
            section(
                "deliveries",
                "Webhook deliveries",
                None,
                deliveries.table(view, data.deliveries_to(view.platform, obj_id, EVENTS_LIMIT)),
            )
        )
    if kind == "account":
        parts.append(section("objects", "Objects of this account", None, _account_objects(view, obj_id)))
    referenced = data.referenced_by(view.platform, obj_id, LINKED_LIMIT)
    parts.append(
        el(
            "div",
            {"class": "grid2"},
            section("linked", "Links to", None, _linked(view, rendered)),
            section(
                "events",
                "Events",
                None,
                tables.table(
                    view,
                    tables.EVENTS_COMPACT,
                    data.events_of(view.platform, obj_id, EVENTS_LIMIT),
                    empty="No events about it.",
                ),
            ),
        ),
    )
    shown = f"{len(referenced)}+" if len(referenced) >= LINKED_LIMIT else len(referenced)
    parts.append(section("referenced", "Referenced by", shown, _grouped(view, referenced)))
    parts.append(section("json", "JSON", None, view.json_html(rendered)))
    return join(parts)


def _account_objects(view: View, account_id: str) -> Markup:
    scope = view.platform.scopes.get(account_id)
    if scope is None or not scope.stores:
        return el("p", {"class": "muted empty"}, "No objects.")
    rows = [
        el(
            "tr",
            None,
            el("td", None, link(view.list_url(name), el("code", None, name))),
            el("td", {"class": "num"}, str(len(store))),
        )
        for name, store in sorted(scope.stores.items())
        if len(store)
    ]
    head = el("thead", None, el("tr", None, el("th", None, "Type"), el("th", None, "Objects")))
    return el("table", {"class": "objects"}, head, el("tbody", None, rows))


def delivery_page(view: View, delivery: Delivery) -> Markup:
    return join(
        el(
            "p",
            {"class": "crumbs"},
            link(view.url, "← Platform ", el("code", None, view.masked_key)),
            " · ",
            link(view.list_url("deliveries"), "Webhook deliveries"),
        ),
        el("h1", None, el("span", {"class": "muted"}, "webhook delivery"), " ", el("code", None, delivery.id)),
        section(
            "summary",
            "Summary",
            None,
            el(
                "div",
                {"class": "card"},
                facts(
                    [
                        (
                            "Event",
                            join(
                                view.id_link(delivery.event_id),
                                " ",
                                el("code", None, delivery.event_type),
                            ),
                        ),
                        ("To", deliveries.target(view, delivery)),
                        ("Kind", delivery.kind),
                        ("Status", deliveries.status(delivery)),
                        ("Attempts", str(len(delivery.attempts))),
                        (
                            "Next automatic attempt",
                            fmt.timestamp(int(delivery.next_attempt_at)) if delivery.next_attempt_at else "—",
                        ),
                    ]
                ),
            ),
        ),
        el("section", {"id": "actions"}, el("div", {"class": "actions"}, forms.replay_form(view, delivery.id))),
        section("attempts", "Attempts", len(delivery.attempts), deliveries.attempts_table(delivery)),
    )


def message(title: str, text: str) -> Markup:
    return join(el("h1", None, title), el("p", None, text), el("p", None, link(ROOT, "Back to the dashboard")))


def not_found(what: str, query: str) -> Markup:
    return join(el("h1", None, what), el("p", None, "Nothing here matches ", el("code", None, query), "."))


def search_results(matches: Sequence[tuple[View, str]], query: str) -> Markup:
    items = [
        el(
            "li",
            None,
            link(v.object_url(obj_id), el("code", None, obj_id)),
            " on platform ",
            el("code", None, v.masked_key),
        )
        for v, obj_id in matches
    ]
    return join(
        el("h1", None, "Several objects have this id"), el("p", None, el("code", None, query)), el("ul", None, items)
    )
