"""Spreadsheet exports (customers, import reports): streamed, with formulas neutralised.

Every cell goes through segmentation.spreadsheet.safe_cell: a value starting with = + - @,
a tab or a carriage return gets a leading apostrophe, so no spreadsheet program runs it.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse

from segmentation.models import Customer
from segmentation.spreadsheet import safe_cell

CUSTOMER_COLUMNS = [
    "external_id", "email", "phone", "first_name", "last_name", "locale", "birth_date",
    "gender", "income", "education", "occupation", "country", "region", "city",
    "postal_code", "device_type", "os", "email_consent", "sms_consent", "order_count",
    "total_spent", "avg_order_value", "first_order_at", "last_order_at", "created_at",
]  # fmt: skip
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def customer_rows(customers=None) -> Iterator[list]:
    customers = Customer.objects.all() if customers is None else customers
    yield CUSTOMER_COLUMNS
    rows = customers.order_by("pk").values_list(*CUSTOMER_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        yield ["" if value is None else value for value in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    body = (writer.writerow([safe_cell(_text(v)) for v in row]) for row in rows)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, rows: Iterable[Iterable], title: str = "Sheet") -> FileResponse:
    """Written row by row (openpyxl write-only) to a temporary file, then sent."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for n, row in enumerate(rows):
        if n > XLSX_MAX_ROWS:
            break
        sheet.append([safe_cell(_xlsx_value(value)) for value in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    workbook.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _text(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else str(value)


def _xlsx_value(value):
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as stored
    if hasattr(value, "as_tuple"):
        return float(value)
    return value
