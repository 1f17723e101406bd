"""Conditions on `currentVersion` that are always true or always false in every version a
source is rendered in (`constant-condition`, warning): the page's versions, or every
supported version for reusables and variables."""

from __future__ import annotations

from liquid import RenderContext
from liquid.builtin.expressions.path import Path as LiquidPath
from liquid.expression import Expression

from renderer.check.findings import Findings
from renderer.check.references import check_version_literals
from renderer.check.sources import Source, report_at
from renderer.check.templates import first_index, path_head, walk_expression
from renderer.model.tree import DocsTree


class ConditionCheck:
    """Checks each condition's version literals, then evaluates it in every version of its source."""

    def __init__(self, tree: DocsTree, findings: Findings):
        self.tree = tree
        self.findings = findings
        self.static_names = {"currentVersion", *tree.model.liquid_globals()}
        self.contexts: dict[str, RenderContext] = {}

    def check(self, source: Source, condition: Expression) -> None:
        static = True
        uses_version = False
        for expr in walk_expression(condition):
            check_version_literals(self.tree.model, self.findings, source, expr)
            if isinstance(expr, LiquidPath):
                head = path_head(expr)
                uses_version = uses_version or head == "currentVersion"
                if head not in self.static_names or any(isinstance(s, LiquidPath) for s in expr.path[1:]):
                    static = False  # depends on something other than the version
        if static and uses_version and source.versions:
            self.report_if_constant(source, condition)

    def report_if_constant(self, source: Source, condition: Expression) -> None:
        results = set()
        for version in source.versions:
            try:
                results.add(bool(condition.evaluate(self.context(version))))
            except Exception:  # noqa: BLE001 - an odd expression is not this check's business
                return
        if len(results) == 1:
            value = "true" if results.pop() else "false"
            scope = "every version this page exists in" if source.on_page else "every supported version"
            report_at(self.findings, source, first_index(condition),
                      f"condition `{condition}` is always {value} in {scope} ({', '.join(source.versions)})",
                      "constant-condition", severity="warning", versions=())

    def context(self, version: str) -> RenderContext:
        if version not in self.contexts:
            template = self.tree.parse_template("")
            self.contexts[version] = RenderContext(
                template, globals={"currentVersion": version, **self.tree.model.liquid_globals()})
        return self.contexts[version]
