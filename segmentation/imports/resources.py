"""django-import-export resources for the admin's import/export of small files.

Big files go through the staged import (segmentation.imports); these keep the admin's own
dry-run/confirm flow for a few hundred rows. The same rules hold on both paths:

- cells are normalised by segmentation.imports.normalise (emails lower-cased, phones in
  E.164, countries as ISO codes), invalid ones are reported by model validation;
- consent columns go through the ledger (segmentation.consent.record, source import):
  a withdrawn consent is not re-granted and an erased person's address is not made
  reachable; such a row is reported invalid with the reason;
- every exported cell is neutralised (segmentation.shared.spreadsheet.safe_cell): django-import-
  export's own escaping only strips a leading "=".
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from segmentation.consent import ledger
from segmentation.consent.models import ConsentSource
from segmentation.customers import tasks
from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, Order
from segmentation.imports import normalise
from segmentation.imports.options import Options
from segmentation.shared.spreadsheet import safe_cell

CONSENT_COLUMNS = {"email_consent": "email", "sms_consent": "sms"}


class FormulaSafeExportMixin:
    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields, **kwargs)
        return [safe_cell(value) for value in row]


def _normalise(row: dict, column: str, convert) -> None:
    value = (row.get(column) or "").strip() if isinstance(row.get(column), str) else row.get(column)
    if not value or not isinstance(value, str):
        return
    try:
        row[column] = convert(value, Options(kind="customers", mapping={}))
    except normalise.Invalid:
        row[column] = value  # left for model validation to report


class CustomerResource(FormulaSafeExportMixin, resources.ModelResource):
    email_consent = fields.Field(
        attribute="email_consent", column_name="email_consent", readonly=True
    )
    sms_consent = fields.Field(attribute="sms_consent", column_name="sms_consent", readonly=True)

    class Meta:
        model = Customer
        import_id_fields = ("email",)
        fields = (
            "email", "external_id", "first_name", "last_name", "phone", "locale", "birth_date",
            "gender", "income", "education", "occupation", "country", "region", "city",
            "postal_code", "device_type", "os", "email_consent", "sms_consent",
        )  # fmt: skip
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        _normalise(row, "email", normalise.email)
        _normalise(row, "phone", normalise.phone)
        _normalise(row, "country", normalise.country)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A row that only changes consent is not "unchanged": the ledger decides.
        if any((row.get(column) or "").strip() for column in CONSENT_COLUMNS):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            return  # dry run without transactions: nothing was saved
        user = kwargs.get("user")
        context = ledger.Context(
            source=ConsentSource.IMPORT,
            actor=user.get_username() if user else "",
            evidence=f"file {kwargs.get('file_name') or 'admin import'} "
            f"row {kwargs.get('row_number', 0) + 1}",  # spreadsheet row: the header is row 1
        )
        errors = {}
        for column, channel in CONSENT_COLUMNS.items():
            raw = (row.get(column) or "").strip()
            if not raw:
                continue
            try:
                ledger.record(instance, channel, normalise.consent(raw), context)
            except (normalise.Invalid, ledger.ConsentRefused) as error:
                errors[column] = str(error)
        if errors:
            raise ValidationError(errors)


class OrderResource(FormulaSafeExportMixin, resources.ModelResource):
    customer = fields.Field(
        attribute="customer",
        column_name="customer_email",
        widget=widgets.ForeignKeyWidget(Customer, field="email"),
    )

    class Meta:
        model = Order
        import_id_fields = ("external_id",)
        fields = ("external_id", "customer", "placed_at", "total", "currency")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        _normalise(row, "customer_email", normalise.email)

    def before_import(self, dataset, **kwargs):
        # Customers whose orders may move away: their metrics change too.
        ids = [row.get("external_id") for row in dataset.dict if row.get("external_id")]
        owners = Order.objects.filter(external_id__in=ids).values_list("customer_id", flat=True)
        self._previous_owners = set(owners)

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run"):
            return
        emails = {(row.get("customer_email") or "").strip().lower() for row in dataset.dict}
        ids = set(Customer.objects.filter(email__in=emails - {""}).values_list("pk", flat=True))
        recompute_customer_metrics(ids | (getattr(self, "_previous_owners", set()) - {None}))
        # RFM quintiles are relative to everyone: recompute them after this import commits.
        tasks.recompute_rfm.delay_on_commit()


class ImportExportAdminMixin(ImportExportMixin):
    """django-import-export in the admin: CSV and XLSX, for users with the import permission."""

    import_formats = [base_formats.CSV, base_formats.XLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("segmentation.add_importjob")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("segmentation.add_importjob")
