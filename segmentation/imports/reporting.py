"""What an import tells the person running it: the report, the seconds per phase, and the
problems file (every rejected, merged or consent-refused row with its reason and cells)."""

import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from segmentation.imports.readers import Table
from segmentation.imports.staging import ISSUES, REJECTED, scalar
from segmentation.shared.spreadsheet import safe_cell

SCREEN_ISSUES = 20  # issues shown on the page; the problems file has them all


def empty_report(rows: int = 0) -> dict:
    return {
        "rows": rows, "new": 0, "updated": 0, "unchanged": 0, "invalid": 0, "merged": 0,
        "consent": {"applied": 0, "refused": 0, "events": {}}, "issues": [], "refused": "",
        "warnings": [], "written": False, "metrics_recomputed": 0,
    }  # fmt: skip


class Clock:
    """Seconds per phase, kept in the report (report["seconds"]) for the admin and benchmarks."""

    def __init__(self, report: dict):
        self.seconds = report.setdefault("seconds", {})
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0) + now - self.last, 3)
        self.last = now


def first_issues() -> list[dict]:
    """The issues shown on the page: rejected rows first, then in row order."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rownum, outcome, field, message FROM {ISSUES} "
            "ORDER BY CASE outcome WHEN %s THEN 0 ELSE 1 END, rownum LIMIT %s",
            [REJECTED, SCREEN_ISSUES],
        )
        return [
            {"row": row, "outcome": outcome, "field": fld or "", "message": message}
            for row, outcome, fld, message in cursor.fetchall()
        ]


def write_problems(table: Table, path: Path) -> None:
    """Every issue, in row order, with the row's cells (read again from the file if needed)."""
    if not scalar(f"SELECT COUNT(*) FROM {ISSUES}"):
        path.unlink(missing_ok=True)  # no problems: no file (and none left from a dry run)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rownum, outcome, field, message, cells FROM {ISSUES} ORDER BY rownum, outcome"
        )
        file_rows = _RowsByNumber(table)
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "outcome", "field", "reason", *table.headers])
            while batch := cursor.fetchmany(5000):
                for number, outcome, fld, message, cells in batch:
                    cells = json.loads(cells) if cells else file_rows.get(number)
                    writer.writerow(
                        [number, outcome, fld or "", message, *(safe_cell(c) for c in cells)]
                    )


class _RowsByNumber:
    """The cells of rows asked for in increasing order, reading the file once, lazily."""

    def __init__(self, table: Table):
        self.rows: Iterator[tuple[int, list[str]]] | None = None
        self.table = table
        self.current: tuple[int, list[str]] = (0, [])

    def get(self, number: int) -> list[str]:
        if self.rows is None:
            self.rows = self.table.rows()
        while self.current[0] < number:
            self.current = next(self.rows, (10**12, []))
        return self.current[1] if self.current[0] == number else []
