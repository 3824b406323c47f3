"""OutboundTransfers and OutboundPayments through the real SDK: checks on create, the status
machine driven by the test helpers, the money on the ledger and the events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from tests.support import flows, money_flows
from tests.support.errors import error_json
from tests.support.money_flows import Mover

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

HOLD = {"cash": -1000, "inbound_pending": 0, "outbound_pending": 1000}
POSTING = {"cash": 0, "inbound_pending": 0, "outbound_pending": -1000}
RELEASE = {"cash": 1000, "inbound_pending": 0, "outbound_pending": -1000}


@pytest.fixture
def m(client: stripe.StripeClient) -> Mover:
    return money_flows.mover(client, funds=50_000)


# --- OutboundTransfers ------------------------------------------------------------------------------


def test_outbound_transfer_holds_then_posts(m: Mover) -> None:
    obt = m.outbound_transfer(1000, description="Rent", metadata={"order": "42"}, statement_descriptor="RENT 04")
    assert (obt.object, obt.status, obt.amount, obt.currency) == (
        "treasury.outbound_transfer",
        "processing",
        1000,
        "usd",
    )
    assert obt.id.startswith("obt_1") and obt.cancelable is True and obt.returned_details is None
    assert (obt.description, obt.statement_descriptor, obt.metadata.to_dict()) == ("Rent", "RENT 04", {"order": "42"})
    assert obt.destination_payment_method == "pm_usBankAccount"
    details = obt.destination_payment_method_details
    assert details.type == "us_bank_account" and details.billing_details.name == "Jane Austen"
    bank = details.us_bank_account
    assert (bank.bank_name, bank.last4, bank.routing_number, bank.network) == (
        "STRIPE TEST BANK",
        "6789",
        "110000000",
        "ach",
    )
    assert obt.expected_arrival_date > obt.created and obt.expected_arrival_date % 86400 == 0
    assert m.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 1000}
    trxn = m.transaction(obt.transaction)
    assert (trxn.flow_type, trxn.flow, trxn.status, trxn.amount) == ("outbound_transfer", obt.id, "open", -1000)
    assert trxn.balance_impact.to_dict() == HOLD
    assert m.entries(obt.transaction) == [("outbound_transfer", HOLD)]

    posted = m.th.outbound_transfers.post(obt.id, options=m.opts)
    assert (posted.status, posted.cancelable) == ("posted", False)
    assert posted.status_transitions.posted_at is not None and posted.status_transitions.failed_at is None
    assert m.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 0}
    trxn = m.transaction(obt.transaction)
    assert trxn.status == "posted" and trxn.status_transitions.posted_at is not None
    assert m.entries(obt.transaction) == [("outbound_transfer", HOLD), ("outbound_transfer_posting", POSTING)]
    assert m.event_types(obt.id) == ["treasury.outbound_transfer.created", "treasury.outbound_transfer.posted"]
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_transfers.post(obt.id, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_transfers.fail(obt.id, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.outbound_transfers.cancel(obt.id, options=m.opts)


def test_a_bank_account_is_the_accounts_own(m: Mover) -> None:
    """OutboundTransfers go to a bank account "belonging to the same entity": a ``ba_`` is one of the
    account's external accounts, shown as it is; an unknown one or another account's is
    ``resource_missing`` (an InboundTransfer's origin too). A ``pm_`` stays Stripe's test account."""
    bank = m.client.v1.accounts.external_accounts.create(
        m.account,
        {
            "external_account": {
                "object": "bank_account",
                "country": "US",
                "currency": "usd",
                "routing_number": "110000000",
                "account_number": "000999999991",
                "account_holder_name": "QA Widgets LLC",
                "account_holder_type": "company",
            }
        },  # type: ignore[typeddict-item]
    )
    obt = m.outbound_transfer(1000, destination_payment_method=bank.id)
    details = obt.destination_payment_method_details
    assert details.billing_details.name == "QA Widgets LLC"
    assert (details.us_bank_account.last4, details.us_bank_account.account_holder_type) == ("9991", "company")
    other = money_flows.mover(m.client, funds=0)
    foreign = m.client.v1.accounts.external_accounts.create(other.account, {"external_account": "btok_us_verified"})
    for bad in ("ba_doesnotexist000", foreign.id):
        with pytest.raises(stripe.InvalidRequestError) as err:
            m.outbound_transfer(1000, destination_payment_method=bad)
        assert (err.value.code, err.value.param) == ("resource_missing", "destination_payment_method")
        with pytest.raises(stripe.InvalidRequestError) as err:
            m.treasury.inbound_transfers.create(
                {"financial_account": m.fa, "amount": 100, "currency": "usd", "origin_payment_method": bad}, m.opts
            )
        assert (err.value.code, err.value.param) == ("resource_missing", "origin_payment_method")
    assert m.balance() == {"cash": 49_000, "inbound_pending": 0, "outbound_pending": 1000}


@pytest.mark.parametrize(
    ("action", "status", "entry"), [("fail", "failed", "failure"), ("cancel", "canceled", "cancellation")]
)
def test_failed_or_canceled_transfer_gives_the_money_back(m: Mover, action: str, status: str, entry: str) -> None:
    obt = m.outbound_transfer(1000)
    if action == "fail":
        out = m.th.outbound_transfers.fail(obt.id, options=m.opts)
    else:
        out = m.treasury.outbound_transfers.cancel(obt.id, options=m.opts)
    assert (out.status, out.cancelable) == (status, False)
    assert getattr(out.status_transitions, f"{status}_at") is not None
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    trxn = m.transaction(obt.transaction)
    assert trxn.status == "void" and trxn.status_transitions.void_at is not None
    assert trxn.balance_impact.to_dict() == {"cash": 0, "inbound_pending": 0, "outbound_pending": 0}
    assert m.entries(obt.transaction) == [("outbound_transfer", HOLD), (f"outbound_transfer_{entry}", RELEASE)]
    assert m.event_types(obt.id)[-1] == f"treasury.outbound_transfer.{status}"
    m.refuses(
        obt.id,
        m.th.outbound_transfers.post,
        m.th.outbound_transfers.fail,
        m.th.outbound_transfers.return_outbound_transfer,
    )


def test_returned_transfer_comes_back_on_a_new_transaction(m: Mover) -> None:
    obt = m.outbound_transfer(1000)
    m.th.outbound_transfers.post(obt.id, options=m.opts)
    out = m.th.outbound_transfers.return_outbound_transfer(
        obt.id, {"returned_details": {"code": "account_closed"}}, options=m.opts
    )
    assert out.status == "returned" and out.status_transitions.returned_at is not None
    assert out.returned_details.code == "account_closed"
    back = m.transaction(out.returned_details.transaction)
    assert (back.flow_type, back.flow, back.status, back.amount) == ("outbound_transfer", obt.id, "posted", 1000)
    assert m.entries(back.id) == [
        ("outbound_transfer_return", {"cash": 1000, "inbound_pending": 0, "outbound_pending": 0})
    ]
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_transfers.return_outbound_transfer(obt.id, options=m.opts)
    # returning a processing transfer posts it first; the default code is "declined"
    second = m.outbound_transfer(500)
    out = m.th.outbound_transfers.return_outbound_transfer(second.id, options=m.opts)
    assert (out.status, out.returned_details.code) == ("returned", "declined")
    assert out.status_transitions.posted_at is not None
    assert m.event_types(second.id) == [
        "treasury.outbound_transfer.created",
        "treasury.outbound_transfer.posted",
        "treasury.outbound_transfer.returned",
    ]
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}


def test_returned_details_transaction_expands(m: Mover) -> None:
    obt = m.outbound_transfer(1000, expand=["transaction"])
    assert obt.transaction.object == "treasury.transaction" and obt.transaction.status == "open"  # type: ignore[union-attr]
    trxn = m.treasury.transactions.retrieve(obt.transaction.id, {"expand": ["flow_details"]}, m.opts)  # type: ignore[union-attr]
    assert trxn.flow_details.type == "outbound_transfer" and trxn.flow_details.outbound_transfer.id == obt.id


def test_insufficient_funds(m: Mover) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(50_001)
    assert error_json(exc)["code"] == "insufficient_funds"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_payment(50_001)
    assert error_json(exc)["code"] == "insufficient_funds"
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    # exactly the cash is fine, and then nothing is left
    m.outbound_transfer(50_000)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(1)
    assert error_json(exc)["code"] == "insufficient_funds"
    assert m.treasury.outbound_transfers.list({"financial_account": m.fa}, m.opts).data[0].amount == 50_000


def test_create_refusals(m: Mover, client: stripe.StripeClient) -> None:
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"amount": 0}, "amount"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "xyz"}, "currency"),
        ({"destination_payment_method": "card_123"}, "destination_payment_method"),
        ({"statement_descriptor": "much too long for ach"}, "statement_descriptor"),
        ({"statement_descriptor": "bad!chars"}, "statement_descriptor"),
        ({"financial_account": "fa_missing"}, "financial_account"),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as exc:
            m.outbound_transfer(**{"amount": 1000, **params})
        assert error_json(exc).get("param") == param, params
    # neither or both destinations
    body = {"amount": 100, "currency": "usd", "financial_account": m.fa}
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.outbound_transfers.create(body, m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.outbound_transfer(
            100, destination_payment_method_data={"type": "financial_account", "financial_account": m.fa}
        )
    assert m.balance()["cash"] == 50_000
    assert m.treasury.outbound_transfers.list({"financial_account": m.fa}, m.opts).data == []
    # the transfer belongs to its account: invisible to the platform
    obt = m.outbound_transfer(100)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.treasury.outbound_transfers.retrieve(obt.id)
    assert exc.value.http_status == 404


def test_features_and_restrictions_are_honoured(client: stripe.StripeClient) -> None:
    m = money_flows.mover(client, platform_restrictions={"outbound_flows": "restricted"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(100)
    assert "outbound_transfers.ach" in error_json(exc)["message"]
    with pytest.raises(stripe.InvalidRequestError):
        m.outbound_payment(100)
    m.treasury.financial_accounts.update(m.fa, {"platform_restrictions": {"outbound_flows": "unrestricted"}}, m.opts)
    assert m.outbound_transfer(100).status == "processing"
    # wire not requested on this account
    acct = money_flows.account(client)
    fa = flows.financial_account(client, acct, features={"outbound_transfers": {"ach": {"requested": True}}})
    n = Mover(client, acct, fa.id)
    n.fund(5000)
    wire = {"destination_payment_method_options": {"us_bank_account": {"network": "us_domestic_wire"}}}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        n.outbound_transfer(100, **wire)
    assert "outbound_transfers.us_domestic_wire" in error_json(exc)["message"]
    assert n.outbound_transfer(100).status == "processing"
    with pytest.raises(stripe.InvalidRequestError):
        n.outbound_payment(100)


def test_closed_account_cannot_send(m: Mover) -> None:
    other = m.another_account()
    m.treasury.financial_accounts.close(other, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(100, financial_account=other)
    assert "closed" in error_json(exc)["message"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(
            100,
            destination_payment_method=None,
            destination_payment_method_data={"type": "financial_account", "financial_account": other},
        )
    assert "closed" in error_json(exc)["message"]


def test_wire_transfer_is_not_cancelable(m: Mover) -> None:
    wire = {"destination_payment_method_options": {"us_bank_account": {"network": "us_domestic_wire"}}}
    obt = m.outbound_transfer(1000, statement_descriptor="x" * 140, **wire)
    assert obt.destination_payment_method_details.us_bank_account.network == "us_domestic_wire"
    assert obt.cancelable is False and obt.expected_arrival_date == obt.created
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.outbound_transfers.cancel(obt.id, options=m.opts)
    assert m.th.outbound_transfers.post(obt.id, options=m.opts).status == "posted"


def test_transfer_between_own_financial_accounts(m: Mover) -> None:
    other = m.another_account()
    obt = m.outbound_transfer(
        2500,
        destination_payment_method=None,
        destination_payment_method_data={"type": "financial_account", "financial_account": other},
    )
    details = obt.destination_payment_method_details
    assert details.type == "financial_account" and details.financial_account.to_dict() == {
        "id": other,
        "network": "stripe",
    }
    assert obt.destination_payment_method is None and obt.cancelable is False
    assert obt.status == "posted"  # Stripe's timelines: stripe-network flows "post immediately"
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.outbound_transfers.cancel(obt.id, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_transfers.post(obt.id, options=m.opts)  # posted already
    assert m.balance() == {"cash": 47_500, "inbound_pending": 0, "outbound_pending": 0}
    assert m.balance(other) == {"cash": 2500, "inbound_pending": 0, "outbound_pending": 0}
    rc = m.treasury.received_credits.list({"financial_account": other}, m.opts).data[0]
    assert (rc.network, rc.amount, rc.status) == ("stripe", 2500, "succeeded")
    assert (rc.linked_flows.source_flow, rc.linked_flows.source_flow_type) == (obt.id, "outbound_transfer")
    assert rc.initiating_payment_method_details.financial_account.id == m.fa
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_transfers.return_outbound_transfer(obt.id, options=m.opts)
    # another account's financial account is not reachable by a transfer
    stranger = money_flows.mover(m.client, funds=0)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_transfer(
            100,
            destination_payment_method=None,
            destination_payment_method_data={"type": "financial_account", "financial_account": stranger.fa},
        )
    assert exc.value.http_status == 400 and exc.value.code == "resource_missing"


def test_tracking_details_update(m: Mover, http: httpx.Client) -> None:
    obt = m.outbound_transfer(1000)
    ach = {"tracking_details": {"type": "ach", "ach": {"trace_id": "T123"}}}
    # Stripe: "The OutboundTransfer must not be cancelable" -- an ACH transfer is until it posts
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.th.outbound_transfers.update(obt.id, ach, m.opts)
    assert "cancelable" in error_json(exc)["message"]
    m.th.outbound_transfers.post(obt.id, options=m.opts)
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_transfers.update(
            obt.id, {"tracking_details": {"type": "us_domestic_wire", "us_domestic_wire": {"imad": "1"}}}, m.opts
        )
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.th.outbound_transfers.update(obt.id, {"tracking_details": {"type": "ach"}}, m.opts)
    assert error_json(exc)["param"] == "tracking_details[ach]"
    r = http.post(f"/v1/test_helpers/treasury/outbound_transfers/{obt.id}", headers={"Stripe-Account": m.account})
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_missing"
    out = m.th.outbound_transfers.update(obt.id, ach, m.opts)
    assert out.tracking_details.to_dict() == {"ach": {"trace_id": "T123"}, "type": "ach"}
    assert m.event_types(obt.id)[-1] == "treasury.outbound_transfer.tracking_details_updated"
    # "Returns an error ... if tracking_details has already been set"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.th.outbound_transfers.update(obt.id, {"tracking_details": {"type": "ach", "ach": {"trace_id": "T9"}}}, m.opts)
    assert error_json(exc)["param"] == "tracking_details"
    assert m.treasury.outbound_transfers.retrieve(obt.id, options=m.opts).tracking_details.ach.trace_id == "T123"


def test_tracking_details_states(m: Mover) -> None:
    """Not canceled or failed; a processing wire (never cancelable) and a returned flow can be tracked."""
    wire = {"destination_payment_method_options": {"us_bank_account": {"network": "us_domestic_wire"}}}
    obt = m.outbound_transfer(1000, **wire)
    out = m.th.outbound_transfers.update(
        obt.id, {"tracking_details": {"type": "us_domestic_wire", "us_domestic_wire": {"imad": "IM1"}}}, m.opts
    )
    assert (out.status, out.tracking_details.us_domestic_wire.imad) == ("processing", "IM1")
    returned = m.outbound_payment(500)
    m.th.outbound_payments.return_outbound_payment(returned.id, options=m.opts)
    out2 = m.th.outbound_payments.update(
        returned.id, {"tracking_details": {"type": "ach", "ach": {"trace_id": "T1"}}}, m.opts
    )
    assert (out2.status, out2.tracking_details.type) == ("returned", "ach")
    assert m.event_types(returned.id)[-1] == "treasury.outbound_payment.tracking_details_updated"
    for action in ("fail", "cancel"):
        obp = m.outbound_payment(100)
        if action == "fail":
            m.th.outbound_payments.fail(obp.id, options=m.opts)
        else:
            m.treasury.outbound_payments.cancel(obp.id, options=m.opts)
        with pytest.raises(stripe.InvalidRequestError) as exc:
            m.th.outbound_payments.update(
                obp.id, {"tracking_details": {"type": "ach", "ach": {"trace_id": "T1"}}}, m.opts
            )
        assert exc.value.http_status == 400 and "status" in error_json(exc)["message"]


def test_list_outbound_transfers(m: Mover) -> None:
    made = [m.outbound_transfer(100 + i) for i in range(4)]
    m.th.outbound_transfers.post(made[0].id, options=m.opts)
    page = m.treasury.outbound_transfers.list({"financial_account": m.fa, "limit": 3}, m.opts)
    assert [o.id for o in page.data] == [o.id for o in reversed(made)][:3] and page.has_more
    assert page.url == "/v1/treasury/outbound_transfers"
    everything = list(
        m.treasury.outbound_transfers.list({"financial_account": m.fa, "limit": 2}, m.opts).auto_paging_iter()
    )
    assert len(everything) == 4
    posted = m.treasury.outbound_transfers.list({"financial_account": m.fa, "status": "posted"}, m.opts)
    assert [o.id for o in posted.data] == [made[0].id]
    with pytest.raises(stripe.InvalidRequestError):
        m.treasury.outbound_transfers.list({}, m.opts)  # type: ignore[typeddict-item]


# --- OutboundPayments -------------------------------------------------------------------------------


def test_outbound_payment_to_a_bank_account(m: Mover) -> None:
    obp = m.outbound_payment(
        1200,
        description="Invoice 7",
        end_user_details={"present": True, "ip_address": "1.2.3.4"},
        destination_payment_method_data={
            "type": "us_bank_account",
            "billing_details": {"name": "Vendor Inc", "address": {"city": "Oakland", "country": "US"}},
            "us_bank_account": {**money_flows.BANK, "account_holder_type": "company"},
        },
    )
    assert (obp.object, obp.status, obp.cancelable, obp.statement_descriptor) == (
        "treasury.outbound_payment",
        "processing",
        True,
        "payment",
    )
    assert obp.id.startswith("obp_1") and obp.customer is None and obp.destination_payment_method is None
    assert obp.end_user_details.to_dict() == {"ip_address": "1.2.3.4", "present": True}
    details = obp.destination_payment_method_details
    assert details.billing_details.name == "Vendor Inc" and details.billing_details.address.city == "Oakland"
    bank = details.us_bank_account
    assert (bank.last4, bank.routing_number, bank.account_holder_type, bank.account_type) == (
        "6789",
        "110000000",
        "company",
        "checking",
    )
    assert m.balance() == {"cash": 48_800, "inbound_pending": 0, "outbound_pending": 1200}
    assert m.entries(obp.transaction) == [
        ("outbound_payment", {"cash": -1200, "inbound_pending": 0, "outbound_pending": 1200})
    ]
    m.th.outbound_payments.post(obp.id, options=m.opts)
    out = m.th.outbound_payments.return_outbound_payment(obp.id, {"returned_details": {"code": "no_account"}}, m.opts)
    assert (out.status, out.returned_details.code) == ("returned", "no_account")
    assert [e[0] for e in m.entries(obp.transaction)] == ["outbound_payment", "outbound_payment_posting"]
    assert m.entries(out.returned_details.transaction) == [
        ("outbound_payment_return", {"cash": 1200, "inbound_pending": 0, "outbound_pending": 0})
    ]
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}
    assert m.event_types(obp.id) == [
        "treasury.outbound_payment.created",
        "treasury.outbound_payment.posted",
        "treasury.outbound_payment.returned",
    ]


def test_outbound_payment_checks(m: Mover) -> None:
    # a saved PaymentMethod needs its customer
    with pytest.raises(stripe.InvalidRequestError) as exc:
        m.outbound_payment(100, destination_payment_method_data=None, destination_payment_method="pm_123")
    assert (error_json(exc)["code"], error_json(exc)["param"]) == ("parameter_missing", "customer")
    obp = m.outbound_payment(
        100, destination_payment_method_data=None, destination_payment_method="pm_123", customer="cus_1"
    )
    assert (obp.customer, obp.destination_payment_method) == ("cus_1", "pm_123")
    assert obp.end_user_details.to_dict() == {"ip_address": None, "present": False}
    bad: list[dict[str, Any]] = [
        {"end_user_details": {"present": True}},
        {"end_user_details": {"present": True, "ip_address": "not-an-ip"}},
        {"destination_payment_method_data": {"type": "us_bank_account"}},
        {
            "destination_payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": {**money_flows.BANK, "routing_number": "12"},
            }
        },
        {
            "destination_payment_method_data": {
                "type": "us_bank_account",
                "us_bank_account": {**money_flows.BANK, "account_number": "12a"},
            }
        },
        {"destination_payment_method_data": {"type": "financial_account"}},
        {"destination_payment_method_data": {"type": "financial_account", "financial_account": m.fa}},
        {"statement_descriptor": "x" * 11},
    ]
    for params in bad:
        with pytest.raises(stripe.InvalidRequestError):
            m.outbound_payment(100, **params)
    assert len(m.treasury.outbound_payments.list({"financial_account": m.fa}, m.opts).data) == 1
    # cancel, fail
    assert m.treasury.outbound_payments.cancel(obp.id, options=m.opts).status == "canceled"
    other = m.outbound_payment(300)
    assert m.th.outbound_payments.fail(other.id, options=m.opts).status == "failed"
    assert m.balance() == {"cash": 50_000, "inbound_pending": 0, "outbound_pending": 0}


def test_outbound_payment_to_another_connected_account(m: Mover) -> None:
    payee = money_flows.mover(m.client, funds=0)
    data = {"type": "financial_account", "financial_account": payee.fa}
    obp = m.outbound_payment(4000, destination_payment_method_data=data, statement_descriptor="y" * 500)
    assert obp.cancelable is False and obp.expected_arrival_date == obp.created
    assert obp.destination_payment_method_details.financial_account.id == payee.fa
    assert obp.status == "posted"  # over the stripe network it posts as it is made
    assert payee.balance() == {"cash": 4000, "inbound_pending": 0, "outbound_pending": 0}
    rc = payee.treasury.received_credits.list({"financial_account": payee.fa}, payee.opts).data[0]
    assert (rc.network, rc.linked_flows.source_flow, rc.linked_flows.source_flow_type) == (
        "stripe",
        obp.id,
        "outbound_payment",
    )
    assert payee.event_types(rc.id) == ["treasury.received_credit.created"]
    with pytest.raises(stripe.InvalidRequestError):
        m.th.outbound_payments.update(obp.id, {"tracking_details": {"type": "ach", "ach": {"trace_id": "x"}}}, m.opts)
    # a payee whose inbound flows are restricted cannot be paid over the stripe network (no payment
    # is left processing for it to refuse later: such payments post as they are made)
    payee.treasury.financial_accounts.update(
        payee.fa, {"platform_restrictions": {"inbound_flows": "restricted"}}, payee.opts
    )
    with pytest.raises(stripe.InvalidRequestError):
        m.outbound_payment(1000, destination_payment_method_data=data)
    assert m.balance() == {"cash": 46_000, "inbound_pending": 0, "outbound_pending": 0}
    assert payee.balance()["cash"] == 4000


def test_list_outbound_payments_filters(m: Mover) -> None:
    first = m.outbound_payment(
        100, destination_payment_method_data=None, destination_payment_method="pm_1", customer="cus_a"
    )
    second = m.outbound_payment(200)
    listing = m.treasury.outbound_payments
    assert [o.id for o in listing.list({"financial_account": m.fa}, m.opts).data] == [second.id, first.id]
    assert [o.id for o in listing.list({"financial_account": m.fa, "customer": "cus_a"}, m.opts).data] == [first.id]
    assert listing.list({"financial_account": m.fa, "created": {"gt": second.created}}, m.opts).data == []
    assert len(listing.list({"financial_account": m.fa, "created": {"gte": first.created}}, m.opts).data) == 2
    assert listing.retrieve(first.id, options=m.opts).amount == 100
    with pytest.raises(stripe.InvalidRequestError) as exc:
        listing.retrieve("obp_missing", options=m.opts)
    assert exc.value.http_status == 404


# --- closing -----------------------------------------------------------------------------------------


def test_close_waits_for_inbound_transfers_and_canceled_cards(m: Mover) -> None:
    """Stripe: a FinancialAccount "can only be closed if it has a zero balance, has no pending
    InboundTransfers, and has canceled all attached Issuing cards"."""
    from tests.support import issuing_flows

    card = issuing_flows.card(m.client, m.account, issuing_flows.cardholder(m.client, m.account), m.fa)
    ibt = m.inbound_transfer(500)
    cash = m.balance()["cash"]
    m.th.received_debits.create(
        {"amount": cash, "currency": "usd", "financial_account": m.fa, "network": "ach"}, m.opts
    )
    assert m.balance()["cash"] == 0
    with pytest.raises(stripe.InvalidRequestError) as cards:
        m.treasury.financial_accounts.close(m.fa, options=m.opts)
    assert card in str(cards.value.user_message) and "canceled" in str(cards.value.user_message)
    m.client.v1.issuing.cards.update(card, {"status": "canceled"}, m.opts)
    with pytest.raises(stripe.InvalidRequestError) as pending:
        m.treasury.financial_accounts.close(m.fa, options=m.opts)
    assert ibt.id in str(pending.value.user_message)
    assert m.treasury.financial_accounts.retrieve(m.fa, options=m.opts).status == "open"
    m.th.inbound_transfers.succeed(ibt.id, options=m.opts)
    assert m.treasury.financial_accounts.close(m.fa, options=m.opts).status == "closed"


def test_transactions_by_when_they_posted(m: Mover, http: httpx.Client) -> None:
    """Stripe: the ``status_transitions[posted_at]`` filter needs ``status=posted`` and
    ``order_by=posted_at``, which lists posted transactions by when they posted, newest first."""
    first, second = m.outbound_transfer(100), m.outbound_transfer(200)
    assert http.post("/_emulator/clock", data={"advance": "60"}).status_code == 200
    m.th.outbound_transfers.post(second.id, options=m.opts)
    assert http.post("/_emulator/clock", data={"advance": "60"}).status_code == 200
    m.th.outbound_transfers.post(first.id, options=m.opts)
    by_posting = m.treasury.transactions.list(
        {"financial_account": m.fa, "status": "posted", "order_by": "posted_at", "limit": 2}, m.opts
    )
    assert [t.flow for t in by_posting.data] == [first.id, second.id] and by_posting.has_more is True
    by_creation = m.treasury.transactions.list({"financial_account": m.fa, "status": "posted", "limit": 2}, m.opts)
    assert [t.flow for t in by_creation.data] == [second.id, first.id]
    rest = m.treasury.transactions.list(
        {
            "financial_account": m.fa,
            "status": "posted",
            "order_by": "posted_at",
            "starting_after": by_posting.data[-1].id,
        },
        m.opts,
    )
    assert [t.flow for t in rest.data] == [
        m.treasury.transactions.list({"financial_account": m.fa}, m.opts).data[-1].flow
    ]
    posted_at = by_posting.data[0].status_transitions.posted_at
    window = {"gte": posted_at}
    only_first = m.treasury.transactions.list(
        {
            "financial_account": m.fa,
            "status": "posted",
            "order_by": "posted_at",
            "status_transitions": {"posted_at": window},
        },
        m.opts,
    )
    assert [t.flow for t in only_first.data] == [first.id]
    for missing in ({"order_by": "posted_at"}, {"status": "posted"}, {}):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            m.treasury.transactions.list(
                {"financial_account": m.fa, "status_transitions": {"posted_at": window}, **missing}, m.opts
            )
        assert refused.value.param == "status_transitions[posted_at]"
