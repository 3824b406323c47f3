"""The Stripe balance of each account: balance transactions, ``/v1/balance``, top-ups, Issuing funding."""
