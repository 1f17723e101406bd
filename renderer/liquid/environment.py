"""The Liquid stage: a strict python-liquid environment with the docs' custom tags.

Tags are small classes in the style of python-liquid's own: a `Tag` parses tokens into a
`Node`, and the node renders into the output buffer. Per-render state (the docs tree, the
version, the page, the include stack) travels in the context globals as `_render`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, TextIO

from liquid import Environment, Mode
from liquid.ast import BlockNode, Node
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.lex import _tokenize_template, compile_liquid_rules
from liquid.parser import get_parser
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

from renderer.liquid.conditions import VersionedIfTag, VersionedUnlessTag
from renderer.errors import RenderError, error_at, line_and_column

if TYPE_CHECKING:
    from liquid import RenderContext

    from renderer.model.data import DataItem
    from renderer.model.pages import Page
    from renderer.model.tree import DocsTree

MAX_OUTPUT_BYTES = 8 * 1024 * 1024


@lru_cache(maxsize=1)
def _docs_lexer():
    r"""python-liquid's lexer with a possessive tag name.

    Its tag rule lets the name (`\w+`) give characters back to the expression after it,
    which is quadratic on an unclosed `{%` before a long word: 30,000 letters took
    minutes, inside one regex call that no timeout can interrupt. A name that gives
    nothing back matches exactly the same tags and fails in linear time.
    """
    rules = compile_liquid_rules()
    pattern = rules.pattern.replace(r"(?P<name>#|\w+)", r"(?P<name>#|\w++)")
    try:
        compiled = re.compile(pattern, re.DOTALL) if pattern != rules.pattern else rules
    except re.error:  # Python < 3.11 has no possessive quantifiers
        compiled = rules
    return partial(_tokenize_template, rules=compiled)


class DocsEnvironment(Environment):
    """Strict Liquid with resource limits; lax mode would silently drop whole blocks."""

    def tokenizer(self):
        return _docs_lexer()

    block_nesting_limit = 40
    context_depth_limit = 30
    loop_iteration_limit = 100_000
    output_stream_limit = MAX_OUTPUT_BYTES
    local_namespace_limit = 1024 * 1024
    suppress_blank_control_flow_blocks = False  # keep whitespace as the 2020 engine did
    lenient = False  # tolerate the Liquid typos GitHub's 2020 engine tolerated


class LenientDocsEnvironment(DocsEnvironment):
    lenient = True


class DocsLiquidError(LiquidError):
    """A docs-specific mistake found while parsing or rendering a tag."""


@dataclass
class SourceFile:
    """The file a template came from, to turn template offsets into file positions."""

    file: str
    text: str  # whole file text
    offset: int  # where the template source starts in `text`


@dataclass
class RenderState:
    """What tags need to know about the render in progress."""

    tree: DocsTree
    version: str
    page: Page
    lenient: bool = False
    files: list[SourceFile] = field(default_factory=list)  # innermost last
    data_stack: list[str] = field(default_factory=list)  # data paths being rendered
    chain: list[str] = field(default_factory=list)  # "file:line" of each enclosing data tag
    deps: set[str] = field(default_factory=set)  # data paths and page paths used
    warnings: list[RenderError] = field(default_factory=list)

    # --- errors ---------------------------------------------------------------------

    def error_for(self, err: LiquidError) -> RenderError:
        """Locate a python-liquid error in the innermost file being rendered."""
        source = self.files[-1]
        message = str(err.message) if err.message else err.__class__.__name__
        token = err.token
        if isinstance(err.__cause__, RecursionError):  # python-liquid wraps it as "unexpected ... error"
            message = "expression nests too deeply to parse"
        if token is None or token.start_index < 0:
            # No position (a parser crash, a limit hit outside any tag): point at the start
            # of the template so the error still names a line.
            return error_at(message, file=source.file, file_text=source.text, index=source.offset,
                            version=self.version, chain=tuple(self.chain))
        return error_at(
            message,
            file=source.file,
            file_text=source.text,
            index=source.offset + token.start_index,
            version=self.version,
            length=len(token.value) if token.kind != "content" else 1,
            chain=tuple(self.chain),
        )

    def here(self, token: Token) -> str:
        """`file:line` of a token in the innermost file."""
        source = self.files[-1]
        line, _ = line_and_column(source.text, source.offset + token.start_index)
        return f"{source.file}:{line}"

    # --- nested templates -------------------------------------------------------------

    def render_nested(self, source: SourceFile, template_text: str, context: RenderContext, buffer: TextIO,
                      via: Token | None = None) -> None:
        """Parse (cached) and render text from another file with the current context.

        `via` is the tag that included the file: errors raised before any of the file's
        own tags ran (the context depth limit) are located there.
        """
        self.files.append(source)
        try:
            template = self.tree.parse_template(template_text)
            template.render_with_context(context, buffer, partial=True)
        except LiquidError as err:
            if err.token is None and via is not None:
                self.files.pop()
                try:
                    err.token = via
                    raise self.error_for(err) from None
                finally:
                    self.files.append(source)
            raise self.error_for(err) from None
        finally:
            self.files.pop()

    def render_data(self, dotted: str, token: Token, context: RenderContext) -> str:
        """Rendered text of a `{% data %}` reference."""
        problem = self.tree.data.validate_path(dotted)
        if problem:
            raise DocsLiquidError(problem, token=token)
        item = self.tree.data.lookup(dotted)
        if item is None:
            raise DocsLiquidError(f"unknown data reference {dotted!r}", token=token)
        self.deps.add(dotted)
        if "{" not in item.text:
            return item.text
        if dotted in self.data_stack:
            cycle = " -> ".join([*self.data_stack[self.data_stack.index(dotted):], dotted])
            raise DocsLiquidError(f"reusable includes itself: {cycle}", token=token)
        store = self.tree.data
        if not store.is_context_free(dotted):
            return self._render_item(item, token, context)
        # The same for every page of this version: render once per version, reuse after.
        cached = store.rendered.get((dotted, self.version))
        if cached is None:
            outer_deps, self.deps = self.deps, set()
            try:
                text = self._render_item(item, token, context)
                cached = store.rendered[(dotted, self.version)] = (text, frozenset(self.deps))
            finally:
                self.deps = outer_deps | self.deps
        self.deps.update(cached[1])
        return cached[0]

    def _render_item(self, item: DataItem, token: Token, context: RenderContext) -> str:
        buffer = context.get_buffer()
        self.data_stack.append(item.path)
        self.chain.append(self.here(token))
        try:
            self.render_nested(SourceFile(item.file, item.file_text, item.offset), item.text, context, buffer, via=token)
        finally:
            self.chain.pop()
            self.data_stack.pop()
        return buffer.getvalue()


def render_state(context: RenderContext) -> RenderState:
    return context.globals["_render"]  # type: ignore[return-value]


def expression_text(stream, tag_token: Token) -> tuple[str, Token]:
    """The raw expression of a tag (`{% data a.b %}` -> 'a.b') and its token.

    The stream stays on the expression token: the parser steps past a tag's last token.
    """
    if stream.current.kind != TOKEN_EXPRESSION:
        raise LiquidSyntaxError(f"'{tag_token.value}' needs an argument", token=tag_token)
    token = stream.current
    return token.value.strip(), token


# --- {% data %} ----------------------------------------------------------------------


def line_indent(token: Token) -> str:
    """The whitespace before a tag when the tag starts its line, else ''."""
    source, start = token.source, token.start_index
    tag_start = source.rfind("{%", 0, start)
    line_start = source.rfind("\n", 0, tag_start) + 1
    before = source[line_start:tag_start]
    return before if before and not before.strip() else ""


class DataNode(Node):
    __slots__ = ("path", "indent")

    def __init__(self, token: Token, path: str):
        super().__init__(token)
        self.path = path
        # A reusable placed on an indented line (under a list step) belongs to that
        # step as a whole: its following lines get the same indentation.
        self.indent = line_indent(token) if token.start_index >= 0 else ""

    def __str__(self) -> str:
        return f"{{% data {self.path} %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        text = render_state(context).render_data(self.path, self.token, context)
        if self.indent and "\n" in text:
            text = text.replace("\n", "\n" + self.indent)
        return buffer.write(text)


class DataTag(Tag):
    """`{% data variables.product.prodname_actions %}` / `{% data reusables.x.y %}`."""

    name = "data"
    block = False

    def parse(self, stream) -> Node:
        tag = stream.eat(TOKEN_TAG)
        path, token = expression_text(stream, tag)
        if not path or " " in path:
            raise LiquidSyntaxError(f"'data' takes one dotted path, got {path!r}", token=token)
        return DataNode(token, path)


class IndentedDataNode(DataNode):
    __slots__ = ("spaces",)

    def __init__(self, token: Token, path: str, spaces: int):
        super().__init__(token, path)
        self.spaces = spaces

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        text = render_state(context).render_data(self.path, self.token, context)
        pad = " " * self.spaces
        return buffer.write("\n".join(pad + line if line.strip() else line for line in text.split("\n")))


class IndentedDataReferenceTag(Tag):
    """`{% indented_data_reference reusables.x.y spaces=3 %}`: a reusable inside a list item."""

    name = "indented_data_reference"
    block = False

    def parse(self, stream) -> Node:
        tag = stream.eat(TOKEN_TAG)
        text, token = expression_text(stream, tag)
        m = re.fullmatch(r"([\w.-]+)(?:\s+spaces=(\d+))?", text)
        if not m:
            raise LiquidSyntaxError("expected 'indented_data_reference <path> spaces=<n>'", token=token)
        return IndentedDataNode(token, m.group(1), int(m.group(2) or 0))


# --- extended Markdown blocks ----------------------------------------------------------

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
        self.block.render(context, buffer)
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


# --- {% octicon %} -------------------------------------------------------------------

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


# --- {% include %} -------------------------------------------------------------------


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
                state.warnings.append(state.error_for(DocsLiquidError(f"include {self.name!r} not found in includes/", token=self.token)))
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


def make_environment(lenient: bool = False) -> DocsEnvironment:
    from renderer.liquid.ifversion import IfversionTag
    from renderer.liquid.link_tags import LINK_TAGS  # late import: link tags use this module's helpers

    env = (LenientDocsEnvironment if lenient else DocsEnvironment)(tolerance=Mode.STRICT)
    for tag in (VersionedIfTag, VersionedUnlessTag, IfversionTag, DataTag, IndentedDataReferenceTag, OcticonTag,
                IncludeTag, *LINK_TAGS):
        env.add_tag(tag)
    for kind in CALLOUT_CLASSES:
        env.add_tag(make_wrapper_tag(kind))
    return env


sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
