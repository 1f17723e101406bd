"""The python-liquid internals the engine relies on, in one place.

python-liquid has no public API for these two, and the engine needs both:

- `tokenize_template(source, rules)`: the template lexer with our own compiled rules (a
  possessive tag-name pattern that keeps an unclosed `{%` linear; see environment.py);
- `tokenize_expression(source, parent_token)`: the expression lexer, for the condition
  parser in conditions.py (a Pratt parser on python-liquid's expression classes).

Tested with python-liquid 2.3.6; pyproject.toml pins the range (>=2.3.6,<2.4) so an
upgrade that moves them is a deliberate change, caught by the tests.
"""

from __future__ import annotations

from liquid.builtin.expressions._tokenize import tokenize as tokenize_expression
from liquid.lex import _tokenize_template as tokenize_template
from liquid.lex import compile_liquid_rules

__all__ = ["compile_liquid_rules", "tokenize_expression", "tokenize_template"]
