"""What an import is asked to do (Options), how it reports back (Hooks), and what follows from
the options (Plan): the columns it reads, the key rows are matched on, the table it writes."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings

from segmentation.imports import mapping
from segmentation.imports.mapping import CONSENT_FIELDS, Target
from segmentation.imports.models import ImportKind


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

    def __post_init__(self) -> None:
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
    """How the import talks to whoever runs it (a Celery task, a test, the benchmark)."""

    progress: Callable[[int], None] = lambda rows: None
    cancelled: Callable[[], bool] = lambda: False
    # Called inside the transaction, after the writes: the job is marked done atomically.
    before_commit: Callable[[dict], None] = lambda report: None


class Plan:
    """The options, and what every step of the import derives from them."""

    def __init__(self, options: Options):
        self.options = options
        self.kind = options.kind
        self.customers = self.kind == ImportKind.CUSTOMERS
        self.targets: dict[str, Target] = mapping.targets(self.kind)
        # (position in the file, target) of every mapped column, in the file's order.
        self.columns = [(i, self.targets[name]) for i, name in sorted(options.mapping.items())]
        self.chosen = set(options.mapping.values())
        self.key = options.match_on if self.customers else "external_id"
        self.table = "segmentation_customer" if self.customers else "segmentation_order"

    def value_columns(self) -> list[Target]:
        """The mapped targets stored as they are (consent answers go through the ledger)."""
        return [t for _, t in self.columns if t.name not in CONSENT_FIELDS]

    def consent_channels(self) -> list[str]:
        return [name.removesuffix("_consent") for name in CONSENT_FIELDS if name in self.chosen]
