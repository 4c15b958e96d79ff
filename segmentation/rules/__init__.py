"""Segment rules: the field catalogue, the rule tree's checker and its compiler."""

from segmentation.rules.catalogue import Context, catalogue
from segmentation.rules.tree import Problem, RuleError, check, compile_definition, empty, members

__all__ = [
    "Context",
    "Problem",
    "RuleError",
    "catalogue",
    "check",
    "compile_definition",
    "empty",
    "members",
]
