"""Output statements (`{{ expression }}`), with the leniency of GitHub's 2020 engine.

Its Liquid printed the leading value of an output statement and ignored what followed,
so `${{ github.event_name == 'pull_request' }}` in a workflow sample printed `$` and
the (undefined, empty) variable. A lenient environment does the same; a strict one
reports the statement as the mistake it is.
"""

from __future__ import annotations

from liquid.builtin.expressions import FilteredExpression, parse_primitive, tokenize
from liquid.builtin.output import Output, OutputNode
from liquid.exceptions import LiquidSyntaxError
from liquid.expression import Expression
from liquid.stream import TokenStream
from liquid.token import TOKEN_EXPRESSION, TOKEN_OUTPUT


class LenientOutput(Output):
    """`{{ a == 'b' }}` prints `a`, as in GitHub's 2020 engine."""

    def parse(self, stream: TokenStream) -> OutputNode:
        token = stream.eat(TOKEN_OUTPUT)
        expr_token = stream.expect(TOKEN_EXPRESSION)
        expression: Expression
        try:
            expression = FilteredExpression.parse(self.env, TokenStream(tokenize(expr_token.value, expr_token)))
        except LiquidSyntaxError:
            expression = parse_primitive(self.env, TokenStream(tokenize(expr_token.value, expr_token)))
        return self.node_class(token, expression)
