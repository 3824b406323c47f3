"""Idempotent replays of POSTs (``Idempotency-Key``), per platform and account.

The first execution's status, body and headers are kept; a replay with the same parameters
returns them byte for byte with ``Idempotent-Replayed: true``. Other parameters or another
endpoint under the same key are a 400 ``idempotency_error``; a key still being executed is a
409. Keys expire after ``ttl`` seconds and at most ``max_entries`` are kept (oldest dropped
first), so memory stays bounded however many keyed POSTs arrive.
"""

from __future__ import annotations

from collections import OrderedDict

from emulator.core.jsonutil import trimmed
from emulator.http import errors
from emulator.http.errors import StripeError

MAX_KEY_LENGTH = 255


def _path(endpoint: str) -> str:
    """``POST /v1/x`` -> ``/v1/x``: Stripe's message names the endpoints by path only."""
    return endpoint.rpartition(" ")[2]


class Saved:
    """One key's first execution. The body is kept as sent, in a buffer of its own size (deflating
    it would cost ~7 us of every POST for at most ``max_entries`` bodies per platform): a copy of
    an encoder's buffer, or the very bytes an event's snapshot keeps (already of their own size)."""

    __slots__ = ("_body", "created", "endpoint", "fingerprint", "in_flight", "request_id", "status")

    def __init__(self, endpoint: str, fingerprint: str, created: float, request_id: str) -> None:
        self.endpoint = endpoint
        self.fingerprint = fingerprint
        self.created = created
        self.request_id = request_id
        self.status = 0
        self._body = b""
        self.in_flight = True

    @property
    def body(self) -> bytes:
        """The response body, byte for byte as first sent."""
        return self._body

    def keep(self, status: int, body: bytes, exact_size: bool) -> None:
        """The execution's answer; ``exact_size``: ``body`` is already in a buffer of its own size."""
        self.status = status
        self._body = body if exact_size else trimmed(body)
        self.in_flight = False


class IdempotencyStore:
    def __init__(self, ttl: float = 24 * 3600, max_entries: int = 20_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, str], Saved] = OrderedDict()

    def prune(self, now: float) -> None:
        """Drop keys older than ``ttl`` at ``now`` (and the oldest beyond ``max_entries``)."""
        entries = self.entries
        while entries:
            key, saved = next(iter(entries.items()))
            if len(entries) > self.max_entries or now - saved.created > self.ttl:
                if saved.in_flight and len(entries) <= self.max_entries:
                    break
                entries.popitem(last=False)
            else:
                break

    def begin(
        self, account: str, key: str, endpoint: str, fingerprint: str, request_id: str, now: float
    ) -> Saved | None:
        """Return the saved response to replay, or None after reserving the key for this request."""
        if len(key) > MAX_KEY_LENGTH:
            raise StripeError(errors.IDEMPOTENCY_KEY_TOO_LONG, param="Idempotency-Key")
        self.prune(now)
        saved = self.entries.get((account, key))
        if saved is not None:
            if saved.endpoint != endpoint:
                raise StripeError(
                    errors.IDEMPOTENCY_ENDPOINT.format(first=_path(saved.endpoint), second=_path(endpoint), key=key),
                    type="idempotency_error",
                )
            if saved.fingerprint != fingerprint:
                raise StripeError(errors.IDEMPOTENCY_PARAMS.format(key=key), type="idempotency_error")
            if saved.in_flight:
                raise StripeError(
                    errors.IDEMPOTENCY_IN_USE.format(key=key),
                    status=409,  # Stripe's logged answers: an invalid_request_error (the SDKs key on the 409)
                    type="invalid_request_error",
                    code="idempotency_key_in_use",
                )
            return saved
        self.entries[(account, key)] = Saved(endpoint, fingerprint, now, request_id)
        return None

    def finish(self, account: str, key: str, status: int, body: bytes, exact_size: bool = False) -> None:
        """Keep the answer of the execution that reserved the key (see :meth:`Saved.keep`)."""
        saved = self.entries.get((account, key))
        if saved is not None:
            saved.keep(status, body, exact_size)

    def release(self, account: str, key: str) -> None:
        """Forget a reservation whose request was not executed (it may be retried)."""
        saved = self.entries.get((account, key))
        if saved is not None and saved.in_flight:
            del self.entries[(account, key)]
