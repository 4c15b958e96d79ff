"""SMS backends against a fake provider on loopback, and SMS campaigns sent through them."""

import json

import pytest

from campaigns import sms
from campaigns.models import Delivery
from campaigns.sending import lifecycle
from campaigns.sending.batch import run_batch
from campaigns.sms import HttpSmsBackend, MemorySmsBackend, OutboxSmsBackend, SmsMessage
from tests.campaigns.sending_builders import campaign, recipients
from tests.support.fake_sms import fake_sms_provider

HELLO = SmsMessage(to="+4915112345678", text="Hello", sender="Shop", reference="abc123")


@pytest.fixture
def provider(settings):
    with fake_sms_provider(token="s3cret") as fake:
        settings.SEGMENTA_SMS_BACKEND = "campaigns.sms.HttpSmsBackend"
        settings.SEGMENTA_SMS_HTTP_URL = fake.url
        settings.SEGMENTA_SMS_HTTP_TOKEN = "s3cret"
        yield fake


def send(*messages: SmsMessage) -> list[sms.SmsResult]:
    backend = sms.get_backend()
    backend.open()
    try:
        return backend.send_messages(list(messages))
    finally:
        backend.close()


# --- the HTTP backend ---


def test_it_posts_the_payload_and_reads_the_id(provider):
    (result,) = send(HELLO)

    assert result.ok and result.provider_id == "fake-1"
    assert provider.received == [
        {"to": "+4915112345678", "text": "Hello", "from": "Shop", "reference": "abc123"}
    ]


def test_it_sends_many_over_one_connection(provider):
    results = send(*[HELLO] * 5)

    assert [r.provider_id for r in results] == [f"fake-{i}" for i in range(1, 6)]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_throttling_and_server_errors_are_transient(provider, status):
    provider.script = [status]

    first, second = send(HELLO, HELLO)

    assert not first.ok and first.transient and first.error.startswith(f"HTTP {status}")
    assert second.ok


def test_a_bad_number_is_permanent(provider):
    (result,) = send(SmsMessage(to="0151 nope", text="Hi"))

    assert not result.ok and not result.transient
    assert result.error == 'HTTP 400: {"error": "invalid destination number"}'


def test_wrong_credentials_are_permanent(provider, settings):
    settings.SEGMENTA_SMS_HTTP_TOKEN = "wrong"

    (result,) = send(HELLO)

    assert result.error.startswith("HTTP 401") and not result.transient


def test_basic_credentials_are_sent(settings):
    with fake_sms_provider(user="shop", password="pw") as fake:
        settings.SEGMENTA_SMS_HTTP_URL = fake.url
        settings.SEGMENTA_SMS_HTTP_USER, settings.SEGMENTA_SMS_HTTP_PASSWORD = "shop", "pw"

        (result,) = HttpSmsBackend().send_messages([HELLO])

    assert result.ok


def test_no_server_is_transient(settings):
    settings.SEGMENTA_SMS_HTTP_URL = "http://127.0.0.1:9/messages"

    (result,) = HttpSmsBackend().send_messages([HELLO])

    assert result.transient and result.error.startswith("connection:")


def test_the_payload_template_and_id_field_are_configurable(provider, settings):
    settings.SEGMENTA_SMS_HTTP_PAYLOAD = json.dumps(
        {"to": "$to", "text": "$text", "meta": {"ref": "$reference", "kind": "marketing"}}
    )
    settings.SEGMENTA_SMS_HTTP_ID_FIELD = "status"

    (result,) = send(HELLO)

    assert provider.received[0]["meta"] == {"ref": "abc123", "kind": "marketing"}
    assert result.provider_id == "queued"


def test_the_form_format_encodes_the_same_keys():
    backend = HttpSmsBackend("http://127.0.0.1:9/x", format="form", token="")

    body, content_type = backend._body(HELLO)

    assert content_type == "application/x-www-form-urlencoded"
    assert body == b"to=%2B4915112345678&text=Hello&from=Shop&reference=abc123"


def test_it_refuses_a_url_that_is_not_http():
    with pytest.raises(ValueError, match="http"):
        HttpSmsBackend("ftp://example.com/")


# --- development backends ---


def test_the_outbox_writes_one_json_file_per_message(tmp_path):
    results = OutboxSmsBackend(tmp_path).send_messages([HELLO, HELLO])

    files = sorted(tmp_path.glob("*.json"))
    assert [f.stem for f in files] == sorted(r.provider_id for r in results)
    assert json.loads(files[0].read_text())["to"] == "+4915112345678"
    assert not list(tmp_path.glob(".*"))


# --- SMS campaigns ---


@pytest.mark.django_db
def test_an_sms_campaign_is_sent_with_the_opt_out_link_in_every_message(provider):
    people = recipients(4, channel="sms")
    draft = campaign(channel="sms")
    lifecycle.launch(draft)

    report = run_batch(draft.pk)

    assert report.sent == 4
    assert sorted(m["to"] for m in provider.received) == sorted(p.phone for p in people)
    for message in provider.received:
        assert "\nOpt out: http" in message["text"], message["text"]
    ids = set(Delivery.objects.values_list("provider_message_id", flat=True))
    assert ids == {f"fake-{i}" for i in range(1, 5)}
    references = {m["reference"] for m in provider.received}
    assert references == {d.public_id.hex for d in Delivery.objects.all()}


@pytest.mark.django_db
def test_an_sms_the_provider_refuses_fails_or_is_retried(provider):
    recipients(3, channel="sms")
    draft = campaign(channel="sms")
    lifecycle.launch(draft)
    provider.script = [200, 400, 429]

    report = run_batch(draft.pk)

    rows = list(Delivery.objects.order_by("pk").values_list("status", "error", "attempts"))
    assert rows[0] == ("sent", "", 1)
    assert rows[1][0] == "failed" and rows[1][1].startswith("HTTP 400")
    assert rows[2][0] == "claimed" and rows[2][1].startswith("HTTP 429") and rows[2][2] == 1
    assert report.retry_ids == [Delivery.objects.order_by("pk").last().pk]


@pytest.mark.django_db
def test_the_memory_backend_collects_messages(settings):
    settings.SEGMENTA_SMS_BACKEND = "campaigns.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    recipients(2, channel="sms")
    draft = campaign(channel="sms")
    lifecycle.launch(draft)

    run_batch(draft.pk)

    assert len(MemorySmsBackend.outbox) == 2
