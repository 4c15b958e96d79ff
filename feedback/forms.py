"""Forms of the survey builder: the survey's texts and one question with its choices.

Choices are written one per line in a text area (the builder stays one small form, with or
without JavaScript); QuestionForm.clean_choices turns them into a checked list of labels.
"""

from django import forms

from feedback.models import CHOICE_KINDS, Question, QuestionKind, Survey

MIN_CHOICES = 2
MAX_CHOICES = 20
MAX_CHOICE_LENGTH = 200


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["name", "intro", "thanks"]
        labels = {"intro": "Introduction"}
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "thanks": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "name": {
                "required": "Give the survey a name.",
                "unique": "There is already a survey with this name: choose another.",
            }
        }


class QuestionForm(forms.ModelForm):
    choices = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            f"Single and multiple choice only: one choice per line, {MIN_CHOICES} to {MAX_CHOICES}."
        ),
    )

    class Meta:
        model = Question
        fields = ["kind", "text", "hint", "required"]
        labels = {"kind": "Kind", "required": "An answer is required"}
        error_messages = {
            "text": {"required": "Write the question."},
            "kind": {"required": "Choose the kind of question."},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            labels = self.instance.choices.values_list("label", flat=True)
            self.initial["choices"] = "\n".join(labels)

    def clean_choices(self) -> list[str]:
        labels = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        return [label for label in labels if label]

    def clean(self) -> dict:
        data = super().clean()
        kind, labels = data.get("kind"), data.get("choices", [])
        if kind in CHOICE_KINDS:
            self._check_choices(labels)
        elif kind and labels:
            label = QuestionKind(kind).label
            self.add_error(
                "choices",
                f"A “{label}” question has no choices: clear them, or make it a single or "
                "multiple choice question.",
            )
        return data

    def _check_choices(self, labels: list[str]) -> None:
        if len(labels) < MIN_CHOICES:
            self.add_error("choices", "Write at least two choices, one per line.")
        elif len(labels) > MAX_CHOICES:
            self.add_error("choices", f"Use at most {MAX_CHOICES} choices (now {len(labels)}).")
        for label in labels:
            if len(label) > MAX_CHOICE_LENGTH:
                shown = label[:40] + "…"
                self.add_error(
                    "choices", f"“{shown}” is too long: at most {MAX_CHOICE_LENGTH} characters."
                )
        seen: set[str] = set()
        for label in labels:
            if label.casefold() in seen:
                self.add_error("choices", f"“{label}” is listed twice.")
            seen.add(label.casefold())
