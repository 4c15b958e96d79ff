import pytest
from django.db import connection

from segmentation.customers.models import Customer
from segmentation.shared.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_customers():
    Customer.objects.bulk_create(Customer(email=f"c{n}@example.com") for n in range(7))


def test_below_the_cap_the_count_is_exact(seven_customers):
    paginator = CappedPaginator(Customer.objects.all(), per_page=2, cap=10)

    assert (paginator.count, paginator.capped, paginator.num_pages) == (7, False, 4)
    assert paginator.count_label == "7"


def test_past_the_cap_it_says_so_and_pages_stop_one_past_the_cap(seven_customers):
    paginator = CappedPaginator(Customer.objects.filter(email__startswith="c"), 2, cap=4)

    assert paginator.capped
    assert paginator.count_label == "4+"
    assert paginator.num_pages == 3
    assert len(paginator.page(3).object_list) == 2  # the page past the cap is still full


def test_a_cap_below_one_page_still_leaves_a_second_page(seven_customers):
    paginator = CappedPaginator(Customer.objects.filter(email__contains="@"), per_page=5, cap=1)

    assert paginator.count_label == "5+"
    assert paginator.num_pages == 2


def test_it_pages_plain_lists_too():
    paginator = CappedPaginator(list(range(30)), per_page=10, cap=15)

    assert paginator.count_label == "15+"
    assert list(paginator.page(2).object_list) == list(range(10, 20))


def test_filtered_lists_never_show_the_table_estimate(seven_customers):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE segmentation_customer")

    paginator = CappedPaginator(Customer.objects.filter(email__startswith="c"), 2, cap=3)

    assert paginator.count_label == "3+"


def test_an_unfiltered_table_past_the_cap_shows_the_planner_estimate(seven_customers):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE segmentation_customer")

    paginator = CappedPaginator(Customer.objects.all(), per_page=2, cap=3)

    assert paginator.count_label == "about 7"
