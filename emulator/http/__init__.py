"""Stripe's wire protocol: forms, auth, errors, idempotency, lists, expansion and routing."""
