"""What the emulator shows differently by API version, in one place.

Objects are stored in one shape; a resource's renderer shows them in the request's version with
these constants. Events are rendered once, in the account's default version; a webhook endpoint
pinned to another version (``api_version``) gets its copy adapted by :func:`adapt`, as Stripe
renders each endpoint's copy in its version. Each change: the first version that shows it.
"""

from __future__ import annotations

from typing import Any

# the version of the shape objects are stored in: renderers adapt from it (:func:`adapt`)
STORED = "2023-08-16"
# parameters Stripe still takes but no longer documents ("<method> <template>" -> names;
# spec/overlay-old-versions.json): the ``requested_capabilities`` list, which the ``capabilities``
# hash replaced in 2020-08-27, and ``bank_account`` on account update (recorded answers of
# 2023-10-16 honour both); tools that send every documented parameter leave them out
OLDER_PARAMETERS: dict[str, frozenset[str]] = {
    "post /v1/accounts": frozenset({"requested_capabilities"}),
    "post /v1/accounts/{account}": frozenset({"requested_capabilities", "bank_account"}),
}
# account ``settings.payments.statement_descriptor`` (and the card payments prefix) filled in from the
# business's name when unset (Stripe's changelog of 2023-10-16; before: left empty)
STATEMENT_DESCRIPTOR_DEFAULT = "2023-10-16"
# account and capability ``requirements``: a role's fields while no person has it, under the role's
# name (``representative.first_name``, ``owners.email``; before: ``relationship.representative``,
# ``relationship.owner``)
PERSON_REQUIREMENTS = "2020-08-27"
ROLE_REQUIREMENTS = {"representative.": "relationship.representative", "owners.": "relationship.owner"}
# issuing.transaction ``purchase_details.fuel``: ``quantity_decimal`` and ``industry_product_code``
# (before: ``volume_decimal``; the test helpers' ``purchase_details[fuel][volume_decimal]`` too)
FUEL_QUANTITY = "2024-06-20"
# issuing.authorization ``request_history[].reason``: ``card_canceled``, ``card_expired`` and
# ``cardholder_blocked`` (Stripe's changelog of 2024-06-20 added them; before, the broader reasons
# the 2023-08-16 spec lists, the emulator's choice of which: docs/issuing.md)
REQUEST_REASONS = "2024-06-20"
OLDER_REASONS = {
    "card_canceled": "card_inactive",
    "card_expired": "card_inactive",
    "cardholder_blocked": "cardholder_inactive",
}
# issuing.card ``shipping.status``: ``submitted`` (acacia added it; before: ``pending``)
SHIPPING_SUBMITTED = "2024-09-30"
# issuing.authorization ``status``: ``expired`` (before: ``reversed``)
AUTHORIZATION_EXPIRED = "2025-03-31"
# issuing.settlement amounts renamed ``*_amount`` and ``status`` added (before: the 2023 names)
SETTLEMENT_AMOUNTS = "2025-03-31"
SETTLEMENT_RENAMED = {
    "interchange_fees": "interchange_fees_amount",
    "net_total": "net_total_amount",
    "network_fees": "network_fees_amount",
    "transaction_volume": "transaction_amount",
}
# test-helper authorizations' ``risk_assessment[card_testing_risk|merchant_dispute_risk][level]``
# (before: ``[risk_level]``, from 2025-09-30.clover when the hashes came)
RISK_LEVEL = "2026-03-25"
RISK_LEVEL_HASHES = ("card_testing_risk", "merchant_dispute_risk")
# the real-time authorization request's ``Accept: application/json`` (changelog "issuing-json-webhook";
# before: the generic Accept of every delivery)
REALTIME_JSON_ACCEPT = "2025-03-31"
# event ``context`` (a connected account's events carry it besides ``account``)
EVENT_CONTEXT = "2025-04-30"
# account (and its capabilities') ``requirements.disabled_reason`` of a platform's rejection (before: ``rejected.*``)
PLATFORM_REJECTIONS = "2026-09-30"
PLATFORM_REJECTED = {
    "rejected.fraud": "rejected.platform_fraud",
    "rejected.terms_of_service": "rejected.platform_terms_of_service",
    "rejected.other": "rejected.platform_other",
}
# a capability's ``requirements.disabled_reason`` is one of a closed list of ten from 2024-06-20
# ("adds-enum-disabled-reasons-capabilities"): a rejection other than these shows as ``rejected.other``
CAPABILITY_REASONS = "2024-06-20"
CAPABILITY_REJECTIONS = frozenset({"rejected.inactivity", "rejected.other", "rejected.unsupported_business"})


def since(version: str, change: str) -> bool:
    """Whether ``version`` (``2026-10-28.endive``) shows ``change``."""
    return version[:10] >= change


def fuel_as_shown(fuel: dict[str, Any], version: str) -> dict[str, Any]:
    """A transaction's stored ``purchase_details.fuel`` as ``version`` shows it."""
    if since(version, FUEL_QUANTITY):
        return fuel
    kept = {k: v for k, v in fuel.items() if k not in ("quantity_decimal", "industry_product_code")}
    return {**kept, "volume_decimal": fuel.get("quantity_decimal")}


def _older_requirement(name: str) -> str:
    for prefix, older in ROLE_REQUIREMENTS.items():
        if name.startswith(prefix):
            return older
    return name


def _older_requirements(requirements: Any) -> Any:
    """``requirements`` (an account's or a capability's) with each role's fields folded into the
    one ``relationship.*`` entry versions before :data:`PERSON_REQUIREMENTS` show."""
    if not isinstance(requirements, dict):
        return requirements
    out = dict(requirements)
    for key, value in requirements.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = list(dict.fromkeys(_older_requirement(v) for v in value))
        elif key == "errors" and isinstance(value, list):
            out[key] = [
                {**e, "requirement": _older_requirement(e["requirement"])}
                if isinstance(e, dict) and "requirement" in e
                else e
                for e in value
            ]
    return out


def _with_older_requirements(data: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {
        k: _older_requirements(data[k]) for k in ("requirements", "future_requirements") if k in data
    }
    return {**data, **changed} if changed else data


def request_history_as_shown(history: Any, version: str) -> Any:
    """An authorization's stored ``request_history`` as ``version`` shows it (:data:`OLDER_REASONS`)."""
    if since(version, REQUEST_REASONS) or not isinstance(history, list):
        return history
    if not any(isinstance(r, dict) and r.get("reason") in OLDER_REASONS for r in history):
        return history
    return [
        {**r, "reason": OLDER_REASONS[r["reason"]]} if isinstance(r, dict) and r.get("reason") in OLDER_REASONS else r
        for r in history
    ]


def shipping_as_shown(shipping: Any, version: str) -> Any:
    """A card's stored ``shipping`` as ``version`` shows it (``submitted`` is ``pending`` before acacia)."""
    if isinstance(shipping, dict) and shipping.get("status") == "submitted" and not since(version, SHIPPING_SUBMITTED):
        return {**shipping, "status": "pending"}
    return shipping


def adapt(data: dict[str, Any], object_type: str, source: str, target: str) -> dict[str, Any]:
    """``data`` (an event's ``data.object`` or ``previous_attributes``, of ``object_type``) rendered
    in ``source`` as ``target`` shows it. A copy when anything changes; what cannot be told apart
    stays (a ``reversed`` authorization of an older version is not known to have expired)."""
    if object_type == "issuing.authorization":
        if data.get("status") == "expired" and not since(target, AUTHORIZATION_EXPIRED):
            data = {**data, "status": "reversed"}
        if "request_history" in data:
            history = request_history_as_shown(data["request_history"], target)
            if history is not data["request_history"]:
                data = {**data, "request_history": history}
        return data
    if object_type == "issuing.card" and "shipping" in data:
        shipping = shipping_as_shown(data["shipping"], target)
        return data if shipping is data["shipping"] else {**data, "shipping": shipping}
    if object_type == "issuing.settlement":
        newer, older = since(source, SETTLEMENT_AMOUNTS), since(target, SETTLEMENT_AMOUNTS)
        if newer and not older:
            back = {new: old for old, new in SETTLEMENT_RENAMED.items()}
            return {back.get(k, k): v for k, v in data.items() if k != "status"}
        if older and not newer:
            out = {SETTLEMENT_RENAMED.get(k, k): v for k, v in data.items()}
            return {**out, "status": "complete"} if "id" in data else out
    if object_type in ("account", "capability"):
        if since(source, PERSON_REQUIREMENTS) and not since(target, PERSON_REQUIREMENTS):
            data = _with_older_requirements(data)
    if object_type == "capability":
        return _capability_as_shown(data, target)
    if object_type == "account":
        reason = (data.get("requirements") or {}).get("disabled_reason")
        newer, older = since(source, PLATFORM_REJECTIONS), since(target, PLATFORM_REJECTIONS)
        table = {new: old for old, new in PLATFORM_REJECTED.items()} if newer and not older else {}
        if older and not newer:
            table = PLATFORM_REJECTED
        if reason in table:
            return {**data, "requirements": {**data["requirements"], "disabled_reason": table[reason]}}
    return data


def _capability_as_shown(data: dict[str, Any], target: str) -> dict[str, Any]:
    """A rejected account's capability: its account's reason (``rejected.fraud``, …) before
    2024-06-20, then ``rejected.other`` unless it is one of the capability's own rejections."""
    reason = (data.get("requirements") or {}).get("disabled_reason")
    if not isinstance(reason, str) or not reason.startswith("rejected."):
        return data
    if since(target, CAPABILITY_REASONS):
        shown = reason if reason in CAPABILITY_REJECTIONS else "rejected.other"
    else:
        shown = {new: old for old, new in PLATFORM_REJECTED.items()}.get(reason, reason)
    if shown == reason:
        return data
    return {**data, "requirements": {**data["requirements"], "disabled_reason": shown}}


def event_as_shown(event: dict[str, Any], target: str) -> dict[str, Any]:
    """An event's envelope (not its ``data``) as ``target`` shows it."""
    if "context" in event and not since(target, EVENT_CONTEXT):
        return {k: v for k, v in event.items() if k != "context"}
    if "context" not in event and event.get("account") and since(target, EVENT_CONTEXT):
        return {**event, "context": event["account"]}
    return event
