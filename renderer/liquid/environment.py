"""The Liquid stage: a strict python-liquid environment with the docs' custom tags.

Tags live in `renderer/liquid/tags/`, one module per tag family in the style of
python-liquid's own (a `Tag` parses tokens into a `Node`, the node renders into the output
buffer); what they share (the render state, located errors) is in `renderer/liquid/state.py`.
"""

from __future__ import annotations

import sys
from io import StringIO
from typing import Any, TextIO

from liquid import BoundTemplate, Environment, Mode, RenderContext
from liquid.exceptions import OutputStreamLimitError
from liquid.output import LimitedStringIO
from liquid.tag import Tag

from renderer.liquid.conditions import VersionedIfTag, VersionedUnlessTag
from renderer.liquid.ifversion import IfversionTag
from renderer.liquid.lexer import DocsLexer
from renderer.liquid.state import DocsLiquidError, RenderState, SourceFile, expression_text, render_state
from renderer.liquid.tags.blocks import CALLOUT_CLASSES, make_wrapper_tag
from renderer.liquid.tags.data import DataNode, DataTag, IndentedDataReferenceTag
from renderer.liquid.tags.include import IncludeTag
from renderer.liquid.tags.links import LINK_TAGS
from renderer.liquid.tags.octicon import OcticonTag
from renderer.liquid.tags.output import LenientOutput

# Names other stages import from here.
__all__ = ["DataNode", "DocsEnvironment", "DocsLiquidError", "RenderState", "SourceFile", "expression_text",
           "make_environment", "render_state"]

MAX_OUTPUT_BYTES = 8 * 1024 * 1024


class DocsOutput(LimitedStringIO):
    """python-liquid's size-limited output, counting ASCII text without encoding it.

    Nearly everything written is ASCII, whose UTF-8 size is its length; the limit and the
    error are the same as LimitedStringIO's.
    """

    def write(self, text: str) -> int:
        if text:
            self.size += len(text) if text.isascii() else len(text.encode("utf-8"))
            if self.size > self.limit:
                raise OutputStreamLimitError("output stream limit reached", token=None)
        return StringIO.write(self, text)


class DocsContext(RenderContext):
    """python-liquid's render context, with the render in progress at hand.

    Tags find it in every call (`render_state`); through the globals that was a Python
    chain-map lookup each time.
    """

    def __init__(self, template: BoundTemplate, **kwargs: Any):
        super().__init__(template, **kwargs)
        self.render_state = self.globals.get("_render")

    def get_buffer(self, buf: TextIO | None = None) -> StringIO:
        if self.env.output_stream_limit is None:
            return StringIO()
        carry = buf.size if isinstance(buf, LimitedStringIO) else 0
        return DocsOutput(limit=self.env.output_stream_limit - carry)


class DocsTemplate(BoundTemplate):
    context_class = DocsContext

    def _get_buffer(self) -> StringIO:
        if self.env.output_stream_limit is None:
            return StringIO()
        return DocsOutput(limit=self.env.output_stream_limit)


class DocsEnvironment(Environment):
    """Strict Liquid with resource limits; lax mode would silently drop whole blocks."""

    def __init__(self, *args, **kwargs):
        self.lexer = DocsLexer()  # built once: compiling the rules takes milliseconds
        super().__init__(*args, **kwargs)

    def tokenizer(self):
        return self.lexer

    template_class = DocsTemplate
    block_nesting_limit = 40
    context_depth_limit = 30
    loop_iteration_limit = 100_000
    output_stream_limit = MAX_OUTPUT_BYTES
    local_namespace_limit = 1024 * 1024
    suppress_blank_control_flow_blocks = False  # keep whitespace as the 2020 engine did
    lenient = False  # tolerate the Liquid typos GitHub's 2020 engine tolerated


class LenientDocsEnvironment(DocsEnvironment):
    lenient = True


def make_environment(lenient: bool = False) -> DocsEnvironment:
    env = (LenientDocsEnvironment if lenient else DocsEnvironment)(tolerance=Mode.STRICT)
    tags: list[type[Tag]] = [VersionedIfTag, VersionedUnlessTag, IfversionTag, DataTag, IndentedDataReferenceTag,
                             OcticonTag, IncludeTag, *LINK_TAGS]
    for tag in tags:
        env.add_tag(tag)
    for kind in CALLOUT_CLASSES:
        env.add_tag(make_wrapper_tag(kind))
    if lenient:
        env.add_tag(LenientOutput)
    return env


sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
