"""The role x view matrix that each area's access tests share.

A test module declares VIEWS (GET pages: the roles that may open them) and POST_VIEWS (forms:
the roles that may post them, and what an empty post gets), defines a `url(name)` fixture,
and takes these tests into its namespace:

    globals().update(role_matrix(VIEWS, POST_VIEWS, prefixes=("campaigns/",)))

Signed-in users outside the roles get 403, anonymous ones the login page; GET pages refuse
POST and forms refuse GET; every form needs the CSRF token, htmx requests too; and every
URL under the area's prefixes is in the matrix (`complete`: exactly; else at least these).
"""

from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

PERSONAS = ("outsider", "marketer", "data_admin")


def _named_urls(prefixes: tuple[str, ...]) -> set[str]:
    patterns = get_resolver().url_patterns
    names = set()
    for prefix in prefixes:
        included = next(p for p in patterns if str(p.pattern) == prefix).url_patterns
        names |= {p.name for p in included if isinstance(p, URLPattern)}
    return names


def role_matrix(
    views: dict[str, tuple[str, ...]],
    post_views: dict[str, tuple[tuple[str, ...], int]],
    prefixes: tuple[str, ...],
    complete: bool = True,
    poster: Callable[[str], str] = lambda name: "marketer",
) -> dict[str, Callable]:
    """The tests, by name. `poster(name)`: the persona that may post that form."""
    get_only = [name for name in views if name not in post_views]
    post_only = [name for name in post_views if name not in views]

    @pytest.mark.parametrize("name", views)
    def test_it_sends_anonymous_visitors_to_the_login_page(client, url, name):
        response = client.get(url(name))

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={quote(url(name))}"

    @pytest.mark.parametrize("name", views)
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_it_lets_in_only_the_roles(request, client, url, persona, name):
        client.force_login(request.getfixturevalue(persona))

        assert client.get(url(name)).status_code == (200 if persona in views[name] else 403)

    @pytest.mark.parametrize("name", views)
    def test_it_denies_htmx_requests_of_users_without_a_role(outsider_client, url, name):
        response = outsider_client.get(url(name), headers={"HX-Request": "true"})

        assert response.status_code == 403

    @pytest.mark.parametrize("name", get_only)
    def test_it_answers_only_get(marketer_client, url, name):
        assert marketer_client.post(url(name)).status_code == 405

    def test_it_covers_every_view():
        """A new page under the area's prefixes must be added to the matrix."""
        names, listed = _named_urls(prefixes), set(views) | set(post_views)

        if complete:
            assert names == listed
        else:
            assert names <= listed

    @pytest.mark.parametrize("name", post_views)
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_it_lets_only_the_roles_change_data(request, client, url, persona, name):
        client.force_login(request.getfixturevalue(persona))
        roles, status = post_views[name]

        # An empty form: the allowed get it back with its errors (or done), others no further.
        assert client.post(url(name)).status_code == (status if persona in roles else 403)

    @pytest.mark.parametrize("name", post_views)
    def test_it_sends_anonymous_posts_to_the_login_page(client, url, name):
        response = client.post(url(name))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("name", post_only)
    def test_it_refuses_get_on_forms(request, client, url, name):
        client.force_login(request.getfixturevalue(poster(name)))

        assert client.get(url(name)).status_code == 405

    @pytest.mark.parametrize("name", post_views)
    @pytest.mark.parametrize("htmx", [False, True])
    def test_it_refuses_posts_without_the_csrf_token(request, url, name, htmx):
        client = Client(enforce_csrf_checks=True)
        client.force_login(request.getfixturevalue(poster(name)))
        headers = {"HX-Request": "true"} if htmx else {}

        assert client.post(url(name), headers=headers).status_code == 403

    tests = [
        test_it_sends_anonymous_visitors_to_the_login_page,
        test_it_lets_in_only_the_roles,
        test_it_denies_htmx_requests_of_users_without_a_role,
        test_it_answers_only_get,
        test_it_covers_every_view,
        test_it_lets_only_the_roles_change_data,
        test_it_sends_anonymous_posts_to_the_login_page,
        test_it_refuses_get_on_forms,
        test_it_refuses_posts_without_the_csrf_token,
    ]
    return {test.__name__: test for test in tests}
