"""What stripe-python declares on its resource classes, and what a response lacks of it."""

from __future__ import annotations

import importlib
import re
import types
import typing
from collections.abc import Iterator
from typing import Any, Union

from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import StripeObject

Obj = dict[str, Any]


# Fields Stripe omits in some or all responses (``?:`` in stripe-node 23.1's types): dotted paths
# inside the object, ``*`` for any key of a hash. Everything else the SDK declares must be there.
MAY_BE_ABSENT: dict[str, frozenset[str]] = {
    "issuing.token": frozenset(
        {
            "network_data",  # only with expand[]=network_data, and only while fresh
            # what the network did not report (stripe-node: optional, not nullable)
            "network_data.device.device_fingerprint",
            "network_data.device.ip_address",
            "network_data.device.location",
            "network_data.device.name",
            "network_data.device.phone_number",
            "network_data.device.type",
            "network_data.mastercard",
            "network_data.visa.token_risk_score",
            "network_data.wallet_provider",
        }
    ),
    "account": frozenset(
        {
            "business_profile.annual_revenue",  # only once provided
            "business_profile.estimated_worker_count",
            "business_profile.monthly_estimated_revenue",
            "capabilities.*",  # only requested capabilities are listed
            "company",  # only for business_type company
            "individual",  # only for business_type individual
            "controller.fees",  # only for application-controlled accounts
            "controller.is_controller",
            "controller.losses",
            "controller.requirement_collection",
            "controller.stripe_dashboard",
            "deleted",
            "groups",
            "settings.invoices",
            "settings.paypay_payments",
            "settings.card_issuing.tos_acceptance.user_agent",
            "settings.treasury.tos_acceptance.user_agent",
            "settings.payouts.schedule.monthly_anchor",  # only for the interval that uses them
            "settings.payouts.schedule.monthly_payout_days",
            "settings.payouts.schedule.weekly_anchor",
            "settings.payouts.schedule.weekly_payout_days",
            "settings.sepa_debit_payments.creditor_id",
            "tos_acceptance.service_agreement",
        }
    ),
    "event": frozenset({"account", "context", "data.previous_attributes"}),
    "webhook_endpoint": frozenset({"deleted", "secret"}),  # the secret only in the create response
    "issuing.card": frozenset({"number", "cvc"}),  # only with expand[]
    "issuing.dispute": frozenset(
        {
            "balance_transactions",
            "loss_reason",  # only once lost
            # the evidence hash of the dispute's own reason only
            "evidence.canceled",
            "evidence.duplicate",
            "evidence.fraudulent",
            "evidence.merchandise_not_as_described",
            "evidence.no_valid_authorization",
            "evidence.not_received",
            "evidence.other",
            "evidence.service_not_as_described",
        }
    ),
    "issuing.transaction": frozenset({"purchase_details"}),  # only with expand[]
    "treasury.financial_account": frozenset(
        {"features", "financial_addresses.aba.account_number"}  # only with expand[]
    ),
    # features only when requested; a feature's status detail names a platform restriction only when
    # one restricts it (stripe-node: ``restriction?:``; Stripe's features guide shows details without it)
    "treasury.financial_account_features": frozenset(
        {
            "card_issuing",
            "deposit_insurance",
            "financial_addresses",
            "inbound_transfers",
            "intra_stripe_flows",
            "outbound_payments",
            "outbound_transfers",
            *(
                f"{feature}.status_details.restriction"
                for feature in (
                    "card_issuing",
                    "deposit_insurance",
                    "financial_addresses.aba",
                    "inbound_transfers.ach",
                    "intra_stripe_flows",
                    "outbound_payments.ach",
                    "outbound_payments.us_domestic_wire",
                    "outbound_transfers.ach",
                    "outbound_transfers.us_domestic_wire",
                )
            ),
        }
    ),
    "treasury.transaction": frozenset({"entries", "flow_details"}),  # only with expand[]
    "treasury.transaction_entry": frozenset({"flow_details"}),
    # the details of the payment method's own type only
    "treasury.received_credit": frozenset(
        {
            "initiating_payment_method_details.balance",
            "initiating_payment_method_details.financial_account",
            "initiating_payment_method_details.issuing_card",
            "initiating_payment_method_details.us_bank_account",
        }
    ),
    "treasury.received_debit": frozenset(
        {
            "initiating_payment_method_details.balance",
            "initiating_payment_method_details.financial_account",
            "initiating_payment_method_details.issuing_card",
            "initiating_payment_method_details.us_bank_account",
        }
    ),
}


def sdk_class(object_type: str) -> type | None:
    entry = OBJECT_CLASSES.get(object_type)
    if entry is None:
        return None
    cls: type = getattr(importlib.import_module(entry[0]), entry[1])
    return cls


def declared(cls: type) -> dict[str, Any]:
    """The fields a resource (or nested object) class annotates itself, without class constants."""
    annotations: dict[str, Any] = cls.__dict__.get("__annotations__", {})
    return {k: v for k, v in annotations.items() if typing.get_origin(v) is not typing.ClassVar}


def _union(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return list(typing.get_args(tp))
    return [tp]


def optional(tp: Any) -> bool:
    return type(None) in _union(tp)


def _nested(tp: Any) -> type | None:
    if isinstance(tp, type) and issubclass(tp, StripeObject) and not hasattr(tp, "OBJECT_NAME"):
        return tp
    return None


def nested_of(tp: Any) -> tuple[type | None, bool]:
    """The nested StripeObject class of a field, and whether the field is a list of them."""
    for member in _union(tp):
        found = _nested(member)
        if found is not None:
            return found, False
        if typing.get_origin(member) in (list, typing.List):  # noqa: UP006
            item = _nested(typing.get_args(member)[0])
            if item is not None:
                return item, True
    return None, False


def _absent_ok(object_type: str, path: str) -> bool:
    allowed = MAY_BE_ABSENT.get(object_type, frozenset())
    generic = re.sub(r"\[\d+\]", "", path)
    if generic in allowed:
        return True
    parts = generic.split(".")
    return any(".".join([*parts[:i], "*"]) in allowed for i in range(len(parts)))


def problems(obj: Obj, object_type: str, cls: type, path: str = "") -> list[str]:
    """What ``obj`` lacks or gets wrong of the fields ``cls`` declares."""
    out: list[str] = []
    for name, tp in declared(cls).items():
        where = f"{path}.{name}" if path else name
        if name not in obj:
            if not _absent_ok(object_type, where):
                out.append(f"{object_type}.{where}: missing")
            continue
        value = obj[name]
        if value is None:
            if not optional(tp):
                out.append(f"{object_type}.{where}: null, but the SDK type is not Optional ({tp})")
            continue
        sub, is_list = nested_of(tp)
        if sub is None:
            continue
        if is_list:
            if not isinstance(value, list):
                out.append(f"{object_type}.{where}: not a list")
                continue
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out.extend(problems(item, object_type, sub, f"{where}[{i}]"))
                else:
                    out.append(f"{object_type}.{where}[{i}]: not a hash")
        elif isinstance(value, dict):
            out.extend(problems(value, object_type, sub, where))
        else:
            out.append(f"{object_type}.{where}: not a hash ({type(value).__name__})")
    return out


def embedded(node: Any) -> Iterator[Obj]:
    """Every Stripe object inside a response (itself, list items, expansions, event data)."""
    if isinstance(node, list):
        for item in node:
            yield from embedded(item)
    elif isinstance(node, dict):
        if isinstance(node.get("object"), str) and node["object"] in OBJECT_CLASSES and "id" in node:
            yield node
        elif node.get("object") == "treasury.financial_account_features":
            yield node
        for value in node.values():
            yield from embedded(value)


def check(obj: Obj) -> list[str]:
    object_type = obj["object"]
    if obj.get("deleted") is True:
        return [] if {"id", "object", "deleted"} <= set(obj) else [f"{object_type}: deleted reply lacks id/deleted"]
    cls = sdk_class(object_type)
    return [] if cls is None else problems(obj, object_type, cls)
