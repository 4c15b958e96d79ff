"""The builder's form data <-> the rule tree, and the edits the builder offers.

The builder page is a plain HTML form whose input names encode the tree. A node's key is
"n" for the top group and "n.<i>.<j>..." for the j-th child of the i-th child, so
`n.0.1.field` is the field of the second rule in the first group. Every node sends
`<key>.type` ("group" or "condition"); a group sends `<key>.op` ("and"/"or") and, when
ticked, `<key>.negate`; a condition sends `<key>.field`, `<key>.op` and its value:

- one input `<key>.value` (number, text, date, "in the last N days"),
- two `<key>.value` inputs for a range (between),
- several `<key>.value` for a choice list (checkboxes), or one comma-separated text
  (countries, a list of texts),
- `<key>.value.<param>` per parameter of a time window ("at least 2 orders in 30 days").

`decode()` reads any posted data into a well-formed tree (malformed parts are dropped or kept
for `check()` to word a problem; it never raises), `apply()` performs one edit named by an
`action` button, `encode()` writes a tree back as form data, and `tree()` gives the template
a node view with the widget each condition needs. Nothing here touches the database except
through `Field.kind.allowed()` when a template asks for a choice list.
"""

import copy
import dataclasses
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.utils.datastructures import MultiValueDict

from segmentation.segments.catalogue import Field
from segmentation.segments.kinds import NO_VALUE, OPERATOR_LABELS
from segmentation.segments.tree import Problem

Path = tuple[int, ...]
ROOT = "n"
# Far above what check() accepts (60 conditions, 5 levels): enough to show its message, small
# enough that a hostile post cannot make the page build a huge tree.
MAX_NODES = 200
MAX_FORM_DEPTH = 8
TYPE_KEY = re.compile(r"^n((?:\.\d{1,3})*)\.type$")
DAY_OPS = ("in_last_days", "more_than_days_ago")
LIST_OPS = ("in", "not_in", "any_of", "all_of", "none_of")


def key_of(path: Path) -> str:
    return ROOT + "".join(f".{i}" for i in path)


def path_of(key: str) -> Path | None:
    """ "n.0.2" -> (0, 2); None for anything that is not a node key."""
    match = re.fullmatch(r"n((?:\.\d{1,3})*)", key)
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split(".")[1:])


def blank_condition() -> dict:
    return {"type": "condition", "field": "", "op": "", "value": None}


def blank_group() -> dict:
    # A new group starts with one rule to fill in: an empty inner group is refused anyway.
    return {"type": "group", "op": "and", "negate": False, "children": [blank_condition()]}


def widget(kind_name: str, op: str) -> str:
    """Which inputs a condition shows for its field's kind and operator."""
    if op in NO_VALUE or kind_name == "boolean" or not op:
        return "none"
    if kind_name == "window":
        return "params"
    if kind_name == "country":
        return "countries"
    if kind_name in ("choice", "tags"):
        return "choices"
    if kind_name == "date":
        if op in DAY_OPS:
            return "days"
        return "date_range" if op == "between" else "date"
    if kind_name == "number":
        return "range" if op == "between" else "number"
    return "text_list" if op in LIST_OPS else "text"


# --- form data -> tree ---------------------------------------------------------------------


def decode(data: Mapping, fields: Mapping[str, Field]) -> dict:
    """The rule tree that posted form data describe. Never raises: what cannot be read is
    dropped (stray keys, orphans) or kept as it is for check() to explain."""
    types: dict[Path, str] = {}
    for name in data:
        match = TYPE_KEY.match(name) if isinstance(name, str) else None
        if match is None or len(types) >= MAX_NODES:
            continue
        path = tuple(int(part) for part in match.group(1).split(".")[1:])
        if len(path) <= MAX_FORM_DEPTH:
            types[path] = _one(data, name)
    if types.get(()) != "group":
        return {"type": "group", "op": "and", "negate": False, "children": []}
    children: dict[Path, list[Path]] = {}
    for path in sorted(types):
        if path:
            children.setdefault(path[:-1], []).append(path)
    return _decode_node((), types, children, data, fields)


def _one(data: Mapping, name: str) -> str:
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    value = values[-1] if values else ""
    return value if isinstance(value, str) else ""


def _many(data: Mapping, name: str) -> list[str]:
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    return [v for v in values if isinstance(v, str)]


def _decode_node(path, types, children, data, fields) -> dict:
    key = key_of(path)
    if types[path] == "group":
        kids = [
            _decode_node(child, types, children, data, fields)
            for child in children.get(path, [])
            if types[child] in ("group", "condition")
        ]
        op = _one(data, f"{key}.op")
        return {
            "type": "group",
            "op": op if op in ("and", "or") else "and",
            "negate": bool(_one(data, f"{key}.negate")),
            "children": kids,
        }
    return _decode_condition(key, data, fields)


def _decode_condition(key: str, data: Mapping, fields: Mapping[str, Field]) -> dict:
    name, op = _one(data, f"{key}.field"), _one(data, f"{key}.op")
    found = fields.get(name)
    if found is None:
        return {"type": "condition", "field": name, "op": op, "value": None}
    operators = found.kind.operators
    fresh = _changed(data, f"{key}.prev_field", name)
    if op not in operators or fresh:
        op = op if op in operators else operators[0]
        return {"type": "condition", "field": name, "op": op, "value": None}
    shown = _one(data, f"{key}.prev_op") if f"{key}.prev_op" in data else op
    if widget(found.kind.name, shown) != widget(found.kind.name, op):
        # The inputs on screen were for another kind of value: start this one empty.
        return {"type": "condition", "field": name, "op": op, "value": None}
    return {"type": "condition", "field": name, "op": op, "value": _read(found, op, key, data)}


def _changed(data: Mapping, name: str, current: str) -> bool:
    return name in data and _one(data, name) != current


def _read(found: Field, op: str, key: str, data: Mapping):
    shape = widget(found.kind.name, op)
    name = f"{key}.value"
    if shape == "none":
        return None
    if shape == "params":
        return {param: number(_one(data, f"{name}.{param}")) for param, _, _ in found.kind.params}
    if shape in ("countries", "text_list"):
        upper = shape == "countries"
        return [item.upper() if upper else item for item in _split(_many(data, name), upper)]
    if shape == "choices":
        return [item for item in _many(data, name) if item]
    if shape in ("range", "date_range"):
        low, high = ([*_many(data, name), "", ""])[:2]
        return [number(low), number(high)] if shape == "range" else [low.strip(), high.strip()]
    if shape in ("number", "days"):
        return number(_one(data, name))
    return _one(data, name)


def _split(values: list[str], on_spaces: bool) -> list[str]:
    pattern = r"[,;\s]+" if on_spaces else r"[,;]"
    parts = (part.strip() for value in values for part in re.split(pattern, value))
    return [part for part in parts if part]


def number(text: str):
    """ "2" -> 2, "19.90" -> 19.9; anything else stays text, for check() to explain."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d{1,15}(\.\d{0,6})?|\.\d{1,6})", text):
        value = float(text)
        return value if math.isfinite(value) else text
    return text


# --- edits -----------------------------------------------------------------------------------


def apply(definition: dict, action: str) -> dict:
    """The tree after one edit, "<verb>:<node key>"; an edit that does not fit changes nothing."""
    verb, _, key = action.partition(":")
    path = path_of(key)
    edit = EDITS.get(verb)
    tree = copy.deepcopy(definition)
    if edit is None or path is None or (verb.startswith("add") and _count(tree) >= MAX_NODES):
        return tree
    edit(tree, path)
    return tree


def _node_at(tree: dict, path: Path) -> dict | None:
    node = tree
    for index in path:
        kids = node.get("children") if node.get("type") == "group" else None
        if not isinstance(kids, list) or not 0 <= index < len(kids):
            return None
        node = kids[index]
        if not isinstance(node, dict):
            return None
    return node


def _group_at(tree: dict, path: Path) -> dict | None:
    node = _node_at(tree, path)
    if node is None or node.get("type") != "group" or not isinstance(node.get("children"), list):
        return None
    return node


def _add_condition(tree: dict, path: Path) -> None:
    group = _group_at(tree, path)
    if group is not None:
        group["children"].append(blank_condition())


def _add_group(tree: dict, path: Path) -> None:
    group = _group_at(tree, path)
    if group is not None and len(path) < MAX_FORM_DEPTH - 1:
        group["children"].append(blank_group())


def _remove(tree: dict, path: Path) -> None:
    parent = _group_at(tree, path[:-1]) if path else None
    if parent is not None and path[-1] < len(parent["children"]):
        del parent["children"][path[-1]]


def _mover(step: int):
    def move(tree: dict, path: Path) -> None:
        parent = _group_at(tree, path[:-1]) if path else None
        if parent is None:
            return
        kids, i = parent["children"], path[-1]
        if 0 <= i < len(kids) and 0 <= i + step < len(kids):
            kids[i], kids[i + step] = kids[i + step], kids[i]

    return move


def _toggle(name: str):
    def toggle(tree: dict, path: Path) -> None:
        group = _group_at(tree, path)
        if group is None:
            return
        if name == "op":
            group["op"] = "or" if group.get("op") == "and" else "and"
        else:
            group["negate"] = not group.get("negate")

    return toggle


EDITS = {
    "add_condition": _add_condition,
    "add_group": _add_group,
    "remove": _remove,
    "up": _mover(-1),
    "down": _mover(1),
    "toggle_op": _toggle("op"),
    "toggle_not": _toggle("negate"),
}


def _count(node) -> int:
    if not isinstance(node, dict):
        return 0
    kids = node.get("children") if node.get("type") == "group" else None
    return 1 + sum(_count(kid) for kid in kids) if isinstance(kids, list) else 1


# --- tree -> form data -------------------------------------------------------------------------


def encode(definition, fields: Mapping[str, Field]) -> MultiValueDict:
    """Form data for a tree (a stored definition of any shape): decode(encode(d)) gives d back
    for a well-formed d, except that a list of texts containing commas is split."""
    data = MultiValueDict()
    if isinstance(definition, dict) and definition.get("type") == "group":
        _encode_node(definition, (), data, fields)
    else:
        data["n.type"] = "group"
    return data


def _encode_node(node: dict, path: Path, data: MultiValueDict, fields) -> None:
    key = key_of(path)
    data[f"{key}.type"] = node.get("type")
    if node.get("type") == "group":
        data[f"{key}.op"] = str(node.get("op", "and"))
        if node.get("negate"):
            data[f"{key}.negate"] = "on"
        kids = node.get("children")
        kids = [kid for kid in kids if _encodable(kid)] if isinstance(kids, list) else []
        for i, kid in enumerate(kids):
            if len(path) < MAX_FORM_DEPTH:
                _encode_node(kid, (*path, i), data, fields)
        return
    data[f"{key}.field"] = str(node.get("field") or "")
    data[f"{key}.op"] = str(node.get("op") or "")
    _encode_value(node.get("value"), f"{key}.value", data)


def _encodable(node) -> bool:
    return isinstance(node, dict) and node.get("type") in ("group", "condition")


def _encode_value(value, name: str, data: MultiValueDict) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for param, item in value.items():
            data[f"{name}.{param}"] = _text(item)
    elif isinstance(value, list | tuple):
        data.setlist(name, [_text(item) for item in value])
    else:
        data[name] = _text(value)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def normalise(definition, fields: Mapping[str, Field]) -> dict:
    """A stored definition as the builder would post it back (well-formed, for rendering)."""
    return decode(encode(definition, fields), fields)


# --- the template's view of a tree -------------------------------------------------------------


@dataclass
class Node:
    path: Path
    type: str
    op: str = "and"
    negate: bool = False
    children: list["Node"] = dataclasses.field(default_factory=list)
    field_key: str = ""
    field: Field | None = None
    value: object = None
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> str:
        return key_of(self.path)

    @property
    def dom_id(self) -> str:
        return self.key.replace(".", "-")

    @property
    def number(self) -> str:
        return ".".join(str(i + 1) for i in self.path)

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    @property
    def widget(self) -> str:
        return widget(self.field.kind.name, self.op) if self.field else "none"

    @property
    def operators(self) -> list[tuple[str, str]]:
        ops = self.field.kind.operators if self.field else ()
        return [(op, OPERATOR_LABELS.get(op, op)) for op in ops]

    @property
    def single(self) -> str:
        return "" if isinstance(self.value, list | dict) else _text(self.value)

    @property
    def pair(self) -> tuple[str, str]:
        values = self.value if isinstance(self.value, list) else []
        low, high = ([*map(_text, values), "", ""])[:2]
        return low, high

    @property
    def joined(self) -> str:
        values = self.value if isinstance(self.value, list) else [self.value]
        return ", ".join(_text(v) for v in values if v not in (None, ""))

    @property
    def chosen(self) -> set[str]:
        values = self.value if isinstance(self.value, list) else [self.value]
        return {_text(v) for v in values if v is not None}

    @property
    def options(self) -> list[tuple[str, str, bool]]:
        """(code, label, ticked) for a choice list."""
        chosen = self.chosen
        allowed = self.field.kind.allowed() if self.field and self.widget == "choices" else {}
        return [(code, label, code in chosen) for code, label in allowed.items()]

    @property
    def params(self) -> list[tuple[str, str, str]]:
        """(param, label, value) of a time window."""
        if not self.field or self.widget != "params":
            return []
        values = self.value if isinstance(self.value, dict) else {}
        return [(key, label, _text(values.get(key))) for key, label, _ in self.field.kind.params]

    @property
    def whole(self) -> bool:
        return bool(getattr(self.field.kind, "whole", False)) if self.field else False


def tree(definition: dict, fields: Mapping[str, Field], problems: list[Problem] = ()) -> Node:
    """The node view of a decoded tree, each node with the problems check() found there."""
    by_path: dict[Path, list[str]] = {}
    for problem in problems:
        by_path.setdefault(tuple(problem.path), []).append(problem.message)
    return _view(definition, (), fields, by_path)


def _view(node: dict, path: Path, fields, by_path) -> Node:
    if node.get("type") == "group":
        kids = [_view(kid, (*path, i), fields, by_path) for i, kid in enumerate(node["children"])]
        return Node(path, "group", node.get("op", "and"), bool(node.get("negate")), kids,
                    problems=by_path.get(path, []))  # fmt: skip
    key = node.get("field") or ""
    return Node(
        path, "condition", node.get("op") or "", field_key=key, field=fields.get(key),
        value=node.get("value"), problems=by_path.get(path, []),
    )  # fmt: skip


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def field_groups(fields: Mapping[str, Field]) -> list[tuple[str, list[Field]]]:
    """Fields by catalogue group, in catalogue order, for the <optgroup>s of the field menu."""
    groups: dict[str, list[Field]] = {}
    for item in fields.values():
        groups.setdefault(item.group, []).append(item)
    return list(groups.items())
