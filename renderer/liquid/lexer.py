"""The template lexer: python-liquid's own, with template text found by one search.

python-liquid reads the text between tags with a lazy `.+?` that tries its tag and
output rules at every character: about 80 ns a character, 0.4 s for the 5 MB of Liquid
in the 2020 corpus. Text ends only where `{%` or `{{` starts (or just before a final
newline, where the rules' `$` matches), so `ScanningRules` finds that place with one
search and runs the compiled rules only there. python-liquid's token loop is reused as
it is; the tokens are the same, which tests/test_liquid_lexer.py checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import cast

from liquid.token import TOKEN_CONTENT, Token

from renderer.liquid.internals import compile_liquid_rules, tokenize_template

_MARKUP_START = re.compile(r"\{[{%]")


def docs_rules() -> re.Pattern[str]:
    r"""python-liquid's rules with a possessive tag name.

    Its tag rule lets the name (`\w+`) give characters back to the expression after it,
    which is quadratic on an unclosed `{%` before a long word: 30,000 letters took
    minutes, inside one regex call that no timeout can interrupt. A name that gives
    nothing back matches exactly the same tags and fails in linear time.
    """
    rules = compile_liquid_rules()
    pattern = rules.pattern.replace(r"(?P<name>#|\w+)", r"(?P<name>#|\w++)")
    return re.compile(pattern, re.DOTALL) if pattern != rules.pattern else rules


class TextMatch:
    """What python-liquid's token loop reads from a match of its `content` rule."""

    __slots__ = ("text", "index", "rstrip")
    lastgroup = TOKEN_CONTENT

    def __init__(self, text: str, index: int, rstrip: str | None):
        self.text = text
        self.index = index
        self.rstrip = rstrip  # "-" when the next tag opens with `{%-` / `{{-`

    def group(self, name: int | str = 0) -> str | None:
        return self.rstrip if name == "rstrip" else self.text

    def start(self, name: int | str = 0) -> int:
        return self.index


class ScanningRules:
    """Stands in for the compiled rules: `finditer` gives the matches `rules.finditer` gives."""

    def __init__(self, rules: re.Pattern[str]):
        self.rules = rules

    def finditer(self, source: str) -> Iterator[re.Match[str] | TextMatch]:
        position, size = 0, len(source)
        # `$` in the text rule also matches just before a final newline
        final_newline = size - 1 if source.endswith("\n") else size
        while position < size:
            if source.startswith("{%", position) or source.startswith("{{", position):
                match = self.rules.match(source, position)
                if match is None:  # cannot happen: the text rule matches anywhere
                    raise AssertionError(f"no Liquid rule matched at {position}")
                yield match
                position = match.end()
                continue
            markup = _MARKUP_START.search(source, position + 1)
            end = markup.start() if markup else final_newline if final_newline > position else size
            rstrip = None if markup is None else "-" if source.startswith("-", end + 2) else ""
            yield TextMatch(source[position:end], position, rstrip)
            position = end


def docs_tokenizer() -> Callable[[str], Iterator[Token]]:
    """A lexer for `Environment.tokenizer`: source text -> python-liquid tokens."""
    return partial(tokenize_template, rules=cast(re.Pattern[str], ScanningRules(docs_rules())))
