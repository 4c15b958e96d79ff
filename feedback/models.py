"""Feedback surveys: questions of five kinds, attached to campaign tracks, answered once per
delivery through a signed link.

A survey reaches people through a campaign: a track (one segment of a campaign) links to at
most one survey (TrackSurvey), and its messages carry `{{ survey_url }}`, a link signed for
the delivery. A response is unique per (survey, delivery) and carries the delivery's track and
variant, so results per segment and per variant are grouped counts over responses alone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Delivery, Track, Variant
from segmentation.customers.models import Customer


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Survey(models.Model):
    name = models.CharField(max_length=150, unique=True)
    intro = models.TextField(
        blank=True, max_length=2000, help_text="Shown above the questions, to the customer."
    )
    thanks = models.TextField(
        "Thank-you text",
        blank=True,
        max_length=2000,
        help_text="Shown after answering. Empty: “Thank you for your answers.”",
    )
    status = models.CharField(
        max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("survey_edit", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN


class QuestionKind(models.TextChoices):
    NPS = "nps", "Net Promoter Score (0-10)"
    RATING = "rating", "Rating (1-5)"
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    TEXT = "text", "Free text"


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
SCALES = {QuestionKind.NPS: range(0, 11), QuestionKind.RATING: range(1, 6)}


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField("Question", max_length=300)
    hint = models.CharField(max_length=300, blank=True, help_text="Optional, below the question.")
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["survey", "position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "label"], name="choice_label_once")
        ]

    def __str__(self) -> str:
        return self.label


class TrackSurvey(models.Model):
    """The survey a campaign track's messages link to through {{ survey_url }}."""

    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="survey_link")
    # A survey that messages link to is not deleted from under them.
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="attachments")
    attached_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.track} -> {self.survey}"


class Response(models.Model):
    """One recipient's answers to one survey: unique per (survey, delivery), changed in place
    while the survey is open. Erasing the customer deletes it (and its answers)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="survey_responses", db_index=False
    )
    # From the delivery, so results per segment and variant need no join through it.
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "delivery"], name="response_once")]
        indexes = [
            models.Index(fields=["customer", "updated_at"], name="response_customer_idx"),
            models.Index(fields=["survey", "track", "variant"], name="response_results_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} <- {self.customer_id}"


class Answer(models.Model):
    """One answer: a number (NPS, rating), a choice (one row per chosen choice) or a text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    number = models.SmallIntegerField(null=True, blank=True)
    choice = models.ForeignKey(
        Choice, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="answer_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                condition=Q(choice__isnull=False),
                name="answer_choice_once",
            ),
        ]
        indexes = [models.Index(fields=["question", "number"], name="answer_question_idx")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.number if self.number is not None else self.text}"
