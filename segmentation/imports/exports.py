"""The customer export: every customer as a spreadsheet row, in the columns the import reads."""

from collections.abc import Iterator

from segmentation.customers.models import Customer

CUSTOMER_COLUMNS = [
    "external_id", "email", "phone", "first_name", "last_name", "locale", "birth_date",
    "gender", "income", "education", "occupation", "country", "region", "city",
    "postal_code", "device_type", "os", "email_consent", "sms_consent", "order_count",
    "total_spent", "avg_order_value", "first_order_at", "last_order_at", "created_at",
]  # fmt: skip


def customer_rows(customers=None) -> Iterator[list]:
    customers = Customer.objects.all() if customers is None else customers
    yield CUSTOMER_COLUMNS
    rows = customers.order_by("pk").values_list(*CUSTOMER_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        yield ["" if value is None else value for value in row]
