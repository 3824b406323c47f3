"""Connect transfers (``/v1/transfers``) and their reversals (``/v1/transfers/{id}/reversals``).

A transfer moves money from the platform's available (payments) balance to a connected account's:
two balance transactions through :mod:`emulator.resources.balance.ledger`, ``transfer`` (-amount)
on the platform and ``payment`` on the connected account, whose source is the
``destination_payment`` (``py_``, :mod:`emulator.resources.connect.destination_payments`). A
reversal moves (part of) it back: ``payment_refund`` on the connected account (source
``destination_payment_refund``, ``pyr_``) and ``transfer_refund`` on the platform.

Cross-border transfers (the platform is a US platform): a transfer settles in the destination's
``default_currency`` (:mod:`emulator.resources.connect.countries`) when that differs from the
transfer's currency and the destination is not in the US; its ``payment`` is then the amount
converted at the emulator's fixed rates (:mod:`emulator.resources.currencies`) with an
``exchange_rate``, while the platform's side and the transfer stay in the transfer's currency. The
transfer's book (``scope.meta``, :data:`SETTLEMENT_KEY`) keeps what was settled and how much of it
was reversed since: a reversal takes back the converted share of its amount (never more than is
left), and the reversal that completes a full reversal takes back exactly what is left, so a fully
reversed transfer leaves the destination where it was. A US account keeps what it is sent.

Refusals as Stripe, before anything moves: amount below 1 or above the limit, an unsupported
currency, a destination that is not one of the platform's connected accounts or lacks the
``transfers`` capability, a destination outside the cross-border region (the US, the UK, the EEA,
Canada, Switzerland) under the ``full`` service agreement (``recipient`` accounts anywhere are
accepted), ``source_transaction`` (charges are not emulated: no such charge), more than the
available balance (``balance_insufficient``; the emulator keeps no ``bank_account`` or ``fpx``
source balance, so those ``source_type`` values find none), a reversal above what remains or above
what the destination holds in the settlement currency. Transfers are made by the platform (a
request with ``Stripe-Account`` is refused).
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import TRANSFER
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common
from emulator.resources.balance import ledger, topups
from emulator.resources.connect import accounts, countries, destination_payments
from emulator.resources.currencies import RATES, convert, exchange_rate
from emulator.resources.resource import Resource

REVERSAL = "transfer_reversal"
URL = "/v1/transfers"
EMBEDDED = 10  # reversals a transfer embeds (newest first)
TRANSFER_CAPABILITIES = ("transfers", "crypto_transfers", "legacy_payments")

BALANCE_INSUFFICIENT = (
    "You have insufficient funds in your Stripe account. One likely reason you have insufficient funds is that "
    "your funds are automatically being paid out; try enabling manual payouts by going to "
    "https://dashboard.stripe.com/account/payouts."
)
NO_SUCH_DESTINATION = "No such destination: '{id}'"
OWN_ACCOUNT = "You cannot create a transfer to your own account."
NEEDS_CAPABILITY = (
    "Your destination account needs to have at least one of the following capabilities enabled: transfers, "
    "crypto_transfers, legacy_payments"
)
FROM_CONNECTED = (
    "Transfers are created by the platform: make this request without the Stripe-Account header "
    "(account debits are not emulated)."
)
REVERSAL_TOO_LARGE = (
    "Transfer reversal amount ({amount}) is greater than the amount remaining on the transfer ({remaining})."
)
ALREADY_REVERSED = "The transfer {id} is already fully reversed."  # Stripe's text: apps match its ending
DESTINATION_INSUFFICIENT = "Insufficient funds in the destination account {account} to reverse this transfer."
NO_SUCH_REVERSAL = "No such transfer reversal: '{id}'"
# Stripe's text (integrations quote it; no code is known)
OUTSIDE_REGION = (
    "Funds can't be sent to accounts located in {country} when the account is under the `full` service agreement. "
    "To learn more, see https://stripe.com/docs/connect/service-agreement-types."
)
# meta of a transfer: what the destination received ({currency, amount, reversed, exchange_rate})
SETTLEMENT_KEY = "settlement"


def _platform_only(ctx: Ctx) -> None:
    if ctx.scope.is_connected:
        raise StripeError(FROM_CONNECTED)


def get_transfer(ctx: Ctx, transfer_id: str, param: str = "id") -> Obj:
    transfer = ctx.platform.scope().get(TRANSFER, transfer_id)
    if transfer is None or ctx.scope.is_connected:
        raise errors.no_such(TRANSFER, transfer_id, param=param)
    return transfer


def _destination(ctx: Ctx, account_id: str) -> Obj:
    if account_id == ctx.platform.account_id:
        raise StripeError(OWN_ACCOUNT, param="destination")
    account = ctx.platform.accounts.get(account_id)
    if account is None:
        raise StripeError(NO_SUCH_DESTINATION.format(id=account_id), param="destination", code="resource_missing")
    if not any(accounts.is_capability_active(ctx, account_id, name) for name in TRANSFER_CAPABILITIES):
        raise StripeError(NEEDS_CAPABILITY, param="destination", code="insufficient_capabilities_for_transfer")
    _check_region(account)
    return account


def _check_region(account: Obj) -> None:
    """Under the ``full`` service agreement only accounts in the platform's cross-border region receive transfers."""
    country = str(account.get("country") or countries.PLATFORM_COUNTRY)
    agreement = (account.get("tos_acceptance") or {}).get("service_agreement") or "full"
    if agreement == "full" and not countries.in_cross_border_region(country):
        raise StripeError(OUTSIDE_REGION.format(country=country), param="destination")


def _settlement(destination: Obj, currency: str, amount: int) -> Obj:
    """What the destination receives of a transfer (module docstring): converted into its
    ``default_currency`` unless it is a US account or that is the transfer's currency."""
    target = str(destination.get("default_currency") or currency).lower()
    domestic = destination.get("country") == countries.PLATFORM_COUNTRY
    if domestic or target == currency or target not in RATES:
        return {"currency": currency, "amount": amount, "reversed": 0, "exchange_rate": None}
    return {
        "currency": target,
        "amount": convert(amount, currency, target),
        "reversed": 0,
        "exchange_rate": exchange_rate(currency, target),
    }


def _insufficient(message: str = BALANCE_INSUFFICIENT) -> StripeError:
    return StripeError(message, code="balance_insufficient")


def create(ctx: Ctx) -> Obj:
    _platform_only(ctx)
    p = ctx.params
    currency = common.currency(p["currency"])
    if p.get("amount") is None:
        raise errors.missing("amount")
    amount: int = p["amount"]
    topups.check_amount(amount, currency)
    destination = _destination(ctx, p["destination"])
    if p.get("source_transaction") is not None:
        raise errors.no_such("charge", p["source_transaction"], param="source_transaction")
    source_type = p.get("source_type") or "card"
    if source_type != "card" or ledger.available(ctx.scope, currency) < amount:
        raise _insufficient()
    transfer_id = ctx.new_id("tr")
    payment_id = ctx.new_id("py")
    sub = ctx.in_scope(ctx.platform.scope(destination["id"]))
    settlement = _settlement(destination, currency, amount)
    out = ledger.post(ctx, type="transfer", amount=-amount, currency=currency, source=transfer_id)
    received = ledger.post(
        sub,
        type="payment",
        amount=settlement["amount"],
        currency=settlement["currency"],
        source=payment_id,
        exchange_rate=settlement["exchange_rate"],
    )
    destination_payments.record_payment(
        sub, payment_id, transfer_id, settlement["amount"], settlement["currency"], received["id"]
    )
    transfer: Obj = {
        "id": transfer_id,
        "object": TRANSFER,
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": out["id"],
        "created": ctx.now,
        "currency": currency,
        "description": p.get("description"),
        "destination": destination["id"],
        "destination_payment": payment_id,
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "reversals": {"object": "list", "data": [], "has_more": False, "url": f"{URL}/{transfer_id}/reversals"},
        "reversed": False,
        "source_transaction": None,
        "source_type": source_type,
        "transfer_group": p.get("transfer_group"),
    }
    ctx.scope.add(transfer)
    meta = ctx.scope.meta_of(transfer_id)
    meta["destination_payment"] = payment_id
    meta[SETTLEMENT_KEY] = settlement
    ctx.emit("transfer.created", transfer)
    return transfer


def retrieve(ctx: Ctx) -> Obj:
    return get_transfer(ctx, ctx.path["transfer"], param="transfer")


def update(ctx: Ctx) -> Obj:
    transfer = get_transfer(ctx, ctx.path["transfer"], param="transfer")
    before = ctx.snapshot(transfer)
    if "description" in ctx.params:
        transfer["description"] = ctx.params["description"]
    common.update_metadata(transfer, ctx.params)
    common.emit_if_changed(ctx, "transfer.updated", transfer, before)
    return transfer


def list_transfers(ctx: Ctx) -> Obj:
    if ctx.scope.is_connected:
        return {"object": "list", "data": [], "has_more": False, "url": URL}
    p = ctx.params
    preds: list[Predicate | None] = [
        common.equals(field, p[field]) for field in ("destination", "transfer_group") if p.get(field) is not None
    ]
    return paginate(ctx.scope.store(TRANSFER), URL, p, preds, noun=TRANSFER)


# --- reversals -------------------------------------------------------------------------------------


def _refresh_embedded(ctx: Ctx, transfer: Obj) -> None:
    mine = [r for r in ctx.scope.store(REVERSAL).newest_first() if r["transfer"] == transfer["id"]]
    transfer["reversals"]["data"] = [dict(r) for r in mine[:EMBEDDED]]
    transfer["reversals"]["has_more"] = len(mine) > EMBEDDED


def _settled_share(transfer: Obj, settlement: Obj, amount: int) -> int:
    """What reversing ``amount`` takes back from the destination, in the settlement currency: the
    converted amount (never more than is left), all that is left when it completes a full reversal."""
    left: int = settlement["amount"] - settlement["reversed"]
    if amount == transfer["amount"] - transfer["amount_reversed"]:
        return left
    return min(left, convert(amount, transfer["currency"], settlement["currency"]))


def create_reversal(ctx: Ctx) -> Obj:
    _platform_only(ctx)
    transfer = get_transfer(ctx, ctx.path["id"])
    p = ctx.params
    remaining = transfer["amount"] - transfer["amount_reversed"]
    if remaining <= 0:
        raise StripeError(ALREADY_REVERSED.format(id=transfer["id"]), code="transfer_already_reversed")
    amount: int = remaining if p.get("amount") is None else p["amount"]
    topups.check_amount(amount, transfer["currency"])
    if amount > remaining:
        raise StripeError(REVERSAL_TOO_LARGE.format(amount=amount, remaining=remaining), param="amount")
    meta = ctx.scope.meta_of(transfer["id"])
    settlement: Obj = meta.setdefault(  # a transfer made before settlements were kept: not converted
        SETTLEMENT_KEY,
        {
            "currency": transfer["currency"],
            "amount": transfer["amount"],
            "reversed": transfer["amount_reversed"],
            "exchange_rate": None,
        },
    )
    debit = _settled_share(transfer, settlement, amount)
    sub = ctx.in_scope(ctx.platform.scope(transfer["destination"]))
    if ledger.available(sub.scope, settlement["currency"]) < debit:
        raise _insufficient(DESTINATION_INSUFFICIENT.format(account=transfer["destination"]))
    reversal_id = ctx.new_id("trr")
    refund_id = ctx.new_id("pyr")
    taken = None
    if debit:  # a share worth less than half a minor unit moves nothing on the destination
        taken = ledger.post(
            sub,
            type="payment_refund",
            amount=-debit,
            currency=settlement["currency"],
            source=refund_id,
            exchange_rate=settlement["exchange_rate"],
        )
    payment_id = meta.get("destination_payment") or transfer["destination_payment"]
    destination_payments.record_refund(sub, payment_id, refund_id, reversal_id, debit, taken["id"] if taken else None)
    settlement["reversed"] += debit
    back = ledger.post(ctx, type="transfer_refund", amount=amount, currency=transfer["currency"], source=reversal_id)
    reversal: Obj = {
        "id": reversal_id,
        "object": REVERSAL,
        "amount": amount,
        "balance_transaction": back["id"],
        "created": ctx.now,
        "currency": transfer["currency"],
        "destination_payment_refund": refund_id,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "source_refund": None,
        "transfer": transfer["id"],
    }
    before = ctx.snapshot(transfer)
    ctx.scope.add(reversal)
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    _refresh_embedded(ctx, transfer)
    ctx.emit("transfer.reversed", transfer, before)
    return reversal


def _get_reversal(ctx: Ctx) -> tuple[Obj, Obj]:
    transfer = get_transfer(ctx, ctx.path["transfer"], param="transfer")
    reversal = ctx.scope.get(REVERSAL, ctx.path["id"])
    if reversal is None or reversal["transfer"] != transfer["id"]:
        raise StripeError(NO_SUCH_REVERSAL.format(id=ctx.path["id"]), status=404, code="resource_missing", param="id")
    return transfer, reversal


def retrieve_reversal(ctx: Ctx) -> Obj:
    return _get_reversal(ctx)[1]


def update_reversal(ctx: Ctx) -> Obj:
    transfer, reversal = _get_reversal(ctx)
    before = ctx.snapshot(transfer)
    common.update_metadata(reversal, ctx.params)
    _refresh_embedded(ctx, transfer)
    common.emit_if_changed(ctx, "transfer.updated", transfer, before)
    return reversal


def list_reversals(ctx: Ctx) -> Obj:
    transfer = get_transfer(ctx, ctx.path["id"])
    url = f"{URL}/{transfer['id']}/reversals"
    return paginate(
        ctx.scope.store(REVERSAL), url, ctx.params, [common.equals("transfer", transfer["id"])], noun=REVERSAL
    )


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_transfers),
    route("GET", URL + "/{transfer}", retrieve),
    route("POST", URL + "/{transfer}", update),
    route("POST", URL + "/{id}/reversals", create_reversal),
    route("GET", URL + "/{id}/reversals", list_reversals),
    route("GET", URL + "/{transfer}/reversals/{id}", retrieve_reversal),
    route("POST", URL + "/{transfer}/reversals/{id}", update_reversal),
]

RESOURCES = (
    Resource(
        TRANSFER,
        prefix="tr",
        title="Transfers",
        routes=ROUTES,
        events=("transfer.created", "transfer.updated", "transfer.reversed"),
    ),
    Resource(REVERSAL, prefix="trr", title="Transfer reversals"),
)
