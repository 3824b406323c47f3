"""Webhooks: signed, retried delivery of events (first attempts in order), and real-time authorizations.

``signing`` makes ``Stripe-Signature`` headers, ``routing`` picks the endpoints an event goes
to, ``transport`` POSTs one event, ``book`` keeps a platform's delivery records, ``delivery``
runs the asynchronous per-endpoint senders (first attempts queued, retries waiting on their
own), ``realtime`` the synchronous ``issuing_authorization.request``, ``forward`` the
``--forward-to`` target and ``control`` the ``/_emulator/webhooks/...`` routes.
"""
