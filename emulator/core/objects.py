"""Stripe's ``object`` names of every type the emulator stores: each declared once, here.

Resource modules refer to object types through these names (``scope.store(CARD)``); two types
with the same last word are told apart (``ISSUING_TRANSACTION``, ``TREASURY_TRANSACTION``).
"""

from __future__ import annotations

ACCOUNT = "account"
AUTHORIZATION = "issuing.authorization"
BALANCE_TRANSACTION = "balance_transaction"
CAPABILITY = "capability"
CARD = "issuing.card"
CARDHOLDER = "issuing.cardholder"
CREDIT_REVERSAL = "treasury.credit_reversal"
DEBIT_REVERSAL = "treasury.debit_reversal"
DISPUTE = "issuing.dispute"
EVENT = "event"
FILE = "file"
FINANCIAL_ACCOUNT = "treasury.financial_account"
INBOUND_TRANSFER = "treasury.inbound_transfer"
ISSUING_TOKEN = "issuing.token"
ISSUING_TRANSACTION = "issuing.transaction"
OUTBOUND_PAYMENT = "treasury.outbound_payment"
OUTBOUND_TRANSFER = "treasury.outbound_transfer"
PAYOUT = "payout"
PERSON = "person"
PERSONALIZATION_DESIGN = "issuing.personalization_design"
PHYSICAL_BUNDLE = "issuing.physical_bundle"
RECEIVED_CREDIT = "treasury.received_credit"
RECEIVED_DEBIT = "treasury.received_debit"
SETTLEMENT = "issuing.settlement"
TOKEN = "token"
TOPUP = "topup"
TRANSFER = "transfer"
TREASURY_TRANSACTION = "treasury.transaction"
TREASURY_TRANSACTION_ENTRY = "treasury.transaction_entry"
WEBHOOK_ENDPOINT = "webhook_endpoint"
