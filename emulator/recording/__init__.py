"""Recording a platform's session and exporting it as a stripe CLI fixture document.

:mod:`recorder` notes every ``/v1`` request that changed state (its parameters, and where the
ids its answer holds sit in it); :mod:`export` turns that into a fixture document whose steps
refer to each other's ids (``GET /_emulator/requests?format=fixture``); :mod:`command` is
``python -m emulator export``.
"""
