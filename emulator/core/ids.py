"""Stripe-shaped identifiers: ``<prefix>_1`` followed by random alphanumerics."""

from __future__ import annotations

import random
import secrets
import string

ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    """Makes ids; seeded, it makes the same sequence every run (``--seed``)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng: random.Random = random.Random(seed) if seed is not None else random.SystemRandom()

    def _chars(self, n: int) -> str:
        return "".join(self._rng.choices(ALPHABET, k=n))

    def make(self, prefix: str, length: int = 24) -> str:
        return f"{prefix}_1{self._chars(length - 1)}"

    def account(self) -> str:
        return self.make("acct", 16)

    def request(self) -> str:
        return "req_" + self._chars(14)

    def secret(self, prefix: str = "whsec") -> str:
        return f"{prefix}_{self._chars(32)}"

    def digits(self, n: int) -> str:
        return "".join(self._rng.choices(string.digits, k=n))

    def randint(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    @staticmethod
    def token() -> str:
        return secrets.token_hex(16)
