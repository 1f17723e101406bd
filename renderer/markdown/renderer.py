"""The Markdown stage: GitHub-flavoured Markdown to HTML.

Parsing is markdown-it: by default markdown-it-pyrs (the Rust port maintained alongside
markdown-it-py, ~30x faster on the 2020 corpus), or markdown-it-py itself with
`RENDER_MARKDOWN=py`. Both use the CommonMark rules plus GFM tables, strikethrough and
autolinks, and both outputs go through the same decoration: headings get
github-slugger compatible ids and a self-link, fenced code is highlighted with Pygments.
Identical texts are rendered once (many versions of a page share their text).
"""

from __future__ import annotations

import hashlib
import html
import os
import re

from renderer.markdown.code import Highlighter, highlight_fences
from renderer.markdown.dialect import RAW_HEADING_MARK, prepare_2020_markdown
from renderer.markdown.inline import protect_escaped_stars, remark_inline
from renderer.markdown.links import LinkedHtml
from renderer.model.lru import LRUCache

GFM_RULES = ["table", "strikethrough", "linkify"]

# github-slugger keeps letters, numbers, marks, spaces, '-' and '_'; drops the rest.
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)
_TAG = re.compile(r"<[^>]+>")
# Possessive runs that stop at the next heading tag keep the scan linear even on raw HTML
# full of unclosed tags.
_HEADING = re.compile(r"<h([1-6])>((?:[^<]|<(?!h[1-6][\s>]|/h\1>))*+)</h\1>")
_TABLE_GAP = re.compile(r">\n\n*(?=</?(?:thead|tbody|tr|th|td)[\s>]|</table>)")
# Titles are plain text: these mark the ones that need Markdown to read as GitHub showed them.
_TITLE_MARKUP = re.compile(r"[`*_\[\]\\~]|:[a-z0-9_+-]+:")


_ANY_SPACE = re.compile(r"\s", re.UNICODE)


def slugify(text: str) -> str:
    return _SLUG_DROP.sub("", _ANY_SPACE.sub(" ", text.lower())).replace(" ", "-")


class Slugger:
    """Unique slugs within one document: repeats get -1, -2, ... like github-slugger."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        return self.unique(slugify(text))

    def unique(self, base: str) -> str:
        """`base`, or `base-N` when this document has it already."""
        slug = base
        while slug in self.seen:
            self.seen[base] += 1
            slug = f"{base}-{self.seen[base]}"
        self.seen.setdefault(slug, 0)
        return slug


def visible_text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).strip()


def add_heading_ids(body: str, slugs: LRUCache[str, str] | None = None) -> str:
    """`<h2>Text</h2>` -> `<h2 id="text"><a href="#text">Text</a></h2>`.

    `slugs` keeps the slug of each heading's HTML (headings repeat in every version).
    """
    if "<h" not in body:
        return body
    slugger = Slugger()

    def decorate(m: re.Match) -> str:
        level, inner = m.group(1), m.group(2)
        base = slugs.get(inner) if slugs is not None else None
        if base is None:
            base = slugify(visible_text(inner))
            if slugs is not None:
                slugs.put(inner, base)
        slug = slugger.unique(base)
        return f'<h{level} id="{slug}"><a href="#{slug}">{inner}</a></h{level}>'

    return _HEADING.sub(decorate, body)


def tighten_tables(body: str) -> str:
    """Drop newlines between table tags, as GitHub's engine emitted tables."""
    return _TABLE_GAP.sub(">", body) if "<table" in body else body


def _pyrs_backend():
    from markdown_it_pyrs import MarkdownIt

    md = MarkdownIt("commonmark").enable_many([*GFM_RULES, "footnote"])
    fallback = None

    def render(text: str) -> str:
        nonlocal fallback
        try:
            return md.render(text)
        except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
            if type(exc).__name__ != "PanicException":
                raise
            # markdown-it-pyrs 0.4 panics on '[' then an unclosed backtick ("[`"): use the
            # Python port for this text rather than crash.
            if fallback is None:
                fallback = _py_backend()
            return fallback(text)

    return render


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


# Rendered Markdown kept per tree: a full render of the 2020 corpus makes ~3,900 distinct
# texts (15 M characters in, 20 M out); older entries go first. Long texts are keyed by a
# 128-bit digest, so the cache does not keep every Liquid output alive too.
MARKDOWN_CACHE_ENTRIES = 20_000
MARKDOWN_CACHE_CHARS = 48_000_000
DIGEST_KEYS_FROM = 128  # characters
SLUG_CACHE_ENTRIES = 20_000  # the 2020 corpus has ~4,500 distinct headings


def cache_key(text: str) -> str | bytes:
    """`text` itself when short, else its digest (str and bytes keys never compare equal)."""
    if len(text) < DIGEST_KEYS_FROM:
        return text
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class MarkdownRenderer:
    """Renders Markdown to decorated HTML, caching by text (identical texts render once).

    The stages are methods called through the instance, so bench/bench_render.py can time
    each: `markdown_html` (2020 dialect, backend, remark's inline rules), `decorate` (the
    HTML pass) and `highlighter.highlight_uncached` (Pygments).
    """

    def __init__(self, backend: str | None = None, cache_size: int = MARKDOWN_CACHE_ENTRIES, *, lenient: bool = False):
        self.to_html = make_backend(backend)
        self.lenient = lenient
        self.highlighter = Highlighter()
        self.slugs: LRUCache[str, str] = LRUCache(SLUG_CACHE_ENTRIES)  # heading HTML -> its slug
        self.cache: LRUCache[str | bytes, LinkedHtml] = LRUCache(
            cache_size, MARKDOWN_CACHE_CHARS, lambda key, linked: len(key) + len(linked.html))

    def clear(self) -> None:
        self.cache.clear()

    def render(self, text: str) -> str:
        return self.render_linked(text).html

    def render_linked(self, text: str) -> LinkedHtml:
        """The decorated HTML of `text`, with its links found (see renderer.markdown.links)."""
        key = cache_key(text)
        cached = self.cache.get(key)
        if cached is None:
            cached = self.decorate(self.markdown_html(text))
            self.cache.put(key, cached)
        return cached

    def markdown_html(self, text: str) -> str:
        """HTML as the backend renders the text, read the way GitHub's 2020 engine read it."""
        return remark_inline(self.to_html(protect_escaped_stars(prepare_2020_markdown(text))))

    def decorate(self, body: str) -> LinkedHtml:
        """Heading ids and self-links, highlighted code, tight tables; where the links are."""
        decorated = tighten_tables(highlight_fences(add_heading_ids(body, self.slugs), self.highlighter, self.lenient))
        if RAW_HEADING_MARK in decorated:
            decorated = decorated.replace(RAW_HEADING_MARK, "")
        return LinkedHtml.of(decorated)

    def render_plain(self, text: str) -> str:
        """A title as GitHub showed it: the text of its Markdown (`` `dotnet` `` reads dotnet)."""
        if not _TITLE_MARKUP.search(text):
            return html.unescape(text).strip()
        # `<` outside code spans is text in a title, never an HTML tag
        parts = text.split("`")
        literal = "`".join(part.replace("<", "\\<") if i % 2 == 0 else part for i, part in enumerate(parts))
        return visible_text(self.render(literal))

    def render_inline(self, text: str) -> str:
        """A one-paragraph field (an intro) without its <p> wrapper."""
        rendered = self.render(text).strip()
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered

    def render_intro(self, text: str) -> str:
        return self.render_intro_linked(text).html

    def render_intro_linked(self, text: str) -> LinkedHtml:
        return self.render_linked(text).strip() if text.strip() else LinkedHtml("")
