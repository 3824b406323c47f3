"""What an account create/update keeps of ``settings`` and ``business_profile`` (beyond the terms
acceptances, which onboarding reads). ``business_profile``'s ``annual_revenue``,
``monthly_estimated_revenue`` and ``estimated_worker_count`` appear once provided ("" clears them).

:func:`changes` checks the parameters and works out the new values without touching the account,
so a refused request changes nothing; :func:`apply` then writes them.

The payout schedule follows Stripe's parameter rules: ``weekly_anchor`` is required with
``interval=weekly`` and ``monthly_anchor`` (1-31) with ``interval=monthly``; an anchor is shown
only with its interval; ``delay_days=minimum`` is the country's minimum (2 days here, as for US
accounts). The emulator makes no automatic payouts whatever the schedule says.

Balance settings (``/v1/balance_settings``, :mod:`emulator.resources.connect.balance_settings`) read
and write the same ``settings.payouts`` of the account, showing the schedule with day lists:
``weekly_payout_days`` <-> ``weekly_anchor`` and ``monthly_payout_days`` <-> ``monthly_anchor``, the
anchor being the list's first day (:func:`days_schedule`, :func:`anchored_schedule`).
"""

from __future__ import annotations

import re
from typing import Any

from emulator.core.store import Obj
from emulator.http.errors import StripeError

MINIMUM_DELAY_DAYS = 2
DEFAULT_SCHEDULE: Obj = {"delay_days": MINIMUM_DELAY_DAYS, "interval": "daily"}
SCHEDULE = "settings[payouts][schedule]"
ANCHOR_REQUIRED = "Missing required param: {param} (required when `interval` is `{interval}`)."
MONTHLY_ANCHOR_RANGE = "`monthly_anchor` must be a day of the month, from 1 to 31."
DELAY_RANGE = "`delay_days` must be `minimum` or a number of days from 2 to 365."
ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
# business_profile hashes shown only once provided (what Issuing platforms collect for card_issuing)
REVENUE_FIELDS = {
    "annual_revenue": ("amount", "currency", "fiscal_year_end"),
    "monthly_estimated_revenue": ("amount", "currency"),
}
# settings groups whose plain values are kept as given ("" clears one)
PLAIN_SETTINGS = {
    "payments": ("statement_descriptor", "statement_descriptor_kana", "statement_descriptor_kanji"),
    "branding": ("icon", "logo", "primary_color", "secondary_color"),
    "card_payments": (
        "statement_descriptor_prefix",
        "statement_descriptor_prefix_kana",
        "statement_descriptor_prefix_kanji",
    ),
    "dashboard": ("display_name", "timezone"),
}

Change = tuple[tuple[str, ...], Any]  # a path in the account and its new value
# interval -> (the account's anchor, balance settings' day list)
DAYS_OF = {"weekly": ("weekly_anchor", "weekly_payout_days"), "monthly": ("monthly_anchor", "monthly_payout_days")}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def days_schedule(schedule: Obj, kept: list[Any] | None) -> Obj:
    """The account's payout ``schedule`` as balance settings show it. ``kept``: the days last set
    through balance settings, shown while their first day is still the account's anchor (an account
    update to another anchor or interval makes the list that one anchor)."""
    interval = schedule["interval"]
    out: Obj = {"interval": interval}
    if interval in DAYS_OF:
        anchor_name, days_name = DAYS_OF[interval]
        anchor = schedule.get(anchor_name)
        out[days_name] = list(kept) if kept and kept[0] == anchor else [anchor]
    return out


def anchored_schedule(delay_days: int, interval: str, days: list[Any]) -> Obj:
    """The account's payout schedule for balance settings' ``interval`` and (sorted, checked) days."""
    schedule: Obj = {"delay_days": delay_days, "interval": interval}
    if interval in DAYS_OF:
        schedule[DAYS_OF[interval][0]] = days[0]
    return schedule


def _schedule(current: Obj, given: dict[str, Any]) -> Obj:
    interval = given.get("interval") or current.get("interval", "daily")
    delay = given.get("delay_days", current.get("delay_days", MINIMUM_DELAY_DAYS))
    if delay == "minimum":
        delay = MINIMUM_DELAY_DAYS
    if not isinstance(delay, int) or not MINIMUM_DELAY_DAYS <= delay <= 365:
        raise StripeError(DELAY_RANGE, param=f"{SCHEDULE}[delay_days]")
    schedule: Obj = {"delay_days": delay, "interval": interval}
    if interval == "weekly":
        anchor = given.get("weekly_anchor") or current.get("weekly_anchor")
        if not anchor:
            param = f"{SCHEDULE}[weekly_anchor]"
            raise StripeError(ANCHOR_REQUIRED.format(param=param, interval=interval), param=param)
        schedule["weekly_anchor"] = anchor
    elif interval == "monthly":
        anchor = given.get("monthly_anchor") or current.get("monthly_anchor")
        param = f"{SCHEDULE}[monthly_anchor]"
        if not anchor:
            raise StripeError(ANCHOR_REQUIRED.format(param=param, interval=interval), param=param)
        if not 1 <= anchor <= 31:
            raise StripeError(MONTHLY_ANCHOR_RANGE, param=param)
        schedule["monthly_anchor"] = anchor
    return schedule


def changes(schedule: Obj, params: dict[str, Any]) -> list[Change]:
    """The account's new ``settings``/``business_profile`` values asked for by ``params``, checked
    (``schedule``: the account's payout schedule now; :data:`DEFAULT_SCHEDULE` for a new one)."""
    out: list[Change] = []
    settings = params.get("settings") or {}
    payouts = settings.get("payouts") or {}
    if payouts:
        if "debit_negative_balances" in payouts:
            out.append((("settings", "payouts", "debit_negative_balances"), bool(payouts["debit_negative_balances"])))
        if "statement_descriptor" in payouts:
            out.append((("settings", "payouts", "statement_descriptor"), payouts["statement_descriptor"] or None))
        if payouts.get("schedule"):
            out.append((("settings", "payouts", "schedule"), _schedule(schedule, payouts["schedule"])))
    for group, names in PLAIN_SETTINGS.items():
        given = settings.get(group) or {}
        for name in names:
            if name in given and not isinstance(given[name], dict):
                out.append((("settings", group, name), given[name] or None))
    profile = params.get("business_profile") or {}
    address = profile.get("support_address")
    if isinstance(address, dict):
        out.append((("business_profile", "support_address"), {k: address.get(k) or None for k in ADDRESS_FIELDS}))
    elif address == "":
        out.append((("business_profile", "support_address"), None))
    for name, keys in REVENUE_FIELDS.items():
        given = profile.get(name)
        if isinstance(given, dict):
            out.append((("business_profile", name), {k: given.get(k) for k in keys}))
        elif given == "":
            out.append((("business_profile", name), None))
    if "estimated_worker_count" in profile:
        count = profile["estimated_worker_count"]
        out.append((("business_profile", "estimated_worker_count"), None if count == "" else count))
    return out


# what a statement descriptor may not contain, and its length (Stripe's rules for descriptors)
_NOT_IN_DESCRIPTOR = re.compile(r"[<>\\'\"*]")
DESCRIPTOR_MAX = 22
PREFIX_MAX = 10


def _descriptor_source(account: Obj) -> str:
    """The first of ``business_profile.name``, ``business_profile.url`` (its host), ``company.name``,
    the individual's first and last name (Stripe's changelog of 2023-10-16)."""
    profile = account.get("business_profile") or {}
    url = str(profile.get("url") or "")
    host = re.sub(r"^[a-z]+://", "", url, flags=re.IGNORECASE).split("/", 1)[0].removeprefix("www.")
    individual = account.get("individual") or {}
    person = " ".join(str(individual.get(k) or "") for k in ("first_name", "last_name")).strip()
    for candidate in (profile.get("name"), host, (account.get("company") or {}).get("name"), person):
        if candidate:
            return str(candidate)
    return ""


def fill_statement_descriptor(account: Obj) -> None:
    """Set an unset ``settings.payments.statement_descriptor`` (and ``card_payments``'
    ``statement_descriptor_prefix``) from the business's name, as Stripe's answers show it: upper
    case, at most 22 characters (the prefix: its first 10)."""
    settings = account.get("settings") or {}
    payments = settings.get("payments")
    if not isinstance(payments, dict) or payments.get("statement_descriptor"):
        return
    text = " ".join(_NOT_IN_DESCRIPTOR.sub("", _descriptor_source(account)).upper().split())[:DESCRIPTOR_MAX].strip()
    if len(text) < 5 or not any(c.isalpha() for c in text):  # Stripe's minimum: 5 characters, one letter
        return
    payments["statement_descriptor"] = text
    card_payments = settings.get("card_payments")
    if isinstance(card_payments, dict) and not card_payments.get("statement_descriptor_prefix"):
        card_payments["statement_descriptor_prefix"] = text[:PREFIX_MAX].strip()


def apply(account: Obj, checked: list[Change]) -> None:
    for path, value in checked:
        node = account
        for step in path[:-1]:
            node = node.setdefault(step, {})
        node[path[-1]] = value
