"""Robustness of the wire, case by case (raw HTTP): malformed forms, conflicting parameters, odd content
types and headers get a Stripe-shaped 4xx and change nothing; odd-but-valid encodings are accepted.
(The generated fuzzing is ``tests/wire/test_fuzz.py``; these are the cases a black-box suite writes by hand.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.app import create_app
from emulator.http import forms
from emulator.http.errors import StripeError
from tests.support import guide as guide_flow
from tests.support.robustness import assert_stripe_shaped, fingerprint

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def world(server: EmulatorServer) -> tuple[str, guide_flow.Guide]:
    key = "sk_test_fuzz_endpoints"
    client = stripe.StripeClient(key, base_addresses={"api": server.url})
    return key, guide_flow.run(client)


@pytest.fixture
def scoped(server: EmulatorServer, world: tuple[str, guide_flow.Guide]) -> Iterator[httpx.Client]:
    key, guide = world
    headers = {"Authorization": f"Bearer {key}", "Stripe-Account": guide.account}
    with httpx.Client(base_url=server.url, headers=headers) as c:
        yield c


REFUSED_BODIES: dict[str, tuple[bytes, str | None]] = {  # body -> (form, the error's param or None)
    "invalid UTF-8 value": (b"metadata[a]=%ff%fe", None),
    "invalid UTF-8 key": (b"metadata[%ff]=1", None),
    "scalar then hash": (b"metadata=1&metadata[a]=2", None),
    "hash then scalar": (b"metadata[a]=2&metadata=1", None),
    "[] and [0] mixed": (
        b"spending_controls[allowed_categories][]=bakeries&spending_controls[allowed_categories][0]=florists",
        None,
    ),
    "negative index": (b"spending_controls[spending_limits][-1][amount]=1", "spending_controls[spending_limits]"),
    "array as a scalar": (b"spending_controls[spending_limits]=5", "spending_controls[spending_limits]"),
    "hash as a string": (b"metadata=abc", "metadata"),
    "nested metadata": (b"metadata[k][x]=v", "metadata[k]"),
    "too many parameters": (b"&".join(b"x%d=1" % i for i in range(6000)), None),
    "parameter name too long": (b"metadata" + b"[a]" * 200 + b"=1", None),
    "NUL in a name": (b"metad\x00ata[a]=1", "metad\x00ata"),
    "unknown status": (b"status=melted", "status"),
    "51 metadata keys": (b"&".join(b"metadata[k%d]=v" % i for i in range(51)), "metadata"),
    "metadata key of 41": (b"metadata[" + b"k" * 41 + b"]=v", "metadata[" + "k" * 41 + "]"),
    "metadata value of 501": (b"metadata[k]=" + b"v" * 501, "metadata[k]"),
    "empty expand item": (b"expand[]=", "expand[0]"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_BODIES))
def test_malformed_card_updates_are_refused_and_change_nothing(
    server: EmulatorServer, world: tuple[str, guide_flow.Guide], scoped: httpx.Client, case: str
) -> None:
    key, guide = world
    body, param = REFUSED_BODIES[case]
    before = fingerprint(server, key)
    r = scoped.post(f"/v1/issuing/cards/{guide.ids['card']}", content=body, headers=FORM)
    assert_stripe_shaped(r)
    assert r.status_code == 400, r.text[:300]
    assert r.json()["error"]["type"] == "invalid_request_error"
    if param is not None:
        assert r.json()["error"].get("param") == param, r.text[:300]
    assert fingerprint(server, key) == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"metadata": {"a": "1"}}'),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="metadata[a]"\r\n\r\n1\r\n--x--\r\n',
        ),
        ("text/plain", b"metadata[a]=1"),
    ],
)
def test_bodies_that_are_not_forms_are_refused(
    server: EmulatorServer, world: tuple[str, guide_flow.Guide], scoped: httpx.Client, content_type: str, body: bytes
) -> None:
    key, guide = world
    before = fingerprint(server, key)
    r = scoped.post(f"/v1/issuing/cards/{guide.ids['card']}", content=body, headers={"Content-Type": content_type})
    assert_stripe_shaped(r)
    assert r.status_code == 400 and "application/x-www-form-urlencoded" in r.json()["error"]["message"]
    assert fingerprint(server, key) == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}],
    ids=["no content type", "with charset"],
)
def test_forms_without_a_content_type_or_with_a_charset_are_read(
    world: tuple[str, guide_flow.Guide], scoped: httpx.Client, headers: dict[str, str]
) -> None:
    _, guide = world
    r = scoped.post(f"/v1/issuing/cards/{guide.ids['card']}", content=b"metadata[via]=raw", headers=headers)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["metadata"]["via"] == "raw"


def test_sparse_array_indices_are_an_order_not_a_size(
    world: tuple[str, guide_flow.Guide], scoped: httpx.Client
) -> None:
    _, guide = world
    body = (
        b"spending_controls[spending_limits][99999999][amount]=700&spending_controls[spending_limits][99999999][interval]=daily"
        b"&spending_controls[spending_limits][5][amount]=900&spending_controls[spending_limits][5][interval]=weekly"
    )
    r = scoped.post(f"/v1/issuing/cards/{guide.ids['card']}", content=body, headers=FORM)
    assert r.status_code == 200, r.text[:300]
    limits = r.json()["spending_controls"]["spending_limits"]
    assert [(lim["amount"], lim["interval"]) for lim in limits] == [(900, "weekly"), (700, "daily")]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=%zz", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("created[gt]=abc", "created[gt]"),
        ("exp_year=99999999999999999999", "exp_year"),
        ("expand=data.cardholder", "expand"),
        ("expand[]=data.nope", "expand"),
        ("ending_before=%ff", None),
    ],
)
def test_bad_list_queries_are_refused(scoped: httpx.Client, query: str, param: str | None) -> None:
    r = scoped.get(f"/v1/issuing/cards?{query}")
    assert_stripe_shaped(r)
    assert r.status_code == 400, r.text[:300]
    assert r.json()["error"].get("param") == param


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Stripe-Account": "acct_nope"}, 403),
        ({"Stripe-Account": "garbage value"}, 403),
        ({"Idempotency-Key": "k" * 300}, 400),
        ({"Authorization": "Bearer pk_test_123"}, 401),
        ({"Authorization": "Bearer sk_live_123"}, 401),
        ({"Authorization": "Token abc"}, 401),
    ],
)
def test_bad_headers_are_refused_and_change_nothing(
    server: EmulatorServer,
    world: tuple[str, guide_flow.Guide],
    scoped: httpx.Client,
    headers: dict[str, Any],
    status: int,
) -> None:
    key, guide = world
    before = fingerprint(server, key)
    r = scoped.post(f"/v1/issuing/cards/{guide.ids['card']}", content=b"metadata[a]=1", headers={**FORM, **headers})
    assert_stripe_shaped(r)
    assert r.status_code == status, r.text[:300]
    assert fingerprint(server, key) == before


def test_non_ascii_digits_are_not_integers(
    server: EmulatorServer, world: tuple[str, guide_flow.Guide], scoped: httpx.Client
) -> None:
    key, guide = world
    body = f"amount=\u0663&currency=usd&financial_account={guide.ids['financial_account']}&network=ach".encode()
    r = scoped.post("/v1/test_helpers/treasury/received_credits", content=body, headers=FORM)
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_invalid_integer", r.text[:300]


@pytest.mark.parametrize("index", ["\u00b2", "\u2460"])
def test_non_ascii_digit_array_indices_are_a_stripe_error(index: str) -> None:
    """At the parameter layer (these were a 500: ``str.isdigit()`` then ``int()``)."""
    app = create_app()
    body = f"spending_controls[spending_limits][{index}][amount]=1&spending_controls[spending_limits][{index}][interval]=daily"
    with pytest.raises(StripeError) as refused:
        app.specs.operation("POST", "/v1/issuing/cards/{card}")(forms.decode(body))
    assert refused.value.status == 400 and refused.value.param == "spending_controls[spending_limits]"


def test_non_ascii_digit_expand_index_is_a_stripe_error(scoped: httpx.Client) -> None:
    r = scoped.get("/v1/issuing/cards", params={"expand[\u00b2]": "data.cardholder"})
    assert_stripe_shaped(r)
    assert r.status_code == 400, r.text[:300]
