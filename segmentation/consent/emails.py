"""Emails are template triads: emails/<name>-subject.txt, -body.txt, -body.html."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def build(name: str, to: str, context: dict, from_email: str, headers=None):
    subject = render_to_string(f"emails/{name}-subject.txt", context).strip()
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, from_email, [to], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    return message
