"""Bulk load: an initial load writes into tables whose secondary indexes are built again after.

Only for a table that gets at least MIN_ROWS new rows and more than it already holds, and only
when SEGMENTA_IMPORT_BULK_INDEX_REBUILD is on. Building an index once from sorted rows costs a
fraction of maintaining it row by row; it is what pg_restore does. Dropping an index locks its
table (ACCESS EXCLUSIVE) until the import commits: other sessions wait for it
(docs/decisions.md). Everything happens in the import's transaction: if it fails or rolls
back, the indexes were never gone for anyone else.

Unique constraints are dropped and added again too: adding one checks every row, so a
duplicate (only possible if someone else wrote the same email or ID between the matching and
the lock) fails the import as ChangedMeanwhile, as the normal path's ON CONFLICT check does.
The primary key and anything a foreign key points at stay.
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper

from segmentation.imports.exceptions import CUSTOMERS_MEANWHILE, ChangedMeanwhile
from segmentation.imports.reporting import Clock
from segmentation.imports.staging import scalar

MIN_ROWS = 100_000
LOCK_TIMEOUT = "5s"  # waiting longer for the table's lock: the normal way instead

# (the DROP, the statement that makes it again exactly), per index or constraint dropped
Dropped = list[tuple[str, str]]


@contextlib.contextmanager
def rebuilding_indexes(report: dict, planned: dict[str, int], clock: Clock) -> Iterator[set[str]]:
    """Drop the secondary indexes of the tables worth it (table -> new rows planned), yield
    the set of those tables for the writes, then build their indexes again."""
    dropped: list[tuple[str, Dropped]] = []
    for table, rows in planned.items():
        if _worth_it(table, rows):
            indexes = drop_secondary_indexes(table, [t for t, _ in dropped])
            if indexes:
                dropped.append((table, indexes))
    yield {table for table, _ in dropped}
    if dropped:
        _make_again(dropped, clock)
        report["bulk_load"] = {table: len(indexes) for table, indexes in dropped}
        clock.lap("rebuild_indexes")


def _worth_it(table: str, rows: int) -> bool:
    if not settings.SEGMENTA_IMPORT_BULK_INDEX_REBUILD or rows < MIN_ROWS:
        return False
    # A capped count: the table holds fewer rows than the import adds.
    existing = scalar(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", [rows])
    return existing < rows


def _make_again(dropped: list[tuple[str, Dropped]], clock: Clock) -> None:
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


def drop_secondary_indexes(table: str, locked: list[str]) -> Dropped:
    """Drop the table's indexes and unique constraints but the primary key and those a
    foreign key points at, and its foreign keys to itself or to the tables in `locked`
    (already held); returns what was dropped and how to make it again.

    Empty when the locks cannot be had within LOCK_TIMEOUT: the import then writes the
    normal way.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            found = _plain_indexes(cursor, table) + _unique_constraints(cursor, table)
            found += _foreign_keys(cursor, table, [table, *locked])
            for drop, _create in found:
                cursor.execute(drop)
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            return found
    except OperationalError:  # lock_timeout, or a deadlock with another session
        return []


def _plain_indexes(cursor: CursorWrapper, table: str) -> Dropped:
    """Indexes that no constraint owns or uses; pg_get_indexdef() is what pg_indexes.indexdef
    shows: the index as it was created."""
    cursor.execute(
        "SELECT 'DROP INDEX ' || x.indexrelid::regclass::text, "
        "pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND x.indisvalid AND x.indisready AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
        "ORDER BY x.indexrelid::regclass::text",
        [table],
    )
    return cursor.fetchall()


def _unique_constraints(cursor: CursorWrapper, table: str) -> Dropped:
    """Unique constraints no foreign key points at, with their own definitions."""
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
    return cursor.fetchall()


def _foreign_keys(cursor: CursorWrapper, table: str, held: list[str]) -> Dropped:
    """Its foreign keys to tables this import holds: added again, each is checked by one join
    instead of one lookup per written row at the commit. (Dropping one locks the table it
    points at, so not those to tables others may be using.)"""
    cursor.execute(
        "SELECT 'ALTER TABLE ' || k.conrelid::regclass::text || "
        "' DROP CONSTRAINT ' || quote_ident(k.conname), "
        "'ALTER TABLE ' || k.conrelid::regclass::text || ' ADD CONSTRAINT ' || "
        "quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k WHERE k.conrelid = %s::regclass AND k.contype = 'f' "
        "AND k.confrelid = ANY(%s::regclass[]) ORDER BY k.conname",
        [table, held],
    )
    return cursor.fetchall()
