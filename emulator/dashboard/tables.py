"""The columns each object type shows in a table, and the table itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.core.state import Scope
from emulator.core.store import Obj
from emulator.dashboard import fmt
from emulator.dashboard.html import Child, Markup, el, join
from emulator.dashboard.view import View
from emulator.resources import events
from emulator.resources.balance import ledger

Cell = Callable[[View, Scope, Obj], Child]


@dataclass(frozen=True)
class Column:
    title: str
    cell: Cell


@dataclass(frozen=True)
class Kind:
    """An object type as the dashboard lists it."""

    object_type: str
    columns: tuple[Column, ...]


def _id(v: View, s: Scope, o: Obj) -> Child:
    return v.id_link(o.get("id"))


def _account(v: View, s: Scope, o: Obj) -> Child:
    return v.id_link(s.account_id) if s.is_connected else el("span", {"class": "muted"}, "platform")


def _status(v: View, s: Scope, o: Obj) -> Child:
    return fmt.badge(o.get("status"))


def _created(v: View, s: Scope, o: Obj) -> Child:
    return el("span", {"class": "nowrap"}, fmt.timestamp(o.get("created")))


def _amount(v: View, s: Scope, o: Obj) -> Child:
    return el("span", {"class": "num"}, fmt.money(o.get("amount"), o.get("currency")))


def _field(name: str) -> Cell:
    def cell(v: View, s: Scope, o: Obj) -> Child:
        value = o.get(name)
        return "—" if value is None or value == "" else str(value)

    return cell


def _ref(name: str) -> Cell:
    def cell(v: View, s: Scope, o: Obj) -> Child:
        return v.ref_link(o.get(name))

    return cell


def chips(items: Sequence[tuple[str, str]]) -> Markup:
    """``(text, tone)`` pairs as small labels."""
    if not items:
        return el("span", {"class": "muted"}, "none")
    return join(el("span", {"class": f"chip {tone}"}, text) for text, tone in items)


# --- accounts and treasury ------------------------------------------------------------------------


def _account_kind(v: View, s: Scope, o: Obj) -> Child:
    if o.get("id") == v.platform.account_id:
        return "platform"
    controller = o.get("controller") or {}
    return f"connected ({controller.get('type', 'account')})"


def capabilities(o: Obj) -> Markup:
    caps = o.get("capabilities") or {}
    return chips([(f"{name}: {status}", _tone(status)) for name, status in sorted(caps.items())])


def _tone(status: Any) -> str:
    return "good" if status in fmt.GOOD else "bad" if status in fmt.BAD else "neutral"


def features(o: Obj) -> Markup:
    items = [(name, "good") for name in o.get("active_features") or []]
    items += [(f"{name} (pending)", "neutral") for name in o.get("pending_features") or []]
    items += [(f"{name} (restricted)", "bad") for name in o.get("restricted_features") or []]
    return chips(items)


def _balance(part: str) -> Cell:
    def cell(v: View, s: Scope, o: Obj) -> Child:
        return el("span", {"class": "num"}, fmt.balances((o.get("balance") or {}).get(part)))

    return cell


# --- issuing ---------------------------------------------------------------------------------------------


def _cardholder_name(v: View, s: Scope, o: Obj) -> Child:
    holder = o.get("cardholder")
    if isinstance(holder, dict):
        return join(v.id_link(holder.get("id")), " ", holder.get("name") or "")
    return v.id_link(holder)


def spending_controls(o: Obj) -> Markup:
    controls = o.get("spending_controls") or {}
    items: list[tuple[str, str]] = []
    currency = controls.get("spending_limits_currency") or o.get("currency") or "usd"
    for limit in controls.get("spending_limits") or []:
        scope = f" on {len(limit['categories'])} categories" if limit.get("categories") else ""
        items.append((f"{fmt.money(limit.get('amount'), currency)} {limit.get('interval', '')}{scope}", "neutral"))
    for name, tone in (
        ("allowed_categories", "good"),
        ("blocked_categories", "bad"),
        ("allowed_merchant_countries", "good"),
        ("blocked_merchant_countries", "bad"),
    ):
        values = controls.get(name) or []
        if values:
            shown = ", ".join(values[:3]) + (f" +{len(values) - 3}" if len(values) > 3 else "")
            items.append((f"{name.replace('_', ' ')}: {shown}", tone))
    return chips(items)


def _controls(v: View, s: Scope, o: Obj) -> Child:
    return spending_controls(o)


def shipping(o: Obj) -> Markup:
    ship = o.get("shipping")
    if not isinstance(ship, dict):
        return el("span", {"class": "muted"}, "virtual" if o.get("type") == "virtual" else "—")
    parts: list[Child] = [fmt.badge(ship.get("status"))]
    if ship.get("carrier"):
        parts.append(f" {ship['carrier']}")
    if ship.get("tracking_number"):
        parts.append(join(" ", el("code", None, ship["tracking_number"])))
    return join(parts)


def _shipping(v: View, s: Scope, o: Obj) -> Child:
    return shipping(o)


def _card_link(v: View, s: Scope, o: Obj) -> Child:
    card = o.get("card")
    if isinstance(card, dict):
        return join(v.id_link(card.get("id")), el("span", {"class": "muted"}, f" •••• {card.get('last4', '')}"))
    return v.id_link(card)


def _approved(v: View, s: Scope, o: Obj) -> Child:
    return fmt.yes_no(o.get("approved"))


def _merchant(v: View, s: Scope, o: Obj) -> Child:
    m = o.get("merchant_data") or {}
    return join(
        m.get("name") or "—", el("div", {"class": "muted small"}, f"{m.get('category', '')} · {m.get('country', '')}")
    )


def last_request(o: Obj) -> dict[str, Any]:
    history = o.get("request_history") or []
    return history[-1] if history and isinstance(history[-1], dict) else {}


def _reason(v: View, s: Scope, o: Obj) -> Child:
    last = last_request(o)
    if not last:
        return "—"
    reason = el("code", {"class": "reason bad" if not last.get("approved") else "reason"}, last.get("reason") or "—")
    message = last.get("reason_message")
    return join(reason, el("div", {"class": "muted small"}, message) if message else None)


def _dispute_reason(v: View, s: Scope, o: Obj) -> Child:
    return str((o.get("evidence") or {}).get("reason") or "—")


# --- events and webhooks --------------------------------------------------------------------------------------


def _event_object(v: View, s: Scope, o: Obj) -> Child:
    target = events.data_object(o) or {}
    return v.id_link(target.get("id")) if isinstance(target, dict) else "—"


def _event_type(v: View, s: Scope, o: Obj) -> Child:
    return el("code", None, o.get("type") or "")


def _enabled_events(v: View, s: Scope, o: Obj) -> Child:
    events = o.get("enabled_events") or []
    return ", ".join(str(e) for e in events[:5]) + (f" +{len(events) - 5}" if len(events) > 5 else "")


def _stripe_balance(part: str) -> Cell:
    """The account's Stripe balance (``available``, ``pending`` or ``issuing``) per currency."""

    def cell(v: View, s: Scope, o: Obj) -> Child:
        return el("span", {"class": f"num stripe-balance-{part}"}, fmt.balances(ledger.amounts(s, part)))

    return cell


# the columns many tables share
ACCOUNT = Column("Account", _account)
STATUS = Column("Status", _status)
AMOUNT = Column("Amount", _amount)
CREATED = Column("Created", _created)
ACCOUNTS = Kind(
    "account",
    (
        Column("Account", _id),
        Column("Kind", _account_kind),
        Column("Country", _field("country")),
        Column("Email", _field("email")),
        Column("Capabilities", lambda v, s, o: capabilities(o)),
        Column("Available", _stripe_balance("available")),
        Column("Issuing balance", _stripe_balance("issuing")),
    ),
)
KINDS: tuple[Kind, ...] = (
    ACCOUNTS,
    Kind(
        "treasury.financial_account",
        (
            Column("Financial account", _id),
            ACCOUNT,
            STATUS,
            Column("Cash", _balance("cash")),
            Column("Inbound pending", _balance("inbound_pending")),
            Column("Outbound pending", _balance("outbound_pending")),
            Column("Features", lambda v, s, o: features(o)),
        ),
    ),
    Kind(
        "topup",
        (
            Column("Top-up", _id),
            ACCOUNT,
            AMOUNT,
            STATUS,
            Column("Description", _field("description")),
            CREATED,
        ),
    ),
    Kind(
        "balance_transaction",
        (
            Column("Balance transaction", _id),
            ACCOUNT,
            Column("Type", _field("type")),
            Column("Balance", _field("balance_type")),
            AMOUNT,
            Column("Source", _ref("source")),
            CREATED,
        ),
    ),
    Kind(
        "transfer",
        (
            Column("Transfer", _id),
            Column("Destination", _ref("destination")),
            AMOUNT,
            Column("Reversed", _field("amount_reversed")),
            Column("Group", _field("transfer_group")),
            CREATED,
        ),
    ),
    Kind(
        "payout",
        (
            Column("Payout", _id),
            ACCOUNT,
            AMOUNT,
            STATUS,
            Column("Destination", _ref("destination")),
            CREATED,
        ),
    ),
    Kind(
        "issuing.cardholder",
        (
            Column("Cardholder", _id),
            ACCOUNT,
            Column("Name", _field("name")),
            Column("Type", _field("type")),
            STATUS,
            Column("Email", _field("email")),
        ),
    ),
    Kind(
        "issuing.card",
        (
            Column("Card", _id),
            Column("Cardholder", _cardholder_name),
            Column("Last 4", _field("last4")),
            Column("Type", _field("type")),
            STATUS,
            Column("Spending controls", _controls),
            Column("Shipping", _shipping),
        ),
    ),
    Kind(
        "issuing.authorization",
        (
            Column("Authorization", _id),
            Column("Card", _card_link),
            AMOUNT,
            Column("Decision", _approved),
            STATUS,
            Column("Merchant", _merchant),
            Column("Reason", _reason),
            CREATED,
        ),
    ),
    Kind(
        "issuing.transaction",
        (
            Column("Transaction", _id),
            Column("Type", _field("type")),
            AMOUNT,
            Column("Card", _ref("card")),
            Column("Authorization", _ref("authorization")),
            CREATED,
        ),
    ),
    Kind(
        "issuing.dispute",
        (
            Column("Dispute", _id),
            STATUS,
            AMOUNT,
            Column("Transaction", _ref("transaction")),
            Column("Reason", _dispute_reason),
            CREATED,
        ),
    ),
    Kind(
        "event",
        (
            Column("Event", _id),
            Column("Type", _event_type),
            Column("Object", _event_object),
            ACCOUNT,
            Column("Pending webhooks", _field("pending_webhooks")),
            CREATED,
        ),
    ),
    Kind(
        "webhook_endpoint",
        (
            Column("Endpoint", _id),
            Column("URL", _field("url")),
            STATUS,
            Column("Events", _enabled_events),
        ),
    ),
)
GENERIC = (
    Column("Object", _id),
    ACCOUNT,
    STATUS,
    AMOUNT,
    CREATED,
)
BY_TYPE = {kind.object_type: kind for kind in KINDS}
EVENTS_COMPACT = Kind("event", (Column("Event", _id), Column("Type", _event_type), CREATED))
EXTRA_TYPES: dict[str, Kind] = {
    "treasury.transaction": Kind(
        "treasury.transaction",
        (
            Column("Transaction", _id),
            Column("Financial account", _ref("financial_account")),
            Column("Flow", _field("flow_type")),
            AMOUNT,
            STATUS,
            Column("Description", _field("description")),
            CREATED,
        ),
    ),
    "treasury.received_credit": Kind(
        "treasury.received_credit",
        (
            Column("Received credit", _id),
            Column("Financial account", _ref("financial_account")),
            AMOUNT,
            Column("Network", _field("network")),
            STATUS,
            CREATED,
        ),
    ),
}


def kind_of(object_type: str) -> Kind:
    found = BY_TYPE.get(object_type) or EXTRA_TYPES.get(object_type)
    if found is not None:
        return found
    return Kind(object_type, GENERIC)


def table(view: View, kind: Kind, rows: Sequence[tuple[Scope, Obj]], *, empty: str = "Nothing yet.") -> Markup:
    if not rows:
        return el("p", {"class": "muted empty"}, empty)
    head = el("thead", None, el("tr", None, [el("th", None, c.title) for c in kind.columns]))
    body_rows = []
    for scope, obj in rows:
        shown = view.rendered(scope, obj) if obj.get("object") != "account" else obj
        body_rows.append(
            el(
                "tr",
                {"data_id": obj.get("id")},
                [el("td", None, c.cell(view, scope, shown)) for c in kind.columns],
            )
        )
    return el("table", {"class": f"objects t-{kind.object_type.replace('.', '-')}"}, head, el("tbody", None, body_rows))
