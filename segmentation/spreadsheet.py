"""Helpers for every spreadsheet we write: cells a spreadsheet program will not execute."""

import csv
import io
from collections.abc import Iterable

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets
# (CSV injection, CVE-2018-8092 and django-import-export #1543).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
