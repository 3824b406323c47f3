"""Balance settings (``GET``/``POST /v1/balance_settings``): one per account, the platform's own
without ``Stripe-Account``, the connected account's with it.

They are a second view of the account's ``settings.payouts`` (no copy): ``payments.payouts.schedule``
is ``settings.payouts.schedule`` with day lists (``weekly_payout_days[0]`` is ``weekly_anchor``,
``monthly_payout_days[0]`` is ``monthly_anchor``; see :mod:`.account_settings`),
``payments.payouts.statement_descriptor`` and ``payments.debit_negative_balances`` are the account's
``settings.payouts`` fields, ``payments.settlement_timing.delay_days`` is the schedule's
``delay_days`` (``delay_days_override`` is shown while it differs from the minimum, 2), and
``payments.payouts.status`` is ``enabled`` while the account's ``payouts_enabled`` is true. What the
account has no field for (``minimum_balance_by_currency``, ``automatic_transfer_rules_by_currency``,
``start_of_day``, days beyond the first) is kept in the account's book (``scope.meta``).

Rules: the day list of the resulting interval is required (kept when the interval stays), and a day
list is refused with another interval; monthly days are 1-31 (weekly days monday-friday are checked
against the spec's enum); lists are kept sorted without repeats. ``delay_days_override`` is 2-31
(``""`` goes back to the minimum). An update that changes something emits ``balance_settings.updated``,
and ``account.updated`` too when the account's ``settings.payouts`` changed (a connected account's
only, as ``POST /v1/accounts/{id}`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.params import Compiler
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.connect import account_settings, accounts
from emulator.resources.connect.account_settings import ANCHOR_REQUIRED, DAYS_OF, MINIMUM_DELAY_DAYS, WEEKDAYS
from emulator.resources.resource import Resource

OBJECT = "balance_settings"
URL = "/v1/balance_settings"
BOOK = "balance_settings"  # the account's book entry (scope.meta) for what the account object lacks
MAX_DELAY_OVERRIDE = 31
SCHEDULE = "payments[payouts][schedule]"
NOT_FOR_INTERVAL = "`{name}` can only be set when `interval` is `{interval}`."
MONTHLY_DAYS_RANGE = "`monthly_payout_days` must be days of the month, from 1 to 31."
DELAY_OVERRIDE_RANGE = "`delay_days_override` must be a number of days from 2 to 31."
NEGATIVE_MINIMUM = "A minimum balance must be an amount of 0 or more (in the currency's smallest unit)."
UP_TO_REQUIRED = "Missing required param: {param} (required when `type` is `transfer_up_to_amount`)."
UP_TO_ONLY = "`transfer_up_to_amount` can only be set when `type` is `transfer_up_to_amount`."
UP_TO_POSITIVE = "`transfer_up_to_amount` must be a positive amount."
START_HOUR_RANGE = "`hour` must be an hour of the day, from 0 to 23."
START_MINUTES = "`minutes` must be 0 or 30."
# the values of the per-currency maps (the overlay leaves them open so the currency is checked first),
# coerced by the parameter checker's own coercers: the same texts as any other parameter
_RULE = {
    "type": "object",
    "properties": {
        "payout_method": {"type": "string", "maxLength": 5000},
        "transfer_up_to_amount": {"type": "integer"},
        "type": {"type": "string", "enum": ["transfer_all", "transfer_up_to_amount"], "maxLength": 5000},
    },
    "required": ["payout_method", "type"],
}
_AMOUNT = Compiler({}).compile({"type": "integer"})
_RULES = Compiler({}).compile({"type": "array", "items": _RULE})


def _book(ctx: Ctx, account: Obj) -> dict[str, Any]:
    meta = ctx.platform.scope(account["id"]).meta_of(account["id"])
    book: dict[str, Any] = meta.setdefault(BOOK, {})
    return book


def view(ctx: Ctx, account: Obj) -> Obj:
    """The account's balance settings (a new dict, built from the account and its book)."""
    book = _book(ctx, account)
    payouts = account["settings"]["payouts"]
    delay = payouts["schedule"]["delay_days"]
    timing: Obj = {"delay_days": delay}
    if delay != MINIMUM_DELAY_DAYS:
        timing["delay_days_override"] = delay
    timing["start_of_day"] = book.get("start_of_day")
    shown: Obj = {}
    # ``{}``, not null, while unset: stripe-node types the field as always present, and stripe-python 16
    # fails to read a null there
    shown["automatic_transfer_rules_by_currency"] = book.get("automatic_transfer_rules_by_currency") or {}
    shown["minimum_balance_by_currency"] = book.get("minimum_balance_by_currency")
    shown["schedule"] = account_settings.days_schedule(payouts["schedule"], book.get("payout_days"))
    shown["statement_descriptor"] = payouts["statement_descriptor"]
    shown["status"] = "enabled" if account["payouts_enabled"] else "disabled"
    return {
        "object": OBJECT,
        "payments": {
            "debit_negative_balances": payouts["debit_negative_balances"],
            "payouts": shown,
            "settlement_timing": timing,
        },
    }


# --- checking an update -------------------------------------------------------------------------------


def _days(interval: str, given: dict[str, Any], shown: Obj) -> list[Any]:
    """The checked, sorted day list for ``interval`` (``shown``: the schedule as shown now)."""
    for other, (_, name) in DAYS_OF.items():
        if given.get(name) and other != interval:
            param = f"{SCHEDULE}[{name}]"
            raise StripeError(NOT_FOR_INTERVAL.format(name=name, interval=other), param=param)
    if interval not in DAYS_OF:
        return []
    name = DAYS_OF[interval][1]
    param = f"{SCHEDULE}[{name}]"
    days = given.get(name) or shown.get(name)
    if not days:
        raise StripeError(ANCHOR_REQUIRED.format(param=param, interval=interval), param=param)
    if interval == "monthly":
        if not all(1 <= day <= 31 for day in days):
            raise StripeError(MONTHLY_DAYS_RANGE, param=param)
        return sorted(set(days))
    return sorted(set(days), key=WEEKDAYS.index)


def _delay(current: int, timing: dict[str, Any]) -> int:
    if "delay_days_override" not in timing:
        return current
    override = timing["delay_days_override"]
    if override is None:  # "" goes back to the minimum
        return MINIMUM_DELAY_DAYS
    if not MINIMUM_DELAY_DAYS <= override <= MAX_DELAY_OVERRIDE:
        raise StripeError(DELAY_OVERRIDE_RANGE, param="payments[settlement_timing][delay_days_override]")
    return int(override)


def _per_currency(
    current: dict[str, Any] | None, given: dict[str, Any] | None, name: str, check: Callable[[Any, str], Any]
) -> dict[str, Any] | None:
    """A per-currency map after an update: ``""`` clears it all, a currency's ``""`` removes that
    currency, any other value is ``check(value, param)``-ed."""
    if given is None:
        return None
    out = dict(current or {})
    for key, value in given.items():
        param = f"payments[payouts][{name}][{key}]"
        cur = common.currency(key, param)
        if value is None:
            out.pop(cur, None)
        else:
            out[cur] = check(value, param)
    return out or None


def _minimum(amount: Any, param: str) -> int:
    value: int = _AMOUNT(amount, param)
    if value < 0:
        raise StripeError(NEGATIVE_MINIMUM, param=param)
    return value


def _rules_of(ctx: Ctx) -> Callable[[Any, str], list[Obj]]:
    def check(rules: Any, param: str) -> list[Obj]:
        checked = []
        for i, rule in enumerate(_RULES(rules, param)):
            at = f"{param}[{i}]"
            common.get(ctx, "treasury.financial_account", rule["payout_method"], f"{at}[payout_method]")
            up_to = rule.get("transfer_up_to_amount")
            if rule["type"] == "transfer_up_to_amount" and up_to is None:
                raise errors.missing(f"{at}[transfer_up_to_amount]")
            if rule["type"] == "transfer_up_to_amount" and up_to <= 0:
                raise StripeError(UP_TO_POSITIVE, param=f"{at}[transfer_up_to_amount]")
            if rule["type"] != "transfer_up_to_amount" and up_to is not None:
                raise StripeError(UP_TO_ONLY, param=f"{at}[transfer_up_to_amount]")
            checked.append(
                {"payout_method": rule["payout_method"], "transfer_up_to_amount": up_to, "type": rule["type"]}
            )
        return checked

    return check


def _start_of_day(current: Obj | None, given: dict[str, Any] | None) -> Obj | None:
    if given is None:  # "" removes it
        return None
    start = {**(current or {}), **given}
    param = "payments[settlement_timing][start_of_day]"
    for name in ("hour", "minutes", "timezone"):
        if start.get(name) is None:
            raise errors.missing(f"{param}[{name}]")
    if not 0 <= start["hour"] <= 23:
        raise StripeError(START_HOUR_RANGE, param=f"{param}[hour]")
    if start["minutes"] not in (0, 30):
        raise StripeError(START_MINUTES, param=f"{param}[minutes]")
    return {"hour": start["hour"], "minutes": start["minutes"], "timezone": start["timezone"]}


# --- handlers ---------------------------------------------------------------------------------------------


def retrieve(ctx: Ctx) -> Obj:
    return view(ctx, accounts.retrieve_self(ctx))


def update(ctx: Ctx) -> Obj:
    account = accounts.retrieve_self(ctx)
    if accounts.is_rejected(ctx.platform, account["id"]):
        raise StripeError(accounts.ACCOUNT_REJECTED)
    payments = ctx.params.get("payments") or {}
    given = payments.get("payouts") or {}
    timing = payments.get("settlement_timing") or {}
    before = view(ctx, account)
    book = _book(ctx, account)
    settings = account["settings"]["payouts"]
    # everything is checked before anything changes
    changes: list[account_settings.Change] = []
    book_changes: dict[str, Any] = {}
    schedule = dict(settings["schedule"])
    if "schedule" in given:
        shown = before["payments"]["payouts"]["schedule"]
        interval = given["schedule"].get("interval") or shown["interval"]
        days = _days(interval, given["schedule"], shown)
        schedule = account_settings.anchored_schedule(schedule["delay_days"], interval, days)
        book_changes["payout_days"] = days or None
    schedule["delay_days"] = _delay(schedule["delay_days"], timing)
    if schedule != settings["schedule"]:
        changes.append((("settings", "payouts", "schedule"), schedule))
    if "statement_descriptor" in given:
        changes.append((("settings", "payouts", "statement_descriptor"), given["statement_descriptor"] or None))
    if "debit_negative_balances" in payments:
        changes.append((("settings", "payouts", "debit_negative_balances"), bool(payments["debit_negative_balances"])))
    for name, check in (
        ("minimum_balance_by_currency", _minimum),
        ("automatic_transfer_rules_by_currency", _rules_of(ctx)),
    ):
        if name in given:
            book_changes[name] = _per_currency(book.get(name), given[name], name, check)
    if "start_of_day" in timing:
        book_changes["start_of_day"] = _start_of_day(book.get("start_of_day"), timing["start_of_day"])
    account_before = ctx.snapshot(account)
    account_settings.apply(account, changes)
    book.update(book_changes)
    after = view(ctx, account)
    if after != before:
        ctx.emit("balance_settings.updated", after, before)
    if ctx.scope.is_connected and ctx.snapshot(account) != account_before:
        ctx.emit("account.updated", account, account_before)
    return after


ROUTES: list[Route] = [
    route("GET", URL, retrieve),
    route("POST", URL, update),
]

RESOURCE = Resource(OBJECT, title="Balance settings", routes=ROUTES, events=("balance_settings.updated",))
