"""Signals about customers for the apps built on segmentation (campaigns), which it must not
import."""

from django.dispatch import Signal

# Orders were written (an import, the events API). Keyword argument: since (the earliest
# placed_at among them), so conversion attribution can look at just those.
orders_recorded = Signal()
