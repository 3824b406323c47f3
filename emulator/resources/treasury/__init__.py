"""Treasury: financial accounts, their features and the money ledger."""
