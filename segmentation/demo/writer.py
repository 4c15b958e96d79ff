"""Writing demo rows fast: COPY in a background thread, indexes rebuilt once after a big load."""

import queue
import threading
from collections.abc import Sequence

from django.db import connection
from django.db.backends.utils import CursorWrapper

# A table, its columns, and rows of values in that order.
Chunk = Sequence[tuple[str, Sequence[str], list[tuple]]]


class Writer:
    """Writes chunks in order with COPY, in a background thread.

    The server takes in one chunk while Python generates the next (waiting on the socket
    releases the GIL). The thread uses this transaction's psycopg cursor; nothing else
    touches the connection meanwhile.
    """

    def __init__(self, cursor: CursorWrapper) -> None:
        self.cursor = cursor
        self.error: BaseException | None = None
        self.jobs: queue.Queue = queue.Queue(maxsize=2)  # bounds memory to a few chunks
        self.thread = threading.Thread(target=self._run, name="seed-demo-copy", daemon=True)
        self.thread.start()

    def write(self, chunk: Chunk) -> None:
        self._raise()
        self.jobs.put(chunk)

    def close(self) -> None:
        """Wait for the last chunk; re-raise what went wrong in the thread."""
        self.jobs.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (chunk := self.jobs.get()) is not None:
            if self.error is not None:
                continue  # drain, so that the producer is never stuck on a full queue
            try:
                with connection.wrap_database_errors:
                    self._copy(chunk)
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                self.error = error

    def _copy(self, chunk: Chunk) -> None:
        raw = self.cursor.cursor
        for table, columns, rows in chunk:
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


_SECONDARY = """
    SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), ''
    FROM pg_index i
    WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                      AND c.conrelid = i.indrelid)
    UNION ALL
    SELECT CASE c.contype WHEN 'f' THEN 'foreign key' ELSE 'unique' END,
           quote_ident(c.conname), pg_get_constraintdef(c.oid), c.conrelid::regclass::text
    FROM pg_constraint c
    WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('u', 'f')
"""

# Other tables' foreign keys that point at a unique constraint (not the primary key) of ours:
# dropping that constraint would need theirs dropped too, so the fast path is not taken.
_BORROWED = """
    SELECT count(*) FROM pg_constraint c JOIN pg_index i ON i.indexrelid = c.conindid
    WHERE c.contype = 'f' AND c.confrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
"""


class IndexRebuild:
    """Drop secondary indexes, unique constraints and foreign keys; recreate them identically.

    Building an index once over a million rows is much faster than maintaining it row by row.
    """

    def __init__(self, cursor: CursorWrapper, tables: Sequence[str]) -> None:
        self.cursor = cursor
        self.tables = list(tables)
        self.saved: list[tuple[str, str, str, str]] = []

    def possible(self) -> bool:
        self.cursor.execute(_BORROWED, {"tables": self.tables})
        return self.cursor.fetchone()[0] == 0

    def drop(self) -> None:
        self.cursor.execute(_SECONDARY, {"tables": self.tables})
        self.saved = self.cursor.fetchall()
        order = {"foreign key": 0, "unique": 1, "index": 2}
        for kind, name, _definition, table in sorted(self.saved, key=lambda r: order[r[0]]):
            if kind == "index":
                self.cursor.execute(f"DROP INDEX {name}")
            else:
                self.cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")

    def recreate(self) -> None:
        order = {"index": 0, "unique": 1, "foreign key": 2}
        for kind, name, definition, table in sorted(self.saved, key=lambda r: order[r[0]]):
            if kind == "index":
                self.cursor.execute(definition)
            else:
                self.cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def tables_empty(cursor: CursorWrapper, tables: Sequence[str]) -> bool:
    for table in tables:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - model tables
        if cursor.fetchone()[0]:
            return False
    return True
