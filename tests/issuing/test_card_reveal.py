"""Card reveal with Issuing Elements: ephemeral key nonces (publishable key), ephemeral keys (secret key,
explicit Stripe-Version) and reading a card's number/CVC with the key's secret, the way Stripe.js does."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.http import errors
from tests.support import cards, issuing_flows
from tests.support.issuing_flows import Spender
from tests.support.node import run_node, steps_of

ELEMENTS_VERSION = "2020-03-02"  # the version Stripe's Issuing Elements guide asks for


def _publishable(api_key: str) -> str:
    return "pk_test_" + api_key[len("sk_test_") :]


def _nonce(server: EmulatorServer, api_key: str, card: str, account: str | None = None) -> dict[str, Any]:
    """What stripe.createEphemeralKeyNonce({issuingCard}) asks of the API, with the publishable key."""
    headers = {"Authorization": f"Bearer {_publishable(api_key)}"}
    if account:
        headers["Stripe-Account"] = account
    r = httpx.post(f"{server.url}/v1/ephemeral_key_nonces", data={"issuing_card": card}, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _ephemeral_key(s: Spender, nonce: str, card: str | None = None) -> stripe.EphemeralKey:
    params: Any = {"issuing_card": card or s.card, "nonce": nonce}
    return s.client.v1.ephemeral_keys.create(params, {"stripe_version": ELEMENTS_VERSION, "stripe_account": s.account})


def _reveal(server: EmulatorServer, secret: str, card: str, private_nonce: str | None, **extra: str) -> httpx.Response:
    """What Stripe.js's issuingCardNumberDisplay/CvcDisplay elements send."""
    params: list[tuple[str, str]] = [("expand[0]", "number"), ("expand[1]", "cvc")]
    if private_nonce is not None:
        params.append(("ephemeral_key_private_nonce", private_nonce))
    params.extend(extra.items())
    return httpx.get(
        f"{server.url}/v1/issuing/cards/{card}",
        params=params,
        headers={"Authorization": f"Bearer {secret}", "Stripe-Version": ELEMENTS_VERSION},
    )


def test_reveal_number_and_cvc_with_an_ephemeral_key(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    s = issuing_flows.spender(client)
    nonce = _nonce(server, api_key, s.card, s.account)
    assert nonce["object"] == "ephemeral_key_nonce"
    assert nonce["public_nonce"].startswith("ephkn_pub_") and nonce["private_nonce"].startswith("ephkn_priv_")
    key = _ephemeral_key(s, nonce["public_nonce"])
    assert isinstance(key, stripe.EphemeralKey)
    assert key.id.startswith("ephkey_1") and key.secret is not None and key.secret.startswith("ek_test_")
    assert key.expires == key.created + 3600 and key.livemode is False
    r = _reveal(server, key.secret, s.card, nonce["private_nonce"])
    assert r.status_code == 200, r.text
    shown = r.json()
    own = client.v1.issuing.cards.retrieve(s.card, {"expand": ["number", "cvc"]}, s.opts)  # type: ignore[arg-type]
    assert (shown["id"], shown["number"], shown["cvc"]) == (s.card, own.number, own.cvc)
    assert shown["number"] and len(shown["number"]) == 16 and len(shown["cvc"]) == 3
    assert (shown["exp_month"], shown["exp_year"], shown["last4"]) == (own.exp_month, own.exp_year, own.last4)
    # the key can be used again while it lives (several Elements on one page)
    assert _reveal(server, key.secret, s.card, nonce["private_nonce"]).json()["number"] == own.number


def test_physical_cards_are_revealed_too(server: EmulatorServer, client: stripe.StripeClient, api_key: str) -> None:
    """Stripe: "You can only retrieve these fields for physical cards in test mode" (the emulator is test mode)."""
    s = issuing_flows.spender(client)
    physical = cards.physical_card(client, s.opts, financial_account=s.fa)
    own = client.v1.issuing.cards.retrieve(physical.id, {"expand": ["number", "cvc"]}, s.opts)  # type: ignore[arg-type]
    assert own.number is not None and own.number[-4:] == physical.last4 and own.cvc is not None
    nonce = _nonce(server, api_key, physical.id, s.account)
    key = _ephemeral_key(s, nonce["public_nonce"], card=physical.id)
    assert key.secret is not None
    r = _reveal(server, key.secret, physical.id, nonce["private_nonce"])
    assert r.status_code == 200, r.text
    assert (r.json()["type"], r.json()["number"], r.json()["cvc"]) == ("physical", own.number, own.cvc)


def test_pin_reveal_as_stripe_js_asks_for_it(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str, http: httpx.Client
) -> None:
    """issuingCardPinDisplay: ``expand[]=pin.number`` and ``safe_expands=true`` on the ephemeral key's read;
    "In test mode, all PINs are set to 0000 by default" (Stripe's PIN guide)."""
    s = issuing_flows.spender(client)
    nonce = _nonce(server, api_key, s.card, s.account)
    key = _ephemeral_key(s, nonce["public_nonce"])
    assert key.secret is not None
    r = _reveal(
        server, key.secret, s.card, nonce["private_nonce"], **{"expand[2]": "pin.number", "safe_expands": "true"}
    )
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["pin"] == {"number": "0000"} and len(shown["number"]) == 16 and len(shown["cvc"]) == 3
    # a secret key may not read the PIN, and safe_expands is not one of its parameters
    err = http.get(
        f"/v1/issuing/cards/{s.card}", params={"expand[]": "pin.number"}, headers={"Stripe-Account": s.account}
    )
    assert err.status_code == 400 and err.json()["error"]["message"] == "This property cannot be expanded (pin)."
    err = http.get(
        f"/v1/issuing/cards/{s.card}", params={"safe_expands": "true"}, headers={"Stripe-Account": s.account}
    )
    assert err.status_code == 400 and err.json()["error"]["code"] == "parameter_unknown"


def test_the_key_reads_its_card_and_nothing_else(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    s = issuing_flows.spender(client)
    other_card = s.new_card()
    nonce = _nonce(server, api_key, s.card, s.account)
    key = _ephemeral_key(s, nonce["public_nonce"])
    assert key.secret is not None
    auth = {"Authorization": f"Bearer {key.secret}"}
    refused = [
        httpx.get(f"{server.url}/v1/issuing/cards", headers=auth),
        httpx.get(f"{server.url}/v1/issuing/cards/{other_card}", headers=auth),
        httpx.post(f"{server.url}/v1/issuing/cards/{s.card}", data={"status": "canceled"}, headers=auth),
        httpx.get(f"{server.url}/v1/issuing/cardholders/{s.cardholder}", headers=auth),
        httpx.get(f"{server.url}/v1/accounts", headers=auth),
    ]
    masked = errors.mask_key(key.secret)
    assert masked.startswith("ek_test_") and masked.endswith(key.secret[-4:]) and key.secret[12:-4] not in masked
    for r in refused:
        assert r.status_code == 403, r.text
        assert r.json()["error"]["message"] == (
            f"The provided key '{masked}' does not have the required permissions for this endpoint on account "
            f"'{s.account}'. Having more permissions would allow this request to continue."
        )
    assert client.v1.issuing.cards.retrieve(s.card, options=s.opts).status == "active"  # type: ignore[arg-type]
    # another account named in Stripe-Account is refused too
    r = httpx.get(f"{server.url}/v1/issuing/cards/{s.card}", headers={**auth, "Stripe-Account": "acct_other"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_invalid"


def test_private_nonce_must_match(server: EmulatorServer, client: stripe.StripeClient, api_key: str) -> None:
    s = issuing_flows.spender(client)
    nonce = _nonce(server, api_key, s.card, s.account)
    key = _ephemeral_key(s, nonce["public_nonce"])
    assert key.secret is not None
    for given in (None, "ephkn_priv_wrong", nonce["public_nonce"]):
        r = _reveal(server, key.secret, s.card, given)
        assert r.status_code == 400
        assert r.json()["error"]["param"] == "ephemeral_key_private_nonce"


def test_nonces_are_single_use_and_bound_to_their_card(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    s = issuing_flows.spender(client)
    nonce = _nonce(server, api_key, s.card, s.account)
    _ephemeral_key(s, nonce["public_nonce"])
    with pytest.raises(stripe.InvalidRequestError, match="already been used") as used:
        _ephemeral_key(s, nonce["public_nonce"])
    assert used.value.param == "nonce"
    other = s.new_card()
    fresh = _nonce(server, api_key, s.card, s.account)
    with pytest.raises(stripe.InvalidRequestError, match="was created for Issuing card") as wrong:
        _ephemeral_key(s, fresh["public_nonce"], card=other)
    assert wrong.value.param == "nonce"


def test_the_private_half_sent_as_the_nonce_is_refused(
    server: EmulatorServer, client: stripe.StripeClient, api_key: str
) -> None:
    """The usual wiring mistake: the browser sends its private nonce to the server instead of the public one."""
    s = issuing_flows.spender(client)
    pair = _nonce(server, api_key, s.card, s.account)
    with pytest.raises(stripe.InvalidRequestError, match="private half of an ephemeral key nonce") as exc:
        _ephemeral_key(s, pair["private_nonce"])
    assert exc.value.param == "nonce"
    assert _ephemeral_key(s, pair["public_nonce"]).secret is not None  # the pair is still good


def test_a_nonce_made_elsewhere_needs_no_private_half(server: EmulatorServer, client: stripe.StripeClient) -> None:
    """A test double of Stripe.js may make its own nonces: the key then reads the card without one."""
    s = issuing_flows.spender(client)
    key = _ephemeral_key(s, "ephkn_pub_" + uuid.uuid4().hex)
    assert key.secret is not None
    r = _reveal(server, key.secret, s.card, None)
    assert r.status_code == 200 and len(r.json()["number"]) == 16


def test_a_key_without_a_nonce_is_a_mobile_sdks_key_for_its_card(
    server: EmulatorServer, client: stripe.StripeClient
) -> None:
    """What a backend makes for STPIssuingCardEphemeralKeyProvider: issuing_card and the version only."""
    s = issuing_flows.spender(client)
    key = s.client.v1.ephemeral_keys.create(
        {"issuing_card": s.card}, {"stripe_version": ELEMENTS_VERSION, "stripe_account": s.account}
    )
    assert key.secret is not None and key.secret.startswith("ek_test_")
    assert key.to_dict()["associated_objects"] == [{"id": s.card, "type": "issuing.card"}]
    r = _reveal(server, key.secret, s.card, None)
    assert r.status_code == 200 and len(r.json()["number"]) == 16
    other = issuing_flows.spender(client).card
    assert _reveal(server, key.secret, other, None).status_code == 403


def test_create_needs_an_explicit_version_and_a_card(client: stripe.StripeClient, http: httpx.Client) -> None:
    s = issuing_flows.spender(client)
    headers = {"Stripe-Account": s.account}
    r = http.post("/v1/ephemeral_keys", data={"issuing_card": s.card, "nonce": "ephkn_pub_x"}, headers=headers)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "Stripe-Version"
    assert "Stripe-Version" in r.json()["error"]["message"]
    versioned = {**headers, "Stripe-Version": ELEMENTS_VERSION}
    cases: list[tuple[dict[str, str], int, str | None, str]] = [
        ({"nonce": "ephkn_pub_x"}, 400, None, "issuing_card"),
        ({"issuing_card": "ic_nope", "nonce": "ephkn_pub_x"}, 400, "issuing_card", "No such issuing card"),
        ({"customer": "cus_123"}, 400, "customer", "not emulated"),
        ({"verification_session": "vs_123"}, 400, "verification_session", "not emulated"),
        ({"issuing_card": s.card, "customer": "cus_1", "nonce": "n"}, 400, "customer", "only pass one"),
    ]
    for data, status, param, text in cases:
        r = http.post("/v1/ephemeral_keys", data=data, headers=versioned)
        assert r.status_code == status, (data, r.text)
        assert r.json()["error"].get("param") == param, data
        assert text in r.json()["error"]["message"], data
    old = http.post(
        "/v1/ephemeral_keys",
        data={"issuing_card": s.card, "nonce": "ephkn_pub_x"},
        headers={**headers, "Stripe-Version": "2019-12-03"},
    )
    assert old.status_code == 400 and "2020-03-02" in old.json()["error"]["message"]


def test_delete_ends_the_key(server: EmulatorServer, client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client)
    key = _ephemeral_key(s, "ephkn_pub_" + uuid.uuid4().hex)
    assert key.secret is not None
    deleted = client.v1.ephemeral_keys.delete(key.id, options=s.opts)  # type: ignore[arg-type]
    assert deleted.id == key.id and deleted.expires <= key.expires
    assert "secret" not in deleted.to_dict()
    r = _reveal(server, key.secret, s.card, None)
    assert r.status_code == 401
    assert r.json()["error"]["message"] == f"Invalid API Key provided: {errors.mask_key(key.secret)}"
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.ephemeral_keys.delete(key.id, options=s.opts)  # type: ignore[arg-type]
    assert again.value.http_status == 404


def test_keys_expire_after_an_hour() -> None:
    server = EmulatorServer()
    server.start()
    try:
        api_key = "sk_test_" + uuid.uuid4().hex
        client = stripe.StripeClient(api_key, base_addresses={"api": server.url})
        s = issuing_flows.spender(client)
        clock = f"{server.url}/_emulator/clock"
        auth = {"Authorization": f"Bearer {api_key}"}
        assert httpx.post(clock, data={"freeze": "true"}, headers=auth).status_code == 200  # a slow machine's second
        key = _ephemeral_key(s, "ephkn_pub_" + uuid.uuid4().hex)
        assert key.secret is not None
        assert httpx.post(clock, data={"advance": "3599"}, headers=auth).status_code == 200
        assert _reveal(server, key.secret, s.card, None).status_code == 200
        assert httpx.post(clock, data={"advance": "1"}, headers=auth).status_code == 200
        assert _reveal(server, key.secret, s.card, None).status_code == 401
    finally:
        server.stop()


def test_publishable_key_makes_nonces_and_reads_no_card(
    server: EmulatorServer, api_key: str, client: stripe.StripeClient
) -> None:
    client.v1.accounts.create({"country": "US"})  # the platform exists
    r = httpx.get(f"{server.url}/v1/issuing/cards", headers={"Authorization": f"Bearer {_publishable(api_key)}"})
    assert r.status_code == 401
    assert r.json()["error"]["message"] == errors.PUBLISHABLE_KEY
    r = httpx.post(
        f"{server.url}/v1/ephemeral_key_nonces",
        data={"issuing_card": "ic_nope"},
        headers={"Authorization": f"Bearer {_publishable(api_key)}"},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "issuing_card"
    # the control plane takes secret keys only
    r = httpx.get(f"{server.url}/_emulator/requests", headers={"Authorization": f"Bearer {_publishable(api_key)}"})
    assert r.status_code == 401


def test_files_and_reveal_with_stripe_node(server: EmulatorServer, api_key: str) -> None:
    """stripe-node with ``host``/``port``/``protocol``: uploads go to the emulator too (tests/node/reveal_flow.mjs)."""
    proc = run_node("reveal_flow.mjs", server.url, api_key)
    steps = [s["step"] for s in steps_of(proc)]
    assert steps == ["file_upload", "ephemeral_key", "reveal", "done"], proc.stdout


def test_delete_takes_the_parameters_the_spec_gives_it(client: stripe.StripeClient, http: httpx.Client) -> None:
    """The spec lists ``expand`` as the DELETE's form; both SDKs send a DELETE's parameters in the query."""
    s = issuing_flows.spender(client)
    key = _ephemeral_key(s, "ephkn_pub_" + uuid.uuid4().hex)
    r = http.delete(
        f"/v1/ephemeral_keys/{key.id}", params={"expand[]": "nothing"}, headers={"Stripe-Account": s.account}
    )
    assert r.status_code == 400 and "cannot be expanded" in r.json()["error"]["message"], r.text  # known, not unknown
    r = http.delete(f"/v1/ephemeral_keys/{key.id}", params={"surprise": "1"}, headers={"Stripe-Account": s.account})
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"
    deleted = client.v1.ephemeral_keys.delete(key.id, {"expand": []}, options=s.opts)  # type: ignore[arg-type]
    assert deleted.id == key.id
