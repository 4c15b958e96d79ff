"""Every spreadsheet we write (exports, reports): streamed, with formulas neutralised.

Every cell goes through safe_cell: a value starting with = + - @, a tab or a carriage return
gets a leading apostrophe, so no spreadsheet program runs it.
"""

import csv
import io
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets
# (CSV injection, CVE-2018-8092 and django-import-export #1543).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


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
