"""Fault rules: what a ``POST /_emulator/faults`` asks for, checked, and which rule a request trips.

A rule matches requests by ``method`` (any when absent; ``HEAD`` counts as ``GET``) and ``path``
(a shell-style glob whose ``*`` also crosses ``/``). It either fails matching requests
(``status`` + ``when``), drops their connection (``when=drop``), delays their answer
(``latency_ms``, alone or with the others), or limits them to ``rate_limit`` per second.
A rule fires for ``count`` matching requests (1 by default) or, with ``probability``, for each
matching request with that chance (a generator seeded by ``--seed``), at most ``count`` times
when both are given. Rules are tried oldest first; the first that fires decides.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from emulator.http.control_plane import ascii_int, ascii_number
from emulator.http.errors import StripeError

STATUSES = (429, 500, 502, 503, 504)
WHENS = ("before", "after", "drop")
METHODS = ("GET", "POST", "DELETE")
FIELDS = ("method", "path", "status", "when", "latency_ms", "count", "probability", "rate_limit")
DEFAULT_PATH = "/v1/*"
MAX_LATENCY_MS = 60_000
MAX_COUNT = 1_000_000
MAX_RATE = 100_000
MAX_PATH = 500
MAX_RULES = 100  # per platform
WINDOW_SECONDS = 1.0

UNKNOWN_FIELD = "Received unknown parameter: {name}"
BAD_METHOD = "Invalid method: must be one of GET, POST, DELETE (leave it out to match any method)"
BAD_PATH = (
    "Invalid path: must be a glob of API paths starting with /v1 (e.g. /v1/issuing/cards*), at most 500 characters"
)
BAD_STATUS = "Invalid status: must be one of 429, 500, 502, 503, 504"
BAD_WHEN = "Invalid when: must be one of before, after, drop"
BAD_LATENCY = "Invalid latency_ms: must be an integer between 0 and 60000"
BAD_COUNT = "Invalid count: must be an integer between 1 and 1000000"
BAD_PROBABILITY = "Invalid probability: must be a number between 0 and 1"
BAD_RATE = "Invalid rate_limit: must be an integer between 1 and 100000 (requests per second)"
NOTHING_TO_DO = "A fault rule needs a status, when=drop, latency_ms or rate_limit"
NEEDS_STATUS = "when={when} needs a status (one of 429, 500, 502, 503, 504)"
DROP_HAS_NO_STATUS = "A rule with when=drop closes the connection without an answer, so it takes no status"
RATE_LIMIT_ALONE = "rate_limit cannot be combined with {name}: a rate limit answers 429 to the requests above it"
TOO_MANY_RULES = "A platform can have at most 100 fault rules: delete some first"


def _bad(message: str, param: str, code: str | None = None) -> StripeError:
    return StripeError(message, param=param, code=code)


def _integer(value: Any, low: int, high: int, message: str, param: str) -> int:
    number = ascii_int(value)  # ASCII digits only: not "５００", "٣" or "1_0"; never a bool
    if number is None or not low <= number <= high:
        raise _bad(message, param)
    return number


def _probability(value: Any) -> float:
    try:
        number = ascii_number(value)  # ASCII digits only; never a bool, NaN or infinity
    except OverflowError:  # an integer too large for a float (``1e400`` written out)
        number = None
    if number is None or not 0.0 <= number <= 1.0:
        raise _bad(BAD_PROBABILITY, "probability")
    return number


def _text(value: Any, message: str, param: str) -> str:
    if not isinstance(value, str):
        raise _bad(message, param)
    return value.strip()


@dataclass
class Rule:
    """One checked rule and what it has done so far."""

    id: str
    method: str | None = None
    path: str = DEFAULT_PATH
    status: int | None = None
    when: str | None = None
    latency_ms: int | None = None
    count: int | None = None
    probability: float | None = None
    rate_limit: int | None = None
    created: int = 0
    fired: int = 0
    remaining: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)
    seen: deque[float] = field(default_factory=deque, repr=False)  # rate limit: recent request times

    def matches(self, method: str, path: str) -> bool:
        verb = "GET" if method == "HEAD" else method
        return (self.method is None or self.method == verb) and fnmatchcase(path, self.path)

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "emulator.fault",
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "when": self.when,
            "latency_ms": self.latency_ms,
            "count": self.count,
            "probability": self.probability,
            "rate_limit": self.rate_limit,
            "remaining": self.remaining,
            "fired": self.fired,
            "created": self.created,
        }


def parse_rule(body: dict[str, Any], rule_id: str, rng: random.Random, created: int) -> Rule:
    """A :class:`Rule` from a decoded JSON or form body, or a Stripe-shaped 400 naming the bad field."""
    for name in body:
        if name not in FIELDS:
            raise _bad(UNKNOWN_FIELD.format(name=name), name, "parameter_unknown")
    given = {k: v for k, v in body.items() if v is not None and v != ""}
    rule = Rule(rule_id, rng=rng, created=created)
    if "method" in given:
        method = _text(given["method"], BAD_METHOD, "method").upper()
        if method not in (*METHODS, "*", "ANY"):
            raise _bad(BAD_METHOD, "method")
        rule.method = method if method in METHODS else None
    if "path" in given:
        path = _text(given["path"], BAD_PATH, "path")
        if not path.startswith("/v1") or len(path) > MAX_PATH:
            raise _bad(BAD_PATH, "path")
        rule.path = path
    if "rate_limit" in given:
        rule.rate_limit = _integer(given["rate_limit"], 1, MAX_RATE, BAD_RATE, "rate_limit")
        for other in ("status", "when", "latency_ms", "count", "probability"):
            if other in given:
                raise _bad(RATE_LIMIT_ALONE.format(name=other), other)
        return rule
    if "status" in given:
        rule.status = _integer(given["status"], 0, 999, BAD_STATUS, "status")
        if rule.status not in STATUSES:
            raise _bad(BAD_STATUS, "status")
    if "when" in given:
        rule.when = _text(given["when"], BAD_WHEN, "when").lower()
        if rule.when not in WHENS:
            raise _bad(BAD_WHEN, "when")
    if "latency_ms" in given:
        rule.latency_ms = _integer(given["latency_ms"], 0, MAX_LATENCY_MS, BAD_LATENCY, "latency_ms")
    if "count" in given:
        rule.count = _integer(given["count"], 1, MAX_COUNT, BAD_COUNT, "count")
    if "probability" in given:
        rule.probability = _probability(given["probability"])
    if rule.when == "drop" and rule.status is not None:
        raise _bad(DROP_HAS_NO_STATUS, "status")
    if rule.when in ("before", "after") and rule.status is None:
        raise _bad(NEEDS_STATUS.format(when=rule.when), "status", "parameter_missing")
    if rule.status is not None and rule.when is None:
        rule.when = "before"
    if rule.when is None and rule.latency_ms is None:
        raise _bad(NOTHING_TO_DO, "status", "parameter_missing")
    if rule.count is None and rule.probability is None:
        rule.count = 1
    rule.remaining = rule.count
    return rule


class FaultBook:
    """The rules of every platform (by API key), their ids and the seeded chance generator."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self.rules: dict[str, list[Rule]] = {}
        self._ids = random.Random(seed)
        self._made = 0

    def _new_id(self) -> str:
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return "flt_" + "".join(self._ids.choice(alphabet) for _ in range(16))

    def add(self, key: str, body: dict[str, Any], now: int) -> Rule:
        rules = self.rules.get(key, [])
        if len(rules) >= MAX_RULES:
            raise StripeError(TOO_MANY_RULES)
        self._made += 1
        # each rule draws its chances from its own generator: one rule's draws never shift another's
        rng = random.Random(f"{self.seed}:{self._made}") if self.seed is not None else random.Random()
        rule = parse_rule(body, self._new_id(), rng, now)
        self.rules.setdefault(key, []).append(rule)
        return rule

    def of(self, key: str) -> list[Rule]:
        return list(self.rules.get(key, ()))

    def delete(self, key: str, rule_id: str | None = None) -> int:
        """Forget one rule (by id) or all of a key's; returns how many were deleted."""
        rules = self.rules.get(key, [])
        if rule_id is None:
            self.rules.pop(key, None)
            return len(rules)
        kept = [r for r in rules if r.id != rule_id]
        if kept:
            self.rules[key] = kept
        else:
            self.rules.pop(key, None)
        return len(rules) - len(kept)

    def reset(self, key: str | None) -> None:
        """``POST /_emulator/reset`` forgets the rules too (all of them, or one key's)."""
        if key is None:
            self.rules.clear()
        else:
            self.rules.pop(key, None)

    def trip(self, key: str, method: str, path: str) -> Rule | None:
        """The rule this request trips (counted as fired), or None: the request is served as usual."""
        rules = self.rules.get(key)
        if not rules:
            return None
        for rule in rules:
            if not rule.matches(method, path):
                continue
            if rule.rate_limit is not None:
                if self._over_limit(rule):
                    rule.fired += 1
                    return rule
                continue
            if rule.remaining == 0:
                continue
            if rule.probability is not None and rule.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule
        return None

    @staticmethod
    def _over_limit(rule: Rule) -> bool:
        """Sliding one-second window: a request over the limit is refused and not counted."""
        now = time.monotonic()
        seen = rule.seen
        while seen and now - seen[0] >= WINDOW_SECONDS:
            seen.popleft()
        assert rule.rate_limit is not None
        if len(seen) >= rule.rate_limit:
            return True
        seen.append(now)
        return False
