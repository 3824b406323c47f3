"""One module per Stripe resource: its state rules and its route table (``ROUTES``)."""
