"""Signals segmentation sends to the apps built on it (campaigns), which it must not import."""

from django.dispatch import Signal

# A person withdrew consent through an unsubscribe link (after the withdrawal is recorded).
# Keyword arguments: customer, channel, ref (the message the link came from: a delivery's
# public id in hex; "" when the link named none).
unsubscribed = Signal()

# Orders were written (an import, the events API). Keyword argument: since (the earliest
# placed_at among them), so conversion attribution can look at just those.
orders_recorded = Signal()
