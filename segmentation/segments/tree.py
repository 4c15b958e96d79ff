"""Segment definitions: a JSON rule tree, checked and compiled to a `Q` over Customer.

A definition is a group:
    {"type": "group", "op": "and" | "or", "negate": false, "children": [node, ...]}
and a node is a group or a condition:
    {"type": "condition", "field": "country", "op": "in", "value": ["DE", "AT"]}
`negate` turns a group into NOT (...). An empty top-level group matches every customer;
an empty inner group is refused (it would silently match everyone or, negated, no one).

`check()` returns every problem with the path of the node it is about, worded for marketers;
`compile_definition()` raises `RuleError` with the same problems, so no malformed tree ever
reaches the database as anything but a message.
"""

from dataclasses import dataclass, replace

from django.db.models import Q

from segmentation.customers.models import Customer
from segmentation.segments.catalogue import Context, Field, catalogue
from segmentation.segments.kinds import NO_VALUE
from segmentation.segments.models import Segment

MAX_DEPTH = 5
MAX_CONDITIONS = 60
Path = tuple[int, ...]


@dataclass(frozen=True)
class Problem:
    path: Path  # indexes of children from the top group; () is the whole definition
    message: str

    def __str__(self) -> str:
        if not self.path:
            return self.message
        where = ".".join(str(i + 1) for i in self.path)
        return f"Rule {where}: {self.message}"


class RuleError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def empty() -> dict:
    return {"type": "group", "op": "and", "negate": False, "children": []}


class _Compiler:
    """Walks a tree once: collects problems, and builds the Q when there are none."""

    def __init__(self, fields: dict[str, Field], ctx: Context):
        self.fields = fields
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.conditions = 0

    def problem(self, path: Path, message: str) -> Q:
        self.problems.append(Problem(path, message))
        return Q()

    def node(self, node, path: Path, depth: int) -> Q:
        if not isinstance(node, dict):
            return self.problem(path, "This rule is not readable.")
        if node.get("type") == "group":
            return self.group(node, path, depth)
        if node.get("type") == "condition":
            return self.condition(node, path)
        return self.problem(path, "A rule must be a condition or a group.")

    def group(self, node: dict, path: Path, depth: int) -> Q:
        if depth > MAX_DEPTH:
            return self.problem(path, f"Groups can be nested at most {MAX_DEPTH} deep.")
        op, children = node.get("op", "and"), node.get("children", [])
        if op not in ("and", "or") or not isinstance(children, list):
            return self.problem(path, "A group combines its rules with AND or OR.")
        if not isinstance(node.get("negate", False), bool):
            return self.problem(path, "NOT is either on or off.")
        if not children and path:
            return self.problem(path, "This group is empty: add a condition or remove it.")
        q = Q()
        for i, child in enumerate(children):
            part = self.node(child, (*path, i), depth + 1)
            q = (q & part) if op == "and" else (q | part)
        return ~q if node.get("negate") and children else q

    def condition(self, node: dict, path: Path) -> Q:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            return self.problem((), f"A segment can have at most {MAX_CONDITIONS} conditions.")
        field = self.fields.get(node.get("field")) if isinstance(node.get("field"), str) else None
        if field is None:
            return self.problem(path, "Choose a field.")
        op = node.get("op")
        if op not in field.kind.operators:
            return self.problem(path, f"{field.label}: choose how to compare.")
        if op not in NO_VALUE and node.get("value") in (None, "", [], {}):
            return self.problem(path, f"{field.label}: enter a value.")
        try:
            value = field.kind.clean(op, node.get("value"))
        except ValueError as error:
            return self.problem(path, f"{field.label}: {error}")
        try:
            return field.compile(op, value, self.ctx)
        except RuleError as error:
            return self.problem(path, error.problems[0].message)


def _expander(definitions: dict[int, dict]):
    """Compiles "member of segment N" by inlining N's definition, refusing cycles."""

    def expand(segment_id: int, ctx: Context) -> Q:
        if segment_id in ctx.visiting:
            names = dict(Segment.objects.filter(pk__in=ctx.visiting).values_list("pk", "name"))
            chain = " -> ".join(names.get(pk, "this segment") for pk in (*ctx.visiting, segment_id))
            raise RuleError([Problem((), f"Segments cannot refer to themselves ({chain}).")])
        if segment_id not in definitions:
            segment = Segment.objects.filter(pk=segment_id).only("definition").first()
            if segment is None:
                raise RuleError([Problem((), "That segment no longer exists.")])
            definitions[segment_id] = segment.definition
        inner = replace(ctx, visiting=(*ctx.visiting, segment_id))
        compiler = _Compiler(catalogue(), inner)
        q = compiler.node(definitions[segment_id], (), 1)
        if compiler.problems:
            name = Segment.objects.filter(pk=segment_id).values_list("name", flat=True).first()
            first = compiler.problems[0].message
            raise RuleError([Problem((), f"Segment '{name}' needs fixing first: {first}")])
        return q

    return expand


def _run(definition, segment_id: int | None, ctx: Context | None) -> tuple[Q, list[Problem]]:
    ctx = ctx or Context()
    ctx.expand = ctx.expand or _expander({})
    if segment_id is not None and segment_id not in ctx.visiting:
        ctx.visiting = (*ctx.visiting, segment_id)
    compiler = _Compiler(catalogue(), ctx)
    if not isinstance(definition, dict) or definition.get("type") != "group":
        return Q(), [Problem((), "A segment definition is a group of rules.")]
    q = compiler.node(definition, (), 1)
    return q, compiler.problems


def check(definition, segment_id: int | None = None) -> list[Problem]:
    """Every problem of the definition; segment_id is the segment being edited (for cycles)."""
    return _run(definition, segment_id, None)[1]


def compile_definition(definition, segment_id: int | None = None, ctx: Context | None = None) -> Q:
    q, problems = _run(definition, segment_id, ctx)
    if problems:
        raise RuleError(problems)
    return q


def members(definition, segment_id: int | None = None, ctx: Context | None = None):
    return Customer.objects.filter(compile_definition(definition, segment_id, ctx))
