"""Issuing disputes through the real SDK: eligibility, evidence, submission, the deterministic
test-mode outcome and the money a won dispute gives back."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from emulator import EmulatorServer
from tests.support import issuing_flows
from tests.support.issuing_flows import Spender

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

FRAUD = {"reason": "fraudulent", "fraudulent": {"explanation": "Card reported lost on 07/26/2024"}}


@pytest.fixture
def spender(client: stripe.StripeClient) -> Spender:
    return issuing_flows.spender(client, funds=50_000)


def capture(s: Spender, amount: int = 1000) -> stripe.issuing.Transaction:
    auth = s.authorize(amount)
    tx: stripe.issuing.Transaction = s.client.v1.test_helpers.issuing.authorizations.capture(
        auth.id, options=s.opts
    ).transactions[0]
    return tx


def test_a_fraud_dispute_filed_warns_on_its_card(spender: Spender) -> None:
    """API 2025-11-17: ``latest_fraud_warning`` shows a card reported compromised, with an
    ``issuing_card.updated``; a fraudulent dispute filed is ``fraud_dispute_filed``."""
    s = spender
    other = s.client.v1.issuing.disputes.create(
        {
            "transaction": capture(s).id,
            "evidence": {
                "reason": "other",
                "other": {
                    "explanation": "not as described",
                    "product_description": "a lamp",
                    "product_type": "merchandise",
                },
            },
        },  # type: ignore[typeddict-item]
        s.opts,
    )
    s.client.v1.issuing.disputes.submit(other.id, options=s.opts)
    assert s.client.v1.issuing.cards.retrieve(s.card, options=s.opts).latest_fraud_warning is None
    dispute = s.client.v1.issuing.disputes.create({"transaction": capture(s).id, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    assert s.client.v1.issuing.cards.retrieve(s.card, options=s.opts).latest_fraud_warning is None  # not yet filed
    s.client.v1.issuing.disputes.submit(dispute.id, options=s.opts)
    warning = s.client.v1.issuing.cards.retrieve(s.card, options=s.opts).latest_fraud_warning
    assert warning is not None and warning.type == "fraud_dispute_filed" and warning.started_at is not None
    (event,) = s.client.v1.events.list({"type": "issuing_card.updated", "limit": 1}, s.opts).data
    assert event.data.object["id"] == s.card
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes.to_dict() == {"latest_fraud_warning": None}


def test_won_dispute_credits_the_financial_account(spender: Spender) -> None:
    s = spender
    tx = capture(s, 1000)
    assert s.balance()["cash"] == 49_000
    disputes = s.client.v1.issuing.disputes
    dispute = disputes.create({"transaction": tx.id, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    assert (dispute.object, dispute.status, dispute.amount, dispute.currency) == (
        "issuing.dispute",
        "unsubmitted",
        1000,
        "usd",
    )
    assert dispute.evidence.reason == "fraudulent" and dispute.evidence.fraudulent.explanation.startswith("Card")
    assert dispute.treasury.received_debit == tx.treasury.received_debit and dispute.treasury.debit_reversal is None
    # a card debit is not reversed with a DebitReversal: its money comes back through the dispute
    debit = s.client.v1.treasury.received_debits.retrieve(tx.treasury.received_debit, options=s.opts)
    assert debit.reversal_details is not None
    assert debit.reversal_details.to_dict() == {"deadline": None, "restricted_reason": "network_restricted"}
    assert s.client.v1.issuing.transactions.retrieve(tx.id, options=s.opts).dispute == dispute.id
    submitted = disputes.submit(dispute.id, options=s.opts)
    # the DebitReversal exists once the dispute is submitted (Stripe's disputes guide), processing
    assert submitted.status == "submitted" and submitted.treasury.debit_reversal.startswith("debrev_")
    won = disputes.retrieve(dispute.id, options=s.opts)
    assert won.status == "won" and won.treasury.debit_reversal == submitted.treasury.debit_reversal
    assert "balance_transactions" not in won
    expanded = disputes.retrieve(dispute.id, {"expand": ["balance_transactions"]}, s.opts)
    assert expanded.balance_transactions == []  # the money came back through Treasury
    assert s.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    reversal = s.client.v1.treasury.debit_reversals.retrieve(won.treasury.debit_reversal, options=s.opts)
    assert (reversal.amount, reversal.network, reversal.status) == (1000, "card", "succeeded")
    assert reversal.received_debit == tx.treasury.received_debit and reversal.linked_flows.issuing_dispute == won.id
    assert reversal.status_transitions.completed_at is not None
    trxn = s.client.v1.treasury.transactions.retrieve(reversal.transaction, options=s.opts)
    assert (trxn.flow_type, trxn.status, trxn.amount) == ("debit_reversal", "posted", 1000)
    rd = s.client.v1.treasury.received_debits.retrieve(tx.treasury.received_debit, options=s.opts)
    assert rd.linked_flows.debit_reversal == reversal.id
    reversals = s.client.v1.treasury.debit_reversals
    assert [r.id for r in reversals.list({"financial_account": s.fa}, s.opts).data] == [reversal.id]
    assert len(reversals.list({"financial_account": s.fa, "status": "completed"}, s.opts).data) == 1
    assert reversals.list({"financial_account": s.fa, "status": "processing"}, s.opts).data == []
    assert len(reversals.list({"financial_account": s.fa, "received_debit": rd.id}, s.opts).data) == 1
    assert len(reversals.list({"financial_account": s.fa, "resolution": "won"}, s.opts).data) == 1
    assert reversals.list({"financial_account": s.fa, "resolution": "lost"}, s.opts).data == []
    with pytest.raises(stripe.InvalidRequestError):
        reversals.list({}, s.opts)  # type: ignore[typeddict-item]
    types = [e.type for e in s.client.v1.events.list({"type": "issuing_dispute.*"}, s.opts).data]
    assert types == [
        "issuing_dispute.funds_reinstated",
        "issuing_dispute.closed",
        "issuing_dispute.submitted",
        "issuing_dispute.created",
    ]
    submitted_event = s.client.v1.events.list({"type": "issuing_dispute.submitted"}, s.opts).data[0]
    assert submitted_event.data.object["treasury"]["debit_reversal"] == reversal.id
    created, completed = [
        s.client.v1.events.list({"type": f"treasury.debit_reversal.{t}"}, s.opts).data for t in ("created", "completed")
    ]
    assert [e.data.object["id"] for e in created + completed] == [reversal.id, reversal.id]
    assert (created[0].data.object["status"], created[0].data.object["transaction"]) == ("processing", None)
    assert created[0].data.object["network"] == "card"
    assert completed[0].data.object["status"] == "succeeded" and completed[0].data.object["transaction"] == trxn.id
    # nothing moved at submission: the only debit_reversal transaction is the win's credit
    listed = s.client.v1.treasury.transactions.list({"financial_account": s.fa}, s.opts).data
    assert [t.id for t in listed if t.flow_type == "debit_reversal"] == [trxn.id]


def test_dispute_by_received_debit_and_partial_amount(spender: Spender) -> None:
    s = spender
    tx = capture(s, 1000)
    dispute = s.client.v1.issuing.disputes.create(
        {
            "treasury": {"received_debit": tx.treasury.received_debit},
            "amount": 400,
            "evidence": {
                "reason": "other",
                "other": {"explanation": "Wrong amount", "product_description": "A ride", "product_type": "service"},
            },
        },
        s.opts,
    )
    assert dispute.transaction == tx.id and dispute.amount == 400
    s.client.v1.issuing.disputes.submit(dispute.id, options=s.opts)
    assert s.balance()["cash"] == 49_400


def test_losing_and_pending_evidence(spender: Spender) -> None:
    s = spender
    lose = s.client.v1.issuing.disputes.create(
        {
            "transaction": capture(s).id,
            "evidence": {"reason": "fraudulent", "fraudulent": {"explanation": "losing_evidence"}},
        },
        s.opts,
    )
    submitted = s.client.v1.issuing.disputes.submit(lose.id, options=s.opts)
    lost = s.client.v1.issuing.disputes.retrieve(lose.id, options=s.opts)
    assert (lost.status, lost.loss_reason) == ("lost", "other")
    assert lost.treasury.debit_reversal == submitted.treasury.debit_reversal
    reversals = s.client.v1.treasury.debit_reversals
    lost_reversal = reversals.retrieve(lost.treasury.debit_reversal, options=s.opts)
    # lost: completed (the network resolved it) without a crediting transaction
    assert (lost_reversal.status, lost_reversal.transaction) == ("failed", None)
    assert lost_reversal.status_transitions.completed_at is not None
    assert lost_reversal.linked_flows.issuing_dispute == lose.id
    stay = s.client.v1.issuing.disputes.create(
        {
            "transaction": capture(s).id,
            "evidence": {"reason": "fraudulent", "fraudulent": {"explanation": "pending_evidence"}},
        },
        s.opts,
    )
    s.client.v1.issuing.disputes.submit(stay.id, options=s.opts)
    pending = s.client.v1.issuing.disputes.retrieve(stay.id, options=s.opts)
    assert pending.status == "submitted"
    pending_reversal = reversals.retrieve(pending.treasury.debit_reversal, options=s.opts)
    assert (pending_reversal.status, pending_reversal.transaction) == ("processing", None)
    assert pending_reversal.status_transitions.completed_at is None
    rd = s.client.v1.treasury.received_debits.retrieve(pending_reversal.received_debit, options=s.opts)
    assert rd.linked_flows.debit_reversal == pending_reversal.id
    assert rd.reversal_details.restricted_reason == "already_reversed"
    assert s.balance()["cash"] == 48_000
    closed = s.client.v1.events.list({"type": "issuing_dispute.closed"}, s.opts).data
    assert [e.data.object["id"] for e in closed] == [lose.id]
    completed = s.client.v1.events.list({"type": "treasury.debit_reversal.completed"}, s.opts).data
    assert [e.data.object["id"] for e in completed] == [lost_reversal.id]

    def ids(**filters: str) -> list[str]:
        return [r.id for r in reversals.list({"financial_account": s.fa, **filters}, s.opts).data]  # type: ignore[typeddict-item]

    assert ids(resolution="lost") == [lost_reversal.id]
    assert ids(resolution="won") == []
    assert ids(status="completed") == [lost_reversal.id]
    assert ids(status="processing") == [pending_reversal.id]
    assert ids(status="canceled") == []


@pytest.mark.parametrize(
    ("evidence", "missing"),
    [
        (
            {"reason": "not_received", "not_received": {"explanation": "never came"}},
            "evidence[not_received][expected_at]",
        ),
        (
            {"reason": "canceled", "canceled": {"explanation": "x", "canceled_at": 1}},
            "evidence[canceled][cancellation_reason]",
        ),
        ({"reason": "duplicate", "duplicate": {"explanation": "twice"}}, "evidence[duplicate][original_transaction]"),
        (
            {"reason": "merchandise_not_as_described", "merchandise_not_as_described": {"explanation": "x"}},
            "evidence[merchandise_not_as_described][received_at]",
        ),
        (
            {"reason": "service_not_as_described", "service_not_as_described": {"explanation": "x"}},
            "evidence[service_not_as_described][received_at]",
        ),
        (
            {"reason": "other", "other": {"explanation": "x", "product_type": "merchandise"}},
            "evidence[other][product_description]",
        ),
        ({"reason": "no_valid_authorization"}, "evidence[no_valid_authorization][explanation]"),
    ],
)
def test_submit_validates_evidence_per_reason(spender: Spender, evidence: dict[str, Any], missing: str) -> None:
    s = spender
    dispute = s.client.v1.issuing.disputes.create({"transaction": capture(s).id, "evidence": evidence}, s.opts)  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError) as err:
        s.client.v1.issuing.disputes.submit(dispute.id, options=s.opts)
    assert (err.value.param, err.value.code) == (missing, "parameter_missing")
    assert s.client.v1.issuing.disputes.retrieve(dispute.id, options=s.opts).status == "unsubmitted"


def test_a_fraud_dispute_may_be_submitted_with_its_reason_alone(spender: Spender) -> None:
    """What stripe-cli's ``issuing_dispute.submitted`` trigger sends, and Stripe accepts."""
    s = spender
    dispute = s.client.v1.issuing.disputes.create(
        {"transaction": capture(s).id, "evidence": {"reason": "fraudulent"}}, s.opts
    )
    assert s.client.v1.issuing.disputes.submit(dispute.id, options=s.opts).status in ("submitted", "won")


def test_duplicate_with_original_transaction(spender: Spender) -> None:
    s = spender
    first = capture(s)
    second = capture(s)
    dispute = s.client.v1.issuing.disputes.create(
        {
            "transaction": second.id,
            "evidence": {
                "reason": "duplicate",
                "duplicate": {"explanation": "charged twice", "original_transaction": "ipi_x"},
            },
        },
        s.opts,
    )
    with pytest.raises(stripe.InvalidRequestError) as err:
        s.client.v1.issuing.disputes.submit(dispute.id, options=s.opts)
    assert err.value.http_status == 400
    s.client.v1.issuing.disputes.update(
        dispute.id, {"evidence": {"duplicate": {"original_transaction": first.id}}}, s.opts
    )
    assert s.client.v1.issuing.disputes.submit(dispute.id, options=s.opts).status == "submitted"


def test_update_rules(spender: Spender) -> None:
    s = spender
    api = s.client.v1.issuing.disputes
    dispute = api.create({"transaction": capture(s, 1000).id}, s.opts)
    assert dispute.evidence.reason == "other" and dispute.amount == 1000
    changed = api.update(dispute.id, {"amount": 600, "evidence": FRAUD, "metadata": {"case": "7"}}, s.opts)  # type: ignore[typeddict-item]
    assert (changed.amount, changed.evidence.reason, changed.metadata["case"]) == (600, "fraudulent", "7")
    cleared = api.update(dispute.id, {"evidence": {"fraudulent": {"explanation": ""}}}, s.opts)
    assert cleared.evidence.fraudulent.explanation is None
    # a new reason replaces the old one's evidence (Stripe's recorded "update a dispute" answer)
    moved = api.update(dispute.id, {"evidence": {"reason": "not_received"}}, s.opts)  # type: ignore[typeddict-item]
    assert moved.evidence.reason == "not_received" and moved.evidence.not_received is not None
    assert sorted(moved.evidence.to_dict()) == ["not_received", "reason"]
    with pytest.raises(stripe.InvalidRequestError) as err:
        api.update(dispute.id, {"amount": 1001}, s.opts)
    assert err.value.param == "amount"
    api.update(dispute.id, {"evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    api.submit(dispute.id, {"metadata": {"submitted_by": "ops"}}, s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="only metadata"):
        api.update(dispute.id, {"amount": 100}, s.opts)
    assert api.update(dispute.id, {"metadata": {"note": "ok"}}, s.opts).metadata.to_dict() == {
        "case": "7",
        "submitted_by": "ops",
        "note": "ok",
    }
    with pytest.raises(stripe.InvalidRequestError, match="cannot be submitted again"):
        api.submit(dispute.id, options=s.opts)
    # a won dispute gives back only what was disputed
    assert s.balance()["cash"] == 49_600


def test_eligibility(spender: Spender) -> None:
    s = spender
    api = s.client.v1.issuing.disputes
    tx = capture(s, 1000)
    s.client.v1.test_helpers.issuing.transactions.refund(tx.id, options=s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="has been refunded and can no longer be disputed"):
        api.create({"transaction": tx.id}, s.opts)
    refund = s.client.v1.issuing.authorizations.retrieve(tx.authorization, options=s.opts).transactions[1]
    with pytest.raises(stripe.InvalidRequestError, match="Only transactions of type capture"):
        api.create({"transaction": refund.id}, s.opts)
    fresh = capture(s, 500)
    api.create({"transaction": fresh.id}, s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="already been disputed"):
        api.create({"transaction": fresh.id}, s.opts)
    with pytest.raises(stripe.InvalidRequestError) as err:
        api.create({}, s.opts)
    assert err.value.code == "parameter_missing"
    with pytest.raises(stripe.InvalidRequestError) as err:
        api.create({"transaction": "ipi_missing"}, s.opts)
    assert err.value.http_status == 400 and err.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError, match="not created by an Issuing card"):
        ach = s.client.v1.test_helpers.treasury.received_debits.create(
            {"amount": 10, "currency": "usd", "financial_account": s.fa, "network": "ach"}, s.opts
        )
        api.create({"treasury": {"received_debit": ach.id}}, s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="must be between 1"):
        api.create({"transaction": capture(s, 10).id, "amount": 11}, s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="is a refund"):
        s.client.v1.test_helpers.issuing.transactions.refund(refund.id, options=s.opts)
    # a capture under a won dispute cannot be refunded any more
    won_tx = capture(s, 100)
    won = api.create({"transaction": won_tx.id, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    api.submit(won.id, options=s.opts)
    with pytest.raises(stripe.InvalidRequestError, match="is disputed"):
        s.client.v1.test_helpers.issuing.transactions.refund(won_tx.id, options=s.opts)


def test_atm_withdrawals_cannot_be_disputed(spender: Spender) -> None:
    s = spender
    auth = s.authorize(2000, merchant_data={"category": "automated_cash_disburse"})
    tx = s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts).transactions[0]
    assert tx.merchant_data.category_code == "6011"
    with pytest.raises(stripe.InvalidRequestError, match="ATM") as err:
        s.client.v1.issuing.disputes.create({"transaction": tx.id}, s.opts)
    assert (err.value.http_status, err.value.param) == (400, "transaction")
    assert s.client.v1.issuing.transactions.retrieve(tx.id, options=s.opts).dispute is None


def test_a_partly_refunded_capture_can_be_disputed_for_what_is_left(spender: Spender) -> None:
    """Stripe's guide: the amount "defaults to the full transaction amount. Account for any
    refunds". A dispute of what the refund left is decided on its evidence; one that still asks for
    the refunded part is lost with ``refund_issued``."""
    s = spender
    api = s.client.v1.issuing.disputes
    tx = capture(s, 1000)
    s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 300}, s.opts)
    assert s.balance()["cash"] == 49_300
    with pytest.raises(stripe.InvalidRequestError, match=r"between 1 and the transaction amount \(1000\)"):
        api.create({"transaction": tx.id, "amount": 1001}, s.opts)
    dispute = api.create({"transaction": tx.id, "amount": 700, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    assert (dispute.amount, dispute.status) == (700, "unsubmitted")
    api.submit(dispute.id, options=s.opts)
    assert api.retrieve(dispute.id, options=s.opts).status == "won"
    assert s.balance()["cash"] == 50_000
    other = capture(s, 1000)
    s.client.v1.test_helpers.issuing.transactions.refund(other.id, {"refund_amount": 300}, s.opts)
    whole = api.create({"transaction": other.id, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    assert whole.amount == 1000  # the default stays the full transaction amount
    api.submit(whole.id, options=s.opts)
    lost = api.retrieve(whole.id, options=s.opts)
    assert (lost.status, lost.loss_reason) == ("lost", "refund_issued")
    assert s.balance()["cash"] == 49_300


def test_refund_of_a_capture_under_an_unsubmitted_dispute_loses_it(spender: Spender) -> None:
    """A refund while the dispute is still being prepared gives the money back once; the dispute is
    then lost with ``refund_issued`` (its debit reversal, opened on submit, is lost: no money on top
    of the refund)."""
    s = spender
    api = s.client.v1.issuing.disputes
    tx = capture(s, 1000)
    dispute = api.create({"transaction": tx.id, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    assert getattr(dispute, "loss_reason", None) is None
    s.client.v1.test_helpers.issuing.transactions.refund(tx.id, {"refund_amount": 400}, s.opts)
    assert s.balance()["cash"] == 49_400
    assert api.submit(dispute.id, options=s.opts).status == "submitted"
    lost = api.retrieve(dispute.id, options=s.opts)
    assert (lost.status, lost.loss_reason) == ("lost", "refund_issued")
    assert s.balance() == {"cash": 49_400, "inbound_pending": 0, "outbound_pending": 0}
    listed = s.client.v1.treasury.debit_reversals.list({"financial_account": s.fa}, s.opts).data
    assert [(r.id, r.status, r.transaction) for r in listed] == [(lost.treasury.debit_reversal, "failed", None)]
    closed = s.client.v1.events.list({"type": "issuing_dispute.closed"}, s.opts).data
    assert [e.data.object["loss_reason"] for e in closed] == ["refund_issued"]
    assert s.client.v1.events.list({"type": "issuing_dispute.funds_reinstated"}, s.opts).data == []
    # the rest of the capture can still be refunded once the dispute is lost, never more
    s.client.v1.test_helpers.issuing.transactions.refund(tx.id, options=s.opts)
    assert s.balance()["cash"] == 50_000
    with pytest.raises(stripe.InvalidRequestError, match="fully refunded"):
        s.client.v1.test_helpers.issuing.transactions.refund(tx.id, options=s.opts)


def test_old_transactions_and_expiry(server: EmulatorServer, api_key: str, spender: Spender) -> None:
    s = spender
    api = s.client.v1.issuing.disputes
    old = capture(s, 100)
    dispute = api.create({"transaction": capture(s, 200).id}, s.opts)
    scope = server.state.platform(api_key).scope(s.account)
    for tx_id in (old.id, dispute.transaction):
        scope.get("issuing.transaction", tx_id)["created"] -= 111 * 24 * 3600  # type: ignore[index]
    with pytest.raises(stripe.InvalidRequestError, match="more than 110 days"):
        api.create({"transaction": old.id}, s.opts)
    assert api.retrieve(dispute.id, options=s.opts).status == "expired"
    assert [d.id for d in api.list({"status": "expired"}, s.opts).data] == [dispute.id]


def test_list_and_filters(spender: Spender) -> None:
    s = spender
    api = s.client.v1.issuing.disputes
    t1, t2 = capture(s), capture(s)
    d1 = api.create({"transaction": t1.id}, s.opts)
    d2 = api.create({"transaction": t2.id, "evidence": FRAUD}, s.opts)  # type: ignore[typeddict-item]
    api.submit(d2.id, options=s.opts)
    assert [d.id for d in api.list(options=s.opts).data] == [d2.id, d1.id]
    assert [d.id for d in api.list({"transaction": t1.id}, s.opts).data] == [d1.id]
    assert [d.id for d in api.list({"status": "won"}, s.opts).data] == [d2.id]
    assert [d.id for d in api.list({"status": "unsubmitted"}, s.opts).data] == [d1.id]
    expanded = api.retrieve(d1.id, {"expand": ["transaction"]}, s.opts)
    assert expanded.transaction.object == "issuing.transaction"


def test_card_without_financial_account(client: stripe.StripeClient) -> None:
    account = issuing_flows.flows.connected_account(client).id
    holder = issuing_flows.cardholder(client, account)
    card = issuing_flows.card(client, account, holder, None)
    opts = {"stripe_account": account}
    tx = client.v1.test_helpers.issuing.transactions.create_force_capture({"card": card, "amount": 300}, opts)
    dispute = client.v1.issuing.disputes.create({"transaction": tx.id, "evidence": FRAUD}, opts)  # type: ignore[typeddict-item]
    assert dispute.treasury is None
    client.v1.issuing.disputes.submit(dispute.id, options=opts)
    assert client.v1.issuing.disputes.retrieve(dispute.id, options=opts).status == "won"
