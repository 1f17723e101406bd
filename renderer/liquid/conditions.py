"""Conditions for `if`, `elsif` and `unless`, with the docs' version operators.

python-liquid has no hook for new infix operators, so the `if` and `unless` tags are
replaced by subclasses whose expressions come from this small Pratt parser. It accepts the
standard operators (==, !=, <>, <, >, <=, >=, contains, and, or) plus `ver_gt` and
`ver_lt`, which compare version ids numerically by release and are false when the plans
differ. Tokens keep their positions in the source, so errors stay exactly located.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from liquid.ast import BlockNode, ConditionalBlockNode
from liquid.builtin.expressions import BooleanExpression
from liquid.builtin.expressions import logical as lg
from liquid.builtin.expressions.primitive import parse_primitive
from liquid.builtin.tags.if_tag import IfNode, IfTag
from liquid.builtin.tags.unless_tag import UnlessNode, UnlessTag
from liquid.exceptions import LiquidSyntaxError
from liquid.expression import Expression
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, TOKEN_WORD, Token

from renderer.liquid.internals import tokenize_expression
from renderer.model.versions import compare_versions

if TYPE_CHECKING:
    from liquid import Environment, RenderContext


class VersionComparison(Expression):
    """`left ver_gt right` / `left ver_lt right`."""

    __slots__ = ("left", "right", "operator", "wanted")

    def __init__(self, token: Token, left: Expression, right: Expression, operator: str):
        super().__init__(token=token)
        self.left = left
        self.right = right
        self.operator = operator
        self.wanted = 1 if operator == "ver_gt" else -1

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"

    def evaluate(self, context: RenderContext) -> object:
        return compare_versions(self.left.evaluate(context), self.right.evaluate(context)) == self.wanted

    async def evaluate_async(self, context: RenderContext) -> object:
        return self.evaluate(context)

    def children(self) -> list[Expression]:
        return [self.left, self.right]


VERSION_OPERATORS = frozenset({"ver_gt", "ver_lt"})

BUILTIN_INFIX: dict[str, Callable[[Token, Expression, Expression], Expression]] = {
    lg.TOKEN_EQ: lg.EqExpression,
    lg.TOKEN_NE: lg.NeExpression,
    lg.TOKEN_LG: lg.NeExpression,
    lg.TOKEN_LT: lg.LtExpression,
    lg.TOKEN_GT: lg.GtExpression,
    lg.TOKEN_LE: lg.LeExpression,
    lg.TOKEN_GE: lg.GeExpression,
    lg.TOKEN_CONTAINS: lg.ContainsExpression,
    lg.TOKEN_AND: lg.LogicalAndExpression,
    lg.TOKEN_OR: lg.LogicalOrExpression,
}


def _precedence(token: Token) -> int | None:
    """Binding power of an infix operator token, None when it is not one."""
    if token.kind == TOKEN_WORD and token.value in VERSION_OPERATORS:
        return lg.PRECEDENCE_RELATIONAL
    if token.kind in BUILTIN_INFIX:
        return lg.PRECEDENCES[token.kind]
    return None


def parse_condition(env: Environment, tokens: TokenStream, precedence: int = lg.PRECEDENCE_LOWEST) -> Expression:
    """Parse an operand followed by infix operators binding tighter than `precedence`.

    `and`/`or` are right-associative with equal precedence, as in Liquid. A lenient
    environment ignores trailing junk (`... % %}`), as GitHub's 2020 engine did.
    """
    left = parse_primitive(env, tokens)
    while tokens.current.kind != TOKEN_EOF:
        token = tokens.current
        binding = _precedence(token)
        if binding is None:
            if getattr(env, "lenient", False):
                while tokens.current.kind != TOKEN_EOF:
                    next(tokens)
                break
            raise LiquidSyntaxError(f"expected an operator, found {token.value!r}", token=token)
        if binding < precedence:
            break
        next(tokens)
        right = parse_condition(env, tokens, binding)
        if token.kind == TOKEN_WORD:
            left = VersionComparison(token, left, right, token.value)
        else:
            left = BUILTIN_INFIX[token.kind](token, left, right)
    return left


def parse_boolean(env: Environment, tokens: TokenStream, where: Token) -> BooleanExpression:
    """A whole condition; errors without a position point at the tag (`where`)."""
    try:
        if tokens.current.kind == TOKEN_EOF:
            raise LiquidSyntaxError("missing condition", token=where)
        expr = parse_condition(env, tokens)
        tokens.eat(TOKEN_EOF)
    except LiquidSyntaxError as err:
        if err.token is None or err.token.start_index < 0:
            err.token = where
        raise
    return BooleanExpression(expr.token, expr)


def condition_tokens(env: Environment, stream: TokenStream, tag: Token) -> TokenStream:
    """The tokens of a tag's condition; lenient mode drops a stray trailing '%' (`x % %}`)."""
    current = stream.current
    if getattr(env, "lenient", False) and current.kind == TOKEN_EXPRESSION and current.value.rstrip().endswith("%"):
        next(stream)
        fixed = current._replace(value=current.value.rstrip().rstrip("%"))
        return TokenStream(tokenize_expression(fixed.value, parent_token=fixed))
    return stream.into_inner(tag=tag)


class Clause(NamedTuple):
    """One tag of a conditional block, kept so tools can edit the source by exact spans.

    `name` is the tag as written (`if`, `elsif`, `else`, `endif`, ...); `ignored` marks a
    branch the lenient parser skipped after the first `else`. `token` is the tag name's token:
    its start_index points at the name inside `{% ... %}` of `token.source`.
    """

    name: str
    token: Token
    ignored: bool = False


class ConditionalTag(Tag):
    """Shared strict parser for `if`/`unless` blocks: condition, elsif*, else?, end."""

    node_class: type[VersionedIfNode] | type[VersionedUnlessNode]

    def parse_expression(self, stream: TokenStream, tag: Token) -> BooleanExpression:
        """The condition after `tag` (an `if`/`unless`/`elsif` name token)."""
        where = stream.current if stream.current.kind == TOKEN_EXPRESSION else tag
        return parse_boolean(self.env, condition_tokens(self.env, stream, tag), where)

    def parse(self, stream: TokenStream) -> VersionedIfNode | VersionedUnlessNode:
        token = stream.eat(TOKEN_TAG)
        clauses = [Clause(token.value, token)]
        condition = self.parse_expression(stream, token)
        parse_block = get_parser(self.env).parse_block
        enders = frozenset((self.end, "elsif", "else"))
        consequence = parse_block(stream, enders)
        alternatives: list[ConditionalBlockNode] = []
        while stream.current.is_tag("elsif"):
            elsif = next(stream)
            clauses.append(Clause("elsif", elsif))
            expr = self.parse_expression(stream, elsif)
            alt_token = stream.current
            alternatives.append(ConditionalBlockNode(alt_token, expression=expr, block=parse_block(stream, enders)))
        default = self.parse_default(stream, enders, clauses) if stream.current.is_tag("else") else None
        if not stream.current.is_tag(self.end):
            raise LiquidSyntaxError(f"missing '{{% {self.end} %}}' for '{{% {self.name} %}}'", token=token)
        clauses.append(Clause(self.end, stream.current))
        node = self.node_class(token=token, condition=condition, consequence=consequence,
                               alternatives=alternatives, default=default)
        node.clauses = tuple(clauses)
        return node

    def parse_default(self, stream: TokenStream, enders: frozenset[str], clauses: list[Clause]) -> BlockNode:
        """The `else` branch (the stream is on the `else` tag)."""
        parse_block = get_parser(self.env).parse_block
        lenient = getattr(self.env, "lenient", False)
        clauses.append(Clause("else", next(stream)))
        if stream.current.kind == TOKEN_EXPRESSION:
            if not lenient:
                raise LiquidSyntaxError("found an 'else' tag expression, did you mean 'elsif'?", token=stream.current)
            next(stream)  # `{% else if x %}` was a plain else to the 2020 engine
        default = parse_block(stream, enders)
        while lenient and (stream.current.is_tag("elsif") or stream.current.is_tag("else")):
            clauses.append(Clause(stream.current.value, next(stream), ignored=True))
            if stream.current.kind == TOKEN_EXPRESSION:  # the 2020 engine ignored branches after the first else
                next(stream)
            parse_block(stream, enders)
        if stream.current.is_tag("elsif") or stream.current.is_tag("else"):
            raise LiquidSyntaxError(f"unexpected '{stream.current.value}' after 'else'", token=stream.current)
        return default


class VersionedIfNode(IfNode):
    """An `if` block that remembers its clauses (see Clause)."""

    __slots__ = ("clauses",)
    clauses: tuple[Clause, ...]


class VersionedUnlessNode(UnlessNode):
    """An `unless` block that remembers its clauses."""

    __slots__ = ("clauses",)
    clauses: tuple[Clause, ...]


class VersionedIfTag(ConditionalTag, IfTag):
    """`if` with version operators."""

    node_class = VersionedIfNode


class VersionedUnlessTag(ConditionalTag, UnlessTag):
    """`unless` with version operators."""

    node_class = VersionedUnlessNode
