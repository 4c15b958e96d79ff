"""The import engine: stream, validate and stage in batches; apply set-based in one transaction.

1. Stream: every row is normalised in Python (bounded memory); valid rows go to a temporary
   staging table in batches (COPY), rejected rows with
   their cells and reasons to a temporary issues table. Runs outside the transaction, so
   progress and cancellation are visible to other connections.
2. Apply, in one transaction: merge in-file duplicates (last wins), reject rows whose
   secondary key belongs to someone else, decide the consent changes by the ledger rules,
   count new / updated / unchanged, then (unless dry run or strict mode with errors)
   INSERT the new rows, UPDATE the changed ones, write the consent events and state
   (segmentation.consent.bulk) and recompute order metrics. A dry run rolls it all back.
3. The problems CSV: every rejected, merged or consent-refused row with its reason.
"""

import contextlib
import csv
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone

from segmentation.consent import bulk
from segmentation.customers.metrics import MAX_SCOPED_IDS, recompute_customer_metrics
from segmentation.customers.models import Customer, Order
from segmentation.imports import columns as column_rules
from segmentation.imports import mapping as mapping_rules
from segmentation.imports.mapping import CONSENT_FIELDS, Target
from segmentation.imports.models import ImportKind
from segmentation.imports.readers import FileRefused, Table
from segmentation.segments import facts
from segmentation.shared.spreadsheet import safe_cell

STAGE = "import_stage"
ISSUES = "import_issues"
BATCH = 20_000  # rows per COPY (and per progress update)
# Rows validated together, column by column (_Chunks). Small on purpose: the cells of a big
# chunk no longer fit the CPU caches, and the cyclic garbage collector walks every row list
# still alive; a hundred rows is already enough to validate a column at a time.
CHUNK = 100
TEMP_BUFFERS = "512MB"
# From this many staged rows, matching rebuilds the stage instead of updating it (PostgreSQL).
REBUILD_MIN_ROWS = 50_000
SCREEN_ISSUES = 20
# Bulk load (PostgreSQL): a table's secondary indexes are dropped and built again after the
# writes when the import adds at least this many rows, and more than the table holds.
BULK_MIN_ROWS = 100_000
BULK_LOCK_TIMEOUT = "5s"  # waiting longer for the table's lock: the normal way instead
BULK_MAINTENANCE_WORK_MEM = "512MB"
APPLY_WORK_MEM = "128MB"
REJECTED, MERGED, CONSENT_REFUSED = "rejected", "merged", "consent refused"


CUSTOMERS_MEANWHILE = (
    "Customers were added by someone else during the import; nothing was written. "
    "Run the import again."
)


class Cancelled(Exception):
    """The admin cancelled the import; nothing was written."""


class ChangedMeanwhile(Exception):
    """Someone else wrote the same rows during the import; nothing was written."""


@dataclass
class Options:
    kind: str
    mapping: dict[int, str]
    strict: bool = False
    empty_clears: bool = False
    match_on: str = ""  # "email" or "external_id"; empty: email when mapped
    date_order: str = "auto"  # "auto", "dmy" or "mdy"
    default_region: str = field(default_factory=lambda: settings.SEGMENTA_IMPORT_DEFAULT_REGION)
    time_zone: str = field(default_factory=lambda: settings.TIME_ZONE)
    mapping_confirmed: bool = False
    actor: str = ""
    file_name: str = ""
    wording_id: int | None = None

    def __post_init__(self):
        self.mapping = {int(index): name for index, name in self.mapping.items() if name}
        if not self.match_on:
            chosen = set(self.mapping.values())
            self.match_on = (
                "email" if "email" in chosen or "external_id" not in chosen else "external_id"
            )

    def as_json(self) -> dict:
        data = asdict(self)
        data["mapping"] = {str(k): v for k, v in self.mapping.items()}
        return data


@dataclass
class Hooks:
    """How the engine talks to whoever runs it (a Celery task, a test, the benchmark)."""

    progress: Callable[[int], None] = lambda rows: None
    cancelled: Callable[[], bool] = lambda: False
    # Called inside the transaction, after the writes: the job is marked done atomically.
    before_commit: Callable[[dict], None] = lambda report: None


def empty_report(rows: int = 0) -> dict:
    return {
        "rows": rows, "new": 0, "updated": 0, "unchanged": 0, "invalid": 0, "merged": 0,
        "consent": {"applied": 0, "refused": 0, "events": {}}, "issues": [], "refused": "",
        "warnings": [], "written": False, "metrics_recomputed": 0,
    }  # fmt: skip


class Importer:
    def __init__(self, table: Table, options: Options, hooks: Hooks | None = None):
        self.table = table
        self.options = options
        self.hooks = hooks or Hooks()
        self.kind = options.kind
        self.targets = mapping_rules.targets(self.kind)
        self.columns = [(i, self.targets[name]) for i, name in sorted(options.mapping.items())]
        self.key = options.match_on if self.kind == ImportKind.CUSTOMERS else "external_id"
        self.bulk_tables: set[str] = set()  # tables written in a bulk load (see _bulk_load)

    # -- entry point --------------------------------------------------------------------------

    def run(self, dry_run: bool, problems_path: Path | None = None) -> dict:
        """The report; writes nothing when dry_run, when refused, or in strict mode with errors."""
        report = empty_report()
        refusal = self.refusal()
        if refusal:
            report["refused"] = refusal
            return report
        self._create_temp_tables()
        clock = _Clock(report)
        try:
            rows, invalid = self._stream()
            clock.lap("read_and_validate")
            report["rows"] = rows
            if rows == 0:
                report["refused"] = "The file has a header row but no data rows."
                return report
            with transaction.atomic():
                self._apply(report, invalid, dry_run, clock)
                if problems_path is not None:
                    self._write_problems(problems_path)
                    clock.lap("problems_file")
                if report["written"]:
                    self.hooks.before_commit(report)
                else:
                    transaction.set_rollback(True)
            clock.lap("commit")
        finally:
            self._drop_temp_tables()
        return report

    def refusal(self) -> str:
        problems = mapping_rules.problems(self.kind, self.table.headers, self.options.mapping)
        if not self.options.mapping_confirmed:
            problems += mapping_rules.duplicate_headers(self.table.headers, self.options.mapping)
        chosen = set(self.options.mapping.values())
        if (
            self.kind == ImportKind.CUSTOMERS
            and chosen & {"email", "external_id"}
            and self.key not in chosen
        ):
            problems.append(f"Customers are matched on {self.key}, but no column is mapped to it.")
        return " ".join(dict.fromkeys(problems))

    # -- 1. stream ----------------------------------------------------------------------------

    def stage_columns(self) -> list[tuple[str, str]]:
        """(column, SQL type) of the staging table, in the order rows are written."""
        cols = [("rownum", "int")]
        for _, target in self.columns:
            cols.append((target.name, target.sql_type))
            if target.lower_copy:
                cols.append((target.lower_copy, "text"))
        if self.kind == ImportKind.CUSTOMERS:
            for name in CONSENT_FIELDS:
                if name in self.options.mapping.values():
                    cols.append((f"{name[:-8]}_hash", "text"))
        else:
            cols.append(("customer_id", "bigint"))
        # The id of the row this one updates (customer or order), or of the row it created.
        cols.append(("target_id", "bigint"))
        return cols

    def _stream(self) -> tuple[int, int]:
        """Validate every row; returns (data rows, rejected rows)."""
        rows = invalid = flushed = 0
        good: list[tuple] = []
        bad: list[tuple] = []
        validate = _Chunks(self)
        source = self.table.rows()
        while chunk := list(itertools.islice(source, CHUNK)):
            valid, rejected = validate(chunk)
            good += valid
            bad += rejected
            rows += len(chunk)
            invalid += len(rejected)
            if rows - flushed >= BATCH:
                self._flush(good, bad)
                good, bad, flushed = [], [], rows
                self._progress(rows)
        self._flush(good, bad)
        self._progress(rows)
        return rows, invalid

    def _progress(self, rows: int) -> None:
        self.hooks.progress(rows)
        if self.hooks.cancelled():
            raise Cancelled

    def _flush(self, good: list[tuple], bad: list[tuple]) -> None:
        names = [c for c, _ in self.stage_columns()]
        issue_cols = ["rownum", "outcome", "field", "message", "cells"]
        with connection.connection.cursor() as cursor:
            if good:
                with cursor.copy(f"COPY {STAGE} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in good:
                        copy.write_row(row)
            if bad:
                with cursor.copy(f"COPY {ISSUES} ({', '.join(issue_cols)}) FROM STDIN") as copy:
                    for row in bad:
                        copy.write_row(row)

    # -- temp tables --------------------------------------------------------------------------

    def _sql_type(self, sql_type: str) -> str:
        return {"numeric": "numeric(14, 2)", "int": "integer"}.get(sql_type, sql_type)

    @property
    def table_name(self) -> str:
        return (
            "segmentation_customer" if self.kind == ImportKind.CUSTOMERS else "segmentation_order"
        )

    @property
    def row_id(self) -> str:
        """SQL for the id of a staged row's customer (or order) once the new ones are written.

        Every staged row draws an id from the table's sequence as it is copied in (new_id),
        used if the row turns out to be new: no UPDATE of the stage afterwards.
        """
        return "COALESCE(s.target_id, s.new_id)"

    def _create_temp_tables(self) -> None:
        self._drop_temp_tables()
        cols = ", ".join(f"{name} {self._sql_type(t)}" for name, t in self.stage_columns())
        # Room for the staging table in memory (8 MB by default: a million rows would go
        # through the disk). Only settable before the session's first temp table.
        with (
            contextlib.suppress(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table_name])
            sequence = cursor.fetchone()[0]
        cols += f", new_id bigint DEFAULT nextval('{sequence}')"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {STAGE} ({cols})")
            cursor.execute(
                f"CREATE TEMP TABLE {ISSUES} (rownum integer, outcome text, field text, "
                "message text, cells text)"
            )

    def _drop_temp_tables(self) -> None:
        with connection.cursor() as cursor:
            for name in (STAGE, f"{STAGE}_matched", ISSUES, bulk.DECISIONS):
                cursor.execute(f"DROP TABLE IF EXISTS {name}")

    # -- 2. apply -----------------------------------------------------------------------------

    def _apply(self, report: dict, invalid: int, dry_run: bool, clock=None) -> None:
        clock = clock or _Clock({})
        # Until the commit (is_local): the groupings, joins and index builds over a million
        # staged rows sort and hash in memory instead of spilling to disk (4 MB by default).
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [APPLY_WORK_MEM])
            cursor.execute(
                "SELECT set_config('maintenance_work_mem', %s, true)",
                [BULK_MAINTENANCE_WORK_MEM],
            )
        report["merged"] = self._merge_duplicates()
        if self.kind == ImportKind.CUSTOMERS:
            self._reject_conflicts()
            self._match("segmentation_customer", self.key)
            decisions = bulk.Decisions(
                stage=STAGE, row_id=self.row_id, channels=self._consent_channels(),
                empty_clears=self.options.empty_clears,
            )  # fmt: skip
            clock.lap("merge_and_match")
            decisions.decide()
            clock.lap("consent_decisions")
            counts = self._count_customers()
        else:
            self._resolve_customers()
            self._match("segmentation_order", "external_id")
            no_total = "s.total IS NULL AND " if "total" in self.options.mapping.values() else ""
            self._reject(
                f"SELECT rownum, 'empty, and the order is new' AS message FROM {STAGE} s "
                f"WHERE {no_total}s.target_id IS NULL",
                [],
                "Total",
            )
            counts = self._count_orders()
        report.update(counts)
        report["invalid"] = self._scalar(
            f"SELECT COUNT(DISTINCT rownum) FROM {ISSUES} WHERE outcome = %s", [REJECTED]
        )
        if self.kind == ImportKind.CUSTOMERS:
            report["consent"] = decisions.summary()
            self._record_consent_refusals(decisions)
        report["issues"] = self._first_issues()
        clock.lap("count")
        if self.options.strict and report["invalid"]:
            report["refused"] = (
                f"Strict mode: {report['invalid']:,} invalid row(s), so nothing was imported."
            )
            return
        if dry_run:
            return
        if self.kind == ImportKind.CUSTOMERS:
            planned = {
                "segmentation_customer": counts["new"],
                "segmentation_consentevent": report["consent"]["applied"],
            }
            # The customers' facts rows are written once, after the rows and their consent
            # states (the triggers would write each changed customer twice, row by row).
            facts.defer()
            with self._bulk_load(report, planned, clock):
                self._write_customers(counts, decisions)
                clock.lap("write_customers")
                if decisions.channels:
                    report["consent"]["events"] = decisions.apply(
                        actor=self.options.actor, file_name=self.options.file_name,
                        wording_id=self.options.wording_id,
                    )  # fmt: skip
                clock.lap("write_ledger")
            facts.catch_up(f"SELECT {self.row_id} FROM {STAGE} s")  # noqa: S608
            clock.lap("facts")
        else:
            report["metrics_recomputed"] = self._write_orders(counts)
            clock.lap("write_orders")
        report["written"] = True

    # -- bulk load ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _bulk_load(self, report: dict, planned: dict[str, int], clock: "_Clock"):
        """Write into tables whose secondary indexes are dropped first and built again after.

        Only for a table that gets at least BULK_MIN_ROWS new rows and more than it already
        holds (an initial load), and only when SEGMENTA_IMPORT_BULK_INDEX_REBUILD is on.
        Building an index once from sorted rows costs a fraction of maintaining it row by row;
        it is what pg_restore does. Dropping an index locks its table (ACCESS EXCLUSIVE) until
        the import commits: other sessions wait for it (docs/decisions.md). Everything happens
        in the import's transaction: if it fails or rolls back, the indexes were never gone for
        anyone else.

        Unique constraints are dropped and added again too: adding one checks every row, so a
        duplicate (only possible if someone else wrote the same email or ID between the matching
        and the lock) fails the import as ChangedMeanwhile, as the normal path's ON CONFLICT
        check does. The primary key and anything a foreign key points at stay.
        """
        dropped: list[tuple[str, list[tuple[str, str]]]] = []
        for table, rows in planned.items():
            if self._bulk_worth_it(table, rows):
                indexes = self._drop_secondary_indexes(table, [t for t, _ in dropped])
                if indexes:
                    dropped.append((table, indexes))
                    self.bulk_tables.add(table)
        yield
        if not dropped:
            return
        with connection.cursor() as cursor:
            # A table with foreign-key checks still pending (deferred to the commit) cannot be
            # indexed: run those checks now, the same checks, then defer again as before.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            clock.lap("foreign_key_checks")
            try:
                for _table, indexes in dropped:
                    for _drop, create in indexes:
                        cursor.execute(create)
            except IntegrityError as error:
                raise ChangedMeanwhile(CUSTOMERS_MEANWHILE) from error
        report["bulk_load"] = {table: len(indexes) for table, indexes in dropped}
        clock.lap("rebuild_indexes")

    def _bulk_worth_it(self, table: str, rows: int) -> bool:
        if not settings.SEGMENTA_IMPORT_BULK_INDEX_REBUILD or rows < BULK_MIN_ROWS:
            return False
        # A capped count: the table holds fewer rows than the import adds.
        existing = self._scalar(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", [rows]
        )
        return existing < rows

    def _drop_secondary_indexes(self, table: str, locked: list[str]) -> list[tuple[str, str]]:
        """Drop the table's indexes and unique constraints but the primary key and those a
        foreign key points at, and its foreign keys to itself or to the tables in `locked`
        (already held); returns (the DROP, the statement that makes it again exactly).

        Empty when the locks cannot be had within BULK_LOCK_TIMEOUT: the import then writes
        the normal way.
        """
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('lock_timeout')")
                previous = cursor.fetchone()[0]
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [BULK_LOCK_TIMEOUT])
                cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                # Indexes that no constraint owns or uses; pg_get_indexdef() is what
                # pg_indexes.indexdef shows: the index as it was created.
                cursor.execute(
                    "SELECT 'DROP INDEX ' || x.indexrelid::regclass::text, "
                    "pg_get_indexdef(x.indexrelid) FROM pg_index x "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                    "AND x.indisvalid AND x.indisready AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
                    "ORDER BY x.indexrelid::regclass::text",
                    [table],
                )
                found = cursor.fetchall()
                # Unique constraints no foreign key points at, with their own definitions.
                cursor.execute(
                    "SELECT 'ALTER TABLE ' || k.conrelid::regclass::text || "
                    "' DROP CONSTRAINT ' || quote_ident(k.conname), "
                    "'ALTER TABLE ' || k.conrelid::regclass::text || ' ADD CONSTRAINT ' || "
                    "quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) "
                    "FROM pg_constraint k WHERE k.conrelid = %s::regclass AND k.contype = 'u' "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
                    "AND f.conindid = k.conindid) ORDER BY k.conname",
                    [table],
                )
                found += cursor.fetchall()
                # Its foreign keys to tables this import holds: added again, each is checked by
                # one join instead of one lookup per written row at the commit. (Dropping one
                # locks the table it points at, so not those to tables others may be using.)
                cursor.execute(
                    "SELECT 'ALTER TABLE ' || k.conrelid::regclass::text || "
                    "' DROP CONSTRAINT ' || quote_ident(k.conname), "
                    "'ALTER TABLE ' || k.conrelid::regclass::text || ' ADD CONSTRAINT ' || "
                    "quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) "
                    "FROM pg_constraint k WHERE k.conrelid = %s::regclass AND k.contype = 'f' "
                    "AND k.confrelid = ANY(%s::regclass[]) ORDER BY k.conname",
                    [table, [table, *locked]],
                )
                found += cursor.fetchall()
                for drop, _create in found:
                    cursor.execute(drop)
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
                return found
        except OperationalError:  # lock_timeout, or a deadlock with another session
            return []

    def _match(self, table: str, key: str) -> None:
        """Note in the stage which existing row each staged row updates (target_id).

        Done once, up front: later statements join on ids, and the INSERT of new rows needs no
        anti-join against the table it is filling (which PostgreSQL may plan as a scan of
        the growing table per row: quadratic).
        """
        with connection.cursor() as cursor:
            if self._mostly_matches(cursor, table):
                self._rebuild_stage_matched(cursor, table, key)
            else:
                cursor.execute(
                    f"UPDATE {STAGE} s SET target_id = t.id FROM {table} t WHERE t.{key} = s.{key}"
                )
            self._index_stage(cursor)

    def _index_stage(self, cursor, analyze: bool = True, by_key: bool = False) -> None:
        """Indexes of the stage, built once its rows are final (not before the rebuild).

        By row number always: rows are updated and read back one by one by number. By key only
        where rows are looked up by key (merging duplicates): the other joins hash the whole
        stage, and an index they do not use would only cost its build.
        """
        if by_key:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {STAGE}_key ON {STAGE} ({self.key})")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {STAGE}_rownum ON {STAGE} (rownum)")
        if analyze:
            cursor.execute(f"ANALYZE {STAGE}")

    def _mostly_matches(self, cursor, table: str) -> bool:
        """Whether many staged rows may find their row: the table holds at least a quarter as
        many rows as the stage (a capped count, not a count of a million rows)."""
        cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
        staged = cursor.fetchone()[0]
        if staged < REBUILD_MIN_ROWS:
            return False
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", [staged // 4])
        return cursor.fetchone()[0] >= staged // 4

    def _rebuild_stage_matched(self, cursor, table: str, key: str) -> None:
        """Copy the stage with target_id joined in: cheaper than updating most of its rows
        (an UPDATE writes a new version of every wide staged row)."""
        names = [name for name, _ in self.stage_columns() if name != "target_id"]
        cols = ", ".join(f"s.{name}" for name in [*names, "new_id"])
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE}_matched AS SELECT {cols}, t.id AS target_id "
            f"FROM {STAGE} s LEFT JOIN {table} t ON t.{key} = s.{key}"
        )
        cursor.execute(f"DROP TABLE {STAGE}")
        cursor.execute(f"ALTER TABLE {STAGE}_matched RENAME TO {STAGE}")

    def _scalar(self, sql: str, params=()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0] or 0

    def _value_columns(self) -> list[Target]:
        return [t for _, t in self.columns if t.name not in CONSENT_FIELDS]

    def _distinct(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}"

    def _merge_duplicates(self) -> int:
        """Rows sharing a key merge into the last of them (its non-empty cells win)."""
        key = self.key
        dup = "import_dups"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {dup}")
            cursor.execute(
                f"CREATE TEMP TABLE {dup} AS SELECT {key} AS k, MAX(rownum) AS last_row "
                f"FROM {STAGE} GROUP BY {key} HAVING COUNT(*) > 1"
            )
            cursor.execute(f"SELECT COUNT(*) FROM {dup}")
            if not cursor.fetchone()[0]:
                cursor.execute(f"DROP TABLE {dup}")
                return 0
            self._index_stage(cursor, analyze=False, by_key=True)  # the merge looks rows up
            label = self.targets[key].label
            cursor.execute(
                f"INSERT INTO {ISSUES} (rownum, outcome, field, message) "
                f"SELECT s.rownum, %s, %s, 'same ' || %s || ' as row ' || CAST(d.last_row AS TEXT)"
                f" || ': merged into it (later cells win)' "
                f"FROM {STAGE} s JOIN {dup} d ON d.k = s.{key} WHERE s.rownum <> d.last_row",
                [MERGED, label, label.lower()],
            )
            merged = cursor.rowcount
            if not self.options.empty_clears:
                for name, _ in self.stage_columns():
                    if name in ("rownum", key, "customer_id", "target_id"):
                        continue
                    cursor.execute(
                        f"UPDATE {STAGE} SET {name} = (SELECT s2.{name} FROM {STAGE} s2 "
                        f"WHERE s2.{key} = {STAGE}.{key} AND s2.{name} IS NOT NULL "
                        f"ORDER BY s2.rownum DESC LIMIT 1) "
                        f"WHERE rownum IN (SELECT last_row FROM {dup}) AND {name} IS NULL"
                    )
            cursor.execute(
                f"DELETE FROM {STAGE} WHERE {key} IN (SELECT k FROM {dup}) "
                f"AND rownum NOT IN (SELECT last_row FROM {dup})"
            )
            cursor.execute(f"DROP TABLE {dup}")
        return merged

    def _reject(self, select_sql: str, params: list, field: str) -> int:
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

    def _reject_conflicts(self) -> None:
        """A secondary identifier (the one rows are not matched on) may not change hands."""
        other = "external_id" if self.key == "email" else "email"
        if other not in self.options.mapping.values():
            return
        label = self.targets[other].label
        self._reject(
            f"SELECT rownum, %s || ' ' || {other} || ' is given to several rows of this file "
            f"with different {self.key.replace('_', ' ')}s' AS message FROM {STAGE} "
            f"WHERE {other} IN (SELECT {other} FROM {STAGE} WHERE {other} IS NOT NULL "
            f"GROUP BY {other} HAVING COUNT(*) > 1)",
            [label],
            label,
        )
        self._reject(
            f"SELECT s.rownum, %s || ' ' || s.{other} || ' already belongs to another "
            f"customer' AS message FROM {STAGE} s JOIN segmentation_customer c "
            f"ON c.{other} = s.{other} WHERE {self._distinct(f'c.{self.key}', f's.{self.key}')}",
            [label],
            label,
        )

    def _consent_channels(self) -> list[str]:
        chosen = self.options.mapping.values()
        return [name[:-8] for name in CONSENT_FIELDS if name in chosen]

    def _changed(self, alias_new: str, alias_old: str, targets: list[Target]) -> str:
        parts = []
        for target in targets:
            new, old = f"{alias_new}.{target.name}", f"{alias_old}.{target.name}"
            if self.options.empty_clears:
                empty = "NULL" if target.empty is None else "''"
                parts.append(self._distinct(f"COALESCE({new}, {empty})", old))
            else:
                parts.append(f"({new} IS NOT NULL AND {self._distinct(new, old)})")
        return " OR ".join(parts) or "1 = 0"

    def _count_customers(self) -> dict:
        changed = self._changed("s", "c", [t for t in self._value_columns() if t.name != self.key])
        consent = (
            f"OR s.rownum IN (SELECT rownum FROM {bulk.DECISIONS} WHERE outcome = 'apply')"
            if self._consent_channels()
            else ""
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), "
                f"SUM(CASE WHEN c.id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN c.id IS NOT NULL AND ({changed} {consent}) THEN 1 ELSE 0 END) "
                f"FROM {STAGE} s LEFT JOIN segmentation_customer c ON c.id = s.target_id"
            )
            total, new, updated = (value or 0 for value in cursor.fetchone())
        return {"new": new, "updated": updated, "unchanged": total - new - updated}

    def _write_customers(self, counts: dict, decisions) -> None:
        now = timezone.now()
        values = self._value_columns()
        self._update_customers(values, now)
        staged = [t.name for t in values] + [t.lower_copy for t in values if t.lower_copy]
        by_name = {t.name: t for t in values}
        columns, select, joins = ["public_id", "id"], ["gen_random_uuid()", "s.new_id"], []
        for name in staged:
            target = by_name.get(name)
            empty = "NULL" if target is not None and target.empty is None else "''"
            columns.append(name)
            select.append(f"COALESCE(s.{name}, {empty})")
        # New customers get their consent state as they are written (the events follow).
        for channel in decisions.channels:
            columns.append(f"{channel}_consent")
            select.append(f"COALESCE(d_{channel}.action, 'none')")
            joins.append(
                f"LEFT JOIN {decisions.table} d_{channel} ON d_{channel}.rownum = s.rownum "
                f"AND d_{channel}.channel = '{channel}' AND d_{channel}.outcome = 'apply'"
            )
        defaults = []
        for model_field in Customer._meta.concrete_fields:
            name = model_field.column
            if model_field.primary_key or name in columns:
                continue
            if name in ("created_at", "updated_at"):
                defaults.append(now)
            else:
                defaults.append(model_field.get_db_prep_save(model_field.get_default(), connection))
            columns.append(name)
            select.append("%s")
        # Someone else's rows with the same email or ID are skipped and counted (ON CONFLICT);
        # in a bulk load the table is ours and its unique constraints, added again afterwards,
        # find them (a speculative insert per row costs a WAL record more).
        bulk = "segmentation_customer" in self.bulk_tables
        insert = (
            f"INSERT INTO segmentation_customer ({', '.join(columns)}) "
            f"SELECT {', '.join(select)} FROM {STAGE} s {' '.join(joins)} "
            f"WHERE s.target_id IS NULL{'' if bulk else ' ON CONFLICT DO NOTHING'}"
        )
        try:
            inserted = self._insert_new(insert, defaults)
        except IntegrityError as error:  # bulk load only: a duplicate primary key
            raise ChangedMeanwhile(CUSTOMERS_MEANWHILE) from error
        if inserted != counts["new"]:
            raise ChangedMeanwhile(CUSTOMERS_MEANWHILE)

    def _update_customers(self, values: list[Target], now: datetime) -> None:
        """The changed existing customers (before the new ones are written)."""
        updates = [t for t in values if t.name != self.key]
        if not updates:
            return
        sets = []
        for target in updates:
            for name in (target.name, target.lower_copy):
                if not name:
                    continue
                if self.options.empty_clears:
                    empty = "NULL" if target.empty is None else "''"
                    sets.append(f"{name} = COALESCE(s.{name}, {empty})")
                else:
                    sets.append(f"{name} = COALESCE(s.{name}, c.{name})")
        changed = self._changed("s", "c", updates)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE segmentation_customer AS c SET {', '.join(sets)}, updated_at = %s "
                f"FROM {STAGE} s WHERE c.id = s.target_id AND ({changed})",
                [now],
            )

    def _insert_new(self, insert: str, params: list) -> int:
        """Run the INSERT of the new rows; the number of rows written."""
        with connection.cursor() as cursor:
            cursor.execute(insert, params)
            return cursor.rowcount

    def _record_consent_refusals(self, decisions) -> None:
        with connection.cursor() as cursor:
            for outcome, message in bulk.REFUSALS.items():
                cursor.execute(
                    f"INSERT INTO {ISSUES} (rownum, outcome, field, message) "
                    f"SELECT rownum, %s, channel || ' consent', %s FROM {decisions.table} "
                    "WHERE outcome = %s",
                    [CONSENT_REFUSED, message, outcome],
                )

    # -- orders -------------------------------------------------------------------------------

    def _resolve_customers(self) -> None:
        """Each order's customer, by email where given, else by external ID; unknown: rejected."""
        chosen = self.options.mapping.values()
        with connection.cursor() as cursor:
            for column, customer_column in (
                ("customer_external_id", "external_id"),
                ("customer_email", "email"),
            ):
                if column in chosen:
                    cursor.execute(
                        f"UPDATE {STAGE} SET customer_id = (SELECT c.id FROM "
                        f"segmentation_customer c WHERE c.{customer_column} = {STAGE}.{column}) "
                        f"WHERE {column} IS NOT NULL"
                    )
        has_email = "customer_email" in chosen
        has_ext = "customer_external_id" in chosen
        who = " || ".join(
            part
            for part in (
                "COALESCE('email ' || customer_email, '')" if has_email else "",
                "' '" if has_email and has_ext else "",
                "COALESCE('external ID ' || customer_external_id, '')" if has_ext else "",
            )
            if part
        )
        self._reject(
            f"SELECT rownum, 'no customer with ' || {who} AS message FROM {STAGE} "
            "WHERE customer_id IS NULL",
            [],
            "Customer",
        )

    def _count_orders(self) -> dict:
        targets = [t for t in self._value_columns() if t.name in ("placed_at", "total", "currency")]
        changed = self._changed("s", "o", targets)
        moved = self._distinct("s.customer_id", "o.customer_id")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN o.id IS NOT NULL AND ({changed} OR {moved}) THEN 1 ELSE 0 END) "
                f"FROM {STAGE} s LEFT JOIN segmentation_order o ON o.id = s.target_id"
            )
            total, new, updated = (value or 0 for value in cursor.fetchone())
        return {"new": new, "updated": updated, "unchanged": total - new - updated}

    def _write_orders(self, counts: dict) -> int:
        now = timezone.now()
        chosen = {t.name for t in self._value_columns()}
        with connection.cursor() as cursor:
            # Customers whose metrics change: the orders' new owners and their previous ones.
            cursor.execute(
                f"SELECT customer_id FROM {STAGE} UNION SELECT o.customer_id FROM "
                f"segmentation_order o JOIN {STAGE} s ON s.target_id = o.id "
                "WHERE o.customer_id IS NOT NULL"
            )
            owners = {row[0] for row in cursor.fetchmany(MAX_SCOPED_IDS + 1)}
            scope = None if len(owners) > MAX_SCOPED_IDS else owners
            placed = "COALESCE(s.placed_at, %s)" if "placed_at" in chosen else "%s"
            currency = "COALESCE(s.currency, 'EUR')" if "currency" in chosen else "'EUR'"
            total = "s.total" if "total" in chosen else "NULL"
            items = Order._meta.get_field("items").get_db_prep_save([], connection)
            insert = (
                "INSERT INTO segmentation_order (id, external_id, customer_id, "
                f"placed_at, total, currency, items) SELECT s.new_id, s.external_id, "
                f"s.customer_id, {placed}, {total}, "
                f"{currency}, %s FROM {STAGE} s WHERE s.target_id IS NULL "
                "ON CONFLICT DO NOTHING"
            )
            if self._insert_new(insert, [now, items]) != counts["new"]:
                raise ChangedMeanwhile(
                    "Orders were added by someone else during the import; nothing was written."
                )
            targets = [
                t for t in self._value_columns() if t.name in ("placed_at", "total", "currency")
            ]
            sets = ["customer_id = s.customer_id"]
            for target in targets:
                sets.append(f"{target.name} = COALESCE(s.{target.name}, o.{target.name})")
            changed = self._changed("s", "o", targets)
            moved = self._distinct("s.customer_id", "o.customer_id")
            cursor.execute(
                f"UPDATE segmentation_order AS o SET {', '.join(sets)} FROM {STAGE} s "
                f"WHERE o.id = s.target_id AND ({changed} OR {moved})"
            )
        return recompute_customer_metrics(scope)

    # -- 3. report and problems file ----------------------------------------------------------

    def _first_issues(self) -> list[dict]:
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

    def _write_problems(self, path: Path) -> None:
        """Every issue, in row order, with the row's cells (read again from the file if needed)."""
        if not self._scalar(f"SELECT COUNT(*) FROM {ISSUES}"):
            path.unlink(missing_ok=True)  # no problems: no file (and none left from a dry run)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rownum, outcome, field, message, cells FROM {ISSUES} "
                "ORDER BY rownum, outcome"
            )
            file_rows = _rows_by_number(self.table)
            with open(path, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "outcome", "field", "reason", *self.table.headers])
                while batch := cursor.fetchmany(5000):
                    for number, outcome, fld, message, cells in batch:
                        cells = json.loads(cells) if cells else file_rows.get(number)
                        writer.writerow(
                            [number, outcome, fld or "", message, *(safe_cell(c) for c in cells)]
                        )


class _Clock:
    """Seconds per phase, kept in the report (report["seconds"]) for the admin and benchmarks."""

    def __init__(self, report: dict):
        self.seconds = report.setdefault("seconds", {})
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0) + now - self.last, 3)
        self.last = now


class _Chunks:
    """Turns a chunk of (row number, cells) into staged rows and rejected rows, column-wise.

    Each mapped column is validated whole (importing.columns); the rows are then zipped
    together in the staging table's column order (Importer.stage_columns).
    """

    def __init__(self, importer: "Importer"):
        options = importer.options
        self.width = len(importer.table.headers)
        # Also the widest mapped position, should a mapping point past the header.
        self.padded = max([self.width, *(index + 1 for index, _ in importer.columns)])
        self.columns = [
            (index, target, column_rules.validator(target.convert, options))
            for index, target in importer.columns
        ]
        positions = {name: i for i, (name, _) in enumerate(importer.stage_columns())}
        self.key_pos = positions[importer.key]
        self.key_label = importer.targets[importer.key].label
        self.customers = importer.kind == ImportKind.CUSTOMERS
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

    def _problems(self, staged: list[list], errors, cells_of) -> dict[int, tuple]:
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


def _rows_by_number(table: Table) -> _RowsByNumber:
    return _RowsByNumber(table)


def count_lines(path: Path) -> int:
    """A quick upper bound of a CSV's data rows, for the progress bar."""
    lines = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1 + (os.path.getsize(path) > 0), 0)


__all__ = ["Cancelled", "ChangedMeanwhile", "FileRefused", "Hooks", "Importer", "Options"]
