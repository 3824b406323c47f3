"""Issuing disputes (``/v1/issuing/disputes``): create, update, submit, list, retrieve.

A dispute is opened on a capture: by ``transaction``, or for a card on a Treasury financial
account by ``treasury[received_debit]`` (the ReceivedDebit the capture posted; ``transaction``
works for those cards too). Only captures can be disputed, not fully refunded ones, not ATM
withdrawals (MCC 6011), each at most once, and within 110 days of the capture. ``amount``
defaults to the whole capture and cannot exceed it, even after a partial refund (Stripe's guide:
the amount "defaults to the full transaction amount. Account for any refunds"): the platform
lowers it itself. Evidence, amount and metadata can change while ``unsubmitted``; afterwards
only metadata. ``/submit`` checks the evidence (:mod:`dispute_evidence`) and answers
``submitted``.

Outcome in the emulator (deterministic): right after the submit response the network decides,
by the ``explanation`` of the evidence for the dispute's reason:

* the capture's refunds, before or after the dispute was opened, reach into the disputed amount
  (more was refunded than the capture less that amount) -> ``lost`` (``loss_reason:
  refund_issued``): that money already came back through the refund;
* it contains ``losing_evidence`` -> ``lost`` (``loss_reason: other``);
* it contains ``pending_evidence`` -> stays ``submitted`` (no decision, ever);
* anything else -> ``won``: for a financial-account card the disputed amount comes back to the
  account through the dispute's ``treasury.debit_reversal``, for a card on the Issuing balance
  through an ``issuing_dispute`` balance transaction, and ``issuing_dispute.funds_reinstated`` is
  sent.

A dispute of a financial-account card gets its DebitReversal of the ReceivedDebit when it is
submitted (Stripe's disputes guide: "once the dispute is submitted"): ``processing``, named by
``dispute.treasury.debit_reversal`` in the submit answer and ``issuing_dispute.submitted``; no
money moves then. The decision resolves it (:func:`reversals.resolve`): won -> ``succeeded`` with
its crediting transaction, lost -> ``failed`` without one; pending -> stays ``processing``.

``balance_transactions`` is includable, as at Stripe: it is in the answer only when
``expand[]=balance_transactions`` (``data.balance_transactions`` on the list) asks for it, then the
dispute's balance transactions (``[]`` while none was written); never in event payloads.

An ``unsubmitted`` dispute whose capture is more than 110 days old becomes ``expired``: each new
dispute puts that moment on the platform's agenda, so it happens as the platform's time passes it
(``/_emulator/clock``), and a dispute read later than that is expired on the spot.
Events: ``issuing_dispute.created``, ``.updated``, ``.submitted``, ``.closed`` (won, lost,
expired) and ``.funds_reinstated``.
"""

from __future__ import annotations

from typing import Any

from emulator.core.context import Ctx
from emulator.core.objects import DEBIT_REVERSAL, DISPUTE, ISSUING_TRANSACTION, RECEIVED_DEBIT
from emulator.core.store import Obj
from emulator.http import errors
from emulator.http.errors import StripeError
from emulator.http.listing import Predicate, paginate
from emulator.http.router import Route, route
from emulator.resources import common, files
from emulator.resources.issuing import cards, issuing_balance
from emulator.resources.issuing import dispute_evidence as evidence
from emulator.resources.issuing.authorization_books import transaction_book_of
from emulator.resources.resource import Resource
from emulator.resources.treasury import reversals

URL = "/v1/issuing/disputes"
WINDOW = 110 * 24 * 3600
LOSE = "losing_evidence"
STAY = "pending_evidence"

TRANSACTION_REQUIRED = "You must provide either transaction or treasury[received_debit]."
TRANSACTION_CONFLICT = "The transaction {tx} does not match treasury[received_debit] {rd}."
NOT_A_CARD_DEBIT = "The ReceivedDebit {rd} was not created by an Issuing card transaction and cannot be disputed."
NOT_CAPTURE = "Only transactions of type capture can be disputed; {tx} is a {type}."
REFUNDED = "The transaction {tx} has been refunded and can no longer be disputed."
ALREADY_DISPUTED = "The transaction {tx} has already been disputed ({dispute})."
TOO_OLD = "The transaction {tx} is more than 110 days old and can no longer be disputed."
ATM = "The transaction {tx} is an ATM withdrawal; ATM transactions cannot be disputed."
ATM_CATEGORIES = frozenset({"automated_cash_disburse"})  # MCC 6011
AMOUNT_RANGE = "The dispute amount must be between 1 and the transaction amount ({max})."
NOT_UNSUBMITTED = "This dispute is {status}; only metadata can be updated once a dispute has been submitted."
ALREADY_SUBMITTED = "This dispute is {status} and cannot be submitted again."


def _transaction_for(ctx: Ctx) -> tuple[Obj, Obj | None]:
    p = ctx.params
    rd_id = (p.get("treasury") or {}).get("received_debit")
    tx_id = p.get("transaction")
    rd = None
    if rd_id:
        rd = common.get(ctx, RECEIVED_DEBIT, rd_id, param="treasury[received_debit]")
        linked = (rd.get("linked_flows") or {}).get("issuing_transaction")
        if not linked:
            raise StripeError(NOT_A_CARD_DEBIT.format(rd=rd_id), param="treasury[received_debit]")
        if tx_id and tx_id != linked:
            raise StripeError(TRANSACTION_CONFLICT.format(tx=tx_id, rd=rd_id), param="transaction")
        tx_id = linked
    if not tx_id:
        raise StripeError(TRANSACTION_REQUIRED, param="transaction", code="parameter_missing")
    tx = common.get(ctx, ISSUING_TRANSACTION, tx_id, param="transaction")
    if rd is None and tx.get("treasury") and tx["treasury"].get("received_debit"):
        rd = ctx.scope.get(RECEIVED_DEBIT, tx["treasury"]["received_debit"])
    return tx, rd


def _check_eligible(ctx: Ctx, tx: Obj) -> None:
    if tx["type"] != "capture":
        raise StripeError(NOT_CAPTURE.format(tx=tx["id"], type=tx["type"]), param="transaction")
    if transaction_book_of(ctx.scope, tx["id"]).get("refunded", 0) >= -tx["amount"]:
        raise StripeError(REFUNDED.format(tx=tx["id"]), param="transaction")
    if tx.get("dispute"):
        raise StripeError(ALREADY_DISPUTED.format(tx=tx["id"], dispute=tx["dispute"]), param="transaction")
    if ctx.now - tx["created"] > WINDOW:
        raise StripeError(TOO_OLD.format(tx=tx["id"]), param="transaction")
    if (tx.get("merchant_data") or {}).get("category") in ATM_CATEGORIES:
        raise StripeError(ATM.format(tx=tx["id"]), param="transaction")


def _refunds_overlap(ctx: Ctx, dispute: Obj) -> bool:
    """Whether the capture's refunds took back part of the money the dispute asks for."""
    tx = ctx.scope.get(ISSUING_TRANSACTION, dispute["transaction"])
    refunded = int(transaction_book_of(ctx.scope, dispute["transaction"]).get("refunded", 0))
    if tx is None:
        return refunded > 0
    return refunded > -int(tx["amount"]) - int(dispute["amount"])


def _amount(value: int, tx: Obj) -> int:
    limit = -tx["amount"]
    if not 1 <= value <= limit:
        raise StripeError(AMOUNT_RANGE.format(max=limit), param="amount", code="parameter_invalid_integer")
    return value


def _refresh(ctx: Ctx, dispute: Obj) -> Obj:
    """Expire an unsubmitted dispute whose capture is past the 110-day window."""
    if dispute["status"] != "unsubmitted":
        return dispute
    tx = ctx.scope.get(ISSUING_TRANSACTION, dispute["transaction"])
    if tx is not None and ctx.now - tx["created"] > WINDOW:
        dispute["status"] = "expired"
        ctx.emit("issuing_dispute.closed", dispute)
    return dispute


def expire_due(ctx: Ctx, dispute_id: str) -> None:
    """Agenda work: the dispute's window closed; it expires if still unsubmitted."""
    dispute = ctx.scope.get(DISPUTE, dispute_id)
    if dispute is not None:
        _refresh(ctx, dispute)


def _get(ctx: Ctx) -> Obj:
    return _refresh(ctx, common.get(ctx, DISPUTE, ctx.path["dispute"], param="dispute"))


def _check_files(ctx: Ctx, params: dict[str, Any] | None) -> None:
    """Evidence documents are files uploaded (by this account) with purpose ``dispute_evidence``."""
    for file_id, param in evidence.file_params(params):
        files.check_file(ctx, file_id, ("dispute_evidence",), param)


def create(ctx: Ctx) -> Obj:
    p = ctx.params
    tx, rd = _transaction_for(ctx)
    _check_eligible(ctx, tx)
    amount = _amount(p["amount"], tx) if p.get("amount") is not None else -tx["amount"]
    _check_files(ctx, p.get("evidence"))
    dispute: Obj = {
        "id": ctx.new_id("idp"),
        "object": DISPUTE,
        "amount": amount,
        "created": ctx.now,
        "currency": tx["currency"],
        "evidence": evidence.apply(None, p.get("evidence")),
        "livemode": False,
        "metadata": common.merge_metadata({}, p.get("metadata")),
        "status": "unsubmitted",
        "transaction": tx["id"],
        "treasury": {"debit_reversal": None, "received_debit": rd["id"]} if rd is not None else None,
    }
    ctx.scope.add(dispute)
    ctx.platform.agenda.add(int(tx["created"]) + WINDOW + 1, expire_due, ctx.scope.account_id, dispute["id"])
    before = ctx.snapshot(tx)
    tx["dispute"] = dispute["id"]
    ctx.emit("issuing_dispute.created", dispute)
    ctx.emit("issuing_transaction.updated", tx, before)
    return dispute


def update(ctx: Ctx) -> Obj:
    dispute = _get(ctx)
    p = ctx.params
    if ("amount" in p or "evidence" in p) and dispute["status"] != "unsubmitted":
        raise StripeError(NOT_UNSUBMITTED.format(status=dispute["status"]))
    _check_files(ctx, p.get("evidence"))
    before = ctx.snapshot(dispute)
    if p.get("amount") is not None:
        tx = common.get(ctx, ISSUING_TRANSACTION, dispute["transaction"], param="transaction")
        dispute["amount"] = _amount(p["amount"], tx)
    if "evidence" in p:
        dispute["evidence"] = evidence.apply(dispute["evidence"], p["evidence"])
    common.update_metadata(dispute, p)
    common.emit_if_changed(ctx, "issuing_dispute.updated", dispute, before)
    return dispute


def _check_original(ctx: Ctx, dispute: Obj) -> None:
    original = (dispute["evidence"].get("duplicate") or {}).get("original_transaction")
    if (
        dispute["evidence"]["reason"] == "duplicate"
        and original
        and ctx.scope.get(ISSUING_TRANSACTION, original) is None
    ):
        raise errors.no_such(common.noun(ISSUING_TRANSACTION), original, "evidence[duplicate][original_transaction]")


def submit(ctx: Ctx) -> Obj:
    dispute = _get(ctx)
    if dispute["status"] != "unsubmitted":
        raise StripeError(ALREADY_SUBMITTED.format(status=dispute["status"]))
    evidence.check_submittable(dispute["evidence"])
    _check_original(ctx, dispute)
    common.update_metadata(dispute, ctx.params)
    dispute["status"] = "submitted"
    _open_reversal(ctx, dispute)
    ctx.emit("issuing_dispute.submitted", dispute)
    if dispute["evidence"].get("reason") == "fraudulent":
        tx = ctx.scope.get(ISSUING_TRANSACTION, dispute["transaction"])
        if tx is not None:
            cards.warn_of_fraud(ctx, tx["card"], "fraud_dispute_filed")
    ctx.after_answer(lambda auto: decide(auto, dispute))
    return dispute


def decide(ctx: Ctx, dispute: Obj) -> None:
    """The network's decision on a submitted dispute (see the module docstring)."""
    if dispute["status"] != "submitted":
        return
    text = evidence.explanation(dispute["evidence"])
    if _refunds_overlap(ctx, dispute):
        _lose(ctx, dispute, "refund_issued")
        return
    if STAY in text:
        return
    if LOSE in text:
        _lose(ctx, dispute, "other")
        return
    dispute["status"] = "won"
    tx = ctx.scope.get(ISSUING_TRANSACTION, dispute["transaction"])
    if tx is not None and tx.get("balance_transaction"):
        issuing_balance.dispute_won(ctx, dispute)
    _resolve_reversal(ctx, dispute, won=True)
    ctx.emit("issuing_dispute.closed", dispute)
    ctx.emit("issuing_dispute.funds_reinstated", dispute)


def _lose(ctx: Ctx, dispute: Obj, reason: str) -> None:
    dispute["status"] = "lost"
    dispute["loss_reason"] = reason
    _resolve_reversal(ctx, dispute, won=False)
    ctx.emit("issuing_dispute.closed", dispute)


def _open_reversal(ctx: Ctx, dispute: Obj) -> None:
    """A financial-account card's dispute, on submit: its ``processing`` DebitReversal."""
    treasury = dispute.get("treasury")
    if treasury is None or treasury["debit_reversal"] is not None:
        return
    rd = ctx.scope.get(RECEIVED_DEBIT, treasury["received_debit"])
    if rd is not None:
        treasury["debit_reversal"] = reversals.open_for_dispute(ctx, rd, dispute["amount"], dispute_id=dispute["id"])[
            "id"
        ]


def _resolve_reversal(ctx: Ctx, dispute: Obj, *, won: bool) -> None:
    """The decision completes the dispute's DebitReversal (if it has one)."""
    reversal_id = (dispute.get("treasury") or {}).get("debit_reversal")
    reversal = ctx.scope.get(DEBIT_REVERSAL, reversal_id) if reversal_id else None
    if reversal is not None:
        reversals.resolve(ctx, reversal, won=won)


def retrieve(ctx: Ctx) -> Obj:
    return _get(ctx)


def list_disputes(ctx: Ctx) -> Obj:
    p = ctx.params
    store = ctx.scope.store(DISPUTE)
    for dispute in list(store.values()):
        _refresh(ctx, dispute)
    preds: list[Predicate | None] = []
    if p.get("status"):
        preds.append(common.equals("status", p["status"]))
    if p.get("transaction"):
        preds.append(common.equals("transaction", p["transaction"]))
    return paginate(store, URL, p, preds, noun=common.noun(DISPUTE))


ROUTES: list[Route] = [
    route("POST", URL, create),
    route("GET", URL, list_disputes),
    route("GET", URL + "/{dispute}", retrieve),
    route("POST", URL + "/{dispute}", update),
    route("POST", URL + "/{dispute}/submit", submit),
]

RESOURCE = Resource(
    DISPUTE,
    prefix="idp",
    title="Disputes",
    routes=ROUTES,
    virtual={"balance_transactions": issuing_balance.dispute_balance_transactions},
    events=tuple(f"issuing_dispute.{e}" for e in ("created", "updated", "submitted", "closed", "funds_reinstated")),
)
