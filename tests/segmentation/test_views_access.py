"""Who may see the marketing pages: a role x view matrix."""

from urllib.parse import quote

import pytest
from django.urls import URLPattern, get_resolver, reverse

from segmentation.models import Customer

VIEWS = ["dashboard", "customer_list", "customer_detail"]
# Forms that change data: only data admins, only POST.
POST_VIEWS = ["customer_consent_change"]


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(email="ann@example.com", first_name="Ann")


def _url(name: str, customer: Customer) -> str:
    takes_customer = name in {"customer_detail", *POST_VIEWS}
    return reverse(name, args=[customer.pk]) if takes_customer else reverse(name)


@pytest.mark.parametrize("name", VIEWS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, customer, name):
    url = _url(name, customer)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url)}"


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 403), ("marketer", 200), ("data_admin", 200)]
)
def test_it_lets_in_only_the_roles(request, client, customer, persona, status, name):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(_url(name, customer)).status_code == status


@pytest.mark.parametrize("name", VIEWS)
def test_it_denies_htmx_requests_of_users_without_a_role(outsider_client, customer, name):
    response = outsider_client.get(_url(name, customer), headers={"HX-Request": "true"})

    assert response.status_code == 403


@pytest.mark.parametrize("name", VIEWS)
def test_it_answers_only_get(marketer_client, customer, name):
    assert marketer_client.post(_url(name, customer)).status_code == 405


def test_it_covers_every_marketing_view():
    """A new page under /customers/ must be added to the matrix above."""
    patterns = get_resolver().url_patterns
    customer_urls = next(p for p in patterns if str(p.pattern) == "customers/").url_patterns
    names = {p.name for p in customer_urls if isinstance(p, URLPattern)}

    assert names <= set(VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("name", POST_VIEWS)
@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 403), ("marketer", 403), ("data_admin", 400)]
)
def test_it_lets_only_data_admins_change_data(request, client, customer, persona, status, name):
    client.force_login(request.getfixturevalue(persona))

    # An empty form: a data admin gets it back with its errors, the others get no further.
    assert client.post(_url(name, customer)).status_code == status


@pytest.mark.parametrize("name", POST_VIEWS)
def test_it_sends_anonymous_posts_to_the_login_page(client, customer, name):
    response = client.post(_url(name, customer))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", POST_VIEWS)
def test_it_refuses_get_on_forms(request, client, data_admin, customer, name):
    client.force_login(data_admin)

    assert client.get(_url(name, customer)).status_code == 405
