"""OutboundTransfers (``/v1/treasury/outbound_transfers``): money to the account owner's own
bank account (ACH or wire) or to another financial account of the same account (``stripe``).

Create checks, in order: the financial account exists, ``amount`` >= 1, the currency is one
the account supports, the account is open, the destination (``destination_payment_method``
``pm_…``/``ba_…`` = Stripe's test bank account, or ``destination_payment_method_data
[type]=financial_account``; see :mod:`flow_destinations`), the feature of the network is
active (``outbound_transfers.ach``/``outbound_transfers.us_domestic_wire``, or
``intra_stripe_flows`` for ``stripe``; a platform restriction on outbound flows restricts
them), and ``cash`` covers the amount (else ``insufficient_funds``). Status machine, money and
events: :mod:`money_out`. Test helpers: ``post``, ``fail``, ``return`` and the update of
``tracking_details`` (``POST /v1/test_helpers/treasury/outbound_transfers/{id}``).
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.store import Obj
from emulator.http.router import Route
from emulator.resources.resource import Resource
from emulator.resources.treasury import money_out

URL = "/v1/treasury/outbound_transfers"
FLOW = money_out.Flow(
    object_type="treasury.outbound_transfer",
    flow_type="outbound_transfer",
    noun="OutboundTransfer",
    url=URL,
    path_param="outbound_transfer",
    default_descriptor="transfer",
    feature_prefix="outbound_transfers",
)


def create(ctx: Ctx) -> Obj:
    fa, currency, destination = money_out.prepare(ctx, FLOW, bank_data=False, same_account=True)
    obj = money_out.new_object(ctx, FLOW, "obt", fa, currency, destination)
    return money_out.start(ctx, FLOW, fa, obj, destination)


ROUTES: list[Route] = money_out.routes(FLOW, create)

RESOURCE = Resource(
    FLOW.object_type,
    prefix="obt",
    title="Outbound transfers",
    routes=ROUTES,
    events=FLOW.events,
)
