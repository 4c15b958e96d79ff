"""How an import run stops without writing anything (a file that cannot be read at all raises
readers.FileRefused)."""

CUSTOMERS_MEANWHILE = (
    "Customers were added by someone else during the import; nothing was written. "
    "Run the import again."
)


class Cancelled(Exception):
    """The admin cancelled the import; nothing was written."""


class ChangedMeanwhile(Exception):
    """Someone else wrote the same rows during the import; nothing was written."""
