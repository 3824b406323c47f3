"""File links through the SDK: create (also with an upload's ``file_link_data``), retrieve, update,
list, the file's ``links``, and the link's URL serving the file without a key until it expires."""

from __future__ import annotations

import io

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from tests.support import flows


def test_a_link_shares_the_file_until_it_expires(client: stripe.StripeClient, http: httpx.Client) -> None:
    evidence = flows.upload(client, "dispute_evidence", flows.PDF, "receipt.pdf")
    link = client.v1.file_links.create({"file": evidence.id, "metadata": {"case": "42"}})
    assert isinstance(link, stripe.FileLink) and link.id.startswith("link_")
    assert (link.file, link.expired, link.expires_at, link.livemode) == (evidence.id, False, None, False)
    assert link.metadata.to_dict() == {"case": "42"}
    assert link.url is not None
    shared = httpx.get(link.url)  # no key: anyone with the URL
    assert shared.status_code == 200 and shared.content == flows.PDF
    assert shared.headers["content-type"] == "application/pdf"
    assert "sandbox" in shared.headers["content-security-policy"]  # an upload runs nothing here
    assert client.v1.file_links.retrieve(link.id).to_dict() == link.to_dict()
    expanded = client.v1.file_links.retrieve(link.id, {"expand": ["file"]})
    assert isinstance(expanded.file, stripe.File) and expanded.file.id == evidence.id
    ended = client.v1.file_links.update(link.id, {"expires_at": "now"})
    assert ended.expired and ended.expires_at is not None
    assert httpx.get(link.url).status_code == 404
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.file_links.update(link.id, {"metadata": {"case": "43"}})
    assert exc.value.param == "metadata"


def test_expiry_follows_the_platforms_clock(client: stripe.StripeClient, http: httpx.Client) -> None:
    evidence = flows.upload(client, "dispute_evidence")
    http.post("/_emulator/clock", data={"freeze": "true"})
    link = client.v1.file_links.create({"file": evidence.id, "expires_at": evidence.created + 60})
    assert link.url is not None and httpx.get(link.url).status_code == 200
    http.post("/_emulator/clock", data={"advance": "61"})
    assert client.v1.file_links.retrieve(link.id).expired
    assert httpx.get(link.url).status_code == 404
    forever = client.v1.file_links.update(
        client.v1.file_links.create({"file": evidence.id, "expires_at": link.expires_at + 60}).id,  # type: ignore[operator]
        {"expires_at": ""},
    )
    assert (forever.expires_at, forever.expired) == (None, False)
    assert [x.id for x in client.v1.file_links.list({"expired": True}).data] == [link.id]
    assert [x.id for x in client.v1.file_links.list({"expired": False}).data] == [forever.id]


def test_an_upload_can_make_its_first_link_and_a_file_shows_its_links(client: stripe.StripeClient) -> None:
    stream = io.BytesIO(flows.PDF)
    stream.name = "receipt.pdf"
    uploaded = client.v1.files.create(
        {"file": stream, "purpose": "dispute_evidence", "file_link_data": {"create": True, "metadata": {"a": "b"}}}
    )
    assert uploaded.links is not None
    (first,) = uploaded.links.data
    assert (first.file, first.metadata.to_dict()) == (uploaded.id, {"a": "b"})
    assert uploaded.links.url == f"/v1/file_links?file={uploaded.id}"
    second = client.v1.file_links.create({"file": uploaded.id})
    other = client.v1.file_links.create({"file": flows.upload(client, "dispute_evidence").id})
    shown = client.v1.files.retrieve(uploaded.id).links
    assert shown is not None and [x.id for x in shown.data] == [second.id, first.id]
    assert [x.id for x in client.v1.file_links.list({"file": uploaded.id}).data] == [second.id, first.id]
    assert [x.id for x in client.v1.file_links.list().data] == [other.id, second.id, first.id]


def test_what_a_link_refuses(client: stripe.StripeClient, server: EmulatorServer) -> None:
    passport = flows.upload(client, "identity_document", flows.PDF, "passport.pdf")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.file_links.create({"file": passport.id})
    assert exc.value.param == "file" and "identity_document" in str(exc.value.user_message)
    evidence = flows.upload(client, "dispute_evidence")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.file_links.create({"file": evidence.id, "expires_at": 1_000})
    assert (exc.value.param, exc.value.code) == ("expires_at", "parameter_invalid_integer")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.file_links.create({"file": "file_nope"})
    assert exc.value.param == "file"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.file_links.retrieve("link_nope")
    assert exc.value.http_status == 404 and exc.value.user_message == "No such file link: 'link_nope'"
    assert httpx.get(server.url + "/_emulator/file_links/nope").status_code == 404
    stream = io.BytesIO(flows.PDF)
    stream.name = "passport.pdf"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.files.create({"file": stream, "purpose": "identity_document", "file_link_data": {"create": True}})
    assert exc.value.param == "file_link_data[create]"
    assert [f.id for f in client.v1.files.list({"purpose": "identity_document"}).data] == [passport.id]  # kept nothing


def test_a_link_belongs_to_the_account_of_its_file(client: stripe.StripeClient, account: stripe.Account) -> None:
    theirs = flows.upload(client, "dispute_evidence", account=account.id)
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    link = client.v1.file_links.create({"file": theirs.id}, opts)
    assert link.url is not None and httpx.get(link.url).content == flows.PDF
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.file_links.retrieve(link.id)
    assert exc.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.file_links.create({"file": theirs.id})  # not the platform's file
