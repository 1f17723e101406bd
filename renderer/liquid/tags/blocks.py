"""Extended Markdown blocks: callouts (`{% note %}`, `{% tip %}`, `{% warning %}`,
`{% danger %}`) and platform blocks (`{% mac %}`, `{% windows %}`, `{% linux %}`, `{% all %}`).

Each renders its content inside `<div class="extended-markdown KIND ...">`, as GitHub's
2020 engine did.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from liquid.ast import BlockNode, Node
from liquid.exceptions import LiquidSyntaxError
from liquid.parser import get_parser
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

if TYPE_CHECKING:
    from liquid import RenderContext

# Content opening with a code fence on the tag's next line: GitHub's engine rendered the
# fence as code, where a Markdown HTML block would swallow it as raw text.
FENCE_FIRST = re.compile(r"\n[ \t]*(?:```|~~~)")

CALLOUT_CLASSES = {
    "note": "border rounded-1 mb-4 p-3 border-blue bg-blue-light f5",
    "tip": "border rounded-1 mb-4 p-3 border-blue bg-blue-light f5",
    "warning": "border rounded-1 mb-4 p-3 border-red bg-red-light f5",
    "danger": "border rounded-1 mb-4 p-3 border-red bg-red-light f5",
    "mac": "",
    "windows": "",
    "linux": "",
    "all": "",
}


class WrapperNode(Node):
    __slots__ = ("block", "kind")

    def __init__(self, token: Token, kind: str, block: BlockNode):
        super().__init__(token)
        self.kind = kind
        self.block = block

    def __str__(self) -> str:
        return f"{{% {self.kind} %}}{self.block}{{% end{self.kind} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        classes = f"extended-markdown {self.kind} {CALLOUT_CLASSES[self.kind]}".rstrip()
        buffer.write(f'<div class="{classes}">')
        content = context.get_buffer()
        self.block.render(context, content)
        text = content.getvalue()
        if FENCE_FIRST.match(text):
            buffer.write("\n")  # a blank line ends the HTML block before the fence
        buffer.write(text)
        # The blank line ends the Markdown HTML block here, so a list or paragraph
        # that follows `{% endnote %}` is Markdown again, not swallowed as raw HTML.
        return buffer.write("</div>\n")

    def children(self, static_context, *, include_partials: bool = True):
        yield self.block


def make_wrapper_tag(kind: str) -> type[Tag]:
    class WrapperTag(Tag):
        name = kind
        end = f"end{kind}"

        def parse(self, stream) -> Node:
            token = stream.eat(TOKEN_TAG)
            if stream.current.kind == TOKEN_EXPRESSION:
                raise LiquidSyntaxError(f"'{kind}' takes no arguments", token=stream.current)
            block = get_parser(self.env).parse_block(stream, (self.end, TOKEN_EOF))
            if not stream.current.is_tag(self.end):
                raise LiquidSyntaxError(f"missing '{{% {self.end} %}}' for '{{% {kind} %}}'", token=token)
            return WrapperNode(token, kind, block)

    WrapperTag.__name__ = f"{kind.capitalize()}Tag"
    return WrapperTag
