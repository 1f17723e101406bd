"""`{% octicon "gear" aria-label="The gear icon" %}`: an inline icon (renderer.liquid.octicons draws it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from liquid.ast import Node
from liquid.exceptions import LiquidSyntaxError
from liquid.tag import Tag
from liquid.token import TOKEN_TAG, Token

from renderer.liquid.octicons import is_known, octicon_svg
from renderer.liquid.state import expression_text

if TYPE_CHECKING:
    from liquid import RenderContext

OCTICON_ARGS = re.compile(r'^"(?P<name>[\w-]+)"(?P<attrs>(?:\s+[\w-]+="[^"]*")*)\s*$')


class OcticonNode(Node):
    __slots__ = ("icon", "attrs")

    def __init__(self, token: Token, icon: str, attrs: dict[str, str]):
        super().__init__(token)
        self.icon = icon
        self.attrs = attrs

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return buffer.write(octicon_svg(self.icon, self.attrs))


class OcticonTag(Tag):
    """`{% octicon "gear" aria-label="The gear icon" %}`: an inline icon."""

    name = "octicon"
    block = False

    def parse(self, stream) -> Node:
        tag = stream.eat(TOKEN_TAG)
        text, token = expression_text(stream, tag)
        m = OCTICON_ARGS.match(text)
        if not m:
            raise LiquidSyntaxError('expected \'octicon "name" [attr="value" ...]\'', token=token)
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group("attrs")))
        if not is_known(m.group("name")):
            raise LiquidSyntaxError(f"unknown octicon {m.group('name')!r} (not in @primer/octicons)", token=token)
        return OcticonNode(token, m.group("name"), attrs)

