"""When a ReceivedCredit or a ReceivedDebit may be reversed, and how it shows that it was.

Credit reversals and debit reversals share these rules: the received flow ``succeeded``, has no
reversal yet (``linked_flows.credit_reversal`` / ``debit_reversal``), has no
``reversal_details.restricted_reason`` and is within its ``reversal_details.deadline``. Which
networks may be reversed is each reversal's own rule (checked between the two halves here).
Once reversed, the received flow links the reversal and is ``restricted_reason: already_reversed``.
"""

from __future__ import annotations

from emulator.core.context import Ctx
from emulator.core.objects import RECEIVED_CREDIT, RECEIVED_DEBIT
from emulator.core.store import Obj
from emulator.http.errors import StripeError

FAILED = "The {noun} {id} failed, so there is nothing to reverse."
ALREADY_REVERSED = "The {noun} {id} has already been reversed ({reversal})."
NETWORK_RESTRICTED = "{noun}s sent over the {network} network cannot be reversed."
RESTRICTED = "The {noun} {id} cannot be reversed: {reason}."
DEADLINE_PASSED = "The {noun} {id} can no longer be reversed: its reversal deadline has passed."

NOUNS = {RECEIVED_CREDIT: "ReceivedCredit", RECEIVED_DEBIT: "ReceivedDebit"}
# the received flow's ``linked_flows`` key that names its reversal
LINKS = {RECEIVED_CREDIT: "credit_reversal", RECEIVED_DEBIT: "debit_reversal"}


def check_open(received: Obj, param: str) -> None:
    """The received flow succeeded and was not reversed yet."""
    noun = NOUNS[received["object"]]
    if received["status"] != "succeeded":
        raise StripeError(FAILED.format(noun=noun, id=received["id"]), param=param)
    reversal = (received.get("linked_flows") or {}).get(LINKS[received["object"]])
    if reversal:
        raise StripeError(ALREADY_REVERSED.format(noun=noun, id=received["id"], reversal=reversal), param=param)


def network_restricted(received: Obj, param: str) -> StripeError:
    """The refusal of a received flow whose network cannot be reversed."""
    text = NETWORK_RESTRICTED.format(noun=NOUNS[received["object"]], network=received["network"])
    return StripeError(text, param=param)


def check_window(ctx: Ctx, received: Obj, param: str) -> None:
    """Nothing restricts the reversal and its deadline has not passed."""
    noun = NOUNS[received["object"]]
    details = received.get("reversal_details") or {}
    if details.get("restricted_reason") == "deadline_passed":
        raise StripeError(DEADLINE_PASSED.format(noun=noun, id=received["id"]), param=param)
    if details.get("restricted_reason"):
        text = RESTRICTED.format(noun=noun, id=received["id"], reason=details["restricted_reason"])
        raise StripeError(text, param=param)
    deadline = details.get("deadline")
    if deadline is not None and ctx.now > deadline:
        raise StripeError(DEADLINE_PASSED.format(noun=noun, id=received["id"]), param=param)


def mark_reversed(received: Obj, reversal_id: str) -> None:
    received["linked_flows"][LINKS[received["object"]]] = reversal_id
    if received.get("reversal_details") is not None:
        received["reversal_details"]["restricted_reason"] = "already_reversed"
