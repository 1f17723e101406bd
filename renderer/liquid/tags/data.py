"""`{% data %}` and `{% indented_data_reference %}`: variables and reusables.

A path names a data item: `variables.product.prodname_actions`, `reusables.x.y`. As in
GitHub's engine, a path may index a list with a loop variable or a number
(`{% data glossaries.external[forloop.index0].term %}`), and `indented_data_reference`
also takes the `site.data.` form (`site.data.reusables.x.y`).
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, TextIO

from liquid.ast import Node
from liquid.builtin.expressions import parse_primitive, tokenize
from liquid.exceptions import LiquidSyntaxError
from liquid.expression import Expression
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_TAG, Token

from renderer.liquid.state import expression_text, render_state

if TYPE_CHECKING:
    from liquid import RenderContext

# A path is dotted names with optional `[index]` parts: a number, a quoted key or a variable.
PATH_SYNTAX = re.compile(r"[\w-]+(?:\.[\w-]+|\[[^\[\]]+\])*")
_PART = re.compile(r"\.?([\w-]+)|\[\s*([^\[\]]+?)\s*\]")
SITE_DATA_PREFIX = "site.data."


def line_indent(token: Token) -> str:
    """The whitespace before a tag when the tag starts its line, else ''."""
    source, start = token.source, token.start_index
    tag_start = source.rfind("{%", 0, start)
    line_start = source.rfind("\n", 0, tag_start) + 1
    before = source[line_start:tag_start]
    return before if before and not before.strip() else ""


def parse_path(env, text: str, token: Token) -> list[str | Expression]:
    """`a.b[forloop.index0].c` -> ['a', 'b', <forloop.index0>, 'c']; literal indexes stay strings."""
    parts: list[str | Expression] = []
    for m in _PART.finditer(text):
        name, index = m.groups()
        if name is not None:
            parts.append(name)
        elif re.fullmatch(r"\d+", index):
            parts.append(index)
        elif re.fullmatch(r"'[^']*'|\"[^\"]*\"", index):
            parts.append(index[1:-1])
        else:
            parts.append(parse_primitive(env, TokenStream(tokenize(index, token))))
    return parts


class DataNode(Node):
    """A data reference. `path` is the dotted path (with `0` for a variable index, so a static
    check can look at the first item); the node renders the path its indexes evaluate to."""

    __slots__ = ("path", "indent", "parts")

    def __init__(self, token: Token, path: str, parts: list[str | Expression] | None = None):
        super().__init__(token)
        dynamic = parts is not None and not all(isinstance(p, str) for p in parts)
        self.parts = parts if dynamic else None  # None: the path is the same in every render
        # interned: thousands of tags name the same few hundred paths
        self.path = sys.intern(".".join(p if isinstance(p, str) else "0" for p in parts) if parts else path)
        # A reusable placed on an indented line (under a list step) belongs to that
        # step as a whole: its following lines get the same indentation.
        self.indent = line_indent(token) if token.start_index >= 0 else ""

    def __str__(self) -> str:
        return f"{{% data {self.path} %}}"

    def dotted(self, context: RenderContext) -> str:
        """The path for this render: variable indexes evaluated."""
        if self.parts is None:
            return self.path
        return ".".join(p if isinstance(p, str) else str(p.evaluate(context)) for p in self.parts)

    def text(self, context: RenderContext) -> str:
        return render_state(context).render_data(self.dotted(context), self.token, context)

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        text = self.text(context)
        if self.indent and "\n" in text:
            text = text.replace("\n", "\n" + self.indent)
        return buffer.write(text)


def data_node_for(env, text: str, token: Token, node_class=DataNode, **extra) -> DataNode:
    """A node for a path; a malformed one is reported when it renders (`invalid data path`)."""
    parts = parse_path(env, text, token) if "[" in text and PATH_SYNTAX.fullmatch(text) else None
    return node_class(token, text, parts, **extra)


class DataTag(Tag):
    """`{% data variables.product.prodname_actions %}` / `{% data reusables.x.y %}`."""

    name = "data"
    block = False

    def parse(self, stream) -> Node:
        tag = stream.eat(TOKEN_TAG)
        path, token = expression_text(stream, tag)
        if not path or " " in path:
            raise LiquidSyntaxError(f"'data' takes one dotted path, got {path!r}", token=token)
        return data_node_for(self.env, path, token)


class IndentedDataNode(DataNode):
    __slots__ = ("spaces",)

    def __init__(self, token: Token, path: str, parts: list[str | Expression] | None = None, spaces: int = 0):
        super().__init__(token, path, parts)
        self.spaces = spaces

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        text = self.text(context)
        pad = " " * self.spaces
        return buffer.write("\n".join(pad + line if line.strip() else line for line in text.split("\n")))


class IndentedDataReferenceTag(Tag):
    """`{% indented_data_reference reusables.x.y spaces=3 %}`: a reusable inside a list item."""

    name = "indented_data_reference"
    block = False

    def parse(self, stream) -> Node:
        tag = stream.eat(TOKEN_TAG)
        text, token = expression_text(stream, tag)
        m = re.fullmatch(r"(\S+)(?:\s+spaces=(\d+))?", text)
        if not m:
            raise LiquidSyntaxError("expected 'indented_data_reference <path> spaces=<n>'", token=token)
        path = m.group(1).removeprefix(SITE_DATA_PREFIX)  # the 2020 form names the path through site.data
        return data_node_for(self.env, path, token, IndentedDataNode, spaces=int(m.group(2) or 0))


