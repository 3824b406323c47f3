"""Webhooks: signed, ordered, retried delivery of events, and real-time authorizations.

``signing`` makes ``Stripe-Signature`` headers, ``routing`` picks the endpoints an event goes
to, ``transport`` POSTs one event, ``book`` keeps a platform's delivery records, ``delivery``
runs the asynchronous per-endpoint queues, ``realtime`` the synchronous
``issuing_authorization.request``, ``forward`` the ``--forward-to`` target and ``control``
the ``/_emulator/webhooks/...`` routes.
"""
