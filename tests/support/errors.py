"""Stripe errors in tests: ``error_of(lambda: ...)`` runs a request that must be refused and returns
the SDK's error; ``error_json`` is the ``error`` hash of an error caught with ``pytest.raises``."""

from __future__ import annotations

from typing import Any

import pytest
import stripe


def error_of(call: Any) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        call()
    return exc.value


def error_json(exc: pytest.ExceptionInfo[stripe.StripeError]) -> dict[str, Any]:
    body: dict[str, Any] = exc.value.json_body["error"]  # type: ignore[index]
    return body
