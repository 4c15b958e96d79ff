"""Signals about consent for the apps built on segmentation (campaigns), which it must not
import."""

from django.dispatch import Signal

# A person withdrew consent through an unsubscribe link (after the withdrawal is recorded).
# Keyword arguments: customer, channel, ref (the message the link came from: a delivery's
# public id in hex; "" when the link named none).
unsubscribed = Signal()
