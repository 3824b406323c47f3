"""Connect accounts and capabilities through the real SDK."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe

from tests.support import flows
from tests.support.receiver import Receiver
from tests.support.webhooks import endpoint, wait_until

DEAUTHORIZED = "account.application.deauthorized"


def test_guide_account_gets_active_capabilities(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client)
    assert acct.object == "account"
    assert acct.id.startswith("acct_1") and len(acct.id) == 21
    assert acct.capabilities.to_dict() == {"card_issuing": "active", "transfers": "active", "treasury": "active"}
    assert acct.controller.stripe_dashboard.type == "none"  # type: ignore[union-attr]
    caps = client.v1.accounts.capabilities.list(acct.id)
    assert caps.url == f"/v1/accounts/{acct.id}/capabilities"
    assert sorted(c.id for c in caps.data) == ["card_issuing", "transfers", "treasury"]
    assert all(c.object == "capability" and c.status == "active" and c.requested for c in caps.data)


def test_treasury_needs_transfers(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create({"type": "custom", "capabilities": {"treasury": {"requested": True}}})
    assert acct.capabilities.to_dict() == {"treasury": "inactive"}
    cap = client.v1.accounts.capabilities.retrieve(acct.id, "treasury")
    assert cap.status == "inactive"
    assert cap.requirements.currently_due == ["capabilities.transfers"]  # type: ignore[union-attr]
    updated = client.v1.accounts.update(acct.id, {"capabilities": {"transfers": {"requested": True}}})
    assert updated.capabilities.to_dict() == {"transfers": "active", "treasury": "active"}


@pytest.mark.parametrize(
    "kind",
    [
        {"type": "express"},
        {"type": "standard"},
        {},  # neither type nor controller: a Standard account
        {"controller": {"stripe_dashboard": {"type": "express"}}},
        {"controller": {"stripe_dashboard": {"type": "none"}, "losses": {"payments": "stripe"}}},
    ],
)
@pytest.mark.parametrize("name", ["card_issuing", "treasury"])
def test_issuing_and_treasury_only_on_accounts_the_platform_controls(
    client: stripe.StripeClient, kind: dict[str, object], name: str
) -> None:
    """Stripe's Issuing and Treasury Connect guides: only accounts without a Stripe-hosted Dashboard
    whose requirements and losses the platform carries. Refused on create, update and the
    capability endpoint alike; nothing changes."""
    caps = {name: {"requested": True}, "transfers": {"requested": True}}
    with pytest.raises(stripe.InvalidRequestError, match=f"The `{name}` capability can only be requested") as exc:
        client.v1.accounts.create({**kind, "capabilities": caps})  # type: ignore[typeddict-item]
    assert (exc.value.http_status, exc.value.param) == (400, f"capabilities[{name}][requested]")
    acct = client.v1.accounts.create({**kind, "capabilities": {"transfers": {"requested": True}}})  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError, match="can only be requested"):
        client.v1.accounts.update(acct.id, {"capabilities": caps})  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError, match="can only be requested"):
        client.v1.accounts.capabilities.update(acct.id, name, {"requested": True})
    assert sorted(client.v1.accounts.retrieve(acct.id).capabilities.to_dict()) == ["transfers"]
    custom = client.v1.accounts.create(
        {"controller": {"stripe_dashboard": {"type": "none"}, "requirement_collection": "application"}}
    )
    assert client.v1.accounts.capabilities.update(custom.id, name, {"requested": True}).requested


def test_request_capability_through_capability_endpoint(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create({"country": "US", "type": "custom"})
    assert acct.capabilities.to_dict() == {}
    cap = client.v1.accounts.capabilities.update(acct.id, "card_issuing", {"requested": True})
    assert cap.status == "active" and cap.requested and cap.requested_at
    assert client.v1.accounts.retrieve(acct.id).capabilities.to_dict() == {"card_issuing": "active"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.capabilities.update(acct.id, "card_issuing", {"requested": False})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.capabilities.retrieve(acct.id, "flying_carpets")
    assert exc.value.http_status == 404


def test_capability_change_refreshes_financial_account_features(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create(
        {"type": "custom", "capabilities": {"transfers": {"requested": True}, "treasury": {"requested": True}}}
    )
    fa = flows.financial_account(client, acct.id)
    assert "card_issuing" in fa.restricted_features
    features = client.v1.treasury.financial_accounts.features.retrieve(fa.id, options={"stripe_account": acct.id})
    assert features.card_issuing.status == "restricted"  # type: ignore[union-attr]
    assert features.card_issuing.status_details[0].code == "capability_not_requested"  # type: ignore[union-attr]
    client.v1.accounts.update(acct.id, {"capabilities": {"card_issuing": {"requested": True}}})
    fa = client.v1.treasury.financial_accounts.retrieve(fa.id, options={"stripe_account": acct.id})
    assert "card_issuing" in fa.active_features


def test_update_list_delete(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client)
    updated = client.v1.accounts.update(acct.id, {"email": "new@example.com", "metadata": {"a": "1", "b": "2"}})
    assert updated.email == "new@example.com"
    assert updated.metadata.to_dict() == {"a": "1", "b": "2"}
    updated = client.v1.accounts.update(acct.id, {"metadata": {"a": ""}})
    assert updated.metadata.to_dict() == {"b": "2"}
    listed = client.v1.accounts.list()
    assert listed.url == "/v1/accounts"
    assert [a.id for a in listed.data] == [acct.id]
    deleted = client.v1.accounts.delete(acct.id)
    assert deleted.deleted is True and deleted.id == acct.id
    with pytest.raises(stripe.PermissionError):  # 403 account_invalid, as Stripe answers a gone account
        client.v1.accounts.retrieve(acct.id)


def test_metadata_clear_and_limits(http: httpx.Client) -> None:
    acct = http.post("/v1/accounts", data={"metadata[a]": "1", "metadata[b]": "2"}).json()
    assert acct["metadata"] == {"a": "1", "b": "2"}
    cleared = http.post(f"/v1/accounts/{acct['id']}", data={"metadata": ""}).json()
    assert cleared["metadata"] == {}
    too_many = {f"metadata[k{i}]": "v" for i in range(51)}
    r = http.post(f"/v1/accounts/{acct['id']}", data=too_many)
    assert r.status_code == 400 and r.json()["error"]["param"] == "metadata"
    r = http.post(f"/v1/accounts/{acct['id']}", data={"metadata[" + "k" * 41 + "]": "v"})
    assert r.status_code == 400
    r = http.post(f"/v1/accounts/{acct['id']}", data={"metadata[k]": "v" * 501})
    assert r.status_code == 400
    assert http.get(f"/v1/accounts/{acct['id']}").json()["metadata"] == {}


def test_reject_and_unreject(client: stripe.StripeClient) -> None:
    acct = flows.connected_account(client)
    fa = flows.financial_account(client, acct.id)
    rejected = client.v1.accounts.reject(acct.id, {"reason": "fraud_other"})
    assert rejected.requirements.disabled_reason == "rejected.platform_fraud"  # type: ignore[union-attr]
    fa = client.v1.treasury.financial_accounts.retrieve(fa.id, options={"stripe_account": acct.id})
    assert fa.active_features == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.update(acct.id, {"email": "x@example.com"})
    restored = client.v1.accounts.unreject(acct.id)
    assert restored.requirements.disabled_reason is None  # type: ignore[union-attr]


def test_a_rejection_disables_every_capability_and_unreject_gives_them_back(client: stripe.StripeClient) -> None:
    """A rejected account's capabilities go inactive, so nothing is transferred to it until it is
    unrejected. Their ``disabled_reason`` is the account's (``rejected.fraud``) before 2024-06-20,
    when the capability's reasons became a closed list of ten, then ``rejected.other``."""
    acct = flows.connected_account(client)
    opts: stripe.RequestOptions = {"stripe_account": acct.id}
    rejected = client.v1.accounts.reject(acct.id, {"reason": "fraud_other"})
    assert rejected.capabilities is not None and set(rejected.capabilities.to_dict().values()) == {"inactive"}
    transfers = client.v1.accounts.capabilities.retrieve(acct.id, "transfers")
    assert transfers.status == "inactive" and transfers.requirements is not None
    assert transfers.requirements.disabled_reason == "rejected.other"
    assert rejected.requirements is not None and rejected.requirements.disabled_reason == "rejected.platform_fraud"
    older = client.v1.accounts.capabilities.retrieve(acct.id, "transfers", options={"stripe_version": "2024-04-10"})
    assert older.requirements is not None and older.requirements.disabled_reason == "rejected.fraud"
    updated = [e.data.object["id"] for e in client.v1.events.list({"type": "capability.updated"}, opts).data]
    assert "transfers" in updated and "card_issuing" in updated
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": acct.id})
    assert exc.value.code == "insufficient_capabilities_for_transfer"
    restored = client.v1.accounts.unreject(acct.id)
    assert restored.capabilities is not None and set(restored.capabilities.to_dict().values()) == {"active"}
    again = client.v1.accounts.capabilities.retrieve(acct.id, "transfers")
    assert again.requirements is not None and again.requirements.disabled_reason is None


def test_platform_account(client: stripe.StripeClient) -> None:
    me = client.v1.accounts.retrieve_current()
    assert me.object == "account" and me.id.startswith("acct_")
    assert client.v1.accounts.retrieve_current().id == me.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.delete(me.id)


def test_auto_paging_walks_every_account_once(client: stripe.StripeClient) -> None:
    made = [client.v1.accounts.create({"metadata": {"n": str(i)}}).id for i in range(23)]
    seen = [a.id for a in client.v1.accounts.list({"limit": 5}).auto_paging_iter()]
    assert seen == list(reversed(made))
    first = client.v1.accounts.list({"limit": 3})
    assert first.has_more is True
    older = client.v1.accounts.list({"limit": 3, "starting_after": first.data[-1].id})
    assert [a.id for a in older.data] == list(reversed(made))[3:6]
    newer = client.v1.accounts.list({"limit": 2, "ending_before": older.data[0].id})
    assert [a.id for a in newer.data] == list(reversed(made))[1:3]
    assert newer.has_more is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.list({"limit": 101})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.list({"starting_after": "acct_nope"})


def test_created_filters(client: stripe.StripeClient) -> None:
    a = client.v1.accounts.create({})
    assert [x.id for x in client.v1.accounts.list({"created": {"gte": a.created}}).data] == [a.id]
    assert client.v1.accounts.list({"created": {"lt": a.created}}).data == []
    assert [x.id for x in client.v1.accounts.list({"created": a.created}).data] == [a.id]


def test_newer_capabilities_have_capability_objects(client: stripe.StripeClient) -> None:
    acct = client.v1.accounts.create({"capabilities": {"crypto_payments": {"requested": True}}})
    cap = client.v1.accounts.capabilities.retrieve(acct.id, "crypto_payments")
    assert cap.status == "active"
    assert client.v1.accounts.capabilities.update(acct.id, "pix_payments", {"requested": True}).status == "active"


# --- rejection, countries, controllers, unknown accounts, no-op updates ------------------------------


def test_reject_reason_must_be_stripes(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.reject(account.id, {"reason": "bored"})
    assert exc.value.error is not None and exc.value.error.param == "reason"
    assert client.v1.accounts.retrieve(account.id).requirements.disabled_reason is None  # type: ignore[union-attr]
    rejected = client.v1.accounts.reject(account.id, {"reason": "terms_of_service"})
    assert rejected.requirements.disabled_reason == "rejected.platform_terms_of_service"  # type: ignore[union-attr]
    assert (rejected.charges_enabled, rejected.payouts_enabled) == (False, False)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.reject(account.id, {"reason": "fraud_other"})
    assert exc.value.user_message == "This account has already been rejected."
    assert client.v1.accounts.retrieve(account.id).requirements.disabled_reason == "rejected.platform_terms_of_service"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("reason", "disabled"),
    [
        ("fraud_other", "rejected.platform_fraud"),
        ("fraud_payment_method_tester", "rejected.platform_fraud"),
        ("credit", "rejected.platform_other"),
        ("other", "rejected.platform_other"),
    ],
)
def test_reject_reasons_of_2026(client: stripe.StripeClient, reason: str, disabled: str) -> None:
    account = flows.connected_account(client)
    rejected = client.v1.accounts.reject(account.id, {"reason": reason})  # type: ignore[typeddict-item]
    assert rejected.requirements is not None and rejected.requirements.disabled_reason == disabled


def test_reject_reasons_follow_the_api_version(client: stripe.StripeClient, http: httpx.Client) -> None:
    """API 2026-09-30 replaced ``fraud`` by the ``fraud_*`` reasons (``fraud`` is then a 400) and
    shows a platform's rejection as ``rejected.platform_*``; older versions keep the old ones."""
    old = {"Stripe-Version": "2023-08-16"}
    account = flows.connected_account(client)
    r = http.post(f"/v1/accounts/{account.id}/reject", data={"reason": "fraud"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "reason"
    r = http.post(f"/v1/accounts/{account.id}/reject", data={"reason": "fraud_other"}, headers=old)
    assert r.status_code == 400 and r.json()["error"]["message"].endswith("fraud, terms_of_service, or other")
    r = http.post(f"/v1/accounts/{account.id}/reject", data={"reason": "fraud"}, headers=old)
    assert r.status_code == 200 and r.json()["requirements"]["disabled_reason"] == "rejected.fraud"
    now = client.v1.accounts.retrieve(account.id)
    assert now.requirements is not None and now.requirements.disabled_reason == "rejected.platform_fraud"
    event = client.v1.events.list({"type": "account.updated"}, {"stripe_account": account.id}).data[0]
    assert event.data.object["requirements"]["disabled_reason"] == "rejected.platform_fraud"


def test_reject_can_leave_payouts_enabled(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    rejected = client.v1.accounts.reject(account.id, {"reason": "fraud_other", "payouts_action": "none"})
    assert (rejected.charges_enabled, rejected.payouts_enabled) == (False, True)


def test_unknown_country_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.accounts.create({"type": "custom", "country": "XX"})
    assert exc.value.http_status == 400
    assert exc.value.error is not None and exc.value.error.param == "country"
    assert client.v1.accounts.list().data == []


@pytest.mark.parametrize(
    ("country", "currency"),
    [
        ("US", "usd"),
        ("gb", "gbp"),
        ("FR", "eur"),
        ("IE", "eur"),
        ("CA", "cad"),
        ("AU", "aud"),
        ("JP", "jpy"),
        ("MX", "mxn"),
        ("SG", "sgd"),
        ("HK", "hkd"),
        ("CH", "chf"),
        ("LI", "chf"),
        ("NZ", "nzd"),
        ("SE", "sek"),
        ("NO", "nok"),
        ("PL", "pln"),
        ("HU", "huf"),
        ("BG", "eur"),  # in the euro area since 2026 (Stripe's 2026-01-28 changelog: bgn -> eur)
        ("AQ", "usd"),  # a country Stripe Connect does not serve
    ],
)
def test_default_currency_follows_the_country(client: stripe.StripeClient, country: str, currency: str) -> None:
    account = client.v1.accounts.create({"type": "custom", "country": country})
    assert (account.country, account.default_currency) == (country.upper(), currency)


@pytest.mark.parametrize(
    ("kind", "dashboard", "collection"), [("custom", "none", "application"), ("express", "express", "stripe")]
)
def test_an_application_controls_custom_and_express_accounts(
    client: stripe.StripeClient, kind: str, dashboard: str, collection: str
) -> None:
    account = client.v1.accounts.create({"type": kind})  # type: ignore[typeddict-item]
    controller = account.controller
    assert controller is not None
    assert (controller.type, controller.is_controller) == ("application", True)
    assert controller.stripe_dashboard is not None and controller.stripe_dashboard.type == dashboard
    assert controller.requirement_collection == collection
    standard = client.v1.accounts.create({"type": "standard"})  # a recorded answer: the platform controls it
    assert standard.controller is not None
    assert (standard.controller.type, standard.controller.is_controller) == ("application", True)
    assert standard.controller.stripe_dashboard is not None and standard.controller.stripe_dashboard.type == "full"
    assert standard.controller.fees is not None and standard.controller.fees.payer == "account"
    assert standard.controller.losses is not None and standard.controller.losses.payments == "stripe"
    assert standard.controller.requirement_collection == "stripe"
    own = client.v1.accounts.retrieve_current().controller
    assert own is not None and own.to_dict() == {"type": "account"}


def test_unknown_account_is_a_permission_error(client: stripe.StripeClient, api_key: str) -> None:
    """Stripe answers ``/v1/accounts/<unknown>`` with 403 ``account_invalid`` (stripe-ruby-mock#422)."""
    masked = "sk_test_" + "*" * (len(api_key) - 12) + api_key[-4:]
    for call in (
        lambda: client.v1.accounts.retrieve("acct_nope"),
        lambda: client.v1.accounts.update("acct_nope", {"metadata": {"a": "b"}}),
        lambda: client.v1.accounts.delete("acct_nope"),
        lambda: client.v1.accounts.reject("acct_nope", {"reason": "other"}),
        lambda: client.v1.accounts.capabilities.list("acct_nope"),
    ):
        with pytest.raises(stripe.PermissionError) as exc:
            call()
        assert exc.value.http_status == 403
        assert exc.value.error is not None and exc.value.error.code == "account_invalid"
        assert exc.value.user_message == (
            f"The provided key '{masked}' does not have access to account 'acct_nope' (or that account does not "
            "exist). Application access may have been revoked."
        )
    mine = flows.connected_account(client)
    other = flows.connected_account(client)
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.retrieve(other.id, options={"stripe_account": mine.id})
    client.v1.accounts.delete(mine.id)
    with pytest.raises(stripe.PermissionError):
        client.v1.accounts.retrieve(mine.id)


def test_no_op_account_update_emits_no_event(client: stripe.StripeClient) -> None:
    account = flows.connected_account(client)
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    created = client.v1.events.list({"type": "account.updated"}, opts).data  # its capabilities, as they activated
    client.v1.accounts.update(account.id, {"metadata": {}})
    client.v1.accounts.update(account.id, {"email": account.email or ""})
    client.v1.accounts.update(account.id, {"capabilities": {"transfers": {"requested": True}}})
    assert client.v1.events.list({"type": "account.updated"}, opts).data == created
    client.v1.accounts.update(account.id, {"metadata": {"a": "1"}})
    event = client.v1.events.list({"type": "account.updated"}, opts).data[0]
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes.to_dict() == {"metadata": {"a": None}}


# --- docs example: /treasury/connect/account-management/issuing-cards ---------------------------------


def test_treasury_issuing_cards_capability_update_example(client: stripe.StripeClient) -> None:
    """POST /v1/accounts/{id} capabilities[treasury|card_issuing|transfers][requested]=true -> active."""
    acct = flows.connected_account(client, capabilities={"transfers": {"requested": True}})
    upd = client.v1.accounts.update(
        acct.id,
        {
            "capabilities": {
                "treasury": {"requested": True},
                "card_issuing": {"requested": True},
                "transfers": {"requested": True},
            }
        },
    )
    assert upd.capabilities is not None
    assert upd.capabilities.card_issuing == "active"
    assert upd.capabilities.treasury == "active"
    assert upd.capabilities.transfers == "active"


def test_individual_details_only_for_an_individuals_account(client: stripe.StripeClient) -> None:
    """Stripe refuses ``individual`` on a company's account, and either without a business_type."""
    company = flows.connected_account(client, business_type="company", company={"name": "Homebox Inc"})
    with pytest.raises(stripe.InvalidRequestError) as wrong:
        client.v1.accounts.update(company.id, {"individual": {"first_name": "Jenny", "last_name": "Rosen"}})
    assert wrong.value.param == "individual"
    assert "business_type` of 'individual'" in str(wrong.value.user_message)
    assert "individual" not in client.v1.accounts.retrieve(company.id).to_dict()
    before = len(client.v1.accounts.list({"limit": 100}).data)
    with pytest.raises(stripe.InvalidRequestError) as untyped:
        flows.connected_account(client, individual={"first_name": "Jenny"})
    assert untyped.value.param == "individual" and "business_type" in str(untyped.value.user_message)
    assert len(client.v1.accounts.list({"limit": 100}).data) == before  # nothing made
    person = flows.connected_account(client, business_type="individual", individual={"first_name": "Jenny"})
    assert person.individual is not None and person.individual.first_name == "Jenny"
    # a company's account may become an individual's in the same request
    changed = client.v1.accounts.update(
        company.id, {"business_type": "individual", "individual": {"first_name": "Jenny", "last_name": "Rosen"}}
    )
    assert changed.business_type == "individual" and changed.individual is not None


def test_payout_settings_and_support_address_are_kept(client: stripe.StripeClient) -> None:
    account = flows.connected_account(
        client,
        settings={"payouts": {"schedule": {"interval": "manual"}}},
        business_profile={"support_address": {"line1": "1 Main St", "city": "San Francisco", "country": "US"}},
    )
    assert account.settings is not None and account.settings.payouts is not None
    assert account.settings.payouts.schedule.to_dict() == {"delay_days": 2, "interval": "manual"}
    assert account.business_profile is not None and account.business_profile.support_address is not None
    assert account.business_profile.support_address.to_dict() == {
        "city": "San Francisco",
        "country": "US",
        "line1": "1 Main St",
        "line2": None,
        "postal_code": None,
        "state": None,
    }
    weekly = client.v1.accounts.update(
        account.id,
        {
            "settings": {
                "payouts": {
                    "schedule": {"interval": "weekly", "weekly_anchor": "friday"},
                    "statement_descriptor": "HOMEBOX",
                    "debit_negative_balances": False,
                },
                "payments": {"statement_descriptor": "HOMEBOX INC"},
            }
        },
    )
    payouts = weekly.settings.payouts  # type: ignore[union-attr]
    assert payouts.schedule.to_dict() == {"delay_days": 2, "interval": "weekly", "weekly_anchor": "friday"}
    assert payouts.statement_descriptor == "HOMEBOX" and payouts.debit_negative_balances is False
    assert weekly.settings.payments.statement_descriptor == "HOMEBOX INC"  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError) as missing:  # an anchor goes with its interval
        client.v1.accounts.update(account.id, {"settings": {"payouts": {"schedule": {"interval": "monthly"}}}})
    assert missing.value.param == "settings[payouts][schedule][monthly_anchor]"
    kept = client.v1.accounts.retrieve(account.id)
    assert kept.settings.payouts.schedule.interval == "weekly"  # type: ignore[union-attr]
    monthly = client.v1.accounts.update(
        account.id,
        {"settings": {"payouts": {"schedule": {"interval": "monthly", "monthly_anchor": 15, "delay_days": "minimum"}}}},
    )
    assert monthly.settings.payouts.schedule.to_dict() == {  # type: ignore[union-attr]
        "delay_days": 2,
        "interval": "monthly",
        "monthly_anchor": 15,
    }


def test_deleting_a_standard_account_deauthorizes_the_platform(client: stripe.StripeClient) -> None:
    """stripe-cli's account.application.deauthorized trigger deletes a Standard account (stripe-cli#967)."""
    with Receiver() as receiver:
        we = endpoint(client, receiver.url, connect=True)
        standard = client.v1.accounts.create({"type": "standard"})
        custom = flows.connected_account(client)
        client.v1.accounts.delete(custom.id)
        client.v1.accounts.delete(standard.id)
        wait_until(lambda: any(e.type == DEAUTHORIZED for e in receiver.events(we.secret)))
        time.sleep(0.2)
        deauthorized = [e for e in receiver.events(we.secret) if e.type == DEAUTHORIZED]
    assert len(deauthorized) == 1 and deauthorized[0].account == standard.id
    application = deauthorized[0].data.object
    assert application["object"] == "application" and application["id"].startswith("ca_")


def test_a_first_capability_request_shows_only_what_changed(client: stripe.StripeClient) -> None:
    """``previous_attributes`` holds "the names of the updated attributes": never id, object or account."""
    account = client.v1.accounts.create({"type": "custom", "country": "US"})
    client.v1.accounts.update(account.id, {"capabilities": {"transfers": {"requested": True}}})
    (event,) = client.v1.events.list({"type": "capability.updated"}, {"stripe_account": account.id}).data
    previous = event.data.previous_attributes
    assert previous is not None
    assert {"id", "object", "account"}.isdisjoint(previous.to_dict())
    assert previous.to_dict() == {"requested": False, "requested_at": None, "status": "unrequested"}


@pytest.mark.parametrize("version", ["2019-02-19", "2020-03-02", "2023-10-16", "2026-10-28.endive"])
def test_requested_capabilities_of_older_versions(http: httpx.Client, version: str) -> None:
    # Stripe's 2019-02-19 changelog: requested_capabilities, until 2020-08-27's capabilities hash;
    # answers of 2023-10-16 recorded from Stripe still honour it
    old = {"Stripe-Version": version}
    form = {"type": "custom", "country": "US", "requested_capabilities[]": ["card_issuing", "transfers"]}
    r = http.post("/v1/accounts", data=form, headers=old)
    assert r.status_code == 200, r.text
    account = r.json()
    assert set(account["capabilities"]) == {"card_issuing", "transfers"}
    r = http.post(f"/v1/accounts/{account['id']}", data={"requested_capabilities[]": ["treasury"]}, headers=old)
    assert r.status_code == 200 and "treasury" in r.json()["capabilities"], r.text
    r = http.post("/v1/accounts", data={"requested_capabilities[]": ["card_issuing", "flying"]}, headers=old)
    assert r.status_code == 400 and r.json()["error"]["param"] == "requested_capabilities[1]"


@pytest.mark.parametrize(
    ("given", "descriptor", "prefix"),
    [
        (
            {"business_profile": {"name": "Chuck Bartowski", "url": "https://vipul.gumroad.com/"}},
            "CHUCK BARTOWSKI",
            "CHUCK BART",
        ),
        ({"business_profile": {"url": "https://www.bestcookieco.com/shop"}}, "BESTCOOKIECO.COM", "BESTCOOKIE"),
        (
            {"business_type": "individual", "individual": {"first_name": "Jenny", "last_name": "Rosen"}},
            "JENNY ROSEN",
            "JENNY ROSE",
        ),
        ({"business_profile": {"name": "Bob"}}, None, None),  # under 5 characters: left unset
    ],
)
def test_the_statement_descriptor_defaults_to_the_business_name(
    client: stripe.StripeClient, given: dict[str, object], descriptor: str | None, prefix: str | None
) -> None:
    """Stripe's changelog of 2023-10-16 (a recorded answer shows "CHUCK BARTOWSKI" and its prefix
    "CHUCK BART"); earlier versions leave it unset."""
    acct = client.v1.accounts.create({"type": "custom", **given})  # type: ignore[arg-type]
    assert acct.settings is not None and acct.settings.payments is not None
    assert acct.settings.payments.statement_descriptor == descriptor
    assert acct.settings.card_payments is not None and acct.settings.card_payments.statement_descriptor_prefix == prefix
    old = client.v1.accounts.create({"type": "custom", **given}, {"stripe_version": "2023-08-16"})  # type: ignore[arg-type]
    assert old.settings is not None and old.settings.payments is not None
    assert old.settings.payments.statement_descriptor is None
    # a descriptor given stays as given
    own = client.v1.accounts.update(acct.id, {"settings": {"payments": {"statement_descriptor": "MY SHOP"}}})
    assert own.settings is not None and own.settings.payments is not None
    assert own.settings.payments.statement_descriptor == "MY SHOP"


def test_capabilities_requested_at_create_send_account_updated_too(client: stripe.StripeClient) -> None:
    """As on update: the account's capabilities changed, so ``account.updated`` goes with each
    ``capability.updated`` (an app waiting for the account's event learns card issuing is active)."""
    account = client.v1.accounts.create(
        {"type": "custom", "country": "US", "capabilities": {"transfers": {"requested": True}}}
    )
    opts: stripe.RequestOptions = {"stripe_account": account.id}
    (event,) = client.v1.events.list({"type": "account.updated"}, opts).data
    assert event.data.object.capabilities.to_dict() == {"transfers": "active"}  # type: ignore[attr-defined]
    previous = event.data.previous_attributes
    assert previous is not None and previous.to_dict()["capabilities"] == {"transfers": None}
    assert len(client.v1.events.list({"type": "capability.updated"}, opts).data) == 1
