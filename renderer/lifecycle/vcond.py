"""Version conditions in one small algebra, read from and written to both Liquid grammars.

    InPlan(plan)            the current version is a release of `plan`
    Cmp(plan, op, release)  ... and its release compares so (`=`, `!=`, `<`, `>`, `<=`, `>=`)
    Feature(name)           a feature flag's versions
    Not / And / Or

`from_2020` reads `currentVersion == "enterprise-server@2.22"`, `!=`, `ver_gt`, `ver_lt`,
`enterpriseServerVersions contains currentVersion` and `currentVersion contains "plan@"`;
`from_ifversion` reads the 2021 grammar. `to_ifversion` and `to_2020` write them back.
Neither grammar has parentheses and both group `and`/`or` to the right with equal
precedence, so a printer keeps every left operand a single term (reassociating or
swapping operands, which is safe for version tests) and gives up (None) when it cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

from liquid.builtin.expressions import BooleanExpression
from liquid.builtin.expressions import logical as lg
from liquid.builtin.expressions.path import Path as LiquidPath
from liquid.builtin.expressions.primitive import StringLiteral
from liquid.expression import Expression

from renderer.liquid.conditions import VersionComparison
from renderer.liquid.ifversion import ReleaseComparison, VersionName
from renderer.model.versions import Plan, VersionModel, release_key


@dataclass(frozen=True)
class InPlan:
    plan: str


@dataclass(frozen=True)
class Cmp:
    plan: str
    op: str
    release: str


@dataclass(frozen=True)
class Feature:
    name: str


@dataclass(frozen=True)
class Not:
    inner: VCond


Operand = TypeVar("Operand")


@dataclass(frozen=True)
class And(Generic[Operand]):
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Or(Generic[Operand]):
    left: Operand
    right: Operand


VCond: TypeAlias = InPlan | Cmp | Feature | Not | And["VCond"] | Or["VCond"]
NEGATED_OP = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def normalized(cond: VCond) -> VCond:
    """The same condition with every negation pushed down to a single term."""
    if isinstance(cond, Not):
        inner = normalized(cond.inner)
        return negate(inner) if isinstance(inner, (And, Or, Not)) else Not(inner)
    if isinstance(cond, And):
        return And(normalized(cond.left), normalized(cond.right))
    if isinstance(cond, Or):
        return Or(normalized(cond.left), normalized(cond.right))
    return cond


def negate(cond: VCond) -> VCond:
    """`not cond` with the negation pushed down to single terms (De Morgan)."""
    if isinstance(cond, Not):
        return cond.inner
    if isinstance(cond, And):
        return Or(negate(cond.left), negate(cond.right))
    if isinstance(cond, Or):
        return And(negate(cond.left), negate(cond.right))
    return Not(cond)


# --- reading ----------------------------------------------------------------------------


def from_ifversion(expr: Expression, model: VersionModel) -> VCond | None:
    """The algebra of an ifversion condition (None for a name that is no plan or feature)."""
    if isinstance(expr, BooleanExpression):
        return from_ifversion(expr.expression, model)
    if isinstance(expr, (lg.LogicalAndExpression, lg.LogicalOrExpression)):
        left, right = from_ifversion(expr.left, model), from_ifversion(expr.right, model)
        if left is None or right is None:
            return None
        return And(left, right) if isinstance(expr, lg.LogicalAndExpression) else Or(left, right)
    if isinstance(expr, lg.LogicalNotExpression):
        inner = from_ifversion(expr.right, model)
        return None if inner is None else Not(inner)
    if isinstance(expr, (VersionName, ReleaseComparison)):
        plan = model.plan_named(expr.name)
        if isinstance(expr, VersionName):
            return Feature(expr.name) if expr.name in model.features else InPlan(plan.name) if plan else None
        return Cmp(plan.name, expr.operator, expr.release) if plan else None
    return None


def from_2020(expr: Expression, model: VersionModel) -> VCond | None:
    """The algebra of a `currentVersion` condition; None when some term is not a version test."""
    if isinstance(expr, BooleanExpression):
        return from_2020(expr.expression, model)
    if isinstance(expr, (lg.LogicalAndExpression, lg.LogicalOrExpression)):
        left, right = from_2020(expr.left, model), from_2020(expr.right, model)
        if left is None or right is None:
            return None
        return And(left, right) if isinstance(expr, lg.LogicalAndExpression) else Or(left, right)
    if isinstance(expr, (lg.EqExpression, lg.NeExpression)):
        lhs, rhs = expr.left, expr.right
        literal = _literal(rhs) if _is_current(lhs) else _literal(lhs) if _is_current(rhs) else None
        term = _equals(literal, model) if literal is not None else None
        return Not(term) if term is not None and isinstance(expr, lg.NeExpression) else term
    if isinstance(expr, VersionComparison):
        literal = _literal(expr.right)
        if not _is_current(expr.left) or literal is None:
            return None
        return _ordered(literal, ">" if expr.operator == "ver_gt" else "<", model)
    if isinstance(expr, lg.ContainsExpression):
        return _contains(expr.left, expr.right, model)
    return None


def _is_current(expr: Expression) -> bool:
    return isinstance(expr, LiquidPath) and expr.path == ["currentVersion"]


def _literal(expr: Expression) -> str | None:
    return expr.value if isinstance(expr, StringLiteral) else None


def _plan(model: VersionModel, name: str) -> Plan | None:
    return next((p for p in model.plans if p.name == name), None)


def _numbered(plan: Plan) -> bool:
    return all(release_key(r) is not None for r in plan.releases)


def _equals(version_id: str, model: VersionModel) -> VCond | None:
    name, at, release = version_id.rpartition("@")
    plan = _plan(model, name) if at else None
    if plan is None:
        return None
    if _numbered(plan):
        return Cmp(plan.name, "=", release) if release_key(release) is not None else None
    return InPlan(plan.name) if plan.releases == (release,) else None


def _ordered(literal: str, op: str, model: VersionModel) -> VCond | None:
    name, at, release = literal.rpartition("@")
    if release_key(release) is None:
        return None
    if at:  # ver_gt/ver_lt are false across plans, like ifversion's comparisons
        plan = _plan(model, name)
        return Cmp(plan.name, op, release) if plan is not None and _numbered(plan) else None
    terms = [Cmp(p.name, op, release) for p in model.plans if _numbered(p)]  # a bare release: any numbered plan
    if not terms:
        return None
    result: VCond = terms[-1]
    for term in reversed(terms[:-1]):
        result = Or(term, result)
    return result


def _contains(container: Expression, item: Expression, model: VersionModel) -> VCond | None:
    if _is_current(item) and isinstance(container, LiquidPath) and len(container.path) == 1:
        plan = next((p for p in model.plans if p.context_name and f"{p.context_name}Versions" == container.path[0]), None)
        return InPlan(plan.name) if plan else None
    literal = _literal(item)
    if _is_current(container) and literal and literal.endswith("@"):
        plan = _plan(model, literal[:-1])
        return InPlan(plan.name) if plan else None
    return None


# --- writing ----------------------------------------------------------------------------


def to_ifversion(cond: VCond, model: VersionModel) -> str | None:
    """The condition in the ifversion grammar (`fpt or ghes > 2.21`), None when not expressible."""
    return _print(normalized(cond), lambda term: _ifversion_term(term, model))


def _ifversion_term(term: VCond, model: VersionModel) -> str | None:
    if isinstance(term, Not):
        inner = _ifversion_term(term.inner, model) if isinstance(term.inner, (InPlan, Cmp, Feature)) else None
        return f"not {inner}" if inner is not None else None
    if isinstance(term, Feature):
        return term.name
    if not isinstance(term, (InPlan, Cmp)):  # _print hands over single terms only
        return None
    plan = _plan(model, term.plan)
    if plan is None:
        return None
    name = plan.short or plan.name
    return name if isinstance(term, InPlan) else f"{name} {term.op} {term.release}"


def to_2020(cond: VCond, model: VersionModel) -> str | None:
    """The condition in the 2020 grammar (`currentVersion ver_gt "..."`), None when not expressible."""
    lowered = _lower_2020(cond, model)
    return None if lowered is None else _print(lowered, _2020_term)


@dataclass(frozen=True)
class _Term2020:
    text: str


# A condition lowered to the 2020 grammar: and/or over its literal terms.
Lowered2020: TypeAlias = _Term2020 | And["Lowered2020"] | Or["Lowered2020"]


def _lower_2020(cond: VCond | None, model: VersionModel) -> Lowered2020 | None:
    """Rewrite into terms the 2020 grammar has; negations are pushed down first."""
    if cond is None:
        return None
    if isinstance(cond, (And, Or)):
        left, right = _lower_2020(cond.left, model), _lower_2020(cond.right, model)
        if left is None or right is None:
            return None
        return And(left, right) if isinstance(cond, And) else Or(left, right)
    if isinstance(cond, Not) and isinstance(cond.inner, (And, Or, Not)):
        return _lower_2020(negate(cond.inner) if not isinstance(cond.inner, Not) else cond.inner.inner, model)
    if isinstance(cond, Feature):
        return _lower_2020(_versions_as_terms(model.features.get(cond.name, ()), model), model)
    if isinstance(cond, Not) and isinstance(cond.inner, Feature):
        others = [v for v in model.ids if v not in model.features.get(cond.inner.name, ())]
        return _lower_2020(_versions_as_terms(others, model), model)
    return _lower_term(cond, model)


def _lower_term(cond: VCond, model: VersionModel) -> Lowered2020 | None:
    negated = isinstance(cond, Not)
    term = cond.inner if isinstance(cond, Not) else cond
    if not isinstance(term, (InPlan, Cmp)):  # the caller has lowered features and compound negations
        return None
    plan = _plan(model, term.plan)
    if plan is None:
        return None
    if isinstance(term, InPlan):
        if not negated:
            return _in_plan_2020(plan)
        if len(plan.releases) == 1:
            return _Term2020(f'currentVersion != "{plan.name}@{plan.releases[0]}"')
        others = [p for p in model.plans if p.name != plan.name]
        return _any_of([_in_plan_2020(p) for p in others]) if others else None
    op = NEGATED_OP[term.op] if negated else term.op
    if negated:  # not (ghes > 2.21): outside the plan, or a release the other way
        return _lower_2020(Or(Not(InPlan(plan.name)), Cmp(plan.name, op, term.release)), model)
    literal = f'"{plan.name}@{term.release}"'
    simple = {"=": f"currentVersion == {literal}", ">": f"currentVersion ver_gt {literal}",
              "<": f"currentVersion ver_lt {literal}"}
    if op in simple:
        return _Term2020(simple[op])
    if op == "!=":
        return And(_in_plan_2020(plan), _Term2020(f"currentVersion != {literal}"))
    return Or(_Term2020(f"currentVersion == {literal}"), _Term2020(simple[op[0]]))


def _in_plan_2020(plan: Plan) -> _Term2020:
    if len(plan.releases) == 1:
        return _Term2020(f'currentVersion == "{plan.name}@{plan.releases[0]}"')
    if plan.context_name:
        return _Term2020(f"{plan.context_name}Versions contains currentVersion")
    return _Term2020(f'currentVersion contains "{plan.name}@"')


def open_plan_test_2020(plan: Plan) -> str:
    """A 2020 test for "a release of this plan", true for releases added later too."""
    if plan.context_name:
        return f"{plan.context_name}Versions contains currentVersion"
    return f'currentVersion contains "{plan.name}@"'


def _versions_as_terms(version_ids: Iterable[str], model: VersionModel) -> VCond | None:
    """A set of version ids as whole plans where it holds all of a plan, else single releases."""
    chosen = set(version_ids)
    terms: list[VCond] = []
    for plan in model.plans:
        ids = {f"{plan.name}@{r}" for r in plan.releases}
        if ids <= chosen:
            terms.append(InPlan(plan.name))
        else:
            terms.extend(Cmp(plan.name, "=", r) if _numbered(plan) else InPlan(plan.name)
                         for r in plan.releases if f"{plan.name}@{r}" in chosen)
    return _any_of(terms)


Tree = TypeVar("Tree", VCond, Lowered2020)


def _any_of(terms: list[Tree]) -> Tree | None:
    if not terms:
        return None
    result = terms[-1]
    for term in reversed(terms[:-1]):
        result = Or(term, result)
    return result


def _2020_term(term: Lowered2020) -> str | None:
    return term.text if isinstance(term, _Term2020) else None


def _print(cond: Tree, term_text: Callable[[Tree], str | None]) -> str | None:
    """Flat text for a tree: and/or group to the right, so a left operand must be one term."""
    if not isinstance(cond, (And, Or)):
        return term_text(cond)
    left, right = cond.left, cond.right
    if isinstance(left, type(cond)):  # (a or b) or c == a or (b or c)
        return _print(type(cond)(left.left, type(cond)(left.right, right)), term_text)
    if isinstance(left, (And, Or)):
        if isinstance(right, (And, Or)):
            return None  # would need parentheses
        left, right = right, left
    left_text, right_text = term_text(left), _print(right, term_text)
    if left_text is None or right_text is None:
        return None
    return f"{left_text} {'and' if isinstance(cond, And) else 'or'} {right_text}"
