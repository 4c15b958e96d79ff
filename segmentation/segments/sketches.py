"""Sketches of saved segments: their members among every K-th customer, as bitmaps in the cache.

Overlaps are measured on these: comparing two of them costs nothing, where evaluating every
saved segment's rules inside each preview would cost as much as all those segments together
(their order windows, their interests...).
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from segmentation.segments.models import Segment
from segmentation.segments.stats import sample_every, sampled_ids


def key(segment: Segment, every: int) -> str:
    return f"segment-sketch-bits:{segment.pk}:{segment.updated_at.timestamp()}:{every}"


_BINARY_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def bitmap(ids: set[int], every: int) -> bytes:
    """The ids (all multiples of every) as a bitmap: bit i is id i * every.

    A sketch of 50,000 ids takes 6 KB this way, read from the cache in microseconds, and
    the AND of two of them (as integers) counts a shared membership in microseconds; as
    sets, unpickling and intersecting ten of them would cost more than the rest of a preview.
    """
    if not ids:
        return b""
    # One byte per position, then those bytes read as the digits of a binary number: twice
    # as fast as setting bits one by one.
    flags = bytearray(max(ids) // every + 1)
    for pk in ids:
        flags[pk // every] = 1
    number = int(flags[::-1].translate(_BINARY_DIGITS), 2)
    return number.to_bytes((len(flags) + 7) // 8, "little")


def shared(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).bit_count()


def store(segment: Segment, q: Q) -> bytes:
    """The segment's members among every K-th customer, cached until the segment changes."""
    every = sample_every()
    sketch = bitmap(sampled_ids(q, every), every)
    cache.set(key(segment, every), sketch, settings.SEGMENTA_SKETCH_CACHE_SECONDS)
    return sketch
