# test_payments.py -- the README's pytest example (tests/control_plane/test_plugin.py runs it as it is, also with xdist)
import stripe

ADDRESS = {"line1": "1234 Main Street", "city": "San Francisco", "state": "CA", "postal_code": "94111", "country": "US"}


def test_issue_an_active_virtual_card(stripe_client: stripe.StripeClient) -> None:
    cardholder = stripe_client.v1.issuing.cardholders.create(
        {
            "name": "Jenny Rosen",
            "individual": {"first_name": "Jenny", "last_name": "Rosen"},
            "billing": {"address": ADDRESS},
        }
    )
    card = stripe_client.v1.issuing.cards.create(
        {"cardholder": cardholder.id, "currency": "usd", "type": "virtual", "status": "active"}
    )
    assert card.status == "active"
    # every test has its own platform: this list holds only this test's card
    assert [c.id for c in stripe_client.v1.issuing.cards.list().data] == [card.id]


def test_code_that_uses_the_module_level_api(stripe_module) -> None:
    account = stripe_module.Account.create(
        type="custom", country="US", capabilities={"card_issuing": {"requested": True}}
    )
    assert account.capabilities.card_issuing == "active"


def test_look_inside_the_emulator(stripe_emulator, stripe_api_key, stripe_client) -> None:
    stripe_client.v1.accounts.create({"country": "US"})
    (request,) = stripe_emulator.requests(stripe_api_key, method="POST")
    assert request["path"] == "/v1/accounts" and request["status"] == 200
    stripe_emulator.reset(stripe_api_key)  # forget this test's platform
    assert stripe_emulator.state(stripe_api_key) == {}
