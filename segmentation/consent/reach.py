"""Who may be reached on a channel: consent granted for it, and an address to send to.

One rule, in the three forms the code needs, all made from the table below: a Q over customers
(segment fields, a campaign's audience), SQL over a customer row (the preview's facts table,
the check at the moment of sending), and a test of one loaded customer. A test checks that the
three agree on every kind of customer (tests/segmentation/test_derived_facts.py).
"""

from django.db.models import Q

from segmentation.customers.models import Channel, ConsentStatus, Customer

# channel -> (its consent column, its address column, the value a missing address has:
# emails are NULL when absent, phones the empty string)
RULES = {
    Channel.EMAIL: ("email_consent", "email", None),
    Channel.SMS: ("sms_consent", "phone", ""),
}


def q(channel: str) -> Q:
    consent, address, missing = RULES[channel]
    if missing is None:
        has_address = Q(**{f"{address}__isnull": False})
    else:
        has_address = ~Q(**{address: missing})
    return Q(**{consent: ConsentStatus.GRANTED}) & has_address


def sql(channel: str, row: str = "c") -> str:
    """The rule over the customer row aliased `row` (a name of the caller's, never input)."""
    consent, address, missing = RULES[channel]
    has_address = f"{row}.{address} IS NOT NULL" if missing is None else f"{row}.{address} <> ''"
    return f"{row}.{consent} = '{ConsentStatus.GRANTED}' AND {has_address}"


def holds_for(customer: Customer, channel: str) -> bool:
    consent, address, missing = RULES[channel]
    value = getattr(customer, address)
    has_address = value is not None if missing is None else value != missing
    return getattr(customer, consent) == ConsentStatus.GRANTED and has_address
