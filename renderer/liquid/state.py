"""What custom tags share: the state of the render in progress and how tags report mistakes.

Per-render state (the docs tree, the version, the page, the include stack) travels in the
context globals as `_render`; tags read it with `render_state(context)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.token import TOKEN_EXPRESSION, Token

from renderer.errors import RenderError, error_at, line_and_column

if TYPE_CHECKING:
    from liquid import RenderContext

    from renderer.model.data import DataItem
    from renderer.model.pages import Page
    from renderer.model.tree import DocsTree


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
    # where each enclosing data tag is, as "file:line" once an error names it
    chain: list[tuple[SourceFile, int]] = field(default_factory=list)
    deps: set[str] = field(default_factory=set)  # data paths and page paths used
    warnings: list[RenderError] = field(default_factory=list)
    template_globals: dict[str, object] | None = None  # made by the pipeline, once per render

    def chain_names(self) -> tuple[str, ...]:
        """`file:line` of each enclosing data tag, outermost first."""
        return tuple(f"{source.file}:{line_and_column(source.text, source.offset + index)[0]}"
                     for source, index in self.chain)

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
                            version=self.version, chain=self.chain_names())
        return error_at(
            message,
            file=source.file,
            file_text=source.text,
            index=source.offset + token.start_index,
            version=self.version,
            length=len(token.value) if token.kind != "content" else 1,
            chain=self.chain_names(),
        )

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
        store = self.tree.data
        item = store.lookup(dotted)  # None for a malformed path too
        if item is None:
            raise DocsLiquidError(store.validate_path(dotted) or f"unknown data reference {dotted!r}", token=token)
        self.deps.add(dotted)
        if "{" not in item.text:
            return item.text
        if dotted in self.data_stack:
            cycle = " -> ".join([*self.data_stack[self.data_stack.index(dotted):], dotted])
            raise DocsLiquidError(f"reusable includes itself: {cycle}", token=token)
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
        self.chain.append((self.files[-1], token.start_index))
        try:
            self.render_nested(SourceFile(item.file, item.file_text, item.offset), item.text, context, buffer, via=token)
        finally:
            self.chain.pop()
            self.data_stack.pop()
        return buffer.getvalue()


def render_state(context: RenderContext) -> RenderState:
    """The render in progress: kept by a DocsContext, else in the context's globals."""
    state = getattr(context, "render_state", None)
    return state if state is not None else context.globals["_render"]  # type: ignore[return-value]


def expression_text(stream, tag_token: Token) -> tuple[str, Token]:
    """The raw expression of a tag (`{% data a.b %}` -> 'a.b') and its token.

    The stream stays on the expression token: the parser steps past a tag's last token.
    """
    if stream.current.kind != TOKEN_EXPRESSION:
        raise LiquidSyntaxError(f"'{tag_token.value}' needs an argument", token=tag_token)
    token = stream.current
    return token.value.strip(), token
