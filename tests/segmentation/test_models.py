import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from segmentation.customers.models import Customer, Order

pytestmark = pytest.mark.django_db


def test_it_stores_email_lower_cased():
    customer = Customer.objects.create(email="  Alice@Example.COM ")
    customer.refresh_from_db()
    assert customer.email == "alice@example.com"


def test_emails_are_unique_whatever_their_case():
    Customer.objects.create(email="alice@example.com")
    with pytest.raises(IntegrityError):
        Customer.objects.create(email="ALICE@example.com")


def test_the_database_refuses_an_upper_case_email_written_around_the_model():
    customer = Customer.objects.create(email="alice@example.com")
    with pytest.raises(IntegrityError):
        Customer.objects.filter(pk=customer.pk).update(email="Alice@example.com")


def test_many_customers_may_have_no_email_or_external_id():
    Customer.objects.create(phone="+4915112345678")
    Customer.objects.create(phone="+4915112345679")
    assert Customer.objects.filter(email=None, external_id=None).count() == 2


def test_phone_must_be_e164():
    customer = Customer(email="a@example.com", phone="0151 1234")
    with pytest.raises(ValidationError) as error:
        customer.full_clean()
    assert "E.164" in str(error.value)


def test_country_is_an_upper_case_iso_code():
    customer = Customer(email="a@example.com", country="de")
    customer.full_clean()
    assert customer.country == "DE"
    with pytest.raises(ValidationError):
        Customer(email="b@example.com", country="Germany").full_clean()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("alice@", ["alice@example.com"]),
        ("ALICE", ["alice@example.com"]),
        ("smi", ["alice@example.com"]),
        ("+49151", ["bob@example.com"]),
        ("crm-42", ["bob@example.com"]),
        ("nobody", []),
    ],
)
def test_search_matches_email_name_phone_and_external_id(query, expected):
    Customer.objects.create(email="alice@example.com", last_name="Smith")
    Customer.objects.create(email="bob@example.com", phone="+4915100000000", external_id="crm-42")
    found = Customer.objects.search(query).values_list("email", flat=True)
    assert sorted(found) == expected


@pytest.mark.parametrize(
    ("model", "other"),
    [
        (Customer, lambda n: {"email": f"p{n}@example.com"}),
        (Order, lambda n: {"total": n}),
    ],
)
def test_external_ids_are_unique_and_the_form_says_so(model, other):
    model.objects.create(external_id="x-1", **other(1))
    duplicate = model(external_id="x-1", **other(2))
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.message_dict["external_id"] == [
        f"{model.__name__} with this External id already exists."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    model.objects.create(**other(3))
    model.objects.create(**other(4))  # rows without an external id do not collide


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("alice@", "segmentation_customer_email_1ff2691f_like"),
        ("+49151", "customer_phone_idx"),
        ("smi", "customer_last_name_lower_idx"),
        ("smi", "customer_first_name_lower_idx"),
        ("crm-42", "customer_external_id_key"),
    ],
)
def test_every_search_branch_can_use_an_index(query, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: show what it could use
        plan = Customer.objects.search(query).order_by().explain()
    assert index in plan and "Seq Scan" not in plan
