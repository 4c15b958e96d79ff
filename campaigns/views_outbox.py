"""The development outboxes in the UI: the .eml files of config.outbox.OutboxBackend and the
JSON files of campaigns.sms.OutboxSmsBackend, newest first.

Only while those backends are configured (404 otherwise: with SMTP there is nothing here to
show). A message's HTML is untrusted content: it is shown only inside a sandboxed iframe through
srcdoc (no scripts, no same-origin access, no top navigation; only its links may open a new
tab, as they would from a mail client), never put into the page itself.
"""

import json
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from segmentation.shared.access import role_required

VIEW = "campaigns.view_delivery"
EMAIL_OUTBOX = "config.outbox.OutboxBackend"
SMS_OUTBOX = "campaigns.sms.OutboxSmsBackend"
PAGE_SIZE = 50
# The names the outbox backends give their files: a timestamp and a random suffix.
NAME = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{12}$")
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe")


def email_outbox_in_use() -> bool:
    return settings.EMAIL_BACKEND == EMAIL_OUTBOX


def sms_outbox_in_use() -> bool:
    return settings.SEGMENTA_SMS_BACKEND == SMS_OUTBOX


def _files(directory: Path, suffix: str) -> list[Path]:
    if not directory.is_dir():
        return []
    # Unfinished files start with "." and end in .tmp: never listed.
    return sorted(
        (p for p in directory.iterdir() if p.suffix == suffix and NAME.match(p.stem)),
        key=lambda p: p.name,
        reverse=True,
    )


def _parse(path: Path, headers_only: bool = False) -> EmailMessage | None:
    try:
        with path.open("rb") as handle:
            return BytesParser(policy=policy.default).parse(handle, headersonly=headers_only)
    except OSError:  # removed since it was listed
        return None


@require_GET
@role_required(VIEW)
def outbox_list(request: HttpRequest) -> HttpResponse:
    if not email_outbox_in_use():
        raise Http404("The outbox email backend is not in use.")
    files = _files(Path(settings.EMAIL_OUTBOX_DIR), ".eml")
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for path in page.object_list:
        message = _parse(path, headers_only=True)
        if message is not None:
            rows.append({"name": path.stem, **_summary(message)})
    context = {"page": page, "rows": rows, "sms": sms_outbox_in_use(), "section": "campaigns"}
    return render(request, "campaigns/outbox_list.html", context)


def _summary(message: EmailMessage) -> dict:
    return {key.lower(): str(message.get(key, "")) for key in ("From", "To", "Subject", "Date")}


@require_GET
@role_required(VIEW)
def outbox_message(request: HttpRequest, name: str) -> HttpResponse:
    if not email_outbox_in_use() or not NAME.match(name):
        raise Http404
    message = _parse(Path(settings.EMAIL_OUTBOX_DIR) / f"{name}.eml")
    if message is None:
        raise Http404
    context = {
        "name": name,
        "headers": [(key, str(message[key])) for key in SHOWN_HEADERS if message[key]],
        "text": _part(message, "plain"),
        "html": _framed(_part(message, "html")),
        "section": "campaigns",
    }
    return render(request, "campaigns/outbox_message.html", context)


def _framed(html: str) -> str:
    """Links open in a new tab, as in a mail client, instead of inside the small frame."""
    return f'<base target="_blank">{html}' if html else ""


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    if body is None:
        return ""
    try:
        return body.get_content()
    except (LookupError, ValueError):  # an unknown charset: show what can be read
        return body.get_payload(decode=True).decode("utf-8", "replace")


@require_GET
@role_required(VIEW)
def outbox_sms(request: HttpRequest) -> HttpResponse:
    if not sms_outbox_in_use():
        raise Http404("The SMS outbox backend is not in use.")
    files = _files(Path(settings.SEGMENTA_SMS_OUTBOX_DIR), ".json")
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [row for row in map(_sms_record, page.object_list) if row]
    context = {"page": page, "rows": rows, "email": email_outbox_in_use(), "section": "campaigns"}
    return render(request, "campaigns/outbox_sms.html", context)


def _sms_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
