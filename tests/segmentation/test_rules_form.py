"""The builder's form data <-> rule tree (segmentation.segments.form): pure, no database."""

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.segments import form
from segmentation.segments.catalogue import FIELDS

FIELDS_BY_KEY = {f.key: f for f in FIELDS}


def _cond(field, op, value=None) -> dict:
    return {"type": "condition", "field": field, "op": op, "value": value}


def _group(*children, op="and", negate=False) -> dict:
    return {"type": "group", "op": op, "negate": negate, "children": list(children)}


def _post(text: str) -> QueryDict:
    return QueryDict(text)


NESTED = _group(
    _cond("country", "in", ["AT", "DE"]),
    _group(
        _cond("age", "between", [30, 40]),
        _cond("orders_in_window", "at_least", {"count": 2, "days": 30}),
        _cond("gender", "in", ["female", "male"]),
        op="or",
        negate=True,
    ),
    _cond("reachable_email", "is_true"),
    _cond("total_spent", "gte", 99.5),
    _cond("city", "in", ["Berlin", "Hamburg"]),
    _cond("customer_since", "in_last_days", 30),
    _cond("postal_code", "starts_with", "10"),
)


def test_it_reads_a_nested_tree_from_form_data():
    data = _post(
        "n.type=group&n.op=and"
        "&n.0.type=condition&n.0.field=country&n.0.op=in&n.0.value=de,%20at"
        "&n.1.type=group&n.1.op=or&n.1.negate=on"
        "&n.1.0.type=condition&n.1.0.field=age&n.1.0.op=between&n.1.0.value=30&n.1.0.value=40"
        "&n.1.1.type=condition&n.1.1.field=orders_in_window&n.1.1.op=at_least"
        "&n.1.1.value.count=2&n.1.1.value.days=30"
    )

    assert form.decode(data, FIELDS_BY_KEY) == _group(
        _cond("country", "in", ["DE", "AT"]),
        _group(
            _cond("age", "between", [30, 40]),
            _cond("orders_in_window", "at_least", {"count": 2, "days": 30}),
            op="or",
            negate=True,
        ),
    )


def test_it_round_trips_a_tree_through_form_data():
    data = form.encode(NESTED, FIELDS_BY_KEY)

    assert form.decode(data, FIELDS_BY_KEY) == NESTED


def test_it_renumbers_children_in_index_order_and_drops_orphans():
    data = _post(
        "n.type=group&n.7.type=condition&n.7.field=city&n.7.op=eq&n.7.value=Rome"
        "&n.2.type=condition&n.2.field=city&n.2.op=eq&n.2.value=Oslo"
        "&n.3.0.type=condition&n.3.0.field=city&n.3.0.op=eq&n.3.0.value=Lost"
    )

    tree = form.decode(data, FIELDS_BY_KEY)

    assert [c["value"] for c in tree["children"]] == ["Oslo", "Rome"]


def test_a_missing_top_group_is_an_empty_definition():
    assert form.decode(_post("n.0.type=condition"), FIELDS_BY_KEY) == _group()
    assert form.decode(_post(""), FIELDS_BY_KEY) == _group()


def test_a_new_field_starts_with_its_first_operator_and_no_value():
    data = _post(
        "n.type=group&n.0.type=condition&n.0.field=gender&n.0.prev_field=country"
        "&n.0.op=in&n.0.prev_op=in&n.0.value=DE"
    )

    assert form.decode(data, FIELDS_BY_KEY)["children"] == [_cond("gender", "in")]


def test_an_operator_the_field_lacks_becomes_its_first():
    data = _post("n.type=group&n.0.type=condition&n.0.field=reachable_sms&n.0.op=between")

    assert form.decode(data, FIELDS_BY_KEY)["children"] == [_cond("reachable_sms", "is_true")]


def test_switching_to_a_range_keeps_the_first_number_only_when_the_inputs_fit():
    same_shape = _post(
        "n.type=group&n.0.type=condition&n.0.field=age&n.0.prev_field=age"
        "&n.0.op=gt&n.0.prev_op=gte&n.0.value=30"
    )
    new_shape = _post(
        "n.type=group&n.0.type=condition&n.0.field=age&n.0.prev_field=age"
        "&n.0.op=between&n.0.prev_op=gte&n.0.value=30"
    )

    assert form.decode(same_shape, FIELDS_BY_KEY)["children"] == [_cond("age", "gt", 30)]
    assert form.decode(new_shape, FIELDS_BY_KEY)["children"] == [_cond("age", "between")]


def test_numbers_become_numbers_and_the_rest_stays_text_for_the_checker():
    assert form.number("2") == 2
    assert form.number(" 19.90 ") == 19.9
    assert form.number("-5") == -5
    assert form.number("1e400") == "1e400"
    assert form.number("nan") == "nan"
    assert form.number("") == ""


def test_an_unknown_field_is_kept_for_the_checker_to_name():
    data = _post("n.type=group&n.0.type=condition&n.0.field=shoe_size&n.0.op=eq&n.0.value=44")

    assert form.decode(data, FIELDS_BY_KEY)["children"] == [_cond("shoe_size", "eq")]


def test_it_adds_a_condition_and_a_group_with_one_blank_rule():
    tree = form.apply(_group(), "add_condition:n")
    tree = form.apply(tree, "add_group:n")
    tree = form.apply(tree, "add_condition:n.1")

    assert tree == _group(
        form.blank_condition(), _group(form.blank_condition(), form.blank_condition())
    )


def test_it_removes_and_moves_rules():
    tree = _group(_cond("city", "eq", "A"), _cond("city", "eq", "B"), _cond("city", "eq", "C"))

    moved = form.apply(tree, "down:n.0")
    removed = form.apply(moved, "remove:n.2")

    assert [c["value"] for c in moved["children"]] == ["B", "A", "C"]
    assert [c["value"] for c in removed["children"]] == ["B", "A"]
    assert [c["value"] for c in form.apply(tree, "up:n.0")["children"]] == ["A", "B", "C"]


def test_it_toggles_and_or_and_not_on_a_group():
    tree = form.apply(
        form.apply(_group(_group(_cond("city", "eq", "A"))), "toggle_op:n.0"), "toggle_not:n.0"
    )

    assert (tree["children"][0]["op"], tree["children"][0]["negate"]) == ("or", True)


def test_edits_that_do_not_fit_change_nothing():
    tree = _group(_cond("city", "eq", "A"))

    for action in ("remove:n", "add_condition:n.0", "remove:n.5", "explode:n", "add_group:x",
                   "up:n.0", "down:n.0", "remove:n.0.0", "", "add_condition:n.999999"):  # fmt: skip
        assert form.apply(tree, action) == tree


def test_apply_never_changes_the_tree_it_was_given():
    tree = _group(_cond("city", "eq", "A"))

    form.apply(tree, "add_condition:n")

    assert tree == _group(_cond("city", "eq", "A"))


def test_the_node_view_puts_problems_next_to_their_rule():
    from segmentation.segments.tree import Problem

    view = form.tree(
        _group(_cond("age", "between", [1, 2]), _group(_cond("city", "eq", ""))),
        FIELDS_BY_KEY,
        [Problem((1, 0), "City: enter a value."), Problem((), "Too many.")],
    )
    nodes = list(form.walk(view))

    assert [n.key for n in nodes] == ["n", "n.0", "n.1", "n.1.0"]
    assert nodes[3].problems == ["City: enter a value."]
    assert nodes[0].problems == ["Too many."]
    assert (nodes[1].widget, nodes[1].pair, nodes[3].number) == ("range", ("1", "2"), "2.1")


def test_widgets_follow_the_kind_and_operator():
    assert form.widget("number", "between") == "range"
    assert form.widget("date", "in_last_days") == "days"
    assert form.widget("date", "before") == "date"
    assert form.widget("text", "in") == "text_list"
    assert form.widget("country", "in") == "countries"
    assert form.widget("tags", "any_of") == "choices"
    assert form.widget("window", "at_least") == "params"
    assert form.widget("boolean", "is_true") == "none"
    assert form.widget("number", "is_set") == "none"


def test_field_groups_keep_catalogue_order():
    groups = form.field_groups(FIELDS_BY_KEY)

    assert groups[0][0] == "Demographics"
    assert groups[0][1][0].key == "age"
    assert sum(len(fields) for _, fields in groups) == len(FIELDS_BY_KEY)


def test_a_huge_post_is_cut_to_a_bounded_tree():
    data = MultiValueDict({"n.type": ["group"]})
    for i in range(999):
        data[f"n.{i}.type"] = "condition"

    assert len(form.decode(data, FIELDS_BY_KEY)["children"]) < form.MAX_NODES


WIDGETS = {"none", "params", "countries", "choices", "days", "date_range", "date", "range",
           "number", "text_list", "text"}  # fmt: skip
KEYS = st.sampled_from(
    ["n", "n.0", "n.1", "n.0.0", "n.0.1", "n.1.0", "n.0.0.0", "n.x", "m.0", "n.01"]
)
SUFFIXES = st.sampled_from(
    ["type", "op", "negate", "field", "prev_field", "prev_op", "value", "value.count",
     "value.days", "value.amount", "children"]
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["group", "condition", "and", "or", "on", "in", "between", "gte",
                     "at_least", "is_true", "country", "age", "gender", "orders_in_window",
                     "interests", "segment", "city", "DE", "30", "-1", "1e9", ""]),
    st.text(max_size=20),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, SUFFIXES, VALUES), max_size=30), st.text(max_size=20))
def test_any_form_data_decodes_to_a_well_formed_tree(items, action):
    data = MultiValueDict()
    for key, suffix, value in items:
        data.appendlist(f"{key}.{suffix}", value)

    tree = form.apply(form.decode(data, FIELDS_BY_KEY), action)
    view = form.tree(tree, FIELDS_BY_KEY)

    assert tree["type"] == "group"
    for node in form.walk(view):
        assert node.type in ("group", "condition")
        assert node.widget in WIDGETS
        assert isinstance((node.operators, node.single, node.pair, node.joined, node.params), tuple)
    assert form.decode(form.encode(tree, FIELDS_BY_KEY), FIELDS_BY_KEY) == form.decode(
        form.encode(form.normalise(tree, FIELDS_BY_KEY), FIELDS_BY_KEY), FIELDS_BY_KEY
    )
