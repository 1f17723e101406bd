"""Static reference checks, from the parsed templates (so branches no version renders are
checked too): `{% data %}` paths resolve (`data`), and version ids compared with
`currentVersion` or given to `ver_gt`/`ver_lt` name a plan and a release that exist (`version-reference`)."""

from __future__ import annotations

from liquid.builtin.expressions import logical as lg
from liquid.builtin.expressions.primitive import StringLiteral
from liquid.expression import Expression

from renderer.check.findings import Findings
from renderer.check.sources import Source, report_at
from renderer.check.templates import path_head
from renderer.errors import RenderError
from renderer.liquid.conditions import VersionComparison
from renderer.liquid.environment import DataNode
from renderer.model.data import DataStore
from renderer.model.versions import VersionModel, release_key

COMPARISONS = (lg.EqExpression, lg.NeExpression, VersionComparison)


def check_data_reference(data: DataStore, findings: Findings, source: Source, node: DataNode) -> None:
    problem = data.validate_path(node.path)
    try:
        missing = problem is None and data.lookup(node.path) is None
    except RenderError as err:  # the data file it points into is broken
        findings.add_error(err, "yaml")
        return
    if problem or missing:
        report_at(findings, source, node.token.start_index, problem or f"unknown data reference {node.path!r}", "data")


def check_version_literals(model: VersionModel, findings: Findings, source: Source, expr: Expression) -> None:
    """Version ids in `currentVersion == '...'` and `... ver_gt '...'` (either side of ==)."""
    if not isinstance(expr, COMPARISONS):
        return
    left, right = expr.children()
    version_op = isinstance(expr, VersionComparison)
    for mine, other in ((left, right), (right, left)):
        if not isinstance(other, StringLiteral):
            continue
        if not version_op and path_head(mine) != "currentVersion":
            continue
        if version_op and other is left:
            continue
        problem = version_literal_problem(model, other.value, bare_ok=version_op)
        if problem:
            report_at(findings, source, other.token.start_index, problem, "version-reference")


def version_literal_problem(model: VersionModel, value: str, *, bare_ok: bool) -> str | None:
    """Why a version id names nothing that exists (supported or deprecated), else None."""
    plan, at, release = value.rpartition("@")
    if not at:
        if bare_ok and release_key(value) is not None:
            if any(value in p.releases or value in p.deprecated or value in p.upcoming for p in model.plans):
                return None
            return f"release {value!r} exists in no plan (neither supported nor deprecated)"
        return f"{value!r} is not a version id (expected <plan>@<release>, e.g. {model.default})"
    if plan not in model.plan_names:
        return f"unknown plan {plan!r} in version {value!r} (known plans: {', '.join(sorted(model.plan_names))})"
    if not model.is_known_release(plan, release):
        known = next(p for p in model.plans if p.name == plan)
        listed = ", ".join(known.releases) + (f"; deprecated: {', '.join(known.deprecated)}" if known.deprecated else "")
        return f"{value!r}: release {release!r} of `{plan}` does not exist (supported: {listed})"
    return None
