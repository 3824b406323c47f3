"""Files: multipart uploads through the SDKs' files base address, list/retrieve/contents, Stripe's
purpose rules, and file ids checked where Stripe takes them (Issuing dispute evidence)."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import EmulatorServer
from emulator.http import forms, multipart
from emulator.resources import files
from tests.support import flows, issuing_flows

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def test_upload_retrieve_list_and_contents(client: stripe.StripeClient, http: httpx.Client) -> None:
    uploaded = flows.upload(client, "dispute_evidence", flows.PDF, "/tmp/somewhere/receipt.pdf")
    assert isinstance(uploaded, stripe.File)
    assert uploaded.id.startswith("file_1")
    assert (uploaded.purpose, uploaded.type, uploaded.size, uploaded.filename) == (
        "dispute_evidence",
        "pdf",
        len(flows.PDF),
        "receipt.pdf",
    )
    assert uploaded.url == f"https://files.stripe.com/v1/files/{uploaded.id}/contents"
    # Stripe's API reference example: expires_at - created = 23,328,000 s, 270 days
    assert uploaded.expires_at == uploaded.created + 270 * 86_400
    assert client.v1.files.retrieve(uploaded.id).to_dict() == uploaded.to_dict()
    logo = flows.upload(client, "issuing_logo", flows.png(), "logo.png")
    assert (logo.type, logo.expires_at) == ("png", None)
    assert [f.id for f in client.v1.files.list().data] == [logo.id, uploaded.id]
    assert [f.id for f in client.v1.files.list({"purpose": "issuing_logo"}).data] == [logo.id]
    body = http.get(f"/v1/files/{uploaded.id}/contents")
    assert body.status_code == 200
    assert body.content == flows.PDF
    assert body.headers["content-type"] == "application/pdf"


def test_identity_documents_are_not_downloadable(client: stripe.StripeClient, http: httpx.Client) -> None:
    doc = flows.upload(client, "identity_document", JPEG, "passport.jpg")
    assert (doc.type, doc.url, doc.expires_at) == ("jpg", None, None)
    r = http.get(f"/v1/files/{doc.id}/contents")
    assert r.status_code == 404


def test_files_belong_to_the_account_that_uploaded_them(client: stripe.StripeClient, account: stripe.Account) -> None:
    mine = flows.upload(client, "additional_verification", flows.PDF, "doc.pdf", account=account.id)
    assert client.v1.files.retrieve(mine.id, options={"stripe_account": account.id}).id == mine.id
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.files.retrieve(mine.id)
    assert exc.value.http_status == 404
    assert exc.value.user_message == f"No such file upload: '{mine.id}'"


@pytest.mark.parametrize(
    ("purpose", "data", "name", "message"),
    [
        ("dispute_evidence", b"GIF89a" + b"\x00" * 20, "a.gif", "application/pdf, image/jpeg, image/png"),
        ("issuing_logo", JPEG, "logo.jpg", "image/png"),
        ("dispute_evidence", b"\x00\x01\x02garbage", "x.bin", "We don't currently support that file type"),
        ("business_logo", flows.png(4000, 1000) + b"\x00" * 600_000, "big.png", "at most 512KB"),
        ("dispute_evidence", b"", "empty.pdf", "empty"),
    ],
)
def test_purpose_rules(client: stripe.StripeClient, purpose: str, data: bytes, name: str, message: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        flows.upload(client, purpose, data, name)
    assert exc.value.http_status == 400
    assert exc.value.param == "file"
    assert message in str(exc.value.user_message)
    assert client.v1.files.list().data == []


def test_missing_or_unknown_parameters(client: stripe.StripeClient, http: httpx.Client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.files.create({"file": io.BytesIO(flows.PDF), "purpose": "holiday_photos"})  # type: ignore[typeddict-item]
    assert exc.value.param == "purpose"
    r = http.post("/v1/files", files={"file": ("a.pdf", flows.PDF)})
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_missing"
    r = http.post("/v1/files", data={"purpose": "dispute_evidence", "file": "not a file"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "file"
    r = http.post(
        "/v1/files",
        data={"purpose": "identity_document", "file_link_data[create]": "true"},
        files={"file": ("a.pdf", flows.PDF)},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "file_link_data[create]"  # not downloadable


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n\r\n--x--"),
        ("multipart/form-data; boundary=x", b"no boundary in here"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nabc'),
        ("multipart/form-data; boundary=x", b"--x\r\nNo-Colon\r\n\r\nv\r\n--x--\r\n"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: attachment\r\n\r\nv\r\n--x--\r\n"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--\r\n"),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="p"\r\n\r\n\xff\xfe\r\n--x--\r\n',
        ),
        ("multipart/form-data; boundary=x", b"--xgarbage"),
        ("multipart/form-data; boundary=x", b"--x\r\n" + b"A: b\r\n" * 3000 + b"\r\nv\r\n--x--\r\n"),
    ],
)
def test_bad_multipart_is_a_400(http: httpx.Client, content_type: str, body: bytes) -> None:
    r = http.post("/v1/files", content=body, headers={"Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_multipart_only_where_files_are_uploaded(http: httpx.Client) -> None:
    r = http.post("/v1/issuing/cardholders", files={"name": (None, "Jenny")})
    assert r.status_code == 400
    assert "unsupported Content-Type multipart/form-data" in r.json()["error"]["message"]


def test_parser_round_trip() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence\r\n'
        b'--b\r\nContent-Disposition: form-data; name="expand[0]"\r\n\r\nlinks\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="r%22.pdf"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + flows.PDF + b"\r\n--b--\r\n"
    )
    tree, logged = multipart.parse(body, 'multipart/form-data; boundary="b"')
    assert tree["purpose"] == "dispute_evidence" and tree["expand"] == {"0": "links"}
    upload = tree["file"]
    assert isinstance(upload, multipart.Upload) and upload.data == flows.PDF and upload.filename == "r%22.pdf"
    assert forms.decode(logged) == {"purpose": "dispute_evidence", "expand": {"0": "links"}, "file": "r%22.pdf"}
    assert files.sniff(b"a,b\n1,2\n", "t.csv") == "csv" and files.sniff(b"{}", "x") == "json"
    assert files.sniff(b"<?xml?><svg/>", "s") == "svg" and files.sniff(b"PK\x03\x04", "x.xlsx") == "xlsx"


def test_request_log_keeps_the_fields_not_the_bytes(
    client: stripe.StripeClient, server: EmulatorServer, api_key: str
) -> None:
    flows.upload(client, "dispute_evidence", flows.PDF, "receipt.pdf")
    logged = httpx.get(
        f"{server.url}/_emulator/requests", params={"path": "/v1/files"}, headers={"Authorization": f"Bearer {api_key}"}
    )
    record = logged.json()["requests"][-1]
    assert record["request_body"] == {"purpose": "dispute_evidence", "file": "receipt.pdf"}


def test_module_level_upload_api_base(server: EmulatorServer, api_key: str) -> None:
    saved = (stripe.api_key, stripe.api_base, stripe.upload_api_base)
    stripe.api_key, stripe.api_base, stripe.upload_api_base = api_key, server.url, server.url
    try:
        made = stripe.File.create(file=io.BytesIO(flows.PDF), purpose="dispute_evidence")
        assert stripe.File.retrieve(made.id).purpose == "dispute_evidence"
    finally:
        stripe.api_key, stripe.api_base, stripe.upload_api_base = saved


# --- file ids where Stripe takes them ----------------------------------------------------------------------


def _capture(s: issuing_flows.Spender) -> str:
    auth = s.authorize(1000)
    return str(s.client.v1.test_helpers.issuing.authorizations.capture(auth.id, options=s.opts).transactions[0].id)


def test_dispute_with_an_uploaded_evidence_file(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client)
    opts: Any = s.opts
    receipt = flows.upload(client, "dispute_evidence", flows.PDF, "receipt.pdf", account=s.account)
    evidence: Any = {
        "reason": "fraudulent",
        "fraudulent": {"explanation": "Card stolen", "additional_documentation": receipt.id},
    }
    dispute = client.v1.issuing.disputes.create({"transaction": _capture(s), "evidence": evidence}, opts)
    assert dispute.evidence.fraudulent.additional_documentation == receipt.id
    shown = client.v1.issuing.disputes.retrieve(
        dispute.id, {"expand": ["evidence.fraudulent.additional_documentation"]}, opts
    )
    assert isinstance(shown.evidence.fraudulent.additional_documentation, stripe.File)
    assert shown.evidence.fraudulent.additional_documentation.id == receipt.id
    duplicate: Any = {
        "reason": "duplicate",
        "duplicate": {"explanation": "Charged twice", "card_statement": receipt.id, "cash_receipt": receipt.id},
    }
    updated = client.v1.issuing.disputes.update(dispute.id, {"evidence": duplicate}, opts)
    assert updated.evidence.duplicate.card_statement == receipt.id
    assert client.v1.issuing.disputes.submit(dispute.id, options=opts).status == "submitted"


def test_dispute_evidence_files_are_checked(client: stripe.StripeClient) -> None:
    s = issuing_flows.spender(client)
    opts: Any = s.opts
    tx = _capture(s)
    logo = flows.upload(client, "issuing_logo", flows.png(), "logo.png", account=s.account)
    platform_file = flows.upload(client, "dispute_evidence")
    cases: list[tuple[str, int, str]] = [
        ("file_nope", 400, "No such file upload: 'file_nope'"),
        (platform_file.id, 400, f"No such file upload: '{platform_file.id}'"),  # another account's file
        (logo.id, 400, "purpose dispute_evidence"),
    ]
    for file_id, status, message in cases:
        evidence: Any = {"fraudulent": {"explanation": "x", "additional_documentation": file_id}}
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.issuing.disputes.create({"transaction": tx, "evidence": evidence}, opts)
        assert exc.value.http_status == status
        assert exc.value.param == "evidence[fraudulent][additional_documentation]"
        assert message in str(exc.value.user_message)
    assert client.v1.issuing.disputes.list(options=opts).data == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"--b",
                b"\r\n",
                b"--",
                b"Content-Disposition: form-data; ",
                b'name="f"',
                b'filename="x"',
                b":",
                b"\xff",
                b"a",
            ]
        ),
        max_size=30,
    )
)
def test_parser_never_fails_other_than_formerror(pieces: list[bytes]) -> None:
    try:
        multipart.parse(b"".join(pieces), "multipart/form-data; boundary=b")
    except forms.FormError:
        pass
