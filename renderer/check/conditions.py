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
from renderer.liquid.ifversion import name_problems, versions_where
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

    def check_ifversion(self, source: Source, condition: Expression) -> None:
        """An `{% ifversion %}` condition: its names and releases exist, and it is not constant."""
        problems = name_problems(condition, self.tree.model)
        for token, message in problems:
            report_at(self.findings, source, token.start_index, message, "version-reference")
        if problems or not source.versions:
            return
        holds = versions_where(condition, self.tree.model) & set(source.versions)
        if not holds or len(holds) == len(source.versions):
            self.report_constant(source, condition, bool(holds))

    def report_if_constant(self, source: Source, condition: Expression) -> None:
        results = set()
        for version in source.versions:
            try:
                results.add(bool(condition.evaluate(self.context(version))))
            except Exception:  # noqa: BLE001 - an odd expression is not this check's business
                return
        if len(results) == 1:
            self.report_constant(source, condition, results.pop())

    def report_constant(self, source: Source, condition: Expression, value: bool) -> None:
        scope = "every version this page exists in" if source.on_page else "every supported version"
        report_at(self.findings, source, first_index(condition),
                  f"condition `{condition}` is always {'true' if value else 'false'} in {scope} "
                  f"({', '.join(source.versions)})", "constant-condition", severity="warning", versions=())

    def context(self, version: str) -> RenderContext:
        if version not in self.contexts:
            template = self.tree.parse_template("")
            self.contexts[version] = RenderContext(
                template, globals={"currentVersion": version, **self.tree.model.liquid_globals()})
        return self.contexts[version]
