"""Staging: every row of the file is validated and copied into a temporary table.

Rows are read and normalised in Python, in chunks and a column at a time (columns.py), so
memory stays bounded. Valid rows go to the stage table (STAGE) and rejected ones, with
their cells and reasons, to the issues table (ISSUES), both with COPY in batches. Staging
runs outside the import's transaction, so progress and cancellation are visible to other
connections; everything after it is set-based SQL on these two tables.
"""

import contextlib
import itertools
import json

from django.db import DatabaseError, connection, transaction

from segmentation.consent import bulk
from segmentation.imports import columns as column_rules
from segmentation.imports.exceptions import Cancelled
from segmentation.imports.options import Hooks, Plan
from segmentation.imports.readers import Table

STAGE = "import_stage"
ISSUES = "import_issues"
ISSUE_COLUMNS = ["rownum", "outcome", "field", "message", "cells"]
REJECTED, MERGED, CONSENT_REFUSED = "rejected", "merged", "consent refused"
# SQL for the id of a staged row's customer (or order) once the new ones are written: every
# staged row draws an id from the table's sequence as it is copied in (new_id), used if the row
# turns out to be new, so the stage needs no UPDATE afterwards.
ROW_ID = "COALESCE(s.target_id, s.new_id)"
BATCH = 20_000  # rows per COPY (and per progress update)
# Rows validated together, column by column (Chunks). Small on purpose: the cells of a big
# chunk no longer fit the CPU caches, and the cyclic garbage collector walks every row list
# still alive; a hundred rows is already enough to validate a column at a time.
CHUNK = 100
TEMP_BUFFERS = "512MB"
SQL_TYPES = {"numeric": "numeric(14, 2)", "int": "integer"}


def stage_columns(plan: Plan) -> list[tuple[str, str]]:
    """(column, SQL type) of the staging table, in the order rows are written."""
    cols = [("rownum", "int")]
    for _, target in plan.columns:
        cols.append((target.name, target.sql_type))
        if target.lower_copy:
            cols.append((target.lower_copy, "text"))
    if plan.customers:
        cols += [(f"{channel}_hash", "text") for channel in plan.consent_channels()]
    else:
        cols.append(("customer_id", "bigint"))
    # The id of the row this one updates (customer or order), or of the row it created.
    cols.append(("target_id", "bigint"))
    return cols


# -- the temporary tables ----------------------------------------------------------------------


def create_tables(plan: Plan) -> None:
    drop_tables()
    _give_temp_buffers()
    cols = ", ".join(f"{name} {SQL_TYPES.get(t, t)}" for name, t in stage_columns(plan))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [plan.table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} ({cols}, new_id bigint DEFAULT nextval('{sequence}'))"
        )
        cursor.execute(
            f"CREATE TEMP TABLE {ISSUES} (rownum integer, outcome text, field text, "
            "message text, cells text)"
        )


def _give_temp_buffers() -> None:
    """Room for the staging table in memory (8 MB by default: a million rows would go through
    the disk). Only settable before the session's first temp table."""
    with contextlib.suppress(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")


def drop_tables() -> None:
    with connection.cursor() as cursor:
        for name in (STAGE, f"{STAGE}_matched", ISSUES, bulk.DECISIONS):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def scalar(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] or 0


def reject(select_sql: str, params: list, field: str) -> int:
    """Move the rows that select_sql finds (rownum, message) from the stage to the issues."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ISSUES} (rownum, outcome, field, message) "
            f"SELECT rownum, %s, %s, message FROM ({select_sql}) AS found",
            [REJECTED, field, *params],
        )
        if cursor.rowcount:
            cursor.execute(
                f"DELETE FROM {STAGE} WHERE rownum IN "
                f"(SELECT rownum FROM {ISSUES} WHERE outcome = %s)",
                [REJECTED],
            )
        return cursor.rowcount


# -- reading the file into them ----------------------------------------------------------------


def stream(table: Table, plan: Plan, hooks: Hooks) -> int:
    """Validate and stage every row of the file; returns the number of data rows."""
    rows = flushed = 0
    good: list[tuple] = []
    bad: list[tuple] = []
    validate = Chunks(plan, width=len(table.headers))
    names = [name for name, _ in stage_columns(plan)]
    source = table.rows()
    while chunk := list(itertools.islice(source, CHUNK)):
        valid, rejected = validate(chunk)
        good += valid
        bad += rejected
        rows += len(chunk)
        if rows - flushed >= BATCH:
            flush(names, good, bad)
            good, bad, flushed = [], [], rows
            _progress(hooks, rows)
    flush(names, good, bad)
    _progress(hooks, rows)
    return rows


def _progress(hooks: Hooks, rows: int) -> None:
    hooks.progress(rows)
    if hooks.cancelled():
        raise Cancelled


def flush(names: list[str], good: list[tuple], bad: list[tuple]) -> None:
    """COPY staged rows (in the order of `names`) and rejected rows into their tables."""
    with connection.connection.cursor() as cursor:
        for table, cols, rows in ((STAGE, names, good), (ISSUES, ISSUE_COLUMNS, bad)):
            if rows:
                with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)


class Chunks:
    """Turns a chunk of (row number, cells) into staged rows and rejected rows, column-wise.

    Each mapped column is validated whole (columns.py); the rows are then zipped
    together in the staging table's column order (stage_columns).
    """

    def __init__(self, plan: Plan, width: int):
        self.width = width  # the header's
        # Also the widest mapped position, should a mapping point past the header.
        self.padded = max([width, *(index + 1 for index, _ in plan.columns)])
        self.columns = [
            (index, target, column_rules.validator(target.convert, plan.options))
            for index, target in plan.columns
        ]
        positions = {name: i for i, (name, _) in enumerate(stage_columns(plan))}
        self.key_pos = positions[plan.key]
        self.key_label = plan.targets[plan.key].label
        self.customers = plan.customers
        # Keyed address hashes (for the ledger) where a row has a consent answer: one per
        # "<channel>_hash" column of the stage, in its order.
        self.hashes = [
            (
                channel,
                positions[f"{channel}_consent"],
                positions.get(bulk.ADDRESS_COLUMN[channel]),
            )
            for channel in [
                name.removesuffix("_hash") for name in positions if name.endswith("_hash")
            ]
        ]

    def __call__(self, chunk: list[tuple[int, list[str]]]) -> tuple[list[tuple], list[tuple]]:
        cells_of = [cells for _, cells in chunk]
        staged, errors = self._validated(cells_of)
        staged.insert(0, [number for number, _ in chunk])
        problems = self._problems(staged, errors, cells_of)
        self._add_derived(staged, len(chunk))
        rows = zip(*staged, strict=True)
        if not problems:
            return list(rows), []
        good = [row for position, row in enumerate(rows) if position not in problems]
        bad = [
            (number, REJECTED, fields, message, json.dumps(cells_of[position]))
            for position, (number, fields, message) in sorted(problems.items())
        ]
        return good, bad

    def _validated(self, cells_of: list[list[str]]) -> tuple[list[list], list[tuple[str, dict]]]:
        """The staged value columns (with lower-cased copies) and the errors per column."""
        padded = self.padded
        if min(map(len, cells_of)) < padded:
            cells_of = [
                cells if len(cells) >= padded else cells + [""] * (padded - len(cells))
                for cells in cells_of
            ]
        # Rows are padded to at least every mapped position; longer ones keep their extras.
        by_column = list(zip(*cells_of, strict=False))
        staged, errors = [], []
        for index, target, validate in self.columns:
            values, found = validate(by_column[index])
            staged.append(values)
            if target.lower_copy:
                staged.append([None if value is None else value.lower() for value in values])
            if found:
                errors.append((target.label, found))
        return staged, errors

    def _problems(
        self, staged: list[list], errors: list[tuple[str, dict]], cells_of: list[list[str]]
    ) -> dict[int, tuple]:
        """position -> (row number, fields, message) for every rejected row of the chunk."""
        by_position: dict[int, list[tuple[str, str]]] = {}
        for label, found in errors:
            for position, message in found.items():
                by_position.setdefault(position, []).append((label, message))
        keys = staged[self.key_pos]
        if None in keys:
            for position, key in enumerate(keys):
                if key is None and position not in by_position:
                    by_position[position] = [(self.key_label, "empty: rows are matched on it")]
        width = self.width
        if max(map(len, cells_of)) > width:
            for position, cells in enumerate(cells_of):
                if len(cells) > width and any(cells[width:]):
                    extra = ("", f"{len(cells) - width} more cells than the header has")
                    by_position.setdefault(position, []).append(extra)
        numbers = staged[0]
        return {
            position: (
                numbers[position],
                ", ".join(label for label, _ in found if label),
                "; ".join(f"{label}: {text}" if label else text for label, text in found),
            )
            for position, found in by_position.items()
        }

    def _add_derived(self, staged: list[list], size: int) -> None:
        """The staged columns that do not come from cells: address hashes, and the ids that
        the apply fills in."""
        if self.customers:
            digest = bulk.fast_address_hash
            for channel, answer_pos, address_pos in self.hashes:
                addresses = staged[address_pos] if address_pos is not None else [None] * size
                staged.append(
                    [
                        answer and (digest(channel, address) if address else None)
                        for answer, address in zip(staged[answer_pos], addresses, strict=True)
                    ]
                )
        else:
            staged.append([None] * size)  # customer_id, resolved in the apply
        staged.append([None] * size)  # target_id
