"""The ASGI layer in front of the API that applies fault rules to ``/v1`` requests.

It sits outside the persistence journal and the request log: a request failed ``after`` or
dropped has run and is journaled, logged and saved under its ``Idempotency-Key`` with its real
answer; only the client gets the fault. Requests the emulator sends itself (fixture files,
``--persist`` replay) never trip a rule.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from emulator.faults import answers
from emulator.faults.rules import FaultBook, Rule
from emulator.fixtures.inprocess import SERVER_NAME
from emulator.http import auth
from emulator.http.errors import StripeError

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

_VERSION = re.compile(r"[0-9A-Za-z.;=_ -]{1,100}")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class FaultInjector:
    def __init__(self, book: FaultBook, api_version: str, inner: ASGIApp) -> None:
        self.book = book
        self.api_version = api_version
        self.inner = inner
        self._ids = random.Random(book.seed)

    def _request_id(self) -> str:
        return "req_" + "".join(self._ids.choice(_ALPHABET) for _ in range(14))

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        rule = self._tripped(scope) if self.book.rules else None
        if rule is None:
            await self.inner(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        version = headers.get(b"stripe-version", b"").decode("latin-1")
        if not _VERSION.fullmatch(version):
            version = self.api_version
        head = scope["method"] == "HEAD"
        what = "rate limit" if rule.rate_limit is not None else rule.when or "latency"
        answers.log.info("fault %s (%s) trips %s %s", rule.id, what, scope["method"], scope["path"])
        if rule.rate_limit is not None or rule.when == "before":
            await _drain(receive)
            await _wait(rule)
            await answers.send_error(send, rule.status or 429, rule.id, self._request_id(), version, head=head)
            return
        captured: list[MutableMapping[str, Any]] = []

        async def keep(message: MutableMapping[str, Any]) -> None:
            captured.append(message)

        await self.inner(scope, receive, keep)
        await _wait(rule)
        if rule.when is None:  # latency only: the real answer, late
            for message in captured:
                await send(message)
            return
        request_id = _request_id_of(captured) or self._request_id()
        if rule.when == "after":
            assert rule.status is not None
            await answers.send_error(send, rule.status, rule.id, request_id, version, head=head)
        else:
            await answers.drop(send, rule.id, request_id, version, head=head)

    def _tripped(self, scope: dict[str, Any]) -> Rule | None:
        if scope.get("method") == "OPTIONS" or (scope.get("server") or ("",))[0] == SERVER_NAME:
            return None
        authorization = None
        for name, value in scope.get("headers", ()):
            if name.lower() == b"authorization":
                authorization = value.decode("latin-1")
                break
        try:
            key = auth.key_from_header(authorization)
        except StripeError:
            return None  # the API answers the 401
        if key not in self.book.rules:
            return None
        return self.book.trip(key, scope["method"], scope["path"])


async def _drain(receive: Receive) -> None:
    """Read the request body the API will never see (the connection stays usable)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _wait(rule: Rule) -> None:
    if rule.latency_ms:
        await asyncio.sleep(rule.latency_ms / 1000)


def _request_id_of(captured: list[MutableMapping[str, Any]]) -> str | None:
    for message in captured:
        if message["type"] == "http.response.start":
            for name, value in message.get("headers", ()):
                if name == b"request-id":
                    return bytes(value).decode("latin-1")
    return None
