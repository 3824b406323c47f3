"""Phone numbers in E.164, as Stripe stores a cardholder's ``phone_number``, a card's shipping
phone and a person's or company's ``phone``."""

from __future__ import annotations

import re

from emulator.http.errors import StripeError

# the countries of the North American Numbering Plan (calling code +1)
NANP = frozenset({"US", "CA", "PR", "GU", "VI", "AS", "MP"})
PHONE_NOISE = re.compile(r"[\s().\-/]")  # what a written phone number may hold besides its digits
# "+44 (0)20 7946 0958": the trunk 0 written after a country code is dialled only at home, never in E.164
_TRUNK_ZERO = re.compile(r"\s*\(?\s*(?:\+|00)\s*\d{1,3}\s*\)?[\s.\-]*(\(\s*0\s*\))")
_DIGITS = re.compile(r"[0-9]+")

PHONE_INVALID = "Invalid phone number: {phone}. Provide it in E.164 format, such as +18888675309."
TEST_PHONE = "0000000000"  # Stripe's test phone number, a US one wherever it is given
_NANP_NATIONAL = re.compile(r"[0-9]{10}")


def normalize_phone(value: str, country: str | None, param: str = "phone_number") -> str:
    """``value`` in E.164, as Stripe stores it, or a 400."""
    trunk = _TRUNK_ZERO.match(value)
    raw = PHONE_NOISE.sub("", value if trunk is None else value[: trunk.start(1)] + value[trunk.end(1) :])
    plain = _DIGITS.fullmatch(raw) is not None
    digits: str | None = None
    if raw.startswith("+"):
        digits = raw[1:]
    elif raw.startswith("00"):
        digits = raw[2:]
    elif plain and country in NANP and len(raw) == 10:
        digits = "1" + raw
    elif plain and country in NANP and len(raw) == 11 and raw.startswith("1"):
        digits = raw
    elif plain and country == "GB" and raw.startswith("0") and len(raw) == 11:
        digits = "44" + raw[1:]
    if digits is None or not _DIGITS.fullmatch(digits) or not 8 <= len(digits) <= 15 or digits.startswith("0"):
        raise StripeError(PHONE_INVALID.format(phone=value[:60]), param=param, code="parameter_invalid")
    return "+" + digits


def shown_e164(phone: object, country: str | None) -> object:
    """A person's or company's ``phone`` as Stripe answers it: :func:`normalize_phone`'s E.164,
    except that ten digits in a North American country are a national number even when they begin
    with ``00``, and that Stripe's test phone ``0000000000`` is ``+10000000000`` in every country
    (its recorded answers for US, Korean, Gambian and Philippine accounts). What those rules cannot
    read is kept as given: these phones were never refused, and are not now."""
    if not isinstance(phone, str) or not phone:
        return phone
    national = PHONE_NOISE.sub("", phone)
    if national == TEST_PHONE or (country in NANP and _NANP_NATIONAL.fullmatch(national)):
        return "+1" + national
    try:
        return normalize_phone(phone, country)
    except StripeError:
        return phone
