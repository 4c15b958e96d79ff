from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        # campaigns and segmentation cannot import feedback: it plugs into their hooks.
        from campaigns import results
        from campaigns.rendering.context import provide_note, provide_variable
        from feedback import integration, segment_fields
        from segmentation.consent import gdpr
        from segmentation.customers import sections
        from segmentation.segments.catalogue import provide_field

        provide_variable(
            "survey_url", "Feedback survey link (empty unless the track has a survey)",
            integration.survey_variable,
        )  # fmt: skip
        provide_note("survey_url", integration.track_note)
        results.provide_count("survey_responses", "Survey responses", integration.response_counts)
        gdpr.register("survey_answers", integration.answers_for_download)
        sections.register(
            "survey_answers", "feedback/customer_answers.html", integration.customer_section
        )
        for field in segment_fields.FIELDS:
            provide_field(field)
