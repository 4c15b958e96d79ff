"""Running the import in tests: from a corpus file or from CSV text."""

from pathlib import Path

from segmentation.imports import mapping
from segmentation.imports.importer import Importer
from segmentation.imports.options import Options
from segmentation.imports.readers import open_table

CORPUS = Path(__file__).resolve().parents[1] / "data" / "import"


def import_file(path, kind="customers", dry_run=False, sheet="", problems=None, **options):
    table = open_table(path, sheet=sheet)
    chosen = options.pop("mapping", None) or mapping.guess(kind, table.headers)
    options.setdefault("file_name", Path(path).name)
    importer = Importer(table, Options(kind=kind, mapping=chosen, **options))
    return importer.run(dry_run=dry_run, problems_path=problems)


def import_text(tmp_path, text: str, name="people.csv", **kwargs):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_file(path, **kwargs)
