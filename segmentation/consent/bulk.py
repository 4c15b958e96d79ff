"""The consent ledger's rules (segmentation.consent.record), applied to a whole import at once.

Same rules, set-based: for every staged row with a consent answer the outcome is decided in
one INSERT ... SELECT, exactly as consent.record decides it for one person:

- no address for the channel: refused;
- a grant over a withdrawal: refused (only the person's own double opt-in restores it);
- a grant for a suppressed (erased) address: refused;
- a change to the state the person already has: nothing happens;
- anything else: one ConsentEvent (source import, evidence "file <name> row <n>", actor the
  importer, the keyed address hash) and the state column, in the same transaction.

tests/segmentation/test_consent_bulk.py compares the outcome with consent.record's.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import connection
from django.utils import timezone

from segmentation.consent.ledger import address_hash
from segmentation.consent.models import ConsentSource
from segmentation.customers.models import Channel

DECISIONS = "import_consent"
APPLY, NOOP = "apply", "noop"
REFUSALS = {
    "no_address": "not changed: the customer has no address for this channel",
    "withdrawn": (
        "not granted: the person withdrew consent; only their own confirmed double opt-in "
        "can restore it"
    ),
    "suppressed": (
        "not granted: the address belongs to an erased person; only their own confirmed "
        "double opt-in can make it reachable again"
    ),
}
ADDRESS_COLUMN = {Channel.EMAIL: "email", Channel.SMS: "phone"}

__all__ = ["DECISIONS", "Decisions", "REFUSALS", "address_hash", "fast_address_hash"]
_KEYED: tuple[str, object] | None = None


def fast_address_hash(channel: str, address: str) -> str:
    """consent.address_hash for already normalised addresses, reusing the keyed HMAC state.

    Equal to consent.address_hash (tests/segmentation/test_consent_bulk.py checks it), without
    keying a new HMAC for every address: that counts at a million rows.
    """
    global _KEYED
    key = settings.SEGMENTA_IDENTITY_KEY
    if _KEYED is None or _KEYED[0] != key:
        _KEYED = (key, hmac.new(key.encode(), digestmod=hashlib.sha256))
    mac = _KEYED[1].copy()
    mac.update(f"{channel}:{address}".encode())
    return mac.hexdigest()


class Decisions:
    """Consent outcomes of the rows staged in `stage`: target_id (the customer's id, NULL while
    new), <channel>_consent ("granted" / "withdrawn") and <channel>_hash (the keyed hash of the
    staged address)."""

    table = DECISIONS

    def __init__(self, stage: str, row_id: str, channels: list[str], empty_clears: bool = False):
        self.stage = stage
        self.row_id = row_id  # SQL for the customer's id (of s, the stage) once written
        self.channels = channels
        self.empty_clears = empty_clears

    def _staged_columns(self) -> set[str]:
        with connection.cursor() as cursor:
            description = connection.introspection.get_table_description(cursor, self.stage)
        return {column.name for column in description}

    def decide(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {DECISIONS}")
            cursor.execute(
                f"CREATE TEMP TABLE {DECISIONS} (rownum integer, channel text, action text, "
                "outcome text, address_hash text, existing integer)"
            )
        staged = self._staged_columns() if self.channels else set()
        for channel in self.channels:
            self._fill_hashes(channel, staged)
            self._decide(channel)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {DECISIONS}_rownum ON {DECISIONS} (rownum, outcome)")
            cursor.execute(f"ANALYZE {DECISIONS}")

    def _fill_hashes(self, channel: str, staged: set[str]) -> None:
        """Rows that give no address for the channel use the customer's current one."""
        column = ADDRESS_COLUMN[channel]
        if column in staged and self.empty_clears:
            return  # an empty cell clears the address: no address, refused below
        s = self.stage
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.rownum, c.{column} FROM {s} s JOIN segmentation_customer c "
                f"ON c.id = s.target_id WHERE s.{channel}_consent IS NOT NULL "
                f"AND s.{channel}_hash IS NULL AND c.{column} IS NOT NULL AND c.{column} <> ''"
            )
            while found := cursor.fetchmany(5000):
                with connection.cursor() as writer:
                    writer.executemany(
                        f"UPDATE {s} SET {channel}_hash = %s WHERE rownum = %s",
                        [(address_hash(channel, address), row) for row, address in found],
                    )

    def _decide(self, channel: str) -> None:
        s = self.stage
        answer, current = f"s.{channel}_consent", f"COALESCE(c.{channel}_consent, 'none')"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DECISIONS} (rownum, channel, action, outcome, address_hash, "
                "existing) "
                f"SELECT s.rownum, %s, {answer}, CASE "
                f"WHEN s.{channel}_hash IS NULL THEN 'no_address' "
                f"WHEN {answer} = 'granted' AND {current} = 'withdrawn' THEN 'withdrawn' "
                f"WHEN {answer} = 'granted' AND EXISTS (SELECT 1 FROM segmentation_suppression x "
                f"WHERE x.address_hash = s.{channel}_hash) THEN 'suppressed' "
                f"WHEN {answer} = {current} THEN 'noop' "
                "ELSE 'apply' END, "
                f"s.{channel}_hash, CASE WHEN c.id IS NULL THEN 0 ELSE 1 END "
                f"FROM {s} s LEFT JOIN segmentation_customer c "
                f"ON c.id = s.target_id WHERE {answer} IS NOT NULL",
                [channel],
            )

    def summary(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT outcome, channel, action, COUNT(*) FROM {DECISIONS} "
                "GROUP BY outcome, channel, action"
            )
            found = cursor.fetchall()
        applied = sum(n for outcome, _, _, n in found if outcome == APPLY)
        refused = {
            reason: sum(n for outcome, _, _, n in found if outcome == reason) for reason in REFUSALS
        }
        return {
            "applied": applied,
            "refused": sum(refused.values()),
            "refused_by_reason": {reason: n for reason, n in refused.items() if n},
            "changes": {
                f"{channel} {action}": n
                for outcome, channel, action, n in sorted(found)
                if outcome == APPLY
            },
            "events": {},
        }

    def apply(self, actor: str, file_name: str, wording_id: int | None = None) -> dict:
        """Write the events of every 'apply' decision and the state of existing customers
        (new ones were written with theirs); returns the events per action.

        Runs after the customers were written (new customers need their ids), in the same
        transaction as they were.
        """
        s = self.stage
        now = timezone.now()
        events: dict[str, int] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO segmentation_consentevent (customer_id, address_hash, channel, "
                "topic_id, action, source, created_at, actor, ip, user_agent, wording_id, "
                "evidence, request_id) "
                f"SELECT {self.row_id}, d.address_hash, d.channel, NULL, d.action, %s, %s, %s, "
                "NULL, '', %s, 'file ' || %s || ' row ' || CAST(d.rownum AS TEXT), NULL "
                f"FROM {DECISIONS} d JOIN {s} s ON s.rownum = d.rownum "
                f"WHERE d.outcome = '{APPLY}' ORDER BY d.rownum, d.channel",
                [ConsentSource.IMPORT, now, actor[:150], wording_id, file_name],
            )
            for channel in self.channels:
                cursor.execute(
                    f"UPDATE segmentation_customer AS c SET {channel}_consent = d.action "
                    f"FROM {DECISIONS} d JOIN {s} s ON s.rownum = d.rownum "
                    f"WHERE c.id = s.target_id AND d.channel = %s AND d.outcome = '{APPLY}' "
                    "AND d.existing = 1",
                    [channel],
                )
            cursor.execute(
                f"SELECT action, COUNT(*) FROM {DECISIONS} WHERE outcome = '{APPLY}' "
                "GROUP BY action"
            )
            events = dict(cursor.fetchall())
        return events
