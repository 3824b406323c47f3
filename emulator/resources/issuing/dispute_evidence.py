"""Evidence of Issuing disputes: its shape per reason, updates, and what ``/submit`` requires.

``evidence.reason`` names the sub-hash that carries the evidence (``evidence[fraudulent][...]``);
each sub-hash is rendered with all its fields (``null`` when not given). Evidence is optional
until submission; ``/submit`` requires, per reason (an emulator rule modelled on Stripe's
"Dispute reasons and evidence" guide):

=============================  ==========================================================
reason                         required fields
=============================  ==========================================================
canceled                       explanation, canceled_at, cancellation_reason, product_type
duplicate                      explanation, and original_transaction or one document
                               (card_statement, cash_receipt, check_image)
fraudulent                     nothing (stripe-cli's ``issuing_dispute.submitted`` trigger submits
                               ``evidence[reason]=fraudulent`` alone)
merchandise_not_as_described   explanation, received_at, return_status
no_valid_authorization         explanation
not_received                   explanation, expected_at, product_description, product_type
other                          explanation, product_description, product_type
service_not_as_described       explanation, received_at
=============================  ==========================================================
"""

from __future__ import annotations

from typing import Any

from emulator.core.store import Obj
from emulator.http.errors import StripeError

FIELDS: dict[str, tuple[str, ...]] = {
    "canceled": (
        "additional_documentation",
        "canceled_at",
        "cancellation_policy_provided",
        "cancellation_reason",
        "expected_at",
        "explanation",
        "product_description",
        "product_type",
        "return_status",
        "returned_at",
    ),
    "duplicate": (
        "additional_documentation",
        "card_statement",
        "cash_receipt",
        "check_image",
        "explanation",
        "original_transaction",
    ),
    "fraudulent": ("additional_documentation", "explanation"),
    "merchandise_not_as_described": (
        "additional_documentation",
        "explanation",
        "received_at",
        "return_description",
        "return_status",
        "returned_at",
    ),
    "no_valid_authorization": ("additional_documentation", "explanation"),
    "not_received": ("additional_documentation", "expected_at", "explanation", "product_description", "product_type"),
    "other": ("additional_documentation", "explanation", "product_description", "product_type"),
    "service_not_as_described": (
        "additional_documentation",
        "canceled_at",
        "cancellation_reason",
        "explanation",
        "received_at",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "canceled": ("explanation", "canceled_at", "cancellation_reason", "product_type"),
    "duplicate": ("explanation",),
    "fraudulent": (),
    "merchandise_not_as_described": ("explanation", "received_at", "return_status"),
    "no_valid_authorization": ("explanation",),
    "not_received": ("explanation", "expected_at", "product_description", "product_type"),
    "other": ("explanation", "product_description", "product_type"),
    "service_not_as_described": ("explanation", "received_at"),
}
DUPLICATE_PROOF = ("original_transaction", "card_statement", "cash_receipt", "check_image")
DEFAULT_REASON = "other"

EVIDENCE_MISSING = (
    "Evidence is missing for a dispute of reason '{reason}': {field} is required before the dispute can be submitted."
)
DUPLICATE_PROOF_MISSING = (
    "Evidence is missing for a dispute of reason 'duplicate': provide evidence[duplicate][original_transaction] or "
    "one of evidence[duplicate][card_statement], evidence[duplicate][cash_receipt], evidence[duplicate][check_image]."
)
REASON_MISMATCH = (
    "The evidence you provided is for the reason '{given}', but evidence[reason] is '{reason}'. Provide the evidence "
    "under evidence[{reason}]."
)


def _blank(reason: str) -> Obj:
    return {name: None for name in FIELDS[reason]}


def _merge(current: Obj | None, given: dict[str, Any], reason: str) -> Obj:
    out = dict(current) if current else _blank(reason)
    for name, value in given.items():
        out[name] = None if value == "" else value
    return out


# Evidence fields that take the id of a file uploaded with purpose ``dispute_evidence``.
FILE_FIELDS = ("additional_documentation", "card_statement", "cash_receipt", "check_image")


def file_params(params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(file id, parameter name) for every evidence file the ``evidence`` params name."""
    found: list[tuple[str, str]] = []
    for reason, sub in (params or {}).items():
        if reason not in FIELDS or not isinstance(sub, dict):
            continue
        for name in FILE_FIELDS:
            value = sub.get(name)
            if isinstance(value, str) and value:
                found.append((value, f"evidence[{reason}][{name}]"))
    return found


def apply(current: Obj | None, params: dict[str, Any] | None) -> Obj:
    """The evidence after applying ``evidence`` params; a sub-hash set to ``""`` is removed."""
    out: Obj = dict(current) if current else {}
    params = params or {}
    given = [r for r in FIELDS if r in params]
    reason = params.get("reason") or out.get("reason")
    if not reason:
        reason = given[0] if len(given) == 1 else DEFAULT_REASON
    for name in given:
        value = params[name]
        if value is None or value == "":
            out.pop(name, None)
        else:
            out[name] = _merge(out.get(name), value, name)
    others = [r for r in given if r != reason and out.get(r)]
    if "reason" in params and others and reason not in out:
        raise StripeError(REASON_MISMATCH.format(given=others[0], reason=reason), param="evidence[reason]")
    if current and current.get("reason") not in (None, reason):
        # a new reason replaces the evidence of the old one (Stripe's recorded "update a dispute" answer)
        out = {name: value for name, value in out.items() if name not in FIELDS or name == reason}
    out["reason"] = reason
    if reason not in out:
        out[reason] = _blank(reason)
    return {k: out[k] for k in sorted(out, key=lambda k: (k == "reason", k))}


def explanation(evidence: Obj) -> str:
    reason = evidence.get("reason") or DEFAULT_REASON
    return str((evidence.get(reason) or {}).get("explanation") or "")


def check_submittable(evidence: Obj) -> None:
    """Raise the Stripe-shaped 400 naming the first required field that is missing."""
    reason = evidence.get("reason") or DEFAULT_REASON
    details = evidence.get(reason) or {}
    for name in REQUIRED[reason]:
        if details.get(name) in (None, ""):
            param = f"evidence[{reason}][{name}]"
            raise StripeError(
                EVIDENCE_MISSING.format(reason=reason, field=param), param=param, code="parameter_missing"
            )
    if reason == "duplicate" and not any(details.get(name) for name in DUPLICATE_PROOF):
        raise StripeError(
            DUPLICATE_PROOF_MISSING, param="evidence[duplicate][original_transaction]", code="parameter_missing"
        )
