from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        # segmentation cannot import campaigns: it tells us through its signals.
        from campaigns import checks, tasks, tracking  # noqa: F401 (checks registers itself)
        from segmentation import signals

        signals.unsubscribed.connect(tracking.record_unsubscribe, dispatch_uid="campaigns.unsub")
        signals.orders_recorded.connect(
            tasks.attribute_after_orders, dispatch_uid="campaigns.orders"
        )
