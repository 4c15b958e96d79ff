"""The import of one file: stage every row, apply them set-based in one transaction, report.

1. Staging (staging.py): every row is validated in Python while the file streams; valid rows
   are copied into a temporary stage table, rejected ones with their reasons into an issues
   table. Outside the transaction: progress and cancellation are visible to others.
2. Applying (applying.py, with matching.py, orders.py and bulk_load.py), in one transaction:
   merge in-file duplicates (last wins), match rows to stored ones, decide the consent changes
   by the ledger's rules, count new / updated / unchanged, then (unless a dry run or strict
   mode with errors) write. A dry run rolls it all back.
3. Reporting (reporting.py): the report, and the problems CSV with every rejected, merged or
   consent-refused row and its reason.
"""

from pathlib import Path

from django.db import transaction

from segmentation.imports import applying, mapping, staging
from segmentation.imports.options import Hooks, Options, Plan
from segmentation.imports.readers import Table
from segmentation.imports.reporting import Clock, empty_report, write_problems


class Importer:
    def __init__(self, table: Table, options: Options, hooks: Hooks | None = None):
        self.table = table
        self.plan = Plan(options)
        self.hooks = hooks or Hooks()

    def run(self, dry_run: bool, problems_path: Path | None = None) -> dict:
        """The report; writes nothing when dry_run, when refused, or in strict mode with errors."""
        report = empty_report()
        report["refused"] = self.refusal()
        if report["refused"]:
            return report
        staging.create_tables(self.plan)
        try:
            self._stage_and_apply(report, dry_run, problems_path)
        finally:
            staging.drop_tables()
        return report

    def refusal(self) -> str:
        """Why the file cannot be imported with these options ("" when it can)."""
        options, headers, key = self.plan.options, self.table.headers, self.plan.key
        problems = mapping.problems(self.plan.kind, headers, options.mapping)
        if not options.mapping_confirmed:
            problems += mapping.duplicate_headers(headers, options.mapping)
        chosen = self.plan.chosen
        if self.plan.customers and chosen & {"email", "external_id"} and key not in chosen:
            problems.append(f"Customers are matched on {key}, but no column is mapped to it.")
        return " ".join(dict.fromkeys(problems))

    def _stage_and_apply(self, report: dict, dry_run: bool, problems_path: Path | None) -> None:
        clock = Clock(report)
        report["rows"] = staging.stream(self.table, self.plan, self.hooks)
        clock.lap("read_and_validate")
        if report["rows"] == 0:
            report["refused"] = "The file has a header row but no data rows."
            return
        with transaction.atomic():
            applying.apply(self.plan, report, dry_run, clock)
            if problems_path is not None:
                write_problems(self.table, problems_path)
                clock.lap("problems_file")
            if report["written"]:
                self.hooks.before_commit(report)
            else:
                transaction.set_rollback(True)
        clock.lap("commit")
