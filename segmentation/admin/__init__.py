"""The Django admin, where data admins look up and fix data: one module per room's models.

Django's autodiscovery imports this package; importing each module registers its models.
"""

from segmentation.admin import consent, customers, events  # noqa: F401

__all__ = ["consent", "customers", "events"]
