"""Keys that may make only some requests: ephemeral keys (``ek_test_``) and publishable keys (``pk_test_``).

* An ephemeral key is made by ``POST /v1/ephemeral_keys`` (``emulator.resources.ephemeral_keys``) for
  one Issuing card; its secret may only ``GET /v1/issuing/cards/{that card}`` (what Stripe.js's Issuing
  Elements do, with ``expand[]=number``/``cvc`` and ``ephemeral_key_private_nonce``), until it expires
  or is deleted. Any other request with it is Stripe's 403; an unknown, deleted or expired one is a 401.
* A publishable key ``pk_test_<rest>`` belongs to the platform of ``sk_test_<rest>`` and may only make
  what Stripe.js and the mobile SDKs make with it (:data:`PUBLISHABLE_ROUTES`): ephemeral key nonces
  (``POST /v1/ephemeral_key_nonces``, ``stripe.createEphemeralKeyNonce``), tokens (``POST /v1/tokens``:
  ``stripe.createToken('account'|'person'|'bank_account', ...)``; Stripe: "In test mode, you can only
  create account tokens with your secret key or publishable key") and file uploads (``POST /v1/files``,
  the mobile SDKs' ``createFile``). It names a connected account with ``Stripe-Account`` as a secret key
  does, and what it makes lands where the secret key's would. Anything else is Stripe's 401 for
  publishable keys.

The grants live on their platform (``Platform.extra[GRANTS]``: secret -> :class:`Grant`);
:class:`LimitedKeys` finds the platform of a secret (an index rebuilt from the platforms on a miss).
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.core.state import Platform, State
from emulator.http import errors
from emulator.http.errors import StripeError

GRANTS = "ephemeral_keys"  # Platform.extra key: ephemeral key secret -> Grant
NONCES = "ephemeral_key_nonces"  # Platform.extra key: public nonce -> Nonce
CARD_ROUTE = ("GET", "/v1/issuing/cards/{card}")
NONCE_ROUTE = ("POST", "/v1/ephemeral_key_nonces")
TOKENS_ROUTE = ("POST", "/v1/tokens")
FILES_ROUTE = ("POST", "/v1/files")
PUBLISHABLE_ROUTES = frozenset({NONCE_ROUTE, TOKENS_ROUTE, FILES_ROUTE})
PRIVATE_NONCE = "ephemeral_key_private_nonce"
# what Stripe.js's issuingCardPinDisplay adds to the card read: ``expand[]=pin.number`` (shown to an
# ephemeral key only) and ``safe_expands=true`` (taken and ignored: every expansion it may ask is allowed)
SAFE_EXPANDS = "safe_expands"
ELEMENTS_ONLY = frozenset({"pin.number"})
MAX_INDEX = 100_000

NO_PERMISSION = (
    "The provided key '{masked}' does not have the required permissions for this endpoint on account "
    "'{account}'. Having more permissions would allow this request to continue."
)
WRONG_NONCE = (
    "Invalid ephemeral_key_private_nonce: send the private nonce made together with the public nonce this "
    "ephemeral key was created with."
)


@dataclass
class Grant:
    """What one ephemeral key may read."""

    account: str
    key_id: str
    card: str
    expires: int
    private_nonce: str | None  # required on use when the key was made from a nonce of this emulator


@dataclass
class Nonce:
    """An ephemeral key nonce pair (``stripe.createEphemeralKeyNonce``); the public half is used once."""

    account: str
    card: str | None
    private: str
    used: bool = False


@dataclass(frozen=True)
class Access:
    """Who a limited key acts as: the platform, the account, and (ephemeral keys) the grant."""

    platform: Platform
    account: str
    grant: Grant | None


def publishable_to_secret(key: str) -> str:
    return "sk_test_" + key[len("pk_test_") :]


class LimitedKeys:
    def __init__(self, state: State) -> None:
        self.state = state
        self._platform_of: dict[str, str] = {}  # ephemeral key secret -> platform key

    def access(self, key: str, method: str, template: str | None, card: str | None) -> Access:
        """The access ``key`` (``ek_test_``/``pk_test_``) gives for this request, or Stripe's refusal.
        An ephemeral key expires on its platform's time (the clock its ``expires`` was set by)."""
        if key.startswith("pk_test_"):
            if (method, template) not in PUBLISHABLE_ROUTES:
                raise StripeError(errors.PUBLISHABLE_KEY, status=401)
            platform = self.state.platform(publishable_to_secret(key))
            return Access(platform, platform.account_id, None)
        platform, grant = self._grant(key)
        if (method, template) != CARD_ROUTE or card != grant.card:
            raise StripeError(NO_PERMISSION.format(masked=errors.mask_key(key), account=grant.account), status=403)
        return Access(platform, grant.account, grant)

    def _grant(self, secret: str) -> tuple[Platform, Grant]:
        platform_key = self._platform_of.get(secret)
        if platform_key is None:
            self._reindex()
            platform_key = self._platform_of.get(secret)
        platform = self.state.platforms.get(platform_key) if platform_key is not None else None
        grant: Grant | None = platform.extra.get(GRANTS, {}).get(secret) if platform is not None else None
        if platform is None or grant is None or grant.expires <= platform.now():
            raise StripeError(errors.INVALID_API_KEY.format(masked=errors.mask_key(secret)), status=401)
        return platform, grant

    def _reindex(self) -> None:
        if len(self._platform_of) > MAX_INDEX:
            self._platform_of.clear()
        for key, platform in self.state.platforms.items():
            for secret in platform.extra.get(GRANTS, {}):
                self._platform_of[secret] = key

    @staticmethod
    def take_elements_params(grant: Grant, tree: dict[str, object]) -> None:
        """Take what Stripe.js adds to an ephemeral key's card read out of the parameters, checked."""
        tree.pop(SAFE_EXPANDS, None)
        LimitedKeys.check_nonce(grant, tree.pop(PRIVATE_NONCE, None))

    @staticmethod
    def check_nonce(grant: Grant, given: object) -> None:
        if grant.private_nonce is not None and given != grant.private_nonce:
            raise StripeError(WRONG_NONCE, param=PRIVATE_NONCE)
