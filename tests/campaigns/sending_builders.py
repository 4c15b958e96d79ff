"""Campaigns ready to launch, with many recipients made fast (bulk rows, consent state set
directly: these tests are about sending, the ledger has its own)."""

from campaigns.models import Campaign, Track, Variant
from segmentation.consent.models import Topic
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.models import Segment
from segmentation.segments.tree import empty

EMAIL_CONTENT = {
    "subject": "Hello {{ first_name|default:'there' }}",
    "text_body": "Hi {{ first_name|default:'there' }}, see https://shop.example.com/spring",
    "html_body": '<p>Hi {{ first_name|default:"there" }}, <a href="https://shop.example.com/spring">spring</a></p>',
}
SMS_CONTENT = {"sms_text": "Hi {{ first_name|default:'there' }}: spring sale today"}
# Text only: the cheapest message to render, for tests that send thousands.
LEAN_EMAIL = {"subject": "Spring", "text_body": "Hi {{ first_name }}", "html_body": ""}


def recipients(n: int, start: int = 0, channel: str = "email", **fields) -> list[Customer]:
    if channel == "sms":
        fields.setdefault("sms_consent", ConsentStatus.GRANTED)
        people = (
            Customer(phone=f"+4915{start + i:09d}", first_name=f"P{start + i}", **fields)
            for i in range(n)
        )
    else:
        fields.setdefault("email_consent", ConsentStatus.GRANTED)
        people = (
            Customer(email=f"r{start + i}@example.com", first_name=f"R{start + i}", **fields)
            for i in range(n)
        )
    return Customer.objects.bulk_create(people, batch_size=2000)


def everyone() -> Segment:
    return Segment.objects.get_or_create(name="Everyone", defaults={"definition": empty()})[0]


def campaign(
    channel: str = "email",
    weights: tuple[int, ...] = (100,),
    topic: Topic | None = None,
    content: dict | None = None,
    **fields,
) -> Campaign:
    content = content or (SMS_CONTENT if channel == "sms" else EMAIL_CONTENT)
    made = Campaign.objects.create(
        name=fields.pop("name", "Spring sale"),
        channel=channel,
        topic=topic,
        sender_email=fields.pop("sender_email", "news@shop.example.com"),
        sender_name="Shop",
        sms_sender="Shop",
        **fields,
    )
    track = Track.objects.create(campaign=made, position=0, segment=everyone())
    for label, weight in zip("ABC", weights, strict=False):
        Variant.objects.create(track=track, label=label, weight=weight, **content)
    return made
