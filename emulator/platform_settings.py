"""Checked changes to a platform's switches (:class:`emulator.core.state.PlatformSettings`).

Both control endpoints that change them (``/_emulator/platform_settings`` and
``/_emulator/webhooks/settings``) read the body through :func:`parse_changes`, a pydantic model
that coerces form strings (``"true"``, ``"1.5"``) and refuses unknown names and out-of-range
values with a Stripe-shaped 400. Seconds are read as the rest of the control plane reads numbers
(:func:`emulator.http.control_plane.ascii_number`): ASCII digits only, and never a boolean.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from emulator.http.control_plane import ascii_number
from emulator.http.errors import StripeError

MAX_RTA_TIMEOUT = 60.0
UNKNOWN_SETTING = "Received unknown parameter: {name}"
INVALID_BOOLEAN = "Invalid {name}: must be true or false"
INVALID_SECONDS = "Invalid {name}: must be a number between 0 and {top}"
INVALID_CHOICE = "Invalid {name}: must be one of {choices}"
ONBOARDING_MODES = ("instant", "required")


class PlatformSettingsChanges(BaseModel):
    """The fields a request may change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rta_timeout_approves: bool | None = None
    rta_timeout_seconds: float | None = Field(default=None, ge=0, le=MAX_RTA_TIMEOUT, allow_inf_nan=False)
    require_terms_acceptance: bool | None = None
    onboarding: Literal["instant", "required"] | None = None
    default_spending_limits: bool | None = None

    @field_validator("rta_timeout_seconds", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        """``true``, ``"٣"`` or ``"1_0"`` are not seconds (pydantic's lax mode would take them)."""
        if value is None:
            return None
        number = ascii_number(value)
        if number is None:
            raise ValueError("not a number")
        return number


def parse_changes(body: dict[str, Any], *, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """Checked new values from a decoded JSON or form body (only the names in ``allowed``)."""
    names = allowed if allowed is not None else frozenset(PlatformSettingsChanges.model_fields)
    relevant = {k: v for k, v in body.items() if k in names or k not in PlatformSettingsChanges.model_fields}
    try:
        model = PlatformSettingsChanges.model_validate(relevant)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "extra_forbidden":
            raise StripeError(UNKNOWN_SETTING.format(name=name), param=name, code="parameter_unknown") from None
        field = PlatformSettingsChanges.model_fields.get(name)
        if field is not None and field.annotation == (bool | None):
            raise StripeError(INVALID_BOOLEAN.format(name=name), param=name) from None
        if name == "onboarding":
            choices = " or ".join(ONBOARDING_MODES)
            raise StripeError(INVALID_CHOICE.format(name=name, choices=choices), param=name) from None
        raise StripeError(INVALID_SECONDS.format(name=name, top=MAX_RTA_TIMEOUT), param=name) from None
    return model.model_dump(exclude_unset=True)
