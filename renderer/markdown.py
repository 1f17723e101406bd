"""The Markdown stage: GitHub-flavoured Markdown to HTML with markdown-it-py.

Headings get github-slugger compatible ids and a self-link; fenced code is highlighted
with Pygments. Identical texts are rendered once (many versions of a page share text).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# github-slugger removes everything but letters, numbers, marks, spaces, '-' and '_'.
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def slugify(text: str) -> str:
    return _SLUG_DROP.sub("", text.lower()).replace(" ", "-")


class Slugger:
    """Unique slugs within one document: repeats get -1, -2, ... like github-slugger."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = slugify(text)
        slug = base
        while slug in self.seen:
            self.seen[base] += 1
            slug = f"{base}-{self.seen[base]}"
        self.seen.setdefault(slug, 0)
        return slug


def _inline_text(token: Token) -> str:
    """Visible text of an inline token (text and code spans, tags dropped)."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "html_inline":
            continue
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return html.unescape("".join(parts)).strip()


def heading_ids(state) -> None:
    """Core rule: give each heading an id and wrap its content in a self-link."""
    slugger = Slugger()
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            slug = slugger.slug(_inline_text(tokens[i + 1]))
            token.attrSet("id", slug)
            inline = tokens[i + 1]
            link_open = Token("link_open", "a", 1, attrs={"href": f"#{slug}"})
            link_close = Token("link_close", "a", -1)
            inline.children = [link_open, *(inline.children or []), link_close]


_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


@lru_cache(maxsize=8192)
def highlight_code(code: str, lang: str) -> str:
    """Pygments-highlighted HTML for a fenced block; plain escaped text if the language is unknown."""
    try:
        lexer = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return html.escape(code, quote=False)
    return pygments_highlight(code, lexer, _FORMATTER)


def _fence(tokens, idx, options, env) -> str:
    token = tokens[idx]
    lang = token.info.strip().split()[0] if token.info.strip() else ""
    if lang:
        body = highlight_code(token.content, lang.lower())
        return f'<pre><code class="hljs language-{html.escape(lang)}">{body}</code></pre>\n'
    return f"<pre><code>{html.escape(token.content, quote=False)}</code></pre>\n"


def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.use(footnote_plugin)
    md.core.ruler.push("heading_ids", heading_ids)
    md.add_render_rule("fence", _fence)
    return md


class MarkdownRenderer:
    """Renders Markdown to HTML, caching by text (identical texts render once)."""

    def __init__(self, cache_size: int = 20000):
        self.md = make_parser()
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def clear(self) -> None:
        self._cache.clear()

    def render(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            cached = self.md.render(text)
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[text] = cached
        return cached

    def render_inline(self, text: str) -> str:
        """Markdown of a one-line field (intro) without the surrounding paragraph."""
        return self.md.renderInline(text) if text else ""

    def render_intro(self, text: str) -> str:
        return self.render(text).strip() if text.strip() else ""
