"""Forms of the staged import: the upload, and the column mapping with the import's options."""

from django import forms
from django.conf import settings

from segmentation.consent.models import ConsentWording
from segmentation.imports import mapping
from segmentation.imports.models import ImportJob, ImportKind

DATE_ORDERS = [
    ("auto", "Report ambiguous dates (03/04/2020) as errors"),
    ("dmy", "Day first (03/04/2020 is 3 April)"),
    ("mdy", "Month first (03/04/2020 is March 4)"),
]
MATCH_ON = [("email", "Email"), ("external_id", "External ID")]


def max_upload_bytes() -> int:
    return settings.SEGMENTA_IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def too_large_message(size: int) -> str:
    return (
        f"This file is {size / 1024 / 1024:,.1f} MB; the largest file accepted is "
        f"{settings.SEGMENTA_IMPORT_MAX_UPLOAD_MB:,} MB. Split it into smaller files and "
        "import them one after the other."
    )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportKind.choices)
    file = forms.FileField(
        label="Spreadsheet",
        help_text="CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or XLSX.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class MappingForm(forms.Form):
    """One select per column of the file, then the options of the import."""

    strict = forms.BooleanField(
        label="Strict: refuse the whole file if any row is invalid",
        required=False,
        help_text="Otherwise invalid rows are skipped and listed in the report.",
    )
    empty_clears = forms.BooleanField(
        label="Empty cells clear the field",
        required=False,
        help_text="Otherwise an empty cell keeps the value the customer already has.",
    )
    match_on = forms.ChoiceField(label="Match existing customers on", choices=MATCH_ON)
    date_order = forms.ChoiceField(label="Dates like 03/04/2020", choices=DATE_ORDERS)
    wording = forms.ModelChoiceField(
        label="Consent wording the people agreed to",
        queryset=ConsentWording.objects.all(),
        required=False,
        help_text="Kept with every consent event of the import, as proof.",
    )

    def __init__(self, job: ImportJob, *args, **kwargs):
        self.job = job
        options = job.options or {}
        initial = {
            "strict": options.get("strict", False),
            "empty_clears": options.get("empty_clears", False),
            "match_on": options.get("match_on") or "email",
            "date_order": options.get("date_order", "auto"),
            "wording": options.get("wording_id"),
        }
        current = {int(k): v for k, v in job.mapping.items()}
        for index in range(len(job.headers)):
            initial[f"col_{index}"] = current.get(index, "")
        super().__init__(*args, initial=initial, **kwargs)
        choices = [("", "— Ignore this column —")] + [
            (target.name, target.label) for target in mapping.TARGETS[job.kind]
        ]
        columns = {}
        for index, header in enumerate(job.headers):
            columns[f"col_{index}"] = forms.ChoiceField(
                label=header or f"Column {index + 1}", choices=choices, required=False
            )
        # Columns first, options after.
        self.fields = {**columns, **self.fields}
        if job.kind != ImportKind.CUSTOMERS:
            for name in ("match_on", "wording", "empty_clears"):
                del self.fields[name]

    def column_fields(self):
        return [self[f"col_{index}"] for index in range(len(self.job.headers))]

    def option_fields(self):
        return [self[name] for name in self.fields if not name.startswith("col_")]

    def clean(self):
        data = super().clean()
        chosen = {
            index: data.get(f"col_{index}")
            for index in range(len(self.job.headers))
            if data.get(f"col_{index}")
        }
        for problem in mapping.problems(self.job.kind, self.job.headers, chosen):
            self.add_error(None, problem)
        key = data.get("match_on")
        if self.job.kind == ImportKind.CUSTOMERS and key and key not in chosen.values():
            self.add_error(
                "match_on", f"No column is mapped to {dict(MATCH_ON)[key]}: map one, or match on "
                "the other identifier."
            )  # fmt: skip
        data["mapping"] = chosen
        return data

    def options(self) -> dict:
        data = self.cleaned_data
        wording = data.get("wording")
        return {
            "strict": data.get("strict", False),
            "empty_clears": data.get("empty_clears", False),
            "match_on": data.get("match_on", ""),
            "date_order": data.get("date_order", "auto"),
            "wording_id": wording.pk if wording else None,
            "mapping_confirmed": True,
        }


class SheetForm(forms.Form):
    sheet = forms.ChoiceField(label="Sheet")

    def __init__(self, sheets: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in sheets]
