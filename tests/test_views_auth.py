"""Signing in and out, CSRF for HTMX, and the page frame every view shares."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.htmltree import parse

pytestmark = pytest.mark.django_db


def test_it_renders_the_login_form(client):
    page = parse(client.get(reverse("login")).content)

    form = page.find("form", action=reverse("login"))
    assert form["method"] == "post"
    assert form.find("input", name="csrfmiddlewaretoken")
    assert form.find("input", name="username") and form.find("input", name="password")
    assert not page.find_all("nav", class_="mainnav")


def test_it_signs_in_through_the_form(client, marketer):
    response = client.post(reverse("login"), {"username": "marketer", "password": "pw-marketer"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_it_returns_to_the_page_asked_for_after_signing_in(client, marketer):
    url = reverse("customer_list") + "?q=ann"

    response = client.post(
        reverse("login"), {"username": "marketer", "password": "pw-marketer", "next": url}
    )

    assert response["Location"] == url


def test_it_explains_a_wrong_password(client, marketer):
    response = client.post(reverse("login"), {"username": "marketer", "password": "nope"})

    assert response.status_code == 200
    error = parse(response.content).find("section", class_="auth-card").find(role="alert")
    assert "correct username and password" in error.text


def test_it_signs_out_with_a_post(marketer_client):
    response = marketer_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert marketer_client.get(reverse("dashboard")).status_code == 302


def test_it_does_not_sign_out_on_a_get(marketer_client):
    assert marketer_client.get(reverse("logout")).status_code == 405
    assert marketer_client.get(reverse("dashboard")).status_code == 200


def test_it_offers_sign_out_as_a_form_in_the_user_menu(marketer_client):
    menu = parse(marketer_client.get(reverse("dashboard")).content).find(class_="usermenu")

    form = menu.find("form", action=reverse("logout"))
    assert form["method"] == "post"
    assert form.find("input", name="csrfmiddlewaretoken")
    assert "Marketer" in menu.text


def test_it_rejects_an_htmx_post_without_a_csrf_token(marketer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)

    response = client.post(reverse("logout"), headers={"HX-Request": "true"})

    assert response.status_code == 403
    assert client.get(reverse("dashboard")).status_code == 200


def test_it_accepts_an_htmx_post_with_the_token_from_hx_headers(marketer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    body = parse(client.get(reverse("dashboard")).content).find("body")
    headers = json.loads(body["hx-headers"])

    response = client.post(reverse("logout"), headers={"HX-Request": "true", **headers})

    assert response.status_code == 302


def test_it_shows_unbuilt_sections_as_disabled_items(marketer_client):
    nav = parse(marketer_client.get(reverse("dashboard")).content).find("nav", class_="mainnav")

    links = {a.text: a["href"] for a in nav.find_all("a")}
    disabled = [el.text.removesuffix(" soon") for el in nav.find_all(class_="nav-disabled")]
    assert links == {
        "Dashboard": reverse("dashboard"),
        "Customers": reverse("customer_list"),
        "Segments": reverse("segment_list"),
        "Campaigns": reverse("campaign_list"),
        "Surveys": reverse("survey_list"),
    }
    assert disabled == []  # every section is built now


def test_it_shows_imports_only_to_those_who_may_import(client, data_admin):
    client.force_login(data_admin)
    nav = parse(client.get(reverse("dashboard")).content).find("nav", class_="mainnav")

    assert {a.text: a["href"] for a in nav.find_all("a")}["Imports"] == reverse("import_list")


def test_it_marks_the_current_section(marketer_client):
    nav = parse(marketer_client.get(reverse("customer_list")).content).find("nav")

    assert nav.find("a", aria_current="page").text == "Customers"


def test_it_serves_htmx_from_static_files_with_its_licence(marketer_client):
    head = parse(marketer_client.get(reverse("dashboard")).content).find("head")

    sources = [script["src"] for script in head.find_all("script")]
    static_url = "/" + settings.STATIC_URL.strip("/") + "/"
    assert f"{static_url}vendor/htmx/htmx.min.js" in sources
    assert all(src.startswith(static_url) for src in sources)
    vendored = settings.BASE_DIR / "static" / "vendor" / "htmx"
    assert (vendored / "htmx.min.js").stat().st_size > 10_000
    assert "Zero-Clause BSD" in (vendored / "LICENSE").read_text()


def test_it_keeps_page_snapshots_out_of_local_storage(marketer_client):
    head = parse(marketer_client.get(reverse("dashboard")).content).find("head")

    config = json.loads(head.find("meta", name="htmx-config")["content"])
    assert config["historyCacheSize"] == 0


def test_it_explains_a_403_in_the_page_frame(outsider_client):
    response = outsider_client.get(reverse("dashboard"))

    assert response.status_code == 403
    assert "don’t have access" in parse(response.content).find("h1").text
