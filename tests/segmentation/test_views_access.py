"""Who may see the marketing pages: a role x view matrix."""

from urllib.parse import quote

import pytest
from django.urls import URLPattern, get_resolver, reverse

from segmentation.models import Customer, Segment

EVERY_ROLE = ("marketer", "data_admin")
# Pages opened with GET, and the roles that may open them (signed-in others get 403).
VIEWS = {
    "dashboard": EVERY_ROLE,
    "customer_list": EVERY_ROLE,
    "customer_detail": EVERY_ROLE,
    "segment_list": EVERY_ROLE,
    "segment_edit": EVERY_ROLE,  # a data admin sees the rules, without a Save button
    "segment_exact": EVERY_ROLE,
    "segment_overlap": EVERY_ROLE,
    "segment_new": ("marketer",),
    "segment_delete": ("marketer",),
}
# Forms that change data: the roles that may post them, and what an empty post gets.
POST_VIEWS = {
    "customer_consent_change": (("data_admin",), 400),
    "segment_new": (("marketer",), 200),  # no "save": the builder comes back
    "segment_edit": (("marketer",), 200),
    "segment_preview": (EVERY_ROLE, 200),
    "segment_delete": (("marketer",), 302),
    "segment_recount": (("marketer",), 302),
    "segment_starters": (("marketer",), 400),  # no starter named
}
GET_ONLY = [name for name in VIEWS if name not in POST_VIEWS]
POST_ONLY = [name for name in POST_VIEWS if name not in VIEWS]
PERSONAS = ("outsider", "marketer", "data_admin")


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(email="ann@example.com", first_name="Ann")


@pytest.fixture
def segment(db) -> Segment:
    return Segment.objects.create(name="Everyone", definition={"type": "group", "children": []})


@pytest.fixture
def url(customer, segment):
    def build(name: str) -> str:
        if name in {"customer_detail", "customer_consent_change"}:
            return reverse(name, args=[customer.pk])
        if name in {"segment_edit", "segment_delete", "segment_recount"}:
            return reverse(name, args=[segment.pk])
        if name == "segment_exact":
            return reverse(name, args=["0" * 32])
        return reverse(name)

    return build


@pytest.mark.parametrize("name", VIEWS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, url, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url(name))}"


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_in_only_the_roles(request, client, url, persona, name):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(name)).status_code == (200 if persona in VIEWS[name] else 403)


@pytest.mark.parametrize("name", VIEWS)
def test_it_denies_htmx_requests_of_users_without_a_role(outsider_client, url, name):
    response = outsider_client.get(url(name), headers={"HX-Request": "true"})

    assert response.status_code == 403


@pytest.mark.parametrize("name", GET_ONLY)
def test_it_answers_only_get(marketer_client, url, name):
    assert marketer_client.post(url(name)).status_code == 405


def test_it_covers_every_marketing_view():
    """A new page under /customers/ or /segments/ must be added to the matrix above."""
    patterns = get_resolver().url_patterns
    names = set()
    for prefix in ("customers/", "segments/"):
        included = next(p for p in patterns if str(p.pattern) == prefix).url_patterns
        names |= {p.name for p in included if isinstance(p, URLPattern)}

    assert names <= set(VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("name", POST_VIEWS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_roles_change_data(request, client, url, persona, name):
    client.force_login(request.getfixturevalue(persona))
    roles, status = POST_VIEWS[name]

    # An empty form: the allowed get it back with its errors (or done), the others no further.
    assert client.post(url(name)).status_code == (status if persona in roles else 403)


@pytest.mark.parametrize("name", POST_VIEWS)
def test_it_sends_anonymous_posts_to_the_login_page(client, url, name):
    response = client.post(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_refuses_get_on_forms(request, client, data_admin, marketer, url, name):
    client.force_login(marketer if "segment" in name else data_admin)

    assert client.get(url(name)).status_code == 405
