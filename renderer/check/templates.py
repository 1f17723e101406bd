"""Walking parsed Liquid templates: nodes, expressions, and the conditions of if/unless tags."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from liquid.ast import ConditionalBlockNode, Node
from liquid.builtin.expressions.path import Path as LiquidPath
from liquid.builtin.tags.if_tag import IfNode
from liquid.builtin.tags.unless_tag import UnlessNode
from liquid.expression import Expression

MAX_DEPTH = 200  # the environment's nesting limit stops far earlier


def walk_nodes(nodes: Iterable[Node], depth: int = 0) -> Iterator[Node]:
    """Every node of a parsed template, depth first (partials are not followed)."""
    for node in nodes:
        yield node
        if depth > MAX_DEPTH:
            continue
        try:
            children = list(node.children(None, include_partials=False))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - a third-party node that needs a real context
            children = []
        yield from walk_nodes(children, depth + 1)


def walk_expression(expr: Expression) -> Iterator[Expression]:
    yield expr
    for child in expr.children():
        yield from walk_expression(child)


def conditions_of(node: Node) -> list[Expression]:
    """The conditions an if/unless node evaluates (if, then each elsif)."""
    if not isinstance(node, (IfNode, UnlessNode)):
        return []
    found = [node.condition]
    for alternative in node.alternatives:
        if isinstance(alternative, ConditionalBlockNode):
            found.append(alternative.expression)
    return found


def first_index(expr: Expression) -> int:
    """Smallest token index inside an expression (where the condition starts)."""
    indexes = [e.token.start_index for e in walk_expression(expr) if e.token is not None and e.token.start_index >= 0]
    return min(indexes) if indexes else -1


def path_head(expr: Expression) -> object:
    """The first name of a variable path (`currentVersion` in `currentVersion.x`), else None."""
    return expr.path[0] if isinstance(expr, LiquidPath) and expr.path else None
