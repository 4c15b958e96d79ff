"""Whatever the builder (or a hand-edited request) sends, the user gets members or messages:
generated rule trees either compile and run on the database or are refused with problems."""

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from segmentation.customers.models import AttributeDefinition, Customer, Interest
from segmentation.segments.catalogue import FIELDS
from segmentation.segments.kinds import OPERATOR_LABELS
from segmentation.segments.models import Segment
from segmentation.segments.tree import RuleError, check, compile_definition

FIELD_KEYS = [f.key for f in FIELDS] + ["attr.score", "attr.plan", "nope", ""]
OPS = list(OPERATOR_LABELS) + ["", "drop table"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["DE", "fr", "books", "2024-01-31", "2024-02-30", "1", "gold", "champions"]),
)
params = st.dictionaries(
    st.sampled_from(["count", "days", "hours", "amount", "x"]), scalars, max_size=4
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), params)
conditions = st.fixed_dictionaries(
    {
        "type": st.just("condition"),
        "field": st.sampled_from(FIELD_KEYS),
        "op": st.sampled_from(OPS),
        "value": values,
    }
)

LISTS = {"in", "not_in", "any_of", "all_of", "none_of"}


def plausible_value(field, op):
    """A value of the right shape for the field's kind and operator (choices may be unknown)."""
    kind = field.kind.name
    if kind == "window":
        keys = [key for key, _, _ in field.kind.params]
        return st.fixed_dictionaries({key: st.integers(1, 60) for key in keys})
    if op in LISTS:
        if kind in ("choice", "tags") and field.kind.choices and field.key != "segment":
            known = [code for code, _ in field.kind.choices()] or ["x"]
            return st.lists(st.sampled_from(known), min_size=1, max_size=2)
        words = ["DE", "at", "books", "news", "Berlin", "1"]
        return st.lists(st.sampled_from(words), min_size=1, max_size=2)
    if kind == "date":
        if op in ("in_last_days", "more_than_days_ago"):
            return st.integers(1, 400)
        return st.sampled_from(["2024-01-31", "2030-12-01"])
    if op == "between":
        return st.lists(st.integers(0, 100), min_size=2, max_size=2).map(sorted)
    if kind == "text":
        return st.sampled_from(["Berlin", "gold", "ber"])
    return st.integers(0, 100)


@st.composite
def plausible_conditions(draw):
    """Conditions a builder could send: a real field, one of its operators, a value of its kind."""
    field = draw(st.sampled_from(FIELDS))
    op = draw(st.sampled_from(field.kind.operators))
    value = draw(plausible_value(field, op))
    return {"type": "condition", "field": field.key, "op": op, "value": value}


def groups(children):
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(["group"] * 9 + ["grp"]),
            "op": st.sampled_from(["and", "or"] * 4 + ["nor"]),
            "negate": st.one_of(st.booleans(), st.booleans(), st.just("yes")),
            "children": st.lists(children, max_size=4),
        }
    )


trees = st.recursive(st.one_of(conditions, plausible_conditions()), groups, max_leaves=12)


def plausible_groups(children):
    return st.builds(
        lambda op, negate, kids: {"type": "group", "op": op, "negate": negate, "children": kids},
        st.sampled_from(["and", "or"]),
        st.booleans(),
        st.lists(children, min_size=1, max_size=3),
    )


# Mostly well-formed trees, so that many reach the database.
plausible_trees = plausible_groups(
    st.recursive(plausible_conditions(), plausible_groups, max_leaves=6)
)


@pytest.fixture
def catalogue_data(db):
    Customer.objects.create(first_name="x", country="DE", attributes={"score": 3, "plan": "gold"})
    Interest.objects.create(slug="books", name="Books")
    AttributeDefinition.objects.create(key="score", label="Score", type="number")
    AttributeDefinition.objects.create(key="plan", label="Plan", type="text")
    Segment.objects.create(name="All", definition={"type": "group", "children": []})


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=st.one_of(plausible_trees, plausible_trees, groups(trees), trees, values))
def test_any_tree_compiles_and_runs_or_is_refused_with_messages(catalogue_data, tree):
    problems = check(tree)
    event("refused" if problems else "compiled")
    if problems:
        assert all(str(p).strip() for p in problems)
        with pytest.raises(RuleError):
            compile_definition(tree)
    else:
        count = Customer.objects.filter(compile_definition(tree)).count()
        assert 0 <= count <= 1
