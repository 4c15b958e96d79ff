"""Links in rendered content: numbered, and rewritten to signed click links when tracked.

Every http(s) link in the rendered HTML (``href`` of ``<a>``/``<area>``) and text is numbered
in order of first appearance, HTML body first, then the text body; a URL that appears again
keeps its first number, so the same render always numbers the same way. With a delivery, each
is replaced by a signed click link carrying (delivery, number); the opt-out and preference
links are left direct. SMS links are not rewritten (every character costs).
"""

import html as htmllib
import re

from django.utils.html import strip_tags

from campaigns import links
from campaigns.models import Delivery

_HREF = re.compile(
    r"""(<(?:a|area)\b[^>]*?\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE | re.DOTALL,
)
_TEXT_URL = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)


class LinkTracker:
    """Numbers http(s) links in order of first appearance; rewrites them when tracking."""

    def __init__(self, delivery: Delivery | None, direct: set[str]) -> None:
        self.delivery = delivery
        self.direct = direct
        self.urls: list[str] = []
        self._numbers: dict[str, int] = {}
        self._rewritten: dict[int, str] = {}  # a URL written twice is signed once

    def _tracked(self, url: str) -> str:
        """The link to write instead of url (url itself when it is not tracked)."""
        if not url.lower().startswith(("http://", "https://")) or url in self.direct:
            return url
        number = self._numbers.get(url)
        if number is None:
            number = self._numbers[url] = len(self.urls)
            self.urls.append(url)
        if self.delivery is None:
            return url
        if number not in self._rewritten:
            self._rewritten[number] = links.click_url(self.delivery.public_id, number)
        return self._rewritten[number]

    def rewrite_html(self, html: str) -> str:
        def replace(match: re.Match) -> str:
            written = next(group for group in match.groups()[1:] if group is not None)
            url = htmllib.unescape(written).strip()
            tracked = self._tracked(url)
            if tracked == url:
                return match[0]
            return f'{match[1]}"{htmllib.escape(tracked)}"'

        return _HREF.sub(replace, html)

    def rewrite_text(self, text: str) -> str:
        def replace(match: re.Match) -> str:
            url, tail = _trim_url(match[0])
            return self._tracked(url) + tail

        return _TEXT_URL.sub(replace, text)


def _trim_url(candidate: str) -> tuple[str, str]:
    """Sentence punctuation after a URL in text is not part of it ("see https://x.com.")."""
    url = candidate.rstrip(".,;:!?'\"")
    if url.endswith(")") and "(" not in url:
        url = url[:-1]
    return url, candidate[len(url) :]


def text_from_html(html: str) -> str:
    """A text part for emails written in HTML only: links kept as "label (URL)"."""
    body = re.sub(r"(?is)<(style|script|head|title)\b.*?</\1\s*>", "", html)
    body = re.sub(
        r"""(?is)<a\b[^>]*?\bhref\s*=\s*["']?(https?://[^"'\s>]+)[^>]*>(.*?)</a\s*>""",
        r"\2 (\1)",
        body,
    )
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|h\d|li|tr|table)\s*>", "\n", body)
    lines = (" ".join(line.split()) for line in htmllib.unescape(strip_tags(body)).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
