from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        # segmentation cannot import campaigns: it tells us through its signals.
        from campaigns import tasks, tracking
        from segmentation.consent.signals import unsubscribed
        from segmentation.customers.signals import orders_recorded

        unsubscribed.connect(tracking.record_unsubscribe, dispatch_uid="campaigns.unsub")
        orders_recorded.connect(tasks.attribute_after_orders, dispatch_uid="campaigns.orders")
