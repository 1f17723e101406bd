"""The Markdown stage: GitHub-flavoured Markdown to HTML.

Parsing is markdown-it: by default markdown-it-pyrs (the Rust port maintained alongside
markdown-it-py, ~30x faster on the 2020 corpus), or markdown-it-py itself with
`RENDER_MARKDOWN=py`. Both use the CommonMark rules plus GFM tables, strikethrough and
autolinks, and both outputs go through the same decoration: headings get
github-slugger compatible ids and a self-link, fenced code is highlighted with Pygments.
Identical texts are rendered once (many versions of a page share their text).
"""

from __future__ import annotations

import html
import os
import re
from functools import lru_cache

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

GFM_RULES = ["table", "strikethrough", "linkify"]

# github-slugger keeps letters, numbers, marks, spaces, '-' and '_'; drops the rest.
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)
_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_FENCE = re.compile(r'<pre><code(?: class="language-([^"]+)")?>(.*?)</code></pre>', re.S)
_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")
_TABLE_GAP = re.compile(r">\n+(?=</?(?:thead|tbody|tr|th|td)[\s>]|</table>)")
# Writers emphasise placeholders inside code blocks (`admin@<em>HOSTNAME</em>`);
# GitHub's engine kept those tags, so they survive highlighting as placeholders.
_CODE_TAGS = {"&lt;em&gt;": "\ue000", "&lt;/em&gt;": "\ue001", "&lt;strong&gt;": "\ue002", "&lt;/strong&gt;": "\ue003"}
_CODE_TAGS_BACK = {"\ue000": "<em>", "\ue001": "</em>", "\ue002": "<strong>", "\ue003": "</strong>"}


_ANY_SPACE = re.compile(r"\s", re.UNICODE)


def slugify(text: str) -> str:
    return _SLUG_DROP.sub("", _ANY_SPACE.sub(" ", text.lower())).replace(" ", "-")


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


def visible_text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).strip()


def add_heading_ids(body: str) -> str:
    """`<h2>Text</h2>` -> `<h2 id="text"><a href="#text">Text</a></h2>`."""
    slugger = Slugger()

    def decorate(m: re.Match) -> str:
        level, inner = m.group(1), m.group(2)
        slug = slugger.slug(visible_text(inner))
        return f'<h{level} id="{slug}"><a href="#{slug}">{inner}</a></h{level}>'

    return _HEADING.sub(decorate, body)


# Pygments' lexers are superlinear on very long lines (100 kB of '% ' in YAML: ~70 s), so
# blocks past these sizes are shown as plain text. The 2020 corpus stays far below them.
MAX_HIGHLIGHT_CHARS = 50_000
MAX_HIGHLIGHT_LINE = 2_000


@lru_cache(maxsize=8192)
def highlight_code(code: str, lang: str) -> str:
    """Pygments HTML for a code block; escaped plain text when the language is unknown."""
    if len(code) > MAX_HIGHLIGHT_CHARS or max(map(len, code.split("\n"))) > MAX_HIGHLIGHT_LINE:
        return html.escape(code, quote=False)
    try:
        lexer = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return html.escape(code, quote=False)
    return pygments_highlight(code, lexer, _FORMATTER)


def highlight_fences(body: str) -> str:
    def decorate(m: re.Match) -> str:
        lang, escaped = m.group(1), m.group(2)
        for tag, mark in _CODE_TAGS.items():
            escaped = escaped.replace(tag, mark)
        code = highlight_code(html.unescape(escaped), lang.lower()) if lang else escaped
        for mark, tag in _CODE_TAGS_BACK.items():
            code = code.replace(mark, tag)
        if not lang:
            return f"<pre><code>{code}</code></pre>"
        return f'<pre><code class="hljs language-{lang}">{code}</code></pre>'

    return _FENCE.sub(decorate, body)


def tighten_tables(body: str) -> str:
    """Drop newlines between table tags, as GitHub's engine emitted tables."""
    return _TABLE_GAP.sub(">", body) if "<table" in body else body


_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")


def align_comment_lines(text: str) -> str:
    """Indent a line holding only an HTML comment like the line after it.

    Writers put `<!-- if ... -->` markers between list items; GitHub's 2020 engine kept
    the list going, while CommonMark would end the list at an unindented comment.
    """
    if "<!--" not in text:
        return text
    lines = text.split("\n")
    for i in range(len(lines) - 2, -1, -1):
        if _COMMENT_LINE.match(lines[i]):
            following = lines[i + 1]
            if following.strip():
                indent = following[: len(following) - len(following.lstrip())]
                lines[i] = indent + lines[i].strip()
    return "\n".join(lines)


def _pyrs_backend():
    from markdown_it_pyrs import MarkdownIt

    md = MarkdownIt("commonmark").enable_many([*GFM_RULES, "footnote"])
    return md.render


def _py_backend():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(GFM_RULES).use(footnote_plugin)
    return md.render


def make_backend(name: str | None = None):
    """The Markdown-to-HTML function: 'pyrs' (default) or 'py'."""
    name = name or os.environ.get("RENDER_MARKDOWN", "pyrs")
    if name == "py":
        return _py_backend()
    try:
        return _pyrs_backend()
    except ImportError:  # the Rust wheel is missing on this platform
        return _py_backend()


class MarkdownRenderer:
    """Renders Markdown to decorated HTML, caching by text (identical texts render once)."""

    def __init__(self, backend: str | None = None, cache_size: int = 20000):
        self._to_html = make_backend(backend)
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def clear(self) -> None:
        self._cache.clear()

    def render(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            cached = tighten_tables(highlight_fences(add_heading_ids(self._to_html(align_comment_lines(text)))))
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[text] = cached
        return cached

    def render_inline(self, text: str) -> str:
        """A one-paragraph field (an intro) without its <p> wrapper."""
        rendered = self.render(text).strip()
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered

    def render_intro(self, text: str) -> str:
        return self.render(text).strip() if text.strip() else ""
