"""Streaming readers for CSV and XLSX: one row of text cells at a time, never the whole file.

CSV: the encoding (UTF-8 with or without BOM, UTF-16, cp1252 / Latin-1) and the delimiter
(`,` `;` tab) are detected. XLSX: read with openpyxl in read-only mode (defusedxml installed,
so no XML bombs), after a check that the archive does not unpack to more than a set size;
formula cells come in as their text, never evaluated.
"""

import codecs
import csv
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.conf import settings

DELIMITERS = (",", ";", "\t")
SNIFF_BYTES = 64 * 1024
CHUNK = 1024 * 1024
# Bytes cp1252 leaves undefined: a file holding them is read as Latin-1 instead.
CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
ZIP_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message says why, for the person importing."""


@dataclass
class Table:
    """A readable file: its header row and an iterator of its data rows (lists of str)."""

    path: Path
    format: str  # "csv" or "xlsx"
    headers: list[str]
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    # XLSX: the workbook, loaded once (loading parses all shared strings: seconds per 100k rows).
    workbook: object = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) for every non-empty data row; the header is row 1."""
        if self.format == "xlsx":
            return _xlsx_rows(self.workbook, self.sheet, skip=1)
        return _csv_rows(self.path, self.encoding, self.delimiter, skip=1)

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
            self.workbook = None


def open_table(
    path: Path | str, *, sheet: str = "", encoding: str = "", delimiter: str = ""
) -> Table:
    """Detect the format and read the header row; FileRefused for files that cannot be read."""
    path = Path(path)
    with open(path, "rb") as f:
        start = f.read(SNIFF_BYTES)
    if not start.strip(b"\r\n\t \xef\xbb\xbf\xff\xfe\x00"):
        raise FileRefused("The file is empty.")
    if start.startswith(ZIP_MAGIC):
        return _open_xlsx(path, sheet)
    encoding = encoding or detect_encoding(path, start)
    text = start.decode(encoding, errors="ignore")
    delimiter = delimiter or detect_delimiter(text)
    table = Table(path, "csv", [], encoding=encoding, delimiter=delimiter)
    table.headers = _first_row(_csv_rows(path, encoding, delimiter, skip=0))
    return table


def _first_row(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _, cells in rows:
        return cells
    raise FileRefused("The file is empty.")


# --- CSV ---------------------------------------------------------------------------------------


def detect_encoding(path: Path, start: bytes) -> str:
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = start[:4000]
    if sample and sample.count(0) > len(sample) // 4:
        # UTF-16 without BOM: every other byte of ASCII text is NUL.
        zeros_even = sample[0::2].count(0)
        return "utf-16-be" if zeros_even > sample[1::2].count(0) else "utf-16-le"
    if _is_utf8(path):
        return "utf-8"
    return "latin-1" if _has_cp1252_holes(path) else "cp1252"


def _is_utf8(path: Path) -> bool:
    """The whole file decodes as UTF-8 (read in chunks: constant memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        try:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _has_cp1252_holes(path: Path) -> bool:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if not CP1252_HOLES.isdisjoint(chunk):
                return True
    return False


def detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (> 1) of columns."""
    lines = text.splitlines()[:20]
    if len(lines) > 1 and len(text) >= SNIFF_BYTES - 4:
        lines = lines[:-1]  # the last line may be cut off by the sample
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=candidate) if row]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        score = (sum(1 for w in widths if w == widths[0]), widths[0])
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_rows(
    path: Path, encoding: str, delimiter: str, skip: int
) -> Iterator[tuple[int, list[str]]]:
    with open(path, encoding=encoding, newline="", errors="replace") as f:
        reader = csv.reader(f, delimiter=delimiter)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise FileRefused(
                    f"The file cannot be read as CSV after row {number}: {error}."
                ) from error
            number += 1
            if number <= skip:
                continue
            cells = list(map(str.strip, cells))
            if any(cells):
                yield number, cells


# --- XLSX --------------------------------------------------------------------------------------


def _check_archive(path: Path) -> None:
    """Refuse archives that are broken or would unpack to too much."""
    limit = settings.SEGMENTA_IMPORT_MAX_UNPACKED_MB * 1024 * 1024
    try:
        with zipfile.ZipFile(path) as archive:
            # Declared sizes are what zipfile will ever unpack of a member (it stops there and
            # fails the CRC check), so adding them up bounds the work whatever the file claims.
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > limit:
                raise FileRefused(
                    f"The XLSX file would unpack to {unpacked / 1024 / 1024:,.0f} MB, more than "
                    f"the {settings.SEGMENTA_IMPORT_MAX_UNPACKED_MB:,} MB allowed: "
                    "it is refused as a possible ZIP bomb."
                )
            if "xl/workbook.xml" not in archive.namelist():
                raise FileRefused("This ZIP archive is not an XLSX workbook.")
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise FileRefused(
            "The XLSX file is damaged or incomplete (was the upload cut off?)."
        ) from error


def _load(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except FileRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds on malformed parts
        raise FileRefused(f"The XLSX file cannot be read: {error.__class__.__name__}.") from error


def _open_xlsx(path: Path, sheet: str) -> Table:
    _check_archive(path)
    workbook = _load(path)
    try:
        sheets = list(workbook.sheetnames)
        if not sheets:
            raise FileRefused("The workbook has no sheets.")
        if sheet and sheet not in sheets:
            raise FileRefused(f"The workbook has no sheet named {sheet!r}.")
        table = Table(path, "xlsx", [], sheet=sheet or sheets[0], sheets=sheets)
        table.workbook = workbook
        table.headers = _first_row(_xlsx_rows(workbook, table.sheet, skip=0))
    except BaseException:
        workbook.close()
        raise
    return table


def _xlsx_rows(workbook, sheet: str, skip: int) -> Iterator[tuple[int, list[str]]]:
    if workbook is None:
        raise FileRefused("The workbook was closed.")
    rows = workbook[sheet].iter_rows(values_only=True)
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            break
        except Exception as error:
            raise FileRefused(
                f"The XLSX file cannot be read past row {number}: {error.__class__.__name__}."
            ) from error
        number += 1
        if number <= skip:
            continue
        cells = [cell_text(value) for value in values]
        if any(cells):
            yield number, cells


def cell_text(value) -> str:
    """A cell as text: formulas stay their text, whole numbers lose their `.0`, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return str(value).strip()


def count_lines(path: Path) -> int:
    """A quick upper bound of a CSV's data rows, for the progress bar."""
    lines = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            lines += chunk.count(b"\n")
    return max(lines - 1 + (os.path.getsize(path) > 0), 0)


def preview(table: Table, limit: int = 20) -> list[list[str]]:
    rows = []
    for _, cells in table.rows():
        rows.append(cells)
        if len(rows) >= limit:
            break
    return rows
