"""Code examples of Stripe's Issuing docs, written as a Stripe user would, with the docs' values verbatim.

Pages: /issuing/cards/virtual/issue-cards, /issuing/cards/physical, /issuing/testing, /issuing/connect,
/issuing/controls/spending-controls, /issuing/purchases/{authorizations,transactions,disputes},
/api/issuing/* (the API reference's request examples), /treasury/connect/account-management/issuing-cards.
The examples of other subjects are with their subject: tests/treasury/test_docs_examples.py (money movement),
tests/webhooks/test_docs_examples.py (events and webhook endpoints), tests/connect/test_accounts.py (capabilities).
"""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.support.cards import SHIPPING
from tests.support.docs import DOCS_ADDRESS, Docs

# --- /issuing/cards/virtual/issue-cards -------------------------------------------------------------


def test_virtual_card_create_cardholder_example(docs: Docs) -> None:
    holder = docs.cardholder
    assert holder.object == "issuing.cardholder"
    assert holder.id.startswith("ich_")
    assert holder.status == "active"
    assert holder.type == "individual"
    assert holder.billing.address.line1 == "123 Main Street"
    assert holder.individual is not None and holder.individual.first_name == "Jenny"
    assert holder.requirements.disabled_reason is None


def test_virtual_card_create_card_then_retrieve_number_and_cvc(docs: Docs) -> None:
    """ "Create a card" then "retrieve the card number and CVC" with expand[]=number&expand[]=cvc."""
    card = docs.card
    assert card.object == "issuing.card"
    assert card.type == "virtual"
    assert card.status == "active"
    assert card.currency == "usd"
    assert card.financial_account == docs.fa
    assert card.cardholder.id == docs.cardholder.id  # the card embeds its cardholder
    assert len(card.last4) == 4
    assert card.to_dict().get("number") is None and card.to_dict().get("cvc") is None
    full = docs.client.v1.issuing.cards.retrieve(card.id, {"expand": ["number", "cvc"]}, docs.opts)
    assert full.number is not None and full.number.endswith(card.last4) and len(full.number) == 16
    assert full.cvc is not None and len(full.cvc) == 3


def test_card_created_without_status_is_inactive_then_activated(docs: Docs) -> None:
    """/issuing/cards/virtual: cards are inactive unless created active; update status=active activates."""
    card = docs.new_card()
    assert card.status == "inactive"
    card = docs.client.v1.issuing.cards.update(card.id, {"status": "active"}, docs.opts)
    assert card.status == "active"


def test_cancel_card_is_final(docs: Docs) -> None:
    """/api/issuing/cards/update: status=canceled with cancellation_reason=lost; a canceled card stays canceled."""
    card = docs.client.v1.issuing.cards.update(
        docs.card.id, {"status": "canceled", "cancellation_reason": "lost"}, docs.opts
    )
    assert card.status == "canceled"
    assert card.cancellation_reason == "lost"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.cards.update(docs.card.id, {"status": "active"}, docs.opts)
    assert exc.value.http_status == 400


# --- /issuing/cards/physical + /issuing/testing (physical cards) ----------------------------------


def test_physical_card_shipping_test_helpers(docs: Docs) -> None:
    """Physical card with the docs' shipping hash; ship -> deliver with the card test helpers."""
    card = docs.new_card(type="physical", shipping={**SHIPPING, "service": "standard"})
    assert card.type == "physical"
    assert card.shipping is not None and card.shipping.status == "pending"
    assert card.shipping.service == "standard"
    shipped = docs.th.cards.ship_card(card.id, None, docs.opts)
    assert shipped.shipping is not None and shipped.shipping.status == "shipped"
    delivered = docs.th.cards.deliver_card(card.id, None, docs.opts)
    assert delivered.shipping is not None and delivered.shipping.status == "delivered"


# --- /issuing/controls/spending-controls ---------------------------------------------------------


def test_spending_limit_per_authorization_declines_above(docs: Docs) -> None:
    """A card with a 100 USD per_authorization limit: 100 USD passes, 100.01 USD is declined (spending_controls)."""
    card = docs.client.v1.issuing.cards.update(
        docs.card.id,
        {"spending_controls": {"spending_limits": [{"amount": 10000, "interval": "per_authorization"}]}},
        docs.opts,
    )
    assert card.spending_controls.spending_limits is not None
    assert card.spending_controls.spending_limits[0].amount == 10000
    assert card.spending_controls.spending_limits[0].interval == "per_authorization"
    assert card.spending_controls.spending_limits_currency == "usd"
    ok = docs.th.authorizations.create({"card": card.id, "amount": 10000}, docs.opts)
    assert ok.approved is True
    no = docs.th.authorizations.create({"card": card.id, "amount": 10001}, docs.opts)
    assert no.approved is False
    assert no.status == "closed"
    assert no.request_history[0].reason == "spending_controls"


def test_cardholder_monthly_limit_applies_across_cards(docs: Docs) -> None:
    """Cardholder spending_limits (3000 USD monthly in the docs' intro) apply across the holder's cards."""
    holder = docs.client.v1.issuing.cardholders.update(
        docs.cardholder.id,
        {"spending_controls": {"spending_limits": [{"amount": 3000, "interval": "monthly"}]}},
        docs.opts,
    )
    assert holder.spending_controls is not None and holder.spending_controls.spending_limits_currency == "usd"
    second = docs.new_card(status="active")
    assert docs.th.authorizations.create({"card": docs.card.id, "amount": 2000}, docs.opts).approved is True
    declined = docs.th.authorizations.create({"card": second.id, "amount": 1500}, docs.opts)
    assert declined.approved is False
    assert declined.request_history[0].reason == "spending_controls"
    assert docs.th.authorizations.create({"card": second.id, "amount": 1000}, docs.opts).approved is True


def test_blocked_categories_decline(docs: Docs) -> None:
    """blocked_categories (the docs' example: bakeries) declines a purchase at that merchant category."""
    docs.client.v1.issuing.cards.update(
        docs.card.id, {"spending_controls": {"blocked_categories": ["bakeries"]}}, docs.opts
    )
    auth = docs.th.authorizations.create(
        {"card": docs.card.id, "amount": 500, "merchant_data": {"category": "bakeries"}}, docs.opts
    )
    assert auth.approved is False
    assert auth.merchant_data.category == "bakeries"
    assert auth.merchant_data.category_code == "5462"
    assert auth.request_history[0].reason == "spending_controls"
    ok = docs.th.authorizations.create(
        {"card": docs.card.id, "amount": 500, "merchant_data": {"category": "taxicabs_limousines"}}, docs.opts
    )
    assert ok.approved is True


def test_allowed_and_blocked_categories_together_refused(docs: Docs) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.cards.update(
            docs.card.id,
            {"spending_controls": {"allowed_categories": ["bakeries"], "blocked_categories": ["florists"]}},
            docs.opts,
        )
    assert exc.value.http_status == 400


# --- /api/issuing/authorizations test helpers (the API reference's examples) ----------------------


def test_test_mode_create_authorization_example(docs: Docs) -> None:
    """POST /v1/test_helpers/issuing/authorizations amount=1000 card=ic_..."""
    before = docs.cash()
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    assert auth.object == "issuing.authorization"
    assert auth.id.startswith("iauth_")
    assert auth.amount == 1000
    assert auth.approved is True
    assert auth.status == "pending"
    assert auth.currency == "usd"
    assert auth.card.id == docs.card.id
    assert auth.cardholder == docs.cardholder.id
    assert auth.merchant_currency == "usd"
    assert auth.amount_details is not None
    assert auth.balance_transactions == []  # FA-backed: money shows on the treasury side
    assert auth.treasury is not None and auth.treasury.transaction is not None
    assert auth.pending_request is None
    assert len(auth.request_history) == 1 and auth.request_history[0].approved is True
    assert docs.cash() == before - 1000


def test_capture_example_creates_transaction(docs: Docs) -> None:
    """capture with capture_amount=100 and close_authorization=true (API reference example)."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    before = docs.cash()
    captured = docs.th.authorizations.capture(auth.id, {"capture_amount": 100, "close_authorization": True}, docs.opts)
    assert captured.status == "closed"
    assert len(captured.transactions) == 1
    txn = captured.transactions[0]
    assert txn.object == "issuing.transaction"
    assert txn.type == "capture"
    assert txn.amount == -100
    assert txn.authorization == auth.id
    assert txn.treasury is not None and txn.treasury.received_debit is not None
    assert docs.cash() == before + 900  # the rest of the hold is released
    listed = docs.client.v1.issuing.transactions.list({"card": docs.card.id}, docs.opts)
    assert [t.id for t in listed.data] == [txn.id]


def test_increment_example(docs: Docs) -> None:
    """increment with increment_amount=50 and is_amount_controllable=true (API reference example)."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    inc = docs.th.authorizations.increment(auth.id, {"increment_amount": 50, "is_amount_controllable": True}, docs.opts)
    assert inc.amount == 1050
    assert inc.status == "pending"
    assert len(inc.request_history) == 2


def test_reverse_example(docs: Docs) -> None:
    """reverse with reverse_amount=20, then the rest: status becomes reversed."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    part = docs.th.authorizations.reverse(auth.id, {"reverse_amount": 20}, docs.opts)
    assert part.amount == 980
    assert part.status == "pending"
    full = docs.th.authorizations.reverse(auth.id, None, docs.opts)
    assert full.amount == 0
    assert full.status == "reversed"


def test_expire_example(docs: Docs) -> None:
    before = docs.cash()
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    expired = docs.th.authorizations.expire(auth.id, None, docs.opts)
    assert expired.status == "expired"
    assert docs.cash() == before


def test_finalize_amount_example(docs: Docs) -> None:
    """finalize_amount with final_amount=100 and the docs' fuel data (fuel dispensers)."""
    auth = docs.th.authorizations.create(
        {
            "amount": 10000,
            "card": docs.card.id,
            "merchant_data": {"category": "automated_fuel_dispensers"},
            "is_amount_controllable": False,
        },
        docs.opts,
    )
    final = docs.th.authorizations.finalize_amount(
        auth.id,
        {
            "final_amount": 100,
            "fuel": {
                "type": "unleaded_regular",
                "unit": "us_gallon",
                "unit_cost_decimal": "3.5",
                "quantity_decimal": "2",
            },
        },
        docs.opts,
    )
    assert final.amount == 100
    assert final.status == "pending"


def test_approve_decline_via_api(docs: Docs) -> None:
    """/api/issuing/authorizations/approve|decline: only for a pending request; otherwise a 400."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.authorizations.approve(auth.id, None, docs.opts)
    assert exc.value.http_status == 400


def test_authorizations_list_filters(docs: Docs) -> None:
    """GET /v1/issuing/authorizations?limit=3 and filters by card, cardholder, status."""
    a = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    b = docs.th.authorizations.create({"amount": 2000, "card": docs.card.id}, docs.opts)
    docs.th.authorizations.capture(b.id, None, docs.opts)
    page = docs.client.v1.issuing.authorizations.list({"limit": 3}, docs.opts)
    assert page.object == "list"
    assert page.url == "/v1/issuing/authorizations"
    assert [x.id for x in page.data] == [b.id, a.id]
    pending = docs.client.v1.issuing.authorizations.list({"status": "pending"}, docs.opts)
    assert [x.id for x in pending.data] == [a.id]
    by_holder = docs.client.v1.issuing.authorizations.list({"cardholder": docs.cardholder.id}, docs.opts)
    assert len(by_holder.data) == 2


def test_authorization_update_metadata(docs: Docs) -> None:
    """/api/issuing/authorizations/update: metadata[order_id]=6735."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    upd = docs.client.v1.issuing.authorizations.update(auth.id, {"metadata": {"order_id": "6735"}}, docs.opts)
    assert upd.metadata.to_dict() == {"order_id": "6735"}


# --- /api/issuing/transactions test helpers --------------------------------------------------------


def test_force_capture_example(docs: Docs) -> None:
    """create_force_capture with amount=100, card, and the docs' merchant_data."""
    before = docs.cash()
    txn = docs.th.transactions.create_force_capture(
        {
            "amount": 100,
            "card": docs.card.id,
            "currency": "usd",
            "merchant_data": {"category": "ac_refrigeration_repair", "name": "foo", "city": "bar", "country": "US"},
        },
        docs.opts,
    )
    assert txn.object == "issuing.transaction"
    assert txn.type == "capture"
    assert txn.amount == -100
    assert txn.authorization is None
    assert txn.merchant_data.category == "ac_refrigeration_repair"
    assert txn.merchant_data.category_code == "7623"
    assert docs.cash() == before - 100


def test_unlinked_refund_example(docs: Docs) -> None:
    before = docs.cash()
    txn = docs.th.transactions.create_unlinked_refund(
        {"amount": 100, "card": docs.card.id, "currency": "usd"}, docs.opts
    )
    assert txn.type == "refund"
    assert txn.amount == 100
    assert txn.authorization is None
    assert txn.treasury is not None and txn.treasury.received_credit is not None
    assert docs.cash() == before + 100


def test_refund_example(docs: Docs) -> None:
    """refund with refund_amount=100: a new refund transaction; the call answers the original."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    captured = docs.th.authorizations.capture(auth.id, None, docs.opts)
    txn_id = captured.transactions[0].id
    before = docs.cash()
    answered = docs.th.transactions.refund(txn_id, {"refund_amount": 100}, docs.opts)
    assert answered.id == txn_id
    assert docs.cash() == before + 100
    refunds = [
        t
        for t in docs.client.v1.issuing.transactions.list({"card": docs.card.id}, docs.opts).data
        if t.type == "refund"
    ]
    assert len(refunds) == 1 and refunds[0].amount == 100 and refunds[0].authorization == auth.id


def test_transactions_list_by_type(docs: Docs) -> None:
    docs.th.transactions.create_force_capture({"amount": 100, "card": docs.card.id}, docs.opts)
    docs.th.transactions.create_unlinked_refund({"amount": 50, "card": docs.card.id}, docs.opts)
    caps = docs.client.v1.issuing.transactions.list({"type": "capture"}, docs.opts)
    assert [t.type for t in caps.data] == ["capture"]


# --- /issuing/purchases/disputes -------------------------------------------------------------------


def _captured_transaction(docs: Docs, amount: int = 1000) -> str:
    auth = docs.th.authorizations.create({"amount": amount, "card": docs.card.id}, docs.opts)
    return str(docs.th.authorizations.capture(auth.id, None, docs.opts).transactions[0].id)


def test_dispute_create_and_submit_example(docs: Docs) -> None:
    """Create with evidence[reason]=fraudulent and an explanation, then submit: status submitted."""
    txn = _captured_transaction(docs)
    dispute = docs.client.v1.issuing.disputes.create(
        {
            "transaction": txn,
            "evidence": {"reason": "fraudulent", "fraudulent": {"explanation": "This transaction is fraudulent."}},
        },
        docs.opts,
    )
    assert dispute.object == "issuing.dispute"
    assert dispute.id.startswith("idp_")
    assert dispute.status == "unsubmitted"
    assert dispute.amount == 1000
    assert dispute.currency == "usd"
    assert dispute.transaction == txn
    assert dispute.evidence.reason == "fraudulent"
    assert dispute.evidence.fraudulent is not None
    assert dispute.evidence.fraudulent.explanation == "This transaction is fraudulent."
    assert dispute.treasury is not None and dispute.treasury.received_debit is not None
    before = docs.cash()
    submitted = docs.client.v1.issuing.disputes.submit(dispute.id, None, docs.opts)
    assert submitted.status == "submitted"
    won = docs.client.v1.issuing.disputes.retrieve(dispute.id, None, docs.opts)
    assert won.status == "won"
    assert won.treasury is not None and won.treasury.debit_reversal is not None
    assert docs.cash() == before + 1000
    got = docs.client.v1.issuing.transactions.retrieve(txn, None, docs.opts)
    assert got.dispute == dispute.id


def test_dispute_losing_evidence_test_value(docs: Docs) -> None:
    """/issuing/testing: explanation 'losing_evidence' makes the submitted dispute lost."""
    txn = _captured_transaction(docs)
    dispute = docs.client.v1.issuing.disputes.create(
        {"transaction": txn, "evidence": {"reason": "fraudulent", "fraudulent": {"explanation": "losing_evidence"}}},
        docs.opts,
    )
    before = docs.cash()
    submitted = docs.client.v1.issuing.disputes.submit(dispute.id, None, docs.opts)
    assert submitted.status == "submitted"
    lost = docs.client.v1.issuing.disputes.retrieve(dispute.id, None, docs.opts)
    assert lost.status == "lost"
    assert lost.loss_reason is not None
    assert docs.cash() == before


def test_dispute_of_uncaptured_authorization_refused(docs: Docs) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.disputes.create({"transaction": "ipi_doesnotexist"}, docs.opts)
    assert exc.value.http_status == 400  # a missing object named in the body
    assert exc.value.code == "resource_missing"
    assert exc.value.param == "transaction"


def test_dispute_update_evidence_before_submit(docs: Docs) -> None:
    """/api/issuing/disputes/update: evidence is replaceable while unsubmitted."""
    txn = _captured_transaction(docs)
    dispute = docs.client.v1.issuing.disputes.create({"transaction": txn}, docs.opts)
    upd = docs.client.v1.issuing.disputes.update(
        dispute.id,
        {
            "evidence": {
                "reason": "not_received",
                "not_received": {"explanation": "Never arrived", "product_type": "merchandise"},
            }
        },
        docs.opts,
    )
    assert upd.evidence.reason == "not_received"
    assert upd.evidence.not_received is not None and upd.evidence.not_received.product_type == "merchandise"


# --- /treasury/connect/account-management/issuing-cards --------------------------------------------


def test_treasury_card_authorization_moves_money(docs: Docs) -> None:
    """The issuing-cards page: the authorization holds funds in a treasury transaction, the capture
    becomes a ReceivedDebit with network=card."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    trxn = docs.client.v1.treasury.transactions.retrieve(auth.treasury.transaction, None, docs.opts)
    assert trxn.flow_type == "issuing_authorization"
    assert trxn.flow == auth.id
    assert trxn.status == "open"
    captured = docs.th.authorizations.capture(auth.id, None, docs.opts)
    rd_id = captured.transactions[0].treasury.received_debit
    rd = docs.client.v1.treasury.received_debits.retrieve(rd_id, None, docs.opts)
    assert rd.network == "card"
    assert rd.amount == 1000
    assert rd.linked_flows.issuing_transaction == captured.transactions[0].id
    assert rd.linked_flows.issuing_authorization == auth.id


# --- /api/issuing/cards/list, /api/issuing/cardholders/list ---------------------------------------------


def test_cards_list_filters_example(docs: Docs) -> None:
    """/api/issuing/cards/list: limit=3, and filters cardholder/type/status/last4."""
    phys = docs.new_card(type="physical", shipping=SHIPPING)
    page = docs.client.v1.issuing.cards.list({"limit": 3}, docs.opts)
    assert page.url == "/v1/issuing/cards"
    assert [c.id for c in page.data] == [phys.id, docs.card.id]
    assert [c.id for c in docs.client.v1.issuing.cards.list({"type": "virtual"}, docs.opts).data] == [docs.card.id]
    assert [c.id for c in docs.client.v1.issuing.cards.list({"status": "inactive"}, docs.opts).data] == [phys.id]
    by_last4 = docs.client.v1.issuing.cards.list({"last4": docs.card.last4}, docs.opts).data
    assert docs.card.id in [c.id for c in by_last4]
    by_holder = docs.client.v1.issuing.cards.list({"cardholder": docs.cardholder.id}, docs.opts).data
    assert len(by_holder) == 2


def test_cardholders_list_filters_example(docs: Docs) -> None:
    """/api/issuing/cardholders/list: email, phone_number, status, type filters."""
    c = docs.client.v1.issuing.cardholders
    assert [h.id for h in c.list({"email": "jenny.rosen@example.com"}, docs.opts).data] == [docs.cardholder.id]
    assert [h.id for h in c.list({"phone_number": "+18888675309"}, docs.opts).data] == [docs.cardholder.id]
    assert [h.id for h in c.list({"type": "individual", "status": "active"}, docs.opts).data] == [docs.cardholder.id]
    assert c.list({"type": "company"}, docs.opts).data == []


# --- /issuing/connect: cardholders and cards of a connected account ---------------------------------------


def test_company_cardholder_example(docs: Docs) -> None:
    """/issuing/cards/virtual/issue-cards: a company cardholder with a tax id."""
    holder = docs.client.v1.issuing.cardholders.create(
        {
            "type": "company",
            "name": "Company Card",
            "company": {"tax_id": "000000000"},
            "billing": {"address": DOCS_ADDRESS},
        },
        docs.opts,
    )
    assert holder.type == "company"
    assert holder.company is not None and holder.company.tax_id_provided is True
    assert holder.individual is None
    assert holder.status == "active"


def test_cardholder_missing_billing_is_parameter_missing(docs: Docs) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.cardholders.create({"name": "Jenny Rosen", "type": "individual"}, docs.opts)  # type: ignore[typeddict-item]
    assert exc.value.http_status == 400
    assert exc.value.code == "parameter_missing"
    assert exc.value.param == "billing"


def test_card_for_unknown_cardholder_is_404(docs: Docs) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        docs.client.v1.issuing.cards.create(
            {"cardholder": "ich_doesnotexist", "currency": "usd", "type": "virtual"}, docs.opts
        )
    assert exc.value.http_status in (400, 404)
    assert exc.value.param == "cardholder"


# --- /issuing/testing: declines and verification results ------------------------------------------------


def test_authorization_on_inactive_card_declined_card_inactive(docs: Docs) -> None:
    """/issuing/purchases/authorizations: request_history reason card_inactive."""
    docs.client.v1.issuing.cards.update(docs.card.id, {"status": "inactive"}, docs.opts)
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    assert auth.approved is False
    assert auth.request_history[0].reason == "card_inactive"


def test_authorization_insufficient_funds(docs: Docs) -> None:
    # $600 on $500 of cash, within the card's limits (a card without limits allows $500 a day)
    card = docs.new_card(
        status="active", spending_controls={"spending_limits": [{"amount": 100_000, "interval": "daily"}]}
    )
    auth = docs.th.authorizations.create({"amount": 60_000, "card": card.id}, docs.opts)
    assert auth.approved is False
    assert auth.request_history[0].reason == "insufficient_funds"
    assert auth.treasury is None or auth.treasury.transaction is None


def test_authorization_in_other_currency(docs: Docs) -> None:
    """/issuing/purchases/authorizations: merchant_amount/merchant_currency keep the merchant's side."""
    auth = docs.th.authorizations.create({"amount": 1000, "currency": "eur", "card": docs.card.id}, docs.opts)
    assert auth.approved is True
    assert auth.merchant_currency == "eur"
    assert auth.merchant_amount == 1000
    assert auth.currency == "usd"
    assert auth.amount > 0


def test_cvc_mismatch_verification(docs: Docs) -> None:
    """/issuing/testing: verification_data[cvc_check]=mismatch declines with verification_failed."""
    auth = docs.th.authorizations.create(
        {"amount": 1000, "card": docs.card.id, "verification_data": {"cvc_check": "mismatch"}}, docs.opts
    )
    assert auth.verification_data.cvc_check == "mismatch"
    assert auth.approved is False
    assert auth.request_history[0].reason == "verification_failed"


# --- a refused capture changes nothing and names the exact parameter (found with these examples) -------


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ("purchase_details[receipt][0][quantity]=abc", "purchase_details[receipt][0][quantity]"),
        (
            "purchase_details[receipt][0][quantity]=1&purchase_details[receipt][1][quantity]=x",
            "purchase_details[receipt][1][quantity]",
        ),
        (
            "purchase_details[fleet][reported_breakdown][fuel][gross_amount_decimal]=x",
            "purchase_details[fleet][reported_breakdown][fuel][gross_amount_decimal]",
        ),
        ("purchase_details[fuel][quantity_decimal]=abc", "purchase_details[fuel][quantity_decimal]"),
    ],
)
def test_capture_with_bad_purchase_details_changes_nothing(
    docs: Docs, http: httpx.Client, body: str, param: str
) -> None:
    """Before: the 400 came after the hold was released and the authorization closed (no transaction)."""
    auth = docs.th.authorizations.create({"amount": 1000, "card": docs.card.id}, docs.opts)
    cash = docs.cash()
    r = http.post(
        f"/v1/test_helpers/issuing/authorizations/{auth.id}/capture",
        content=body,
        headers={**FORM, "Stripe-Account": docs.account},
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    again = docs.client.v1.issuing.authorizations.retrieve(auth.id, None, docs.opts)
    assert again.status == "pending"
    assert again.transactions == []
    assert docs.cash() == cash
    # and the authorization can still be captured
    captured = docs.th.authorizations.capture(auth.id, None, docs.opts)
    assert captured.status == "closed" and len(captured.transactions) == 1


@pytest.mark.parametrize("part", ["fuel", "non_fuel"])
def test_fleet_breakdown_error_names_the_full_parameter(docs: Docs, http: httpx.Client, part: str) -> None:
    r = http.post(
        "/v1/test_helpers/issuing/authorizations",
        content=f"card={docs.card.id}&amount=100&fleet[reported_breakdown][{part}][gross_amount_decimal]=x",
        headers={**FORM, "Stripe-Account": docs.account},
    )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == f"fleet[reported_breakdown][{part}][gross_amount_decimal]"
    assert docs.client.v1.issuing.authorizations.list(None, docs.opts).data == []
