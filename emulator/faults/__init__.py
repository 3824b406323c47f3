"""Fault injection for ``/v1`` requests, per platform (``/_emulator/faults``).

:mod:`rules` reads and checks a rule and decides which rule a request trips, :mod:`answers`
writes Stripe's error answers (and drops connections), :mod:`injector` is the ASGI layer in
front of the API, :mod:`control` serves ``GET|POST|DELETE /_emulator/faults``.
"""
