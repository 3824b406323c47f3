"""Steps shared by the Treasury money-movement tests: a funded financial account able to send
and pull money, and short-hands to read its balance, ledger and events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from tests.support import flows

CAPABILITIES = {
    "card_issuing": {"requested": True},
    "transfers": {"requested": True},
    "treasury": {"requested": True},
    "us_bank_account_ach_payments": {"requested": True},
}
# every feature the docs' "Create a FinancialAccount" example requests
# (/treasury/connect/account-management/financial-accounts, curl), verbatim
FEATURES = {
    "card_issuing": {"requested": True},
    "deposit_insurance": {"requested": True},
    "financial_addresses": {"aba": {"requested": True}},
    "inbound_transfers": {"ach": {"requested": True}},
    "intra_stripe_flows": {"requested": True},
    "outbound_payments": {"ach": {"requested": True}, "us_domestic_wire": {"requested": True}},
    "outbound_transfers": {"ach": {"requested": True}, "us_domestic_wire": {"requested": True}},
}
BANK = {"routing_number": "110000000", "account_number": "000123456789"}


@dataclass
class Mover:
    """A connected account with a financial account whose every money-movement feature is active."""

    client: stripe.StripeClient
    account: str
    fa: str

    @property
    def opts(self) -> dict[str, Any]:
        return {"stripe_account": self.account}

    @property
    def th(self) -> Any:
        return self.client.v1.test_helpers.treasury

    @property
    def treasury(self) -> Any:
        return self.client.v1.treasury

    def balance(self, fa: str | None = None) -> dict[str, int]:
        obj = self.treasury.financial_accounts.retrieve(fa or self.fa, options=self.opts)
        return {k: getattr(obj.balance, k)["usd"] for k in ("cash", "inbound_pending", "outbound_pending")}

    def fund(self, amount: int, network: str = "ach", fa: str | None = None) -> stripe.treasury.ReceivedCredit:
        return self.th.received_credits.create(  # type: ignore[no-any-return]
            {"amount": amount, "currency": "usd", "financial_account": fa or self.fa, "network": network}, self.opts
        )

    def entries(self, trxn: str) -> list[tuple[str, dict[str, int]]]:
        """(type, balance_impact) of a transaction's entries, oldest first."""
        page = self.treasury.transaction_entries.list({"financial_account": self.fa, "transaction": trxn}, self.opts)
        return [(e.type, e.balance_impact.to_dict()) for e in reversed(page.data)]

    def transaction(self, trxn: str) -> Any:
        return self.treasury.transactions.retrieve(trxn, options=self.opts)

    def event_types(self, object_id: str) -> list[str]:
        """Types of the events about ``object_id``, oldest first."""
        page = self.client.v1.events.list({"limit": 100}, self.opts)
        return [e.type for e in reversed(page.data) if e.data.object.to_dict().get("id") == object_id]

    def outbound_transfer(self, amount: int = 1000, **params: Any) -> stripe.treasury.OutboundTransfer:
        body: dict[str, Any] = {
            "amount": amount,
            "currency": "usd",
            "financial_account": self.fa,
            "destination_payment_method": "pm_usBankAccount",
            **params,
        }
        return self.treasury.outbound_transfers.create(body, self.opts)  # type: ignore[no-any-return]

    def outbound_payment(self, amount: int = 1000, **params: Any) -> stripe.treasury.OutboundPayment:
        body: dict[str, Any] = {
            "amount": amount,
            "currency": "usd",
            "financial_account": self.fa,
            "destination_payment_method_data": {"type": "us_bank_account", "us_bank_account": BANK},
            **params,
        }
        return self.treasury.outbound_payments.create(body, self.opts)  # type: ignore[no-any-return]

    def inbound_transfer(self, amount: int = 1000, **params: Any) -> stripe.treasury.InboundTransfer:
        body: dict[str, Any] = {
            "amount": amount,
            "currency": "usd",
            "financial_account": self.fa,
            "origin_payment_method": "pm_usBankAccount",
            **params,
        }
        return self.treasury.inbound_transfers.create(body, self.opts)  # type: ignore[no-any-return]

    def pay(self, payee: Mover, amount: int) -> stripe.treasury.ReceivedCredit:
        """An outbound payment of ``amount`` to ``payee``'s financial account (over the stripe network it
        posts as it is made): the credit it received."""
        to_payee = {"type": "financial_account", "financial_account": payee.fa}
        obp = self.outbound_payment(amount, destination_payment_method_data=to_payee)
        assert obp.status == "posted"
        return payee.treasury.received_credits.list({"financial_account": payee.fa}, payee.opts).data[0]  # type: ignore[no-any-return]

    def refuses(self, object_id: str, *calls: Any) -> None:
        """Each of ``calls`` (test helpers: ``call(id, options=...)``) is refused on ``object_id``."""
        for call in calls:
            with pytest.raises(stripe.InvalidRequestError):
                call(object_id, options=self.opts)

    def another_account(self, **extra: Any) -> str:
        """A second financial account of the same connected account."""
        fa = flows.financial_account(self.client, self.account, features=FEATURES, **extra)
        return fa.id


def account(client: stripe.StripeClient) -> str:
    return flows.connected_account(client, capabilities=CAPABILITIES).id


def mover(client: stripe.StripeClient, funds: int = 50_000, **fa_params: Any) -> Mover:
    acct = account(client)
    fa = flows.financial_account(client, acct, features=FEATURES, **fa_params).id
    m = Mover(client, acct, fa)
    if funds:
        m.fund(funds)
    return m
