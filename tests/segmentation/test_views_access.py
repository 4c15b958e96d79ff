"""Who may see the marketing pages: a role x view matrix."""

import pytest
from django.urls import reverse

from segmentation.customers.models import Customer
from segmentation.segments.models import Segment
from tests.support.access import role_matrix

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


globals().update(
    role_matrix(
        VIEWS,
        POST_VIEWS,
        prefixes=("customers/", "segments/"),
        complete=False,
        poster=lambda name: "marketer" if "segment" in name else "data_admin",
    )
)
