"""Balance settings (``client.v1.balance_settings``) through the real SDK: the defaults, each field, the
shared state with the account's ``settings.payouts``, refusals, events and ``Stripe-Account`` scoping."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from emulator import EmulatorServer
from emulator.resources.connect import account_settings, accounts, balance_settings
from emulator.resources.connect.balance_settings import DELAY_OVERRIDE_RANGE, MONTHLY_DAYS_RANGE, NOT_FOR_INTERVAL
from tests.support import flows
from tests.support.errors import error_of
from tests.support.events import events_of

# CI runs this module again with every object packed as soon as nothing holds it (.ci/run: -m packed)
pytestmark = pytest.mark.packed

SCHEDULE = "payments[payouts][schedule]"


def _opts(account: stripe.Account) -> Any:
    return {"stripe_account": account.id}


def _schedule(client: stripe.StripeClient, account: stripe.Account, schedule: dict[str, Any]) -> Any:
    return client.v1.balance_settings.update({"payments": {"payouts": {"schedule": schedule}}}, _opts(account))


def test_defaults(client: stripe.StripeClient, account: stripe.Account) -> None:
    settings = client.v1.balance_settings.retrieve(options=_opts(account))
    assert isinstance(settings, stripe.BalanceSettings)
    assert settings.to_dict() == {
        "object": "balance_settings",
        "payments": {
            "debit_negative_balances": False,  # Stripe's default where the platform collects requirements
            "payouts": {
                "automatic_transfer_rules_by_currency": {},
                "minimum_balance_by_currency": None,
                "schedule": {"interval": "daily"},
                "statement_descriptor": None,
                "status": "enabled",
            },
            "settlement_timing": {"delay_days": 2, "start_of_day": None},
        },
    }


def test_manual_payouts_guide(client: stripe.StripeClient, account: stripe.Account) -> None:
    """docs.stripe.com/connect/manual-payouts: interval manual through balance settings."""
    settings = _schedule(client, account, {"interval": "manual"})
    assert settings.payments.payouts is not None and settings.payments.payouts.schedule is not None
    assert settings.payments.payouts.schedule.interval == "manual"
    acct = client.v1.accounts.retrieve(account.id)
    assert acct.settings is not None and acct.settings.payouts is not None
    assert acct.settings.payouts.schedule.to_dict() == {"delay_days": 2, "interval": "manual"}


def test_weekly_and_monthly_days_map_to_the_anchors(client: stripe.StripeClient, account: stripe.Account) -> None:
    weekly = _schedule(client, account, {"interval": "weekly", "weekly_payout_days": ["thursday", "monday", "monday"]})
    assert weekly.payments.payouts.schedule.to_dict() == {
        "interval": "weekly",
        "weekly_payout_days": ["monday", "thursday"],
    }
    schedule = client.v1.accounts.retrieve(account.id).settings.payouts.schedule.to_dict()  # type: ignore[union-attr]
    assert schedule == {"delay_days": 2, "interval": "weekly", "weekly_anchor": "monday"}
    # the interval kept, the days kept
    again = client.v1.balance_settings.update(
        {"payments": {"payouts": {"schedule": {"interval": "weekly"}}}}, _opts(account)
    )
    assert again.payments.payouts.schedule.weekly_payout_days == ["monday", "thursday"]  # type: ignore[union-attr]

    monthly = _schedule(client, account, {"interval": "monthly", "monthly_payout_days": [20, 5]})
    assert monthly.payments.payouts.schedule.to_dict() == {"interval": "monthly", "monthly_payout_days": [5, 20]}
    schedule = client.v1.accounts.retrieve(account.id).settings.payouts.schedule.to_dict()  # type: ignore[union-attr]
    assert schedule == {"delay_days": 2, "interval": "monthly", "monthly_anchor": 5}

    daily = _schedule(client, account, {"interval": "daily"})
    assert daily.payments.payouts.schedule.to_dict() == {"interval": "daily"}


def test_account_updates_show_in_balance_settings(client: stripe.StripeClient, account: stripe.Account) -> None:
    _schedule(client, account, {"interval": "weekly", "weekly_payout_days": ["monday", "friday"]})
    client.v1.accounts.update(
        account.id,
        {
            "settings": {
                "payouts": {
                    "schedule": {"interval": "weekly", "weekly_anchor": "wednesday", "delay_days": 7},
                    "statement_descriptor": "ACME PAYOUT",
                    "debit_negative_balances": False,
                }
            }
        },
    )
    settings = client.v1.balance_settings.retrieve(options=_opts(account))
    payouts = settings.payments.payouts
    assert payouts is not None and payouts.schedule is not None
    # another anchor: the list is that one day
    assert payouts.schedule.to_dict() == {"interval": "weekly", "weekly_payout_days": ["wednesday"]}
    assert payouts.statement_descriptor == "ACME PAYOUT"
    assert settings.payments.debit_negative_balances is False
    assert settings.payments.settlement_timing.to_dict() == {
        "delay_days": 7,
        "delay_days_override": 7,
        "start_of_day": None,
    }


def test_balance_settings_updates_show_in_the_account(client: stripe.StripeClient, account: stripe.Account) -> None:
    client.v1.balance_settings.update(
        {
            "payments": {
                "debit_negative_balances": False,
                "payouts": {"statement_descriptor": "PAYOUT 42"},
                "settlement_timing": {"delay_days_override": 10},
            }
        },
        _opts(account),
    )
    payouts = client.v1.accounts.retrieve(account.id).settings.payouts  # type: ignore[union-attr]
    assert payouts is not None
    assert payouts.to_dict() == {
        "debit_negative_balances": False,
        "schedule": {"delay_days": 10, "interval": "daily"},
        "statement_descriptor": "PAYOUT 42",
    }
    back = client.v1.balance_settings.update(
        {"payments": {"settlement_timing": {"delay_days_override": ""}}}, _opts(account)
    )
    assert back.payments.settlement_timing.to_dict() == {"delay_days": 2, "start_of_day": None}
    schedule = client.v1.accounts.retrieve(account.id).settings.payouts.schedule  # type: ignore[union-attr]
    assert schedule.delay_days == 2


def test_fields_of_its_own(
    client: stripe.StripeClient, account: stripe.Account, financial_account: stripe.treasury.FinancialAccount
) -> None:
    settings = client.v1.balance_settings.update(
        {
            "payments": {
                "payouts": {
                    "minimum_balance_by_currency": {"usd": 5000, "EUR": 0},
                    "automatic_transfer_rules_by_currency": {
                        "usd": [
                            {
                                "payout_method": financial_account.id,
                                "type": "transfer_up_to_amount",
                                "transfer_up_to_amount": 1000,
                            }
                        ]
                    },
                },
                "settlement_timing": {"start_of_day": {"hour": 9, "minutes": 30, "timezone": "America/New_York"}},
            }
        },
        _opts(account),
    )
    payouts = settings.payments.payouts
    assert payouts is not None
    assert payouts.minimum_balance_by_currency is not None
    assert payouts.minimum_balance_by_currency.to_dict() == {"usd": 5000, "eur": 0}
    assert payouts.automatic_transfer_rules_by_currency is not None
    rule = payouts.automatic_transfer_rules_by_currency["usd"][0]
    assert (rule.payout_method, rule.type, rule.transfer_up_to_amount) == (
        financial_account.id,
        "transfer_up_to_amount",
        1000,
    )
    start = settings.payments.settlement_timing.start_of_day
    assert start is not None and start.to_dict() == {"hour": 9, "minutes": 30, "timezone": "America/New_York"}
    # "" removes one currency, or all of them
    settings = client.v1.balance_settings.update(
        {"payments": {"payouts": {"minimum_balance_by_currency": {"eur": ""}}}}, _opts(account)
    )
    assert settings.payments.payouts.minimum_balance_by_currency.to_dict() == {"usd": 5000}  # type: ignore[union-attr]
    settings = client.v1.balance_settings.update(
        {
            "payments": {
                "payouts": {"minimum_balance_by_currency": "", "automatic_transfer_rules_by_currency": ""},
                "settlement_timing": {"start_of_day": ""},
            }
        },
        _opts(account),
    )
    assert settings.payments.payouts.minimum_balance_by_currency is None  # type: ignore[union-attr]
    assert settings.payments.payouts.to_dict()["automatic_transfer_rules_by_currency"] == {}  # type: ignore[union-attr]
    assert settings.payments.settlement_timing.start_of_day is None


def test_status_follows_payouts_enabled(client: stripe.StripeClient, account: stripe.Account) -> None:
    client.v1.accounts.reject(account.id, {"reason": "other"})
    settings = client.v1.balance_settings.retrieve(options=_opts(account))
    assert settings.payments.payouts.status == "disabled"  # type: ignore[union-attr]
    err = error_of(lambda: _schedule(client, account, {"interval": "manual"}))
    assert (err.http_status, err.user_message) == (400, accounts.ACCOUNT_REJECTED)


@pytest.mark.parametrize(
    ("schedule", "param", "message"),
    [
        (
            {"interval": "weekly"},
            f"{SCHEDULE}[weekly_payout_days]",
            account_settings.ANCHOR_REQUIRED.format(param=f"{SCHEDULE}[weekly_payout_days]", interval="weekly"),
        ),
        (
            {"interval": "monthly"},
            f"{SCHEDULE}[monthly_payout_days]",
            account_settings.ANCHOR_REQUIRED.format(param=f"{SCHEDULE}[monthly_payout_days]", interval="monthly"),
        ),
        ({"interval": "monthly", "monthly_payout_days": [0]}, f"{SCHEDULE}[monthly_payout_days]", MONTHLY_DAYS_RANGE),
        ({"interval": "monthly", "monthly_payout_days": [32]}, f"{SCHEDULE}[monthly_payout_days]", MONTHLY_DAYS_RANGE),
        (
            {"interval": "daily", "weekly_payout_days": ["monday"]},
            f"{SCHEDULE}[weekly_payout_days]",
            NOT_FOR_INTERVAL.format(name="weekly_payout_days", interval="weekly"),
        ),
        (
            {"weekly_payout_days": ["monday"]},  # the current interval (daily) is kept
            f"{SCHEDULE}[weekly_payout_days]",
            NOT_FOR_INTERVAL.format(name="weekly_payout_days", interval="weekly"),
        ),
        (
            {"interval": "weekly", "monthly_payout_days": [1]},
            f"{SCHEDULE}[monthly_payout_days]",
            NOT_FOR_INTERVAL.format(name="monthly_payout_days", interval="monthly"),
        ),
    ],
)
def test_schedule_refusals(
    client: stripe.StripeClient, account: stripe.Account, schedule: dict[str, Any], param: str, message: str
) -> None:
    err = error_of(lambda: _schedule(client, account, schedule))
    assert (err.http_status, err.param, err.user_message) == (400, param, message)
    # nothing changed
    assert client.v1.balance_settings.retrieve(options=_opts(account)).payments.payouts.schedule.interval == "daily"  # type: ignore[union-attr]


def test_enum_refusals(client: stripe.StripeClient, account: stripe.Account) -> None:
    err = error_of(lambda: _schedule(client, account, {"interval": "weekly", "weekly_payout_days": ["saturday"]}))
    assert err.param == f"{SCHEDULE}[weekly_payout_days][0]" and err.code == "parameter_invalid"
    err = error_of(lambda: _schedule(client, account, {"interval": "hourly"}))
    assert err.param == f"{SCHEDULE}[interval]"


def test_other_refusals(client: stripe.StripeClient, account: stripe.Account) -> None:
    opts = _opts(account)
    for days in (1, 32):
        override: dict[str, Any] = {"payments": {"settlement_timing": {"delay_days_override": days}}}
        err = error_of(lambda: client.v1.balance_settings.update(override, opts))  # noqa: B023 (called at once)
        assert (err.param, err.user_message) == (
            "payments[settlement_timing][delay_days_override]",
            DELAY_OVERRIDE_RANGE,
        )
    err = error_of(
        lambda: client.v1.balance_settings.update({"payments": {"payouts": {"statement_descriptor": "X" * 23}}}, opts)
    )
    assert err.param == "payments[payouts][statement_descriptor]"
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {"payments": {"payouts": {"minimum_balance_by_currency": {"usd": -1}}}}, opts
        )
    )
    assert (err.param, err.user_message) == (
        "payments[payouts][minimum_balance_by_currency][usd]",
        balance_settings.NEGATIVE_MINIMUM,
    )
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {"payments": {"payouts": {"minimum_balance_by_currency": {"xyz": 1}}}}, opts
        )
    )
    assert err.param == "payments[payouts][minimum_balance_by_currency][xyz]"
    # the map's values are checked like any other parameter's
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {"payments": {"payouts": {"minimum_balance_by_currency": {"usd": "lots"}}}},  # type: ignore[dict-item]
            opts,
        )
    )
    assert (err.param, err.user_message) == (
        "payments[payouts][minimum_balance_by_currency][usd]",
        "Invalid integer: lots",
    )
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {"payments": {"payouts": {"automatic_transfer_rules_by_currency": {"usd": [{"type": "transfer_all"}]}}}},  # type: ignore[typeddict-item]
            opts,
        )
    )
    assert (err.code, err.param) == (
        "parameter_missing",
        "payments[payouts][automatic_transfer_rules_by_currency][usd][0][payout_method]",
    )
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {
                "payments": {
                    "payouts": {
                        "automatic_transfer_rules_by_currency": {
                            "usd": [{"payout_method": "fa_missing", "type": "transfer_all"}]
                        }
                    }
                }
            },
            opts,
        )
    )
    assert err.code == "resource_missing"
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {"payments": {"settlement_timing": {"start_of_day": {"hour": 9, "minutes": 15, "timezone": "Etc/UTC"}}}},
            opts,
        )
    )
    assert (err.param, err.user_message) == (
        "payments[settlement_timing][start_of_day][minutes]",
        balance_settings.START_MINUTES,
    )
    err = error_of(
        lambda: client.v1.balance_settings.update(
            {"payments": {"settlement_timing": {"start_of_day": {"hour": 9}}}}, opts
        )
    )
    assert err.code == "parameter_missing"


def test_events(server: EmulatorServer, client: stripe.StripeClient, api_key: str, account: stripe.Account) -> None:
    _schedule(client, account, {"interval": "manual"})
    (event,) = events_of(server, api_key, account.id, "balance_settings.updated")
    assert event["account"] == account.id
    assert event["data"]["object"]["payments"]["payouts"]["schedule"] == {"interval": "manual"}
    assert event["data"]["previous_attributes"] == {"payments": {"payouts": {"schedule": {"interval": "daily"}}}}
    # through the API too (its body checked against the schemas like every answer)
    listed = client.v1.events.list({"type": "balance_settings.updated"}, _opts(account)).data
    assert [e.id for e in listed] == [event["id"]]
    assert listed[0].data.object["object"] == "balance_settings"
    updated = events_of(server, api_key, account.id, "account.updated")
    assert updated[-1]["data"]["previous_attributes"] == {"settings": {"payouts": {"schedule": {"interval": "daily"}}}}
    # a field of its own: balance_settings.updated only
    count = len(updated)
    client.v1.balance_settings.update(
        {"payments": {"payouts": {"minimum_balance_by_currency": {"usd": 100}}}}, _opts(account)
    )
    assert len(events_of(server, api_key, account.id, "balance_settings.updated")) == 2
    assert len(events_of(server, api_key, account.id, "account.updated")) == count
    # no change, no event
    _schedule(client, account, {"interval": "manual"})
    assert len(events_of(server, api_key, account.id, "balance_settings.updated")) == 2


def test_stripe_account_scoping(client: stripe.StripeClient, account: stripe.Account, http: httpx.Client) -> None:
    other = flows.connected_account(client)
    _schedule(client, account, {"interval": "manual"})
    assert client.v1.balance_settings.retrieve(options=_opts(other)).payments.payouts.schedule.interval == "daily"  # type: ignore[union-attr]
    # without Stripe-Account: the platform's own, kept on the platform's account
    client.v1.balance_settings.update({"payments": {"payouts": {"statement_descriptor": "PLATFORM"}}})
    assert client.v1.balance_settings.retrieve().payments.payouts.statement_descriptor == "PLATFORM"  # type: ignore[union-attr]
    own = client.v1.accounts.retrieve_current()
    assert own.settings.payouts.statement_descriptor == "PLATFORM"  # type: ignore[union-attr]
    assert client.v1.balance_settings.retrieve(options=_opts(account)).payments.payouts.statement_descriptor is None  # type: ignore[union-attr]
    # an account the platform does not have
    r = http.get("/v1/balance_settings", headers={"Stripe-Account": "acct_1NoSuchAccount000000"})
    assert r.status_code in (400, 403) and r.json()["error"]["type"] == "invalid_request_error"
