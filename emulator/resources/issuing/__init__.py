"""Issuing: cardholders, cards, authorizations, transactions, disputes."""
