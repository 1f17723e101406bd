"""The python-liquid internals the engine relies on, in one place.

python-liquid has no public API for these, and the engine needs them:

- `compile_liquid_rules()` and `tokenize_template(source, rules)`: the template lexer's
  rules, which renderer/liquid/lexer.py compiles with a possessive tag name and runs
  with a faster loop; the tests hold its tokens to `tokenize_template`'s;
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
