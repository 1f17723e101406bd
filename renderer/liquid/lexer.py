"""The template lexer: python-liquid's tokens, with template text found by one search.

python-liquid reads the text between tags with a lazy `.+?` that tries its tag and
output rules at every character: about 80 ns a character, 0.4 s for the 5 MB of Liquid
in the 2020 corpus. Text ends only where `{%` or `{{` starts (or just before a final
newline, where the rules' `$` matches), so `DocsLexer` finds that place with one search;
a plain tag ends at its first `%}`, found with another; the compiled rules run only for
the rest (outputs, `raw` and `doc` blocks, broken markup). Its token loop is
python-liquid's `_tokenize_template` (2.3.6) step for step; tests/test_render_loop.py
checks that the tokens and errors are the same (0.30 -> 0.08 s for the corpus).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from liquid.exceptions import LiquidSyntaxError
from liquid.token import TOKEN_COMMENT, TOKEN_CONTENT, TOKEN_DOC, TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_OUTPUT, TOKEN_TAG, Token

from renderer.liquid.internals import compile_liquid_rules

_MARKUP_START = re.compile(r"\{[{%]")
_TAG_HEAD = re.compile(r"\{%-?\s*(#|\w++)\s*")  # the tag rule's start: `{%`, `-`, the name
_RULE_TAG, _RULE_RAW, _RULE_DOC = "TAG", "RAW", "DOC"  # python-liquid's names for these rules


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


class TagParts(NamedTuple):
    """What the tag rule matches: `{%- name expression -%}`."""

    name: str
    name_start: int
    expression: str
    expression_start: int
    rstrip: bool  # closed with `-%}`: the text after it loses its leading spaces
    text: str  # the whole tag
    end: int


class DocsLexer:
    """Source text -> python-liquid tokens (an `Environment.tokenizer()`)."""

    def __init__(self) -> None:
        self.rules = docs_rules()

    def __call__(self, source: str) -> list[Token]:
        return _Tokenizing(self.rules, source).run()


class _Tokenizing:
    """One source being cut into tokens: python-liquid's loop and its state."""

    def __init__(self, rules: re.Pattern[str], source: str):
        self.rules = rules
        self.source = source
        self.tokens: list[Token] = []
        self.lstrip = False  # the previous tag or output ended with `-%}` / `-}}`
        self.comment_depth = 0
        self.comment_index = 0
        self.comment_text: list[str] = []

    def run(self) -> list[Token]:
        source, size = self.source, len(self.source)
        final_newline = size - 1 if source.endswith("\n") else size  # `$` in the text rule matches there too
        position = 0
        while position < size:
            if source.startswith("{%", position) and (end := self.plain_tag(position)):
                position = end
                continue
            if source.startswith("{%", position) or source.startswith("{{", position):
                match = self.rules.match(source, position)
                if match is None:  # cannot happen: the text rule matches anywhere
                    raise AssertionError(f"no Liquid rule matched at {position}")
                position = match.end()
                self.markup(match)
                continue
            found = _MARKUP_START.search(source, position + 1)
            end = found.start() if found else final_newline if final_newline > position else size
            rstrip = found is not None and source.startswith("-", end + 2)  # `{%-` / `{{-` strip the text
            self.text(source[position:end], position, rstrip)
            position = end
        return self.tokens

    def text(self, value: str, start: int, rstrip: bool) -> None:
        """Template text (it holds no `{%` or `{{`)."""
        if self.comment_depth:
            self.comment_text.append(value)
            return
        if self.lstrip:
            value = value.lstrip()
        if rstrip:
            value = value.rstrip()
        if value:
            self.tokens.append(Token(TOKEN_CONTENT, value, start, self.source))

    def markup(self, match: re.Match[str]) -> None:
        """What the rules matched where `{%` or `{{` starts."""
        kind, value, source = match.lastgroup, match.group(), self.source
        if self.comment_depth:
            self.in_comment(match, kind, value)
        elif kind == TOKEN_OUTPUT:
            self.tokens.append(Token(TOKEN_OUTPUT, value, match.start(), source))
            self.tokens.append(Token(TOKEN_EXPRESSION, match.group("stmt"), match.start("stmt"), source))
            self.lstrip = bool(match.group("rss"))
        elif kind == _RULE_TAG:
            self.tag(match)
        elif kind == _RULE_RAW:
            self.lstrip = bool(match.group("rsr"))
            self.tokens.append(Token(TOKEN_CONTENT, match.group("raw"), match.start(), source))
        elif kind == _RULE_DOC:
            self.lstrip = bool(match.group("rsd"))
            self.tokens.append(Token(TOKEN_DOC, match.group("doc"), match.start(), source))
        else:  # the text rule at `{%` / `{{`: no tag or output could be read there
            self.unread_markup(match, value)

    def plain_tag(self, position: int) -> int:
        """Read the tag at `position` as the tag rule would; its end, or 0 when the full
        rules must decide (`raw` and `doc` blocks, no name, no closing `%}`).

        The rule's expression runs to the first `%}` (or `-%}`) without its trailing
        spaces, so one search finds where the tag ends.
        """
        source = self.source
        head = _TAG_HEAD.match(source, position)
        if head is None or head.group(1) in ("raw", "doc"):
            return 0
        expression_start = head.end()
        close = source.find("%}", expression_start)
        if close < 0:
            return 0
        expression_end = close - 1 if close > expression_start and source[close - 1] == "-" else close
        expression = source[expression_start:expression_end].rstrip()
        self.read_tag(TagParts(head.group(1), head.start(1), expression, expression_start,
                               expression_end < close, source[position : close + 2], close + 2))
        return close + 2

    def tag(self, match: re.Match[str]) -> None:
        self.read_tag(TagParts(match.group("name"), match.start("name"), match.group("expr"), match.start("expr"),
                               bool(match.group("rst")), match.group(), match.end()))

    def read_tag(self, tag: TagParts) -> None:
        if self.comment_depth:
            self.tag_in_comment(tag)
            return
        source = self.source
        self.tokens.append(Token(TOKEN_TAG, tag.name, tag.name_start, source))
        self.lstrip = tag.rstrip
        if tag.expression:
            self.tokens.append(Token(TOKEN_EXPRESSION, tag.expression, tag.expression_start, source))
        if tag.name == "comment":
            if not self.comment_depth:
                self.comment_index = tag.end
            self.comment_depth += 1

    def in_comment(self, match: re.Match[str], kind: str | None, value: str) -> None:
        if kind == _RULE_TAG:
            self.tag(match)
        else:
            self.comment_text.append(value)

    def tag_in_comment(self, tag: TagParts) -> None:
        if tag.name == "endcomment":
            self.comment_depth -= 1
            if not self.comment_depth:
                self.tokens.append(Token(TOKEN_COMMENT, "".join(self.comment_text), self.comment_index, self.source))
                self.comment_index = 0
                self.comment_text.clear()
                self.tokens.append(Token(TOKEN_TAG, tag.name, tag.name_start, self.source))
                self.lstrip = tag.rstrip
                return
        elif tag.name == "comment":
            self.comment_depth += 1
        self.comment_text.append(tag.text)

    def unread_markup(self, match: re.Match[str], value: str) -> None:
        if self.lstrip:
            value = value.lstrip()
        if match.group("rstrip"):
            value = value.rstrip()
        if not value:
            return
        eof = Token(TOKEN_EOF, match.group(), match.start(), self.source)
        if value.startswith("{{"):
            raise LiquidSyntaxError("expected '}}', found end of file", token=eof)
        if value.startswith("{%"):
            raise LiquidSyntaxError("missing tag name or closing delimiter", token=eof)
        self.tokens.append(Token(TOKEN_CONTENT, value, match.start(), self.source))
