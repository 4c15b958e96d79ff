from django.apps import AppConfig


class SegmentationConfig(AppConfig):
    name = "segmentation"

    def ready(self) -> None:
        # The customers' room shows what other rooms know of a person without importing them.
        from segmentation.consent import panel
        from segmentation.customers import sections

        sections.register("consent", "segmentation/customer_consent.html", panel.consent_panel)
