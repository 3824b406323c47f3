"""OutboundPayments (``/v1/treasury/outbound_payments``): money to a third party's bank account
(ACH or wire) or to another financial account of the platform (``stripe`` network).

Create checks as for OutboundTransfers (:mod:`outbound_transfers`, features
``outbound_payments.ach``/``outbound_payments.us_domestic_wire``/``intra_stripe_flows``), and:
``destination_payment_method`` needs ``customer`` (the Customer the PaymentMethod is attached
to; any ``cus_…`` id is accepted, the emulator has no Customers);
``destination_payment_method_data`` is ``us_bank_account`` (routing + account number) or
``financial_account`` (any open financial account of the platform, another connected account's
included); ``end_user_details[present]=true`` needs ``end_user_details[ip_address]``. Status
machine, money and events: :mod:`money_out`. List filters: ``status``, ``customer``, ``created``.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.listing import Predicate
from emulator.http.router import Route
from emulator.resources import common
from emulator.resources.resource import Resource
from emulator.resources.treasury import money_out

URL = "/v1/treasury/outbound_payments"
FLOW = money_out.Flow(
    object_type="treasury.outbound_payment",
    flow_type="outbound_payment",
    noun="OutboundPayment",
    url=URL,
    path_param="id",
    default_descriptor="payment",
    feature_prefix="outbound_payments",
)
BAD_CUSTOMER = "No such customer: '{id}'"


def _customer(ctx: Ctx) -> str | None:
    p = ctx.params
    customer: str | None = p.get("customer")
    if customer is not None and not customer.startswith("cus_"):
        raise errors.resource_missing(BAD_CUSTOMER.format(id=customer), customer, "customer")
    if p.get("destination_payment_method") and not p.get("destination_payment_method_data") and not customer:
        raise errors.missing("customer")
    return customer


def _end_user_details(ctx: Ctx) -> Obj:
    details: dict[str, Any] = ctx.params.get("end_user_details") or {}
    present = bool(details.get("present", False))
    ip = details.get("ip_address") or None
    if present and ip is None:
        raise errors.missing("end_user_details[ip_address]")
    if ip is not None:
        ip = common.check_ip(str(ip), "end_user_details[ip_address]")
    return {"ip_address": ip, "present": present}


def create(ctx: Ctx) -> Obj:
    customer = _customer(ctx)
    end_user = _end_user_details(ctx)
    fa, currency, destination = money_out.prepare(ctx, FLOW, bank_data=True, same_account=False)
    obj = money_out.new_object(ctx, FLOW, "obp", fa, currency, destination)
    obj["customer"] = customer
    obj["end_user_details"] = end_user
    return money_out.start(ctx, FLOW, fa, obj, destination)


def _filters(p: dict[str, Any]) -> list[Predicate | None]:
    customer = p.get("customer")
    if not customer:
        return []
    return [lambda o: o.get("customer") == customer]


ROUTES: list[Route] = money_out.routes(FLOW, create, _filters)

RESOURCE = Resource(
    FLOW.object_type,
    prefix="obp",
    title="Outbound payments",
    routes=ROUTES,
    events=FLOW.events,
)
