"""A customer's open cart: one the shop reported that no order has closed.

One definition in the two forms the code needs: a queryset (segment fields over customers)
and SQL over a customer row (the preview's facts table keeps when the oldest open cart was
last touched). tests/segmentation/test_derived_facts.py checks that they agree.
"""

from django.db.models import QuerySet

from segmentation.events.models import Cart, CartStatus


def open_carts() -> QuerySet[Cart]:
    return Cart.objects.filter(status=CartStatus.OPEN)


def oldest_open_sql(row: str = "c") -> str:
    """When the customer's oldest open cart was last updated (NULL: none), for the customer
    row aliased `row` (a name of the caller's, never input)."""
    return (
        f"(SELECT min(k.updated_at) FROM {Cart._meta.db_table} k"  # noqa: S608
        f" WHERE k.customer_id = {row}.id AND k.status = '{CartStatus.OPEN}')"
    )
