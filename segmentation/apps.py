from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SegmentationConfig(AppConfig):
    name = "segmentation"

    def ready(self) -> None:
        from segmentation.consent import panel
        from segmentation.customers import sections
        from segmentation.segments import facts_source

        # The customers' room shows what other rooms know of a person without importing them.
        sections.register("consent", "segmentation/customer_consent.html", panel.consent_panel)
        # After every migrate, the facts table's view and triggers as the code defines them.
        post_migrate.connect(facts_source.after_migrate, sender=self, dispatch_uid="facts")
