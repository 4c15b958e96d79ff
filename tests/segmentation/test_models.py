import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from segmentation.models import Customer

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
