"""The action forms an object's page offers (each POSTs to ``.../actions/{name}``)."""

from __future__ import annotations

from collections.abc import Sequence

from emulator.core.store import Obj
from emulator.dashboard.html import Child, Markup, el, join
from emulator.dashboard.view import View
from emulator.resources.issuing.card_shipping import TRANSITIONS

TOKEN_FIELD = "csrf_token"
OBJECT_FIELD = "object"
NETWORKS = ("ach", "us_domestic_wire")
DEFAULT_COUNTRY = "US"
DEFAULT_CATEGORY = "ac_refrigeration_repair"  # what Stripe's test helper uses without merchant_data


def form(
    view: View,
    action: str,
    obj_id: str,
    title: str | None,
    fields: Sequence[Child],
    submit: str,
    *,
    css: str | None = None,
    button_css: str | None = None,
) -> Markup:
    return el(
        "form",
        {"method": "post", "action": view.action_url(action), "class": css, "data_action": action},
        el("h3", None, title) if title else None,
        el("input", {"type": "hidden", "name": TOKEN_FIELD, "value": view.csrf}),
        el("input", {"type": "hidden", "name": OBJECT_FIELD, "value": obj_id}),
        list(fields),
        el("button", {"type": "submit", "class": button_css}, submit),
    )


def field(
    label: str, name: str, *, value: str = "", placeholder: str = "", required: bool = False, size: int = 10
) -> Markup:
    return el(
        "label",
        None,
        label,
        el(
            "input",
            {
                "name": name,
                "value": value,
                "placeholder": placeholder,
                "required": required,
                "size": size,
                "autocomplete": "off",
            },
        ),
    )


def select(label: str, name: str, options: Sequence[str], selected: str) -> Markup:
    return el(
        "label",
        None,
        label,
        el("select", {"name": name}, [el("option", {"value": o, "selected": o == selected}, o) for o in options]),
    )


def _currency(obj: Obj) -> str:
    return str(obj.get("currency") or "usd").upper()


def card_forms(view: View, card: Obj) -> list[Markup]:
    out = [
        form(
            view,
            "purchase",
            card["id"],
            "Simulate a purchase",
            [
                field(f"Amount ({_currency(card)})", "amount", placeholder="10.00", required=True),
                select("Merchant category", "category", view.categories, DEFAULT_CATEGORY),
                field("Merchant country", "country", value=DEFAULT_COUNTRY, size=4),
                field("Merchant name", "merchant_name", placeholder="(default)", size=16),
            ],
            "Authorize",
        )
    ]
    ship = card.get("shipping")
    if card.get("type") == "physical" and isinstance(ship, dict):
        status = ship.get("status")
        steps = [step for step, (starts, _) in TRANSITIONS.items() if status in starts]
        if steps:
            buttons = [
                form(
                    view,
                    "shipping",
                    card["id"],
                    None,
                    [el("input", {"type": "hidden", "name": "step", "value": s})],
                    s.capitalize(),
                    css="inline",
                    button_css="secondary",
                )
                for s in steps
            ]
            out.append(_box(f"Advance shipping (now {status})", buttons))
    return out


def _box(title: str, content: Sequence[Markup]) -> Markup:
    return el("div", {"class": "card"}, el("h3", None, title), join(content))


def authorization_forms(view: View, authorization: Obj) -> list[Markup]:
    if authorization.get("status") != "pending":
        return []
    cur = _currency(authorization)
    return [
        form(
            view,
            "capture",
            authorization["id"],
            "Capture",
            [field(f"Amount ({cur})", "amount", placeholder="all")],
            "Capture",
        ),
        form(
            view,
            "reverse",
            authorization["id"],
            "Reverse",
            [field(f"Amount ({cur})", "amount", placeholder="all")],
            "Reverse",
            button_css="secondary",
        ),
        form(view, "expire", authorization["id"], "Expire", [], "Expire", button_css="secondary"),
    ]


def transaction_forms(view: View, transaction: Obj) -> list[Markup]:
    if transaction.get("type") != "capture":
        return []
    return [
        form(
            view,
            "refund",
            transaction["id"],
            "Refund",
            [field(f"Amount ({_currency(transaction)})", "amount", placeholder="all")],
            "Refund",
        )
    ]


def financial_account_forms(view: View, fa: Obj) -> list[Markup]:
    currencies = [str(c) for c in fa.get("supported_currencies") or ["usd"]]
    return [
        form(
            view,
            "fund",
            fa["id"],
            "Fund (received credit)",
            [
                field(f"Amount ({currencies[0].upper()})", "amount", placeholder="100.00", required=True),
                select("Network", "network", NETWORKS, NETWORKS[0]),
                field("Description", "description", placeholder="(default)", size=18),
            ],
            "Add funds",
        )
    ]


def replay_form(view: View, delivery_id: str, *, compact: bool = False) -> Markup:
    if compact:
        return form(view, "replay", delivery_id, None, [], "Replay", css="inline", button_css="secondary")
    return form(view, "replay", delivery_id, "Replay this delivery", [], "Replay now")


def clock_form(view: View) -> Markup:
    """Move the platform's time forward (``POST /_emulator/clock``)."""
    return form(
        view,
        "clock",
        view.platform.account_id,
        "Move time forward",
        [
            field("Days", "days", placeholder="0", size=5),
            field("Hours", "hours", placeholder="0", size=5),
            field("Minutes", "minutes", placeholder="0", size=5),
        ],
        "Advance",
    )


def forms_for(view: View, obj: Obj) -> list[Markup]:
    kind = obj.get("object")
    if kind == "issuing.card":
        return card_forms(view, obj)
    if kind == "issuing.authorization":
        return authorization_forms(view, obj)
    if kind == "issuing.transaction":
        return transaction_forms(view, obj)
    if kind == "treasury.financial_account":
        return financial_account_forms(view, obj)
    return []
