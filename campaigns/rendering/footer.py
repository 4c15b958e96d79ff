"""The footer: opt-out and preference links (in SMS a short opt-out line), added after
rendering, outside anything the template left open, so that no template can remove or hide it.
"""

import dataclasses
import html as htmllib
import re

from campaigns import links
from campaigns.models import Delivery

SMS_OPTOUT_LABEL = "Opt out:"
# Elements that keep what follows them from showing (or run code): refused by the checker,
# and made harmless text by with_html_footer() should a variant get past it.
HIDING_ELEMENTS = (
    "script",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "plaintext",
    "xmp",
    "iframe",
    "object",
    "embed",
    "textarea",
)
_HIDING_TAG = re.compile(r"<(?=(?:" + "|".join(HIDING_ELEMENTS) + r")\b)", re.IGNORECASE)
_VOID_ELEMENTS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta")
    + ("param", "source", "track", "wbr")
)


def open_comment(html: str) -> bool:
    return html.rfind("<!--") > html.rfind("-->")


# Inline !important beats any stylesheet rule a template could add to hide the footer.
_FOOTER_STYLE = (
    "display:block!important;visibility:visible!important;opacity:1!important;"
    "position:static!important;transform:none!important;max-height:none!important;"
    "overflow:visible!important;font-size:12px!important;line-height:1.5!important;"
    "color:#555555!important;background:#ffffff!important;padding:16px 0!important;"
    "margin:0!important;clip-path:none!important"
)
_FOOTER_LINK_STYLE = "color:#333333!important;font-size:12px!important;text-decoration:underline"


@dataclasses.dataclass(frozen=True)
class Footer:
    unsubscribe_url: str
    preferences_url: str
    delivery: Delivery | None

    def text(self) -> str:
        return (
            f"\n\n-- \nUnsubscribe: {self.unsubscribe_url}\n"
            f"Manage your preferences: {self.preferences_url}\n"
        )

    def html(self) -> str:
        unsubscribe = htmllib.escape(self.unsubscribe_url)
        preferences = htmllib.escape(self.preferences_url)
        # One part a line: a line over 998 characters would make Django quoted-printable
        # encode the whole HTML part, which is slow.
        footer = (
            f'\n<div class="segmenta-footer" style="{_FOOTER_STYLE}">\n'
            f'<a href="{unsubscribe}" style="{_FOOTER_LINK_STYLE}">Unsubscribe</a> &middot;\n'
            f'<a href="{preferences}" style="{_FOOTER_LINK_STYLE}">Manage your preferences</a>'
            "\n</div>\n"
        )
        if self.delivery is not None:
            pixel = htmllib.escape(links.open_url(self.delivery.public_id))
            footer += (
                f'<img src="{pixel}" width="1" height="1" alt="" '
                'style="display:block;width:1px;height:1px;border:0">\n'
            )
        return footer


# A comment, or a tag with its attributes (quoted values may hold ">").
_MARKUP = re.compile(
    r"""<!--.*?-->|<(/?)([a-zA-Z][^\s/>]*)[^'">]*(?:(?:"[^"]*"|'[^']*')[^'">]*)*>""", re.S
)
_RAW_TEXT = ("style", "title")  # nothing inside them is markup, up to their end tag


@dataclasses.dataclass
class _OpenElements:
    """Which elements are open at the end (or at the real </body>), to close them first.
    A regular-expression scan: html.parser is several times slower on big newsletters."""

    stack: list[str] = dataclasses.field(default_factory=list)
    body_end: int | None = None
    open_at_body_end: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def scan(cls, html: str) -> "_OpenElements":
        elements, stack, skip_to = cls(), [], 0
        elements.stack = stack
        for match in _MARKUP.finditer(html):
            closing, name = match.group(1, 2)
            if name is None or match.start() < skip_to:  # a comment, or inside <style>
                continue
            tag = name.lower()
            if closing:
                elements._end(tag, match.start())
            elif tag not in _VOID_ELEMENTS:  # "/>" on other elements means nothing in HTML
                stack.append(tag)
                if tag in _RAW_TEXT:
                    end = re.compile(rf"</{tag}\s*>", re.I).search(html, match.end())
                    if end is None:
                        break
                    skip_to = end.end()
                    stack.pop()
        return elements

    def _end(self, tag: str, at: int) -> None:
        if tag == "body":
            self.body_end = at
            start = self.stack.index("body") + 1 if "body" in self.stack else 0
            self.open_at_body_end = self.stack[start:]
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]


def _closing(tags: list[str]) -> str:
    return "".join(f"</{tag}>" for tag in reversed(tags) if tag not in ("html", "body"))


def with_html_footer(html: str, footer: str) -> str:
    """Put the footer before the real </body> (or at the end), after closing every element
    and comment the template left open, so that none of them can hide it."""
    html = _HIDING_TAG.sub("&lt;", html)
    if open_comment(html):
        html += "-->"
    elements = _OpenElements.scan(html)
    if elements.body_end is None:
        return html + _closing(elements.stack) + footer
    cut = elements.body_end
    return html[:cut] + _closing(elements.open_at_body_end) + footer + html[cut:]
