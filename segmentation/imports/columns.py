"""Column-wise validation: a chunk's cells go through their normaliser a column at a time.

A million-row file has ten million cells; calling a Python function per cell was most of an
import's reading time. Per column instead:
- plain text is checked with one max(map(len, ...)) over the column;
- emails and phones take their fast path (lower-casing, a compiled regex) through map(), in C,
  and only the cells it does not accept go through the full normaliser;
- every other column remembers its answers (a bounded dict), as spreadsheets repeat
  countries, genders, dates and yes/no answers on most rows.
Each validator returns the column's values (None for an empty or invalid cell) and the
errors by position in the chunk; the messages are the normalisers' own.
"""

from collections.abc import Callable, Sequence
from functools import partial

from segmentation.imports import normalise as n
from segmentation.imports.normalise import Invalid

# Answers remembered per column (a high-cardinality column stops adding at this size).
CACHE_SIZE = 50_000
_MISS = object()

Values = list
Errors = dict[int, str]


def validator(convert: Callable, options) -> Callable[[Sequence[str]], tuple[Values, Errors]]:
    """The column validator for a normaliser; all of them agree with calling it per cell."""
    max_length = getattr(convert, "max_length", None)
    if max_length is not None:
        return partial(_text, max_length)
    if convert is n.email:
        return partial(_email, options)
    if convert is n.phone:
        return partial(_phone, options)
    return partial(_remembered, convert, options, {})


def _per_cell(convert: Callable, options, raws: Sequence[str], values: list, errors: Errors):
    """The full normaliser for the cells a fast path left as _MISS."""
    for position, value in enumerate(values):
        if value is _MISS:
            try:
                values[position] = convert(raws[position], options)
            except Invalid as error:
                values[position] = None
                errors[position] = str(error)


def _text(max_length: int, raws: Sequence[str]) -> tuple[Values, Errors]:
    values = [raw or None for raw in raws]
    errors: Errors = {}
    if raws and max(map(len, raws)) > max_length:
        message = f"longer than {max_length} characters"
        for position, raw in enumerate(raws):
            if len(raw) > max_length:
                values[position] = None
                errors[position] = message
    return values, errors


def _email(options, raws: Sequence[str]) -> tuple[Values, Errors]:
    lowered = list(map(str.lower, raws))
    matches = map(n.EMAIL.match, lowered)
    values = [
        value if match and len(value) <= 254 else (_MISS if value else None)
        for value, match in zip(lowered, matches, strict=True)
    ]
    errors: Errors = {}
    _per_cell(n.email, options, raws, values, errors)
    return values, errors


def _phone(options, raws: Sequence[str]) -> tuple[Values, Errors]:
    compact = map(partial(n.PHONE_NOISE.sub, ""), raws)
    values = [
        value if n.E164.match(value) else (_MISS if raw else None)
        for value, raw in zip(compact, raws, strict=True)
    ]
    errors: Errors = {}
    _per_cell(n.phone, options, raws, values, errors)
    return values, errors


def _remembered(convert: Callable, options, cache: dict, raws: Sequence[str]):
    values: list = []
    errors: Errors = {}
    append = values.append
    for position, raw in enumerate(raws):
        if not raw:
            append(None)
            continue
        answer = cache.get(raw, _MISS)
        if answer is _MISS:
            try:
                answer = convert(raw, options)
            except Invalid as error:
                answer = error
            if len(cache) < CACHE_SIZE:
                cache[raw] = answer
        if isinstance(answer, Invalid):
            errors[position] = str(answer)
            append(None)
        else:
            append(answer)
    return values, errors
