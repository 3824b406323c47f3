"""The whole "Issuing on Treasury" guide flow with stripe-python, as far as the emulator serves it.

account with capabilities -> financial account with card_issuing (Stripe-Account) -> funding ->
cardholder -> card -> test authorization -> capture -> refund -> dispute (-> submit).

Steps whose endpoint is not served yet ("Unrecognized request URL") are recorded in
``Guide.missing`` and everything depending on them is skipped, so tests that need "one of
everything" (schema conformance, expand walks, schemathesis ids, benchmarks) run on what exists
and cover more as endpoints land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import stripe

from tests.support import flows

CARDHOLDER: dict[str, Any] = {**flows.GUIDE_CARDHOLDER, "status": "active"}  # the guide's cardholder: 15 fields


@dataclass
class Guide:
    ids: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def account(self) -> str:
        return self.ids["account"]


def _unserved(exc: stripe.InvalidRequestError) -> bool:
    return exc.http_status == 404 and str(exc.user_message or "").startswith("Unrecognized request URL")


def run(client: stripe.StripeClient, *, amount: int = 50_000) -> Guide:
    guide = Guide()
    guide.ids["account"] = flows.connected_account(client).id
    opts: Any = {"stripe_account": guide.account}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        if guide.missing:
            return None
        try:
            obj = fn()
        except stripe.InvalidRequestError as exc:
            if not _unserved(exc):
                raise
            guide.missing.append(name)
            return None
        if obj is not None and getattr(obj, "id", None):
            guide.ids[name] = obj.id
        return obj

    step("financial_account", lambda: flows.funded_financial_account(client, guide.account, amount=amount))
    step("cardholder", lambda: client.v1.issuing.cardholders.create(CARDHOLDER, opts))  # type: ignore[arg-type]
    step(
        "card",
        lambda: client.v1.issuing.cards.create(
            {
                "cardholder": guide.ids["cardholder"],
                "currency": "usd",
                "type": "virtual",
                "status": "active",
                "financial_account": guide.ids["financial_account"],
            },
            opts,
        ),
    )

    def purchase(name: str, amount: int) -> str | None:
        """Authorize and capture one purchase; the id of its capture transaction."""
        auth = step(
            f"{name}_authorization",
            lambda: client.v1.test_helpers.issuing.authorizations.create(
                {"card": guide.ids["card"], "amount": amount, "currency": "usd"}, opts
            ),
        )
        if auth is None or not auth.approved:
            return None
        step(f"{name}_capture", lambda: client.v1.test_helpers.issuing.authorizations.capture(auth.id, None, opts))
        guide.ids.pop(f"{name}_capture", None)
        txns = step(
            f"{name}_transactions", lambda: client.v1.issuing.transactions.list({"card": guide.ids["card"]}, opts)
        )
        if txns is None:
            return None
        for txn in txns.data:
            if txn.authorization == auth.id:
                guide.ids[f"{name}_transaction"] = txn.id
                return str(txn.id)
        return None

    # a purchase that is refunded in part, and one that is disputed (Stripe refuses to dispute a refunded one)
    refunded = purchase("refunded", 1000)
    if refunded is None:
        return guide
    guide.ids["authorization"] = guide.ids["refunded_authorization"]
    guide.ids["transaction"] = refunded
    step("refund", lambda: client.v1.test_helpers.issuing.transactions.refund(refunded, {"refund_amount": 300}, opts))
    guide.ids.pop("refund", None)  # the refund call answers the (refunded) transaction
    disputed = purchase("disputed", 2500)
    if disputed is None:
        return guide
    step(
        "dispute",
        lambda: client.v1.issuing.disputes.create(
            {
                "transaction": disputed,
                "evidence": {"reason": "fraudulent", "fraudulent": {"explanation": "I did not buy this"}},
            },
            opts,
        ),
    )
    return guide
