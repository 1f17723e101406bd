"""`{% include name %}`: a template from the docs root's `includes/` folder."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from liquid.ast import Node
from liquid.exceptions import LiquidSyntaxError
from liquid.tag import Tag
from liquid.token import TOKEN_TAG, Token

from renderer.liquid.state import DocsLiquidError, SourceFile, expression_text, render_state

if TYPE_CHECKING:
    from liquid import RenderContext


class IncludeNode(Node):
    __slots__ = ("name",)

    def __init__(self, token: Token, name: str):
        super().__init__(token)
        self.name = name

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        state = render_state(context)
        found = state.tree.find_include(self.name)
        if found is None:
            if state.lenient:
                missing = DocsLiquidError(f"include {self.name!r} not found in includes/", token=self.token)
                state.warnings.append(state.error_for(missing))
                return 0
            raise DocsLiquidError(f"include {self.name!r} not found in includes/", token=self.token)
        file, text = found
        state.deps.add(f"includes/{self.name}")
        state.render_nested(SourceFile(file, text, 0), text, context, buffer, via=self.token)
        return 1


class IncludeTag(Tag):
    """`{% include name %}`: a template from the docs root's `includes/` folder."""

    name = "include"
    block = False

    def parse(self, stream) -> Node:
        tag = stream.eat(TOKEN_TAG)
        text, token = expression_text(stream, tag)
        name = text.split()[0].strip("'\"") if text else ""
        if not re.fullmatch(r"[\w-]+(?:\.html)?", name):
            raise LiquidSyntaxError(f"invalid include name {name!r}", token=token)
        return IncludeNode(token, name)
