# Run by tests/control_plane/test_plugin.py: the plugin starts nothing for tests that use none of its fixtures,
# and stripe_module puts the module-level settings back.
import sys
import threading

import stripe

ORIGINAL = (stripe.api_key, stripe.api_base)


def test_nothing_started_without_the_fixtures() -> None:
    assert "emulator.server" not in sys.modules
    assert not any(t.name == "stripe-emulator" for t in threading.enumerate())


def test_module_settings_are_set_inside(stripe_module, stripe_emulator, stripe_api_key) -> None:
    assert (stripe.api_key, stripe.api_base) == (stripe_api_key, stripe_emulator.url)


def test_module_settings_are_restored_after() -> None:
    assert (stripe.api_key, stripe.api_base) == ORIGINAL
