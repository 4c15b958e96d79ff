"""Message content: personalisation, the checker, the footer, tracked links, SMS length, the
email and its headers."""

from datetime import date
from decimal import Decimal
from email import message_from_bytes
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from campaigns import links
from campaigns.rendering import context as rendering_context
from campaigns.rendering.checks import check_variant
from campaigns.rendering.compiled import ContentError, compile_variant, render
from campaigns.rendering.context import SAMPLE_LINK, context_for
from campaigns.rendering.mail import build_email
from campaigns.rendering.sms_length import sms_segments
from segmentation.consent.models import Topic
from segmentation.customers.models import AttributeDefinition, AttributeType, Channel
from segmentation.shared import tokens
from tests.campaigns.messages import campaign, customer, delivery, variant

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """Links, images and visible text of an HTML part, parsed rather than searched."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.hrefs.append(attributes.get("href", ""))
        if tag == "img":
            self.images.append(attributes.get("src", ""))

    def handle_data(self, data):
        self.text.append(data)


def _content(**content):
    on = campaign()
    return variant(on, **content), customer(first_name="Ada", city="Berlin")


def _route(url: str):
    return resolve(urlsplit(url).path)


# --- personalisation ---------------------------------------------------------------------


def test_it_fills_customer_fields_with_default_fallbacks():
    on = campaign()
    content = variant(on, text_body="Hello {{ first_name|default:'there' }} from {{ city }}")
    named = customer("ada@example.com", first_name="Ada", city="Berlin")
    unnamed = customer("anon@example.com")

    assert render(content, named).text.startswith("Hello Ada from Berlin")
    assert render(content, unnamed).text.startswith("Hello there from\n")


def test_it_fills_declared_custom_attributes_only():
    AttributeDefinition.objects.create(key="tier", label="Tier", type=AttributeType.TEXT)
    AttributeDefinition.objects.create(key="since", label="Since", type=AttributeType.DATE)
    content, person = _content(
        text_body="{{ attributes.tier|default:'basic' }} {{ attributes.since|date:'Y' }}"
    )
    person.attributes = {"tier": "gold", "since": "2019-05-01", "secret_note": "x"}
    person.save()

    assert render(content, person).text.startswith("gold 2019")
    context = context_for(person)
    assert context["attributes"] == {"tier": "gold", "since": date(2019, 5, 1)}


def test_a_missing_attribute_takes_its_default():
    AttributeDefinition.objects.create(key="tier", label="Tier", type=AttributeType.TEXT)
    content, person = _content(text_body="{{ attributes.tier|default:'basic' }}")

    assert render(content, person).text.startswith("basic")


def test_the_context_holds_plain_values_only():
    AttributeDefinition.objects.create(key="tier", label="Tier", type=AttributeType.TEXT)
    person = customer(first_name="Ada", attributes={"tier": {"nested": "object"}})
    context = context_for(person, campaign=campaign())

    plain = (str, int, float, bool, Decimal, date)
    for name, value in context.items():
        values = value.values() if name == "attributes" else [value]
        assert all(isinstance(v, plain) for v in values), name
    assert context["attributes"]["tier"] == ""


def test_templates_cannot_read_settings_or_secrets(settings):
    settings.SECRET_KEY = "s3cr3t-value-for-this-test"
    content, person = _content(
        text_body="[{{ settings.SECRET_KEY }}][{{ customer.email }}][{{ request }}][{{ view }}]"
        "[{% now 'SECRET_KEY' %}][{{ unsubscribe_url.__class__ }}]"
    )

    with pytest.raises(ContentError, match="may not begin with underscores"):
        render(content, person)
    content.text_body = content.text_body.split("[{{ unsubscribe_url")[0]
    text = render(content, person).text
    assert "s3cr3t" not in text
    assert text.startswith("[][][][]")


def test_html_escapes_customer_values_and_text_does_not():
    content, person = _content(
        text_body="Hi {{ first_name }}", html_body="<p>Hi {{ first_name }}</p>"
    )
    person.first_name = "<script>alert(1)</script> & co"
    person.save()

    rendered = render(content, person)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in rendered.html
    assert rendered.text.startswith("Hi <script>alert(1)</script> & co")


def test_the_subject_is_one_line():
    content, person = _content(subject="Hello\n{{ first_name }}\r\n!")

    assert render(content, person).subject == "Hello Ada !"


def test_a_survey_url_provider_fills_its_variable(monkeypatch):
    monkeypatch.setitem(
        rendering_context._providers,
        "survey_url",
        ("Survey", lambda c, d, k: f"https://s.test/{c.pk}"),
    )
    content, person = _content(text_body="Tell us: {{ survey_url }}")

    assert f"Tell us: https://s.test/{person.pk}" in render(content, person).text
    assert check_variant(content, Channel.EMAIL) == []


def test_without_a_provider_the_survey_url_is_empty():
    content, person = _content(text_body="[{{ survey_url }}]")

    assert render(content, person).text.startswith("[]")


# --- the checker -------------------------------------------------------------------------


def test_good_content_has_no_problems():
    content, _ = _content(
        subject="Hi {{ first_name|default:'there'|title }}",
        text_body="{% if city %}In {{ city }}{% else %}Hello{% endif %} {{ unsubscribe_url }}",
        html_body="{% with name=first_name|default:'friend' %}<p>{{ name }}</p>{% endwith %}"
        "{% firstof first_name 'you' %} {% now 'Y' as year %}{{ year }}{# note #}"
        "{% comment %}{% include 'x' %}{% endcomment %}",
    )

    assert check_variant(content, Channel.EMAIL) == []


def test_it_reports_unknown_variables_by_name_with_a_guess():
    content, _ = _content(text_body="Hello\n{{ frist_name }} {{ favourite_colour }}")

    problems = check_variant(content, Channel.EMAIL)
    assert problems == [
        "Text body: line 2: unknown variable {{ frist_name }}. Did you mean {{ first_name }}?",
        "Text body: line 2: unknown variable {{ favourite_colour }}.",
    ]


def test_it_reports_unknown_variables_inside_tags_and_filter_arguments():
    content, _ = _content(text_body="{% if nope > 1 %}{% endif %}{{ first_name|default:nickname }}")

    problems = check_variant(content, Channel.EMAIL)
    assert any("{{ nope }}" in p for p in problems)
    assert any("{{ nickname }}" in p for p in problems)


def test_it_reports_undeclared_attributes_and_dotted_fields():
    AttributeDefinition.objects.create(key="tier", label="Tier", type=AttributeType.TEXT)
    content, _ = _content(text_body="{{ attributes.colour }} {{ first_name.upper }}")

    problems = check_variant(content, Channel.EMAIL)
    assert problems == [
        "Text body: line 1: {{ attributes.colour }}: there is no custom attribute 'colour' "
        "(declared: tier).",
        "Text body: line 1: {{ first_name.upper }}: use a filter (such as |upper) instead of "
        "a dot after first_name.",
    ]


def test_it_reports_syntax_errors_with_their_line():
    content, _ = _content(
        subject="Hi {{ first_name|upper:'x' }}",
        text_body="Hello\n{% if first_name %}Hi",
        html_body="<p>\n\n{{ first_name|default }}</p>",
    )

    assert check_variant(content, Channel.EMAIL) == [
        "Subject: line 1: the filter |upper takes no value after a colon.",
        "Text body: line 2: {% if %} is never closed: add {% endif %}.",
        'HTML body: line 3: the filter |default needs a value, as in |default:"...".',
    ]


@pytest.mark.parametrize(
    "source, tag",
    [
        ("{% include 'base.html' %}", "include"),
        ("{% load static %}", "load"),
        ("{% debug %}", "debug"),
        ("{% autoescape off %}{{ first_name }}{% endautoescape %}", "autoescape"),
        ("{% url 'login' %}", "url"),
        ("{% extends 'base.html' %}", "extends"),
        ("{% for x in first_name %}{% endfor %}", "for"),
    ],
)
def test_it_refuses_tags_that_reach_outside(source, tag):
    content, person = _content(html_body=source)

    assert check_variant(content, Channel.EMAIL) == [
        f"HTML body: line 1: the tag {{% {tag} %}} is not allowed in messages. "
        "You can use: if, with, firstof, now, comment."
    ]
    with pytest.raises(ContentError):
        render(content, person)


def test_it_refuses_filters_that_turn_escaping_off():
    content, _ = _content(html_body="{{ first_name|safe }}")

    (problem,) = check_variant(content, Channel.EMAIL)
    assert problem.startswith("HTML body: line 1: the filter |safe is not available.")


def test_it_explains_a_stray_end_tag():
    content, _ = _content(text_body="{% endif %}")

    assert check_variant(content, Channel.EMAIL) == [
        "Text body: line 1: {% endif %} has no opening tag to belong to."
    ]


def test_it_requires_a_subject_and_a_body_for_email():
    content, _ = _content(subject=" ", text_body="", html_body="")

    assert check_variant(content, Channel.EMAIL) == [
        "Write a subject.",
        "Write a text body, an HTML body, or both.",
    ]


def test_html_alone_is_enough_for_email():
    content, _ = _content(text_body="", html_body="<p>Hi</p>")

    assert check_variant(content, Channel.EMAIL) == []


def test_it_requires_the_sms_text_for_sms():
    content, _ = _content(sms_text="")

    assert check_variant(content, Channel.SMS) == ["Write the SMS text."]


def test_it_refuses_html_that_could_hide_the_footer():
    content, _ = _content(html_body="<p>Hi</p><!-- <template><p>")

    assert check_variant(content, Channel.EMAIL) == [
        "HTML body: <template> is not allowed in emails.",
        "HTML body: a comment <!-- is never closed with -->.",
    ]


# --- the footer --------------------------------------------------------------------------


def test_every_email_has_the_opt_out_and_preference_links():
    content, person = _content()
    rendered = render(content, person)

    unsubscribe, preferences = _Page(rendered.html).hrefs[-2:]
    assert _route(unsubscribe).url_name == "unsubscribe"
    assert _route(preferences).url_name == "preferences"
    assert f"Unsubscribe: {unsubscribe}" in rendered.text
    assert f"Manage your preferences: {preferences}" in rendered.text


@pytest.mark.parametrize(
    "html",
    [
        '<div style="display:none">',
        "<p>Hi<!--",
        "<style>p { display: none }",
        "<html><body><table><tr><td><div hidden>Hi</body></html>",
        "<plaintext>",
        "<textarea>",
    ],
)
def test_a_template_cannot_hide_the_footer(html):
    content, person = _content(html_body=html, text_body="")
    rendered = render(content, person)

    page = _Page(rendered.html)
    assert any(_route(href).url_name == "unsubscribe" for href in page.hrefs)
    footer = rendered.html[rendered.html.index('<div class="segmenta-footer"') :]
    before = rendered.html[: rendered.html.index(footer)]
    still_open = _OpenTags(before).open
    assert still_open <= {"html", "body"}, still_open
    assert "Unsubscribe: http" in rendered.text


class _OpenTags(HTMLParser):
    VOID = {"br", "img", "meta", "hr", "input", "link"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.feed(html)
        self.close()
        self.open = set(self.stack)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]


def test_the_footer_goes_before_the_closing_body_tag():
    content, person = _content(html_body="<html><body><p>Hi</p></body></html>")
    html = render(content, person).html

    assert html.startswith('<html><body><p>Hi</p>\n<div class="segmenta-footer"')
    assert html.endswith("</div>\n</body></html>")


def test_a_text_part_is_made_from_html_only_content():
    content, person = _content(
        text_body="", html_body='<p>Hi &amp; welcome</p><p><a href="https://shop.test/">Shop</a>'
    )

    text = render(content, person).text
    assert text.startswith("Hi & welcome\nShop (https://shop.test/)")


def test_every_sms_ends_with_a_short_opt_out_link():
    content, person = _content(sms_text="Sale today, {{ first_name }}!")
    sms = content.track.campaign
    sms.channel = Channel.SMS
    sms.save()
    sent = delivery(content, person)

    rendered = render(content, person, sent)
    body, opt_out = rendered.sms.split("\nOpt out: ")
    assert body == "Sale today, Ada!"
    assert _route(opt_out).url_name == "sms_optout"
    assert len(opt_out) < 80
    assert rendered.links == []


# --- links -------------------------------------------------------------------------------


def _tracked(html: str = "", text: str = ""):
    content, person = _content(html_body=html, text_body=text)
    sent = delivery(content, person)
    return render(content, person, sent), sent


def test_links_are_numbered_in_order_html_first_then_text():
    rendered, sent = _tracked(
        html="<a href=\"https://b.test/x?a=1&amp;b=2\">B</a> <a href='http://a.test/'>A</a>",
        text="See https://c.test/page. And https://b.test/x?a=1&b=2 again.",
    )

    assert rendered.links == ["https://b.test/x?a=1&b=2", "http://a.test/", "https://c.test/page"]
    hrefs = _Page(rendered.html).hrefs[:2]
    assert [links.read_token("click", _route(h).kwargs["token"]) for h in hrefs] == [
        (sent.public_id, 0),
        (sent.public_id, 1),
    ]
    assert rendered.text.startswith("See http")
    assert "https://c.test/page" not in rendered.text
    assert rendered.text.count(links.click_url(sent.public_id, 0)) == 1
    assert ". And " in rendered.text and " again." in rendered.text


def test_the_same_render_numbers_the_same_way():
    content, person = _content(html_body='<a href="https://x.test/{{ city }}">x</a>')
    sent = delivery(content, person)

    assert render(content, person, sent) == render(content, person, sent)


def test_opt_out_links_in_the_body_stay_direct():
    rendered, _ = _tracked(html='<a href="{{ unsubscribe_url }}">Leave</a>')

    assert rendered.links == []
    assert all(_route(h).url_name == "unsubscribe" for h in _Page(rendered.html).hrefs[:1])


def test_other_schemes_are_not_tracked():
    rendered, _ = _tracked(html='<a href="mailto:shop@x.test">Mail</a><a href="#top">Top</a>')

    assert rendered.links == []
    assert '<a href="mailto:shop@x.test">' in rendered.html


def test_without_a_delivery_links_are_numbered_but_not_rewritten_and_there_is_no_pixel():
    content, person = _content(html_body='<a href="https://x.test/">x</a>')

    rendered = render(content, person)
    assert rendered.links == ["https://x.test/"]
    assert _Page(rendered.html).hrefs[0] == "https://x.test/"
    assert _Page(rendered.html).images == []


def test_a_delivery_gets_an_open_pixel():
    rendered, sent = _tracked(html="<p>Hi</p>")

    (pixel,) = _Page(rendered.html).images
    assert _route(pixel).url_name == "track_open"
    assert links.read_token("open", _route(pixel).kwargs["token"]) == (sent.public_id, None)


def test_the_opt_out_of_a_delivery_names_it():
    rendered, sent = _tracked(html="<p>Hi</p>")
    unsubscribe = _Page(rendered.html).hrefs[-2]

    token = _route(unsubscribe).kwargs["token"]
    parts = tokens.read("unsubscribe", token)
    assert parts == [sent.customer.public_id.hex, "email", "", sent.public_id.hex]


def test_the_opt_out_names_the_campaign_topic():
    topic = Topic.objects.create(slug="news", name="News")
    on = campaign(topic=topic)
    content = variant(on)
    person = customer()

    rendered = render(content, person, delivery(content, person))
    token = _route(_Page(rendered.html).hrefs[-2]).kwargs["token"]
    assert tokens.read("unsubscribe", token)[2] == "news"


def test_a_compiled_variant_renders_many_recipients_without_queries(django_assert_num_queries):
    content, first = _content(text_body="Hi {{ first_name }}")
    second = customer("bob@example.com", first_name="Bob")
    compiled = compile_variant(content, Channel.EMAIL, content.track.campaign)

    with django_assert_num_queries(0):
        texts = [compiled.render(person).text for person in (first, second)]
    assert [t.split("\n")[0] for t in texts] == ["Hi Ada", "Hi Bob"]


# --- SMS length ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ("GSM-7", 0, 0)),
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("a" * 306, ("GSM-7", 306, 2)),
        ("a" * 307, ("GSM-7", 307, 3)),
        ("€" * 80, ("GSM-7", 160, 1)),
        ("{" * 81, ("GSM-7", 162, 2)),
        ("a" * 152 + "€" + "a" * 10, ("GSM-7", 164, 2)),
        ("😀" + "a" * 68, ("UCS-2", 70, 1)),
        ("😀" + "a" * 69, ("UCS-2", 71, 2)),
        ("ж" * 134, ("UCS-2", 134, 2)),
        ("ж" * 135, ("UCS-2", 135, 3)),
        ("Grüße aus Köln, Ñandù", ("GSM-7", 21, 1)),
        ("Ñandú", ("UCS-2", 5, 1)),
    ],
)
def test_sms_segments(text, expected):
    assert sms_segments(text) == expected


def test_an_extension_character_does_not_straddle_two_parts():
    # 152 + an escape pair cannot fit the first part of 153: the pair moves to the second.
    assert sms_segments("a" * 152 + "€" + "a" * 152) == ("GSM-7", 306, 3)


# --- the email ---------------------------------------------------------------------------


def _email(settings, mailto: str = "", to: str = "ada@example.com", **campaign_fields):
    settings.SEGMENTA_UNSUBSCRIBE_MAILTO = mailto
    settings.SITE_URL = "https://segmenta.example"
    on = campaign(**campaign_fields)
    content = variant(on, html_body="<p>Hi {{ first_name }}</p>", text_body="Hi {{ first_name }}")
    person = customer(to, first_name="Ada")
    sent = delivery(content, person)
    email = build_email(render(content, person, sent), on, person, sent)
    return email, message_from_bytes(email.message().as_bytes()), sent


def test_the_email_has_text_and_html_alternatives(settings):
    email, parsed, _ = _email(settings)

    assert parsed.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in parsed.get_payload()]
    assert parts == ["text/plain", "text/html"]
    assert email.to == ["ada@example.com"]
    assert email.subject == "Hello"


def test_the_email_has_one_click_list_unsubscribe(settings):
    _, parsed, sent = _email(settings)

    (link,) = [part.strip() for part in parsed["List-Unsubscribe"].split(",")]
    assert link.startswith("<https://segmenta.example/u/") and link.endswith(">")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = _route(link[1:-1]).kwargs["token"]
    assert tokens.read("unsubscribe", token)[3] == sent.public_id.hex


def test_the_email_adds_mailto_when_configured(settings):
    _, parsed, _ = _email(settings, mailto="leave@segmenta.example")

    https, mailto = [part.strip() for part in parsed["List-Unsubscribe"].split(",")]
    assert https.startswith("<https://")
    assert mailto == "<mailto:leave@segmenta.example?subject=unsubscribe>"


def test_the_message_id_is_the_deliverys(settings):
    _, parsed, sent = _email(settings)

    assert parsed["Message-ID"] == f"<{sent.public_id.hex}@segmenta.example>"


def test_the_list_id_names_the_topic(settings):
    topic = Topic.objects.create(slug="news", name="News")
    _, parsed, _ = _email(settings, topic=topic)

    assert parsed["List-Id"] == "News <news.topics.segmenta.example>"


def test_the_list_id_without_a_topic(settings):
    _, parsed, _ = _email(settings)

    assert parsed["List-Id"] == "Marketing <marketing.segmenta.example>"


def test_the_sender_is_the_campaigns_or_the_default(settings):
    email, _, _ = _email(settings, sender_name="Shop Team", sender_email="team@shop.test")
    assert email.from_email == "Shop Team <team@shop.test>"

    settings.DEFAULT_FROM_EMAIL = "Segmenta <noreply@segmenta.example>"
    email, _, _ = _email(settings, to="bob@example.com", name="Other")
    assert email.from_email == "Segmenta <noreply@segmenta.example>"


def test_a_test_send_cannot_unsubscribe_the_sample_customer(settings):
    content, person = _content(html_body="<p>Hi</p>{{ unsubscribe_url }}")
    on = content.track.campaign

    rendered = render(content, person, sample=True)
    email = build_email(rendered, on, person, to="tester@shop.test")

    assert email.to == ["tester@shop.test"]
    assert "List-Unsubscribe" not in email.extra_headers
    assert "/u/" not in rendered.html + rendered.text
    assert "/preferences/" not in rendered.html + rendered.text
    assert _Page(rendered.html).hrefs == [SAMPLE_LINK, SAMPLE_LINK]
