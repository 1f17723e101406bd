"""`{% octicon "gear" aria-label="The gear icon" %}`: an inline icon."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from liquid.ast import Node
from liquid.exceptions import LiquidSyntaxError
from liquid.tag import Tag
from liquid.token import TOKEN_TAG, Token

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
        label = self.attrs.get("aria-label")
        extra = f' aria-label="{escape_attr(label)}" role="img"' if label else ' aria-hidden="true"'
        return buffer.write(
            f'<svg version="1.1" width="16" height="16" viewBox="0 0 16 16" class="octicon octicon-{self.icon}"{extra}>'
            '<circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="1.5"></circle></svg>'
        )


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
        return OcticonNode(token, m.group("name"), attrs)


def escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
