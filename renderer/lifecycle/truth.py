"""What a condition is in each version, and which branch of a conditional block renders.

A condition's truth in a version is three-valued: True, False, or None (unknown) when it
depends on more than the version (`page.x`, a loop variable). `and`/`or`/`not` combine
with Kleene logic, so `currentVersion == "x@1" and page.y` is known false where the
version part is false. Both grammars are understood: `if currentVersion ...` (evaluated
with the same globals a render has) and `ifversion` (from the version model).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from liquid import RenderContext
from liquid.ast import BlockNode, Node
from liquid.builtin.expressions import BooleanExpression
from liquid.builtin.expressions import logical as lg
from liquid.builtin.expressions.path import Path as LiquidPath
from liquid.builtin.tags.if_tag import IfNode
from liquid.builtin.tags.unless_tag import UnlessNode
from liquid.expression import Expression

from renderer.liquid.ifversion import IfversionNode, ReleaseComparison, VersionName, VersionNameError, versions_where
from renderer.model.tree import DocsTree
from renderer.model.versions import VersionModel

NONE_TAKEN = -1  # "no branch renders" in branch sets


def walk_nodes(nodes: Iterable[Node], depth: int = 0) -> Iterator[Node]:
    """Every node of a parsed template, depth first."""
    for node in nodes:
        yield node
        if depth > 200:  # the environment's nesting limit stops far earlier
            continue
        try:
            children = list(node.children(None, include_partials=False))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - a node that needs a real context has no static children
            children = []
        yield from walk_nodes(children, depth + 1)


def conditional_nodes(nodes: Iterable[Node]) -> Iterator[IfNode | UnlessNode]:
    """The if/unless/ifversion blocks that remember their clauses (all of ours do)."""
    for node in walk_nodes(nodes):
        if isinstance(node, (IfNode, UnlessNode)) and getattr(node, "clauses", None):
            yield node


def conditions_of(node: IfNode | UnlessNode) -> list[Expression]:
    """The first condition, then each elsif's."""
    return [node.condition, *(alternative.expression for alternative in node.alternatives)]


def blocks_of(node: IfNode | UnlessNode) -> list[BlockNode]:
    """Branch bodies: consequence, each elsif's block, then the else block if any."""
    blocks = [node.consequence, *(alternative.block for alternative in node.alternatives)]
    return blocks + [node.default] if node.default is not None else blocks


class VersionOracle:
    """Truth of conditions in the versions of one version model."""

    def __init__(self, tree: DocsTree, model: VersionModel):
        self.tree = tree
        self.model = model
        self.static_names = {"currentVersion", *model.liquid_globals()}
        self.contexts: dict[str, RenderContext] = {}

    def context(self, version: str) -> RenderContext:
        if version not in self.contexts:
            self.contexts[version] = RenderContext(self.tree.parse_template(""), globals={
                "currentVersion": version, **self.model.liquid_globals()})
        return self.contexts[version]

    def truth(self, expr: Expression, version: str) -> bool | None:
        """True/False in `version`, or None when the condition depends on more than the version."""
        if isinstance(expr, BooleanExpression):
            return self.truth(expr.expression, version)
        if isinstance(expr, lg.LogicalAndExpression):
            left, right = self.truth(expr.left, version), self.truth(expr.right, version)
            return False if False in (left, right) else None if None in (left, right) else True
        if isinstance(expr, lg.LogicalOrExpression):
            left, right = self.truth(expr.left, version), self.truth(expr.right, version)
            return True if True in (left, right) else None if None in (left, right) else False
        if isinstance(expr, lg.LogicalNotExpression):
            inner = self.truth(expr.right, version)
            return None if inner is None else not inner
        if isinstance(expr, (VersionName, ReleaseComparison)):
            try:
                return version in versions_where(expr, self.model)
            except VersionNameError:
                return None
        if not self.is_static(expr):
            return None
        try:
            return lg.is_truthy(expr.evaluate(self.context(version)))
        except Exception:  # noqa: BLE001 - an expression that fails to evaluate is not known
            return None

    def is_static(self, expr: Expression) -> bool:
        """Does a 2020 expression depend on nothing but the version (and literals)?"""
        stack = [expr]
        while stack:
            current = stack.pop()
            if isinstance(current, LiquidPath):
                head = current.path[0] if current.path else None
                if head not in self.static_names or any(isinstance(s, LiquidPath) for s in current.path[1:]):
                    return False
            stack.extend(current.children())
        return True

    def truth_set(self, expr: Expression, versions: Iterable[str]) -> dict[str, bool | None]:
        return {version: self.truth(expr, version) for version in versions}

    def branches_taken(self, node: IfNode | UnlessNode, version: str) -> set[int]:
        """The branches that may render in `version` (indexes into blocks_of; NONE_TAKEN: nothing).

        One branch when every condition up to it is known; several when one is unknown.
        """
        possible: set[int] = set()
        negate_first = isinstance(node, UnlessNode)
        for index, condition in enumerate(conditions_of(node)):
            value = self.truth(condition, version)
            if index == 0 and negate_first and value is not None:
                value = not value
            if value is True:
                possible.add(index)
                return possible
            if value is None:
                possible.add(index)
        possible.add(len(node.alternatives) + 1 if node.default is not None else NONE_TAKEN)
        return possible

    def branches_over(self, node: IfNode | UnlessNode, versions: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for version in versions:
            found |= self.branches_taken(node, version)
        return found


def is_ifversion(node: Node) -> bool:
    return isinstance(node, IfversionNode)
