"""A message's bytes for SMTP, as Django's as_bytes() gives them, in about half the time.

Two costs of the standard library's generator dominate a campaign email's CPU time:

- every multipart's boundary is chosen by compiling a regular expression that searches the
  parts for it: a new pattern per message, so Python's regex cache never helps. A boundary of
  128 random bits cannot occur in the text, so it is set beforehand and no search runs.
- compat32 (the policy of Django's messages) folds each header through email.header.Header,
  even a short ASCII one that it then writes unchanged. Such headers are written directly;
  any other (long, non-ASCII, multi-line) still goes through compat32. tests/campaigns/
  test_mime.py checks the output byte for byte against as_bytes().
"""

import secrets
from email._policybase import Compat32
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO

MAX_LINE = 78  # compat32's default, which Django's messages keep


class _ShortHeadersAsIs(Compat32):
    def _fold(self, name: str, value, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + 2 + len(value) <= MAX_LINE
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


POLICY = _ShortHeadersAsIs()


def to_bytes(message: Message, linesep: str = "\r\n") -> bytes:
    """The message as bytes; sets a random boundary on each multipart without one."""
    for part in message.walk():
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary("=_" + secrets.token_hex(16))
    out = BytesIO()
    # mangle_from_ off, as Django's as_bytes(): a body line starting "From " stays as it is.
    BytesGenerator(out, mangle_from_=False, policy=POLICY).flatten(message, linesep=linesep)
    return out.getvalue()
