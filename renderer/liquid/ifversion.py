"""`{% ifversion %}`: the 2021 version syntax, beside `{% if currentVersion ... %}`.

    {% ifversion fpt or ghes > 2.21 %} ... {% elsif ghae %} ... {% else %} ... {% endif %}

A condition names plans by their short (or full) name from the versions file, and
features from `data/features/NAME.yml`. `ghes > 2.21` is true in enterprise-server
releases after 2.21, compared as numbers (3.10 > 3.9); every comparison (`=`, `!=`, `<`,
`>`, `<=`, `>=`) is false in other plans, as in GitHub's engine. `not` negates the operand
after it; `and` and `or` group to the right with equal precedence, as Liquid's `if` does.
Inside an `ifversion` block `elsif` takes this grammar too. Names are resolved when the
block renders (the parser does not know the versions file); a name that is neither a plan
nor a feature is an error located at the name, whichever branch is taken.

`versions_where(condition, model)` gives the version ids a condition is true in; `render
check` and the lifecycle tools use it and `name_problems(condition, model)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from liquid.builtin.expressions import BooleanExpression
from liquid.builtin.expressions import logical as lg
from liquid.builtin.tags.if_tag import IfTag
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.expression import Expression
from liquid.stream import TokenStream
from liquid.token import TOKEN_EXPRESSION, Token

from renderer.liquid.conditions import ConditionalTag, VersionedIfNode
from renderer.model.versions import VersionModel, release_key

if TYPE_CHECKING:
    from liquid import RenderContext

COMPARISON_OPERATORS = ("=", "!=", "<", ">", "<=", ">=")
_LEXEME = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)*)\b|(?P<word>[A-Za-z_][\w-]*)|(?P<op>!=|<=|>=|==|=|<|>)|(?P<other>\S))")


class VersionNameError(LiquidError):
    """A name in an ifversion condition that is no plan or feature (found when rendering)."""


class VersionName(Expression):
    """A plan (short or full name) or a feature: true in the versions it names."""

    __slots__ = ("name",)

    def __init__(self, token: Token, name: str):
        super().__init__(token=token)
        self.name = name

    def __str__(self) -> str:
        return self.name

    def evaluate(self, context: RenderContext) -> object:
        return _current_version(context, self) in versions_where(self, _model_of(context, self))

    def children(self) -> list[Expression]:
        return []


class ReleaseComparison(Expression):
    """`ghes > 2.21`: true in the plan's releases that compare so with the release."""

    __slots__ = ("name", "operator", "release", "release_token")

    def __init__(self, token: Token, name: str, operator: str, release: str, release_token: Token):
        super().__init__(token=token)
        self.name = name
        self.operator = operator
        self.release = release
        self.release_token = release_token

    def __str__(self) -> str:
        return f"{self.name} {self.operator} {self.release}"

    def evaluate(self, context: RenderContext) -> object:
        return _current_version(context, self) in versions_where(self, _model_of(context, self))

    def children(self) -> list[Expression]:
        return []


def _model_of(context: RenderContext, expr: Expression) -> VersionModel:
    state = getattr(context, "render_state", None) or context.globals.get("_render")
    model = getattr(getattr(state, "tree", None), "model", None)
    if model is None:
        raise VersionNameError("ifversion needs a docs tree's versions to evaluate", token=expr.token)
    return model


def _current_version(context: RenderContext, expr: Expression) -> str:
    state = getattr(context, "render_state", None) or context.globals.get("_render")
    version = getattr(state, "version", None) or context.globals.get("currentVersion")
    if not isinstance(version, str):
        raise VersionNameError("ifversion needs the current version", token=expr.token)
    return version


# --- parsing --------------------------------------------------------------------------


def _lexemes(expression: Token) -> Iterator[tuple[str, str, Token]]:
    """(kind, text, token) for each lexeme of an expression token; tokens keep source positions."""
    text = expression.value
    position = 0
    while position < len(text):
        match = _LEXEME.match(text, position)
        if match is None:  # only trailing whitespace is left
            return
        kind = match.lastgroup or "other"
        value = match.group(kind)
        start = expression.start_index + match.start(kind)
        yield kind, value, Token(kind, value, start, expression.source)
        position = match.end()


class _Parser:
    """Recursive descent over the lexemes of one condition."""

    def __init__(self, expression: Token):
        self.items = list(_lexemes(expression))
        self.position = 0
        self.expression = expression

    def peek(self) -> tuple[str, str, Token] | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def take(self) -> tuple[str, str, Token]:
        item = self.peek()
        if item is None:
            end = Token("eof", "", self.expression.start_index + len(self.expression.value), self.expression.source)
            raise LiquidSyntaxError("ifversion condition ends too early: expected a plan or feature name", token=end)
        self.position += 1
        return item

    def condition(self) -> Expression:
        """Operands joined by `and`/`or`, grouped to the right (read in a loop: no recursion per term)."""
        operands = [self.operand()]
        joins: list[str] = []
        while (item := self.peek()) is not None:
            kind, value, token = item
            if kind != "word" or value not in ("and", "or"):
                raise LiquidSyntaxError(f"expected 'and', 'or' or the end of the condition, found {value!r}", token=token)
            self.position += 1
            joins.append(value)
            operands.append(self.operand())
        result = operands[-1]
        for left, join in zip(reversed(operands[:-1]), reversed(joins), strict=False):
            cls = lg.LogicalAndExpression if join == "and" else lg.LogicalOrExpression
            result = cls(left.token, left, result)
        return result

    def operand(self) -> Expression:
        kind, value, token = self.take()
        if kind == "word" and value == "not":
            inner = self.operand()
            return lg.LogicalNotExpression(token, inner)
        if kind != "word" or value in ("and", "or"):
            hint = " (ifversion has no parentheses)" if value in "()" else ""
            raise LiquidSyntaxError(f"expected a plan or feature name, found {value!r}{hint}", token=token)
        following = self.peek()
        if following is None or following[0] != "op":
            return VersionName(token, value)
        self.position += 1
        operator, op_token = following[1], following[2]
        if operator == "==":
            raise LiquidSyntaxError("ifversion compares releases with '=', not '=='", token=op_token)
        release_kind, release, release_token = self.take()
        if release_kind != "number":
            raise LiquidSyntaxError(f"expected a release number after {value} {operator}, found {release!r}",
                                    token=release_token)
        return ReleaseComparison(token, value, operator, release, release_token)


def parse_ifversion(stream: TokenStream, tag: Token) -> BooleanExpression:
    """The condition of an `ifversion`/`elsif` tag (the stream is just past the tag name)."""
    if stream.current.kind != TOKEN_EXPRESSION:
        raise LiquidSyntaxError(f"'{tag.value}' needs a condition, e.g. '{{% ifversion fpt or ghes > 2.21 %}}'", token=tag)
    expression = stream.current
    next(stream)
    expr = _Parser(expression).condition()
    return BooleanExpression(expr.token, expr)


# --- meaning --------------------------------------------------------------------------


def versions_where(expr: Expression, model: VersionModel) -> frozenset[str]:
    """The supported version ids an ifversion condition is true in; VersionNameError for unknown names."""
    if isinstance(expr, BooleanExpression):
        return versions_where(expr.expression, model)
    if isinstance(expr, lg.LogicalAndExpression):
        return versions_where(expr.left, model) & versions_where(expr.right, model)
    if isinstance(expr, lg.LogicalOrExpression):
        return versions_where(expr.left, model) | versions_where(expr.right, model)
    if isinstance(expr, lg.LogicalNotExpression):
        return frozenset(model.ids) - versions_where(expr.right, model)
    if isinstance(expr, VersionName):
        if expr.name in model.features:
            return frozenset(model.features[expr.name])
        return frozenset(v.id for v in model.versions if v.plan == _plan_of(expr, model))
    if isinstance(expr, ReleaseComparison):
        plan = _plan_of(expr, model)
        wanted = release_key(expr.release)
        return frozenset(v.id for v in model.versions
                         if v.plan == plan and _compares(release_key(v.release), expr.operator, wanted))
    raise VersionNameError(f"not an ifversion condition: {expr}", token=expr.token)


def _plan_of(expr: VersionName | ReleaseComparison, model: VersionModel) -> str:
    plan = model.plan_named(expr.name)
    if plan is None:
        if isinstance(expr, ReleaseComparison) and expr.name in model.features:
            raise VersionNameError(f"feature `{expr.name}` cannot be compared with a release", token=expr.token)
        raise VersionNameError(unknown_name_message(expr.name, model), token=expr.token)
    if isinstance(expr, ReleaseComparison) and all(release_key(r) is None for r in plan.releases):
        raise VersionNameError(f"plan `{expr.name}` has no numbered releases to compare with "
                               f"(its releases: {', '.join(plan.releases)})", token=expr.token)
    return plan.name


def unknown_name_message(name: str, model: VersionModel) -> str:
    shorts = [p.short or p.name for p in model.plans]
    features = ", ".join(sorted(model.features)) or "none"
    return f"unknown plan or feature `{name}` in ifversion (plans: {', '.join(shorts)}; features: {features})"


def _compares(key: tuple[int, ...] | None, operator: str, wanted: tuple[int, ...] | None) -> bool:
    if key is None or wanted is None:
        return False
    return {"=": key == wanted, "!=": key != wanted, "<": key < wanted, ">": key > wanted,
            "<=": key <= wanted, ">=": key >= wanted}[operator]


def name_problems(expr: Expression, model: VersionModel) -> list[tuple[Token, str]]:
    """Every mistake in a condition's names and releases: (token, message), for `render check`.

    Unknown plans or features, comparisons on plans without numbered releases, and
    releases that are neither supported nor deprecated.
    """
    found: list[tuple[Token, str]] = []
    for leaf in condition_leaves(expr):
        try:
            versions_where(leaf, model)
        except VersionNameError as err:
            found.append((leaf.token, str(err.message)))
            continue
        if isinstance(leaf, ReleaseComparison):
            plan = model.plan_named(leaf.name)
            if plan is not None and not any(release_key(r) == release_key(leaf.release)
                                            for r in (*plan.releases, *plan.deprecated)):
                found.append((leaf.release_token, f"release {leaf.release} of `{plan.name}` does not exist "
                              f"(supported: {', '.join(plan.releases)})"))
    return found


def condition_leaves(expr: Expression) -> Iterator[VersionName | ReleaseComparison]:
    """The plan/feature names and release comparisons of a condition, left to right."""
    if isinstance(expr, (VersionName, ReleaseComparison)):
        yield expr
        return
    inner = expr.expression if isinstance(expr, BooleanExpression) else None
    for child in [inner] if inner is not None else expr.children():
        yield from condition_leaves(child)


# --- the tag --------------------------------------------------------------------------


class IfversionNode(VersionedIfNode):
    """An `ifversion` block: the first branch whose condition holds in this version renders."""

    __slots__ = ()

    def conditions(self) -> list[Expression]:
        return [self.condition, *(alternative.expression for alternative in self.alternatives)]

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        model = _model_of(context, self.condition)
        version = _current_version(context, self.condition)
        # Every branch's names are resolved, so a typo in a branch not taken is still an error.
        chosen = [version in versions_where(condition, model) for condition in self.conditions()]
        blocks = [self.consequence, *(alternative.block for alternative in self.alternatives)]
        for holds, block in zip(chosen, blocks, strict=False):
            if holds:
                return block.render(context, buffer)
        return self.default.render(context, buffer) if self.default else 0


class IfversionTag(ConditionalTag, IfTag):
    """`{% ifversion fpt or ghes > 2.21 %} ... {% elsif ghae %} ... {% else %} ... {% endif %}`."""

    name = "ifversion"
    end = "endif"
    node_class = IfversionNode

    def parse_expression(self, stream: TokenStream, tag: Token) -> BooleanExpression:
        return parse_ifversion(stream, tag)
