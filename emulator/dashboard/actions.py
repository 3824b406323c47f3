"""The dashboard's actions, each an in-process request to the emulator's own ASGI app.

Actions go through exactly the code path of an SDK call (auth, ``Stripe-Account``, parameter
checks, handlers, events, webhooks, the request log and the ``--persist`` journal): the
dashboard only builds the request from the form and words the answer for a person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from emulator.core.store import Obj
from emulator.dashboard import data, fmt
from emulator.dashboard.forms import NETWORKS
from emulator.dashboard.layout import Flash
from emulator.dashboard.view import View
from emulator.http.control_plane import ascii_int
from emulator.resources.issuing.card_shipping import TRANSITIONS

USER_AGENT = "stripe-emulator-dashboard"
DELIVERY_KIND = "emulator.webhook_delivery"  # the ``object`` of a delivery record
MAX_TEXT = 200

INVALID_AMOUNT = "Invalid amount {value!r}: enter a positive amount in {currency}, like 12.34."
INVALID_CATEGORY = "Invalid merchant category {value!r}: pick one from the list."
INVALID_COUNTRY = "Invalid merchant country {value!r}: use a two-letter country code, like US."
INVALID_NETWORK = "Invalid network {value!r}: must be one of {choices}."
INVALID_STEP = "Invalid shipping step {value!r}: must be one of {choices}."
TEXT_TOO_LONG = "The {name} is too long: at most {max} characters."
WRONG_OBJECT = "The {action} action does not apply to {object_id} (a {kind})."
API_ERROR = "Stripe refused it (HTTP {status}{code}): {message}"
PURCHASE_APPROVED = "Authorization {id} approved for {amount} ({status})."
PURCHASE_DECLINED = "Authorization {id} declined: {reason}{message}."
CAPTURED = "Captured {id}: {captured} captured, now {status}."
REVERSED = "Reversed {id}: {amount} still authorized, now {status}."
EXPIRED = "Expired {id}: now {status}."
REFUNDED = "Refunded {id}{amount}. {balance}"
SHIPPED = "Shipping of {id} is now {status}."
FUNDED = "Received credit {id} of {amount} ({status}). {balance}"
BALANCE_CHANGE = "Financial account {fa} cash balance: {before} → {after}."
REPLAYED = "Replayed {id}: {result}."
INVALID_DURATION = "Invalid {name} {value!r}: enter a whole number, 0 or more."
NO_DURATION = "Enter how many days, hours or minutes to move time forward."
CLOCK_MOVED = "Time moved forward by {by}: it is now {now} for this platform."
CLOCK_PATH = "/_emulator/clock"
DURATION_FIELDS = (("days", 86400), ("hours", 3600), ("minutes", 60))
MAX_DURATION_DIGITS = 9
REPLAY_RESULT_OK = "HTTP {status} in {ms}"
REPLAY_RESULT_FAILED = "no success ({detail})"

# (status, body) of one in-process request for a platform: method, path, form params, account
Call = Callable[[View, str, str, Mapping[str, str], str | None], Awaitable[tuple[int, Any]]]


class ActionError(Exception):
    """A form value the dashboard refuses before calling the API (shown as the flash)."""


@dataclass(frozen=True)
class Outcome:
    flash: Flash
    show: str  # the id whose page to show next ("": the platform's own page)


def encode(params: Mapping[str, str]) -> bytes:
    return urlencode([(k, v) for k, v in params.items() if v != ""]).encode("ascii")


def _amount(raw: str, currency: str, *, optional: bool) -> str:
    text = raw.strip()
    if not text and optional:
        return ""
    minor = fmt.parse_major(text, currency)
    if minor is None:
        raise ActionError(INVALID_AMOUNT.format(value=text[:40], currency=currency.upper()))
    return str(minor)


def _text(raw: str, name: str) -> str:
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise ActionError(TEXT_TOO_LONG.format(name=name, max=MAX_TEXT))
    return text


def _api_error(status: int, body: Any) -> Flash:
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return Flash(False, API_ERROR.format(status=status, code="", message="no error message"))
    code = f", {err['code']}" if err.get("code") else ""
    return Flash(False, API_ERROR.format(status=status, code=code, message=err.get("message") or ""))


def _cash(view: View, fa_id: str | None) -> dict[str, int] | None:
    found = data.find(view.platform, fa_id) if fa_id else None
    if found is None:
        return None
    cash = (found[1].get("balance") or {}).get("cash")
    return dict(cash) if isinstance(cash, dict) else None


def _card_fa(view: View, card_id: Any) -> str | None:
    found = data.find(view.platform, card_id) if isinstance(card_id, str) else None
    fa = found[1].get("financial_account") if found else None
    return fa if isinstance(fa, str) else None


def _balance_text(view: View, fa_id: str | None, before: dict[str, int] | None) -> str:
    after = _cash(view, fa_id)
    if fa_id is None or before is None or after is None:
        return ""
    return BALANCE_CHANGE.format(fa=fa_id, before=fmt.balances(before), after=fmt.balances(after))


class Actions:
    """Runs one action for a platform; ``call`` sends the in-process request."""

    def __init__(self, call: Call) -> None:
        self.call = call

    async def run(self, view: View, action: str, form: Mapping[str, str], obj: Obj, account: str | None) -> Outcome:
        handler, kinds = self._table().get(action, (None, ()))
        if handler is None:
            raise LookupError(action)
        kind = str(obj.get("object") or "")
        if kinds and kind not in kinds:
            raise ActionError(WRONG_OBJECT.format(action=action, object_id=obj.get("id"), kind=kind))
        return await handler(view, form, obj, account)

    def _table(
        self,
    ) -> dict[str, tuple[Callable[[View, Mapping[str, str], Obj, str | None], Awaitable[Outcome]], tuple[str, ...]]]:
        return {
            "purchase": (self.purchase, ("issuing.card",)),
            "capture": (self.capture, ("issuing.authorization",)),
            "reverse": (self.reverse, ("issuing.authorization",)),
            "expire": (self.expire, ("issuing.authorization",)),
            "refund": (self.refund, ("issuing.transaction",)),
            "shipping": (self.shipping, ("issuing.card",)),
            "fund": (self.fund, ("treasury.financial_account",)),
            "replay": (self.replay, (DELIVERY_KIND,)),
            "clock": (self.clock, ("account",)),
        }

    async def _post(
        self, view: View, path: str, params: Mapping[str, str], account: str | None
    ) -> tuple[Obj | None, Flash | None]:
        status, body = await self.call(view, "POST", path, params, account)
        if status != 200 or not isinstance(body, dict):
            return None, _api_error(status, body)
        return body, None

    # --- issuing ------------------------------------------------------------------------------

    async def purchase(self, view: View, form: Mapping[str, str], card: Obj, account: str | None) -> Outcome:
        currency = str(card.get("currency") or "usd")
        category = form.get("category", "").strip()
        if category and category not in view.categories:
            raise ActionError(INVALID_CATEGORY.format(value=category[:60]))
        country = form.get("country", "").strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise ActionError(INVALID_COUNTRY.format(value=country[:20]))
        params = {
            "card": card["id"],
            "amount": _amount(form.get("amount", ""), currency, optional=False),
            "currency": currency,
            "merchant_data[category]": category,
            "merchant_data[country]": country,
            "merchant_data[name]": _text(form.get("merchant_name", ""), "merchant name"),
        }
        auth, error = await self._post(view, "/v1/test_helpers/issuing/authorizations", params, account)
        if auth is None:
            return Outcome(error or Flash(False, ""), card["id"])
        if auth.get("approved"):
            text = PURCHASE_APPROVED.format(
                id=auth["id"], amount=fmt.money(auth.get("amount"), auth.get("currency")), status=auth.get("status")
            )
            return Outcome(Flash(True, text), auth["id"])
        history = auth.get("request_history") or [{}]
        last = history[-1] if isinstance(history[-1], dict) else {}
        message = f" ({last['reason_message']})" if last.get("reason_message") else ""
        text = PURCHASE_DECLINED.format(id=auth["id"], reason=last.get("reason") or "unknown", message=message)
        return Outcome(Flash(False, text), auth["id"])

    def _auth_path(self, auth: Obj, verb: str) -> str:
        return f"/v1/test_helpers/issuing/authorizations/{auth['id']}/{verb}"

    async def capture(self, view: View, form: Mapping[str, str], auth: Obj, account: str | None) -> Outcome:
        currency = str(auth.get("currency") or "usd")
        params = {"capture_amount": _amount(form.get("amount", ""), currency, optional=True)}
        out, error = await self._post(view, self._auth_path(auth, "capture"), params, account)
        if out is None:
            return Outcome(error or Flash(False, ""), auth["id"])
        captured = -sum(
            int(t.get("amount") or 0)
            for _, t in data.referenced_by(view.platform, auth["id"], 100)
            if t.get("object") == "issuing.transaction" and t.get("type") == "capture"
        )
        text = CAPTURED.format(id=auth["id"], captured=fmt.money(captured, currency), status=out.get("status"))
        return Outcome(Flash(True, text), auth["id"])

    async def reverse(self, view: View, form: Mapping[str, str], auth: Obj, account: str | None) -> Outcome:
        currency = str(auth.get("currency") or "usd")
        params = {"reverse_amount": _amount(form.get("amount", ""), currency, optional=True)}
        out, error = await self._post(view, self._auth_path(auth, "reverse"), params, account)
        if out is None:
            return Outcome(error or Flash(False, ""), auth["id"])
        text = REVERSED.format(id=auth["id"], amount=fmt.money(out.get("amount"), currency), status=out.get("status"))
        return Outcome(Flash(True, text), auth["id"])

    async def expire(self, view: View, form: Mapping[str, str], auth: Obj, account: str | None) -> Outcome:
        out, error = await self._post(view, self._auth_path(auth, "expire"), {}, account)
        if out is None:
            return Outcome(error or Flash(False, ""), auth["id"])
        return Outcome(Flash(True, EXPIRED.format(id=auth["id"], status=out.get("status"))), auth["id"])

    async def refund(self, view: View, form: Mapping[str, str], txn: Obj, account: str | None) -> Outcome:
        currency = str(txn.get("currency") or "usd")
        amount = _amount(form.get("amount", ""), currency, optional=True)
        fa = _card_fa(view, txn.get("card"))
        before = _cash(view, fa)
        path = f"/v1/test_helpers/issuing/transactions/{txn['id']}/refund"
        out, error = await self._post(view, path, {"refund_amount": amount}, account)
        if out is None:
            return Outcome(error or Flash(False, ""), txn["id"])
        shown = f" by {fmt.money(int(amount), currency)}" if amount else " in full"
        text = REFUNDED.format(id=txn["id"], amount=shown, balance=_balance_text(view, fa, before)).strip()
        return Outcome(Flash(True, text), txn["id"])

    async def shipping(self, view: View, form: Mapping[str, str], card: Obj, account: str | None) -> Outcome:
        step = form.get("step", "").strip()
        if step not in TRANSITIONS:
            raise ActionError(INVALID_STEP.format(value=step[:40], choices=", ".join(TRANSITIONS)))
        path = f"/v1/test_helpers/issuing/cards/{card['id']}/shipping/{step}"
        out, error = await self._post(view, path, {}, account)
        if out is None:
            return Outcome(error or Flash(False, ""), card["id"])
        status = (out.get("shipping") or {}).get("status")
        return Outcome(Flash(True, SHIPPED.format(id=card["id"], status=status)), card["id"])

    # --- treasury -----------------------------------------------------------------------------

    async def fund(self, view: View, form: Mapping[str, str], fa: Obj, account: str | None) -> Outcome:
        currency = str((fa.get("supported_currencies") or ["usd"])[0])
        network = form.get("network", NETWORKS[0]).strip()
        if network not in NETWORKS:
            raise ActionError(INVALID_NETWORK.format(value=network[:40], choices=", ".join(NETWORKS)))
        params = {
            "financial_account": fa["id"],
            "amount": _amount(form.get("amount", ""), currency, optional=False),
            "currency": currency,
            "network": network,
            "description": _text(form.get("description", ""), "description"),
        }
        before = _cash(view, fa["id"])
        out, error = await self._post(view, "/v1/test_helpers/treasury/received_credits", params, account)
        if out is None:
            return Outcome(error or Flash(False, ""), fa["id"])
        text = FUNDED.format(
            id=out.get("id"),
            amount=fmt.money(out.get("amount"), out.get("currency")),
            status=out.get("status"),
            balance=_balance_text(view, fa["id"], before),
        )
        return Outcome(Flash(out.get("status") == "succeeded", text.strip()), fa["id"])

    # --- time -----------------------------------------------------------------------------------

    async def clock(self, view: View, form: Mapping[str, str], account_obj: Obj, account: str | None) -> Outcome:
        """Move the platform's time forward; the outcome shows the platform's page (``show`` empty)."""
        seconds = 0
        for name, unit in DURATION_FIELDS:
            raw = form.get(name, "").strip()
            if not raw:
                continue
            value = ascii_int(raw) if raw.isdigit() and len(raw) <= MAX_DURATION_DIGITS else None  # not "²"
            if value is None:
                raise ActionError(INVALID_DURATION.format(name=name, value=raw[:20]))
            seconds += value * unit
        if seconds <= 0:
            raise ActionError(NO_DURATION)
        status, body = await self.call(view, "POST", CLOCK_PATH, {"advance": str(seconds)}, None)
        if status != 200 or not isinstance(body, dict):
            return Outcome(_api_error(status, body), "")
        text = CLOCK_MOVED.format(by=fmt.duration_s(seconds), now=fmt.timestamp(body.get("now")))
        return Outcome(Flash(True, text), "")

    # --- webhooks -------------------------------------------------------------------------------

    async def replay(self, view: View, form: Mapping[str, str], delivery: Obj, account: str | None) -> Outcome:
        path = f"/_emulator/webhooks/deliveries/{delivery['id']}/replay"
        status, body = await self.call(view, "POST", path, {}, None)
        if status != 200 or not isinstance(body, dict):
            return Outcome(_api_error(status, body), delivery["id"])
        attempts = body.get("attempts") or [{}]
        last = attempts[-1] if isinstance(attempts[-1], dict) else {}
        if last.get("status_code") is not None and 200 <= int(last["status_code"]) < 300:
            result = REPLAY_RESULT_OK.format(status=last["status_code"], ms=fmt.duration_ms(last.get("duration_ms")))
            ok = True
        else:
            detail = last.get("error") or (
                f"HTTP {last.get('status_code')}" if last.get("status_code") else "no answer"
            )
            result = REPLAY_RESULT_FAILED.format(detail=detail)
            ok = False
        return Outcome(Flash(ok, REPLAYED.format(id=delivery["id"], result=result)), delivery["id"])


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
