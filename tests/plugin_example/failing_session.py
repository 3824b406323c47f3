"""Run by tests/control_plane/test_plugin_save_failed.py: one failing and one passing test."""

from __future__ import annotations

ADDRESS = {"line1": "1 Main St", "city": "San Francisco", "state": "CA", "postal_code": "94111", "country": "US"}


def test_leaves_a_cardholder_then_fails(stripe_client):
    stripe_client.v1.issuing.cardholders.create(
        {"name": "Jenny Rosen", "type": "individual", "billing": {"address": ADDRESS}}
    )
    raise AssertionError("on purpose")


def test_passes(stripe_client):
    stripe_client.v1.accounts.create({"country": "US"})
