"""How values read on the dashboard: money, times, statuses (pure functions, no state)."""

from __future__ import annotations

import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from emulator.dashboard.html import Markup, el
from emulator.resources.currencies import exponent as decimals

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
MAX_MAJOR_AMOUNT = Decimal("99999999")  # Stripe's largest amount is 8 digits of major units
GOOD = frozenset(
    {"active", "open", "succeeded", "closed", "delivered", "approved", "won", "enabled", "posted", "shipped"}
)
BAD = frozenset(
    {
        "inactive",
        "canceled",
        "failed",
        "declined",
        "lost",
        "disabled",
        "failure",
        "returned",
        "expired",
        "restricted",
        "void",
        "reversed",
    }
)


def exponent(currency: str) -> int:
    """The currency's decimals in API amounts (Stripe's zero- and three-decimal currencies included)."""
    return decimals(currency.lower())


def money(amount: Any, currency: Any) -> str:
    """``$12.34``, ``-€5.00``, ``1,200 JPY``; amounts in the currency's minor unit."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        return "—"
    cur = str(currency or "").lower()
    exp = exponent(cur)
    sign = "-" if amount < 0 else ""
    major = Decimal(abs(amount)).scaleb(-exp)
    number = f"{major:,.{exp}f}"
    symbol = SYMBOLS.get(cur)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {cur.upper()}".strip()


def balances(by_currency: Any) -> str:
    """A ``{"usd": 100}`` balance map as ``$1.00`` (several currencies comma-separated)."""
    if not isinstance(by_currency, dict) or not by_currency:
        return "—"
    return ", ".join(money(v, k) for k, v in sorted(by_currency.items()))


AMOUNT_TEXT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+")


def parse_major(raw: str, currency: str) -> int | None:
    """``"12.34"`` in ``currency`` -> 1234; None unless a positive amount with at most the
    currency's decimals, written with ASCII digits (``1,000.50`` groups by thousands; no
    exponents, and ``1,00`` is refused rather than guessed)."""
    text = raw.strip().lstrip("$€£")
    if not AMOUNT_TEXT.fullmatch(text):
        return None
    text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_MAJOR_AMOUNT:
        return None
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        return None
    return int(minor)


def timestamp(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return "—"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value))
    except (OverflowError, OSError, ValueError):
        return str(value)


def duration_s(seconds: int) -> str:
    """``93784`` -> ``1 d 2 h 3 min`` (whole minutes; seconds only below a minute)."""
    if seconds < 60:
        return f"{seconds} s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p)


def badge(status: Any) -> Markup:
    text = "—" if status is None else str(status)
    tone = "good" if text in GOOD else "bad" if text in BAD else "neutral"
    return el("span", {"class": f"badge {tone}"}, text)


def yes_no(value: Any, yes: str = "Approved", no: str = "Declined") -> Markup:
    if value is True:
        return el("span", {"class": "badge good"}, yes)
    if value is False:
        return el("span", {"class": "badge bad"}, no)
    return el("span", {"class": "badge neutral"}, "—")


def duration_ms(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
