"""Code blocks: fenced code highlighted with Pygments, inline markup kept as GitHub kept it.

Writers mark placeholders inside code blocks (`admin@<em>HOSTNAME</em>`) and write
entities (`&lt;token&gt;`); GitHub's 2020 engine showed both as HTML would, so those tags
survive highlighting (held as private-use placeholders while Pygments runs).
"""

from __future__ import annotations

import html
import re

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from renderer.model.lru import LRUCache

# Possessive runs that stop at the next code tag keep the scan linear on unclosed tags.
_FENCE = re.compile(r'<pre><code(?: class="language-([^"]+)")?>((?:[^<]|<(?!/code></pre>|pre><code))*+)</code></pre>')
_CODE_MARKUP = re.compile(r"</?(?:em|strong|b|i|span|code)(?:\s[^<>]*)?>")
# --lenient mimics GitHub's 2020 engine exactly. It highlighted most languages, and the
# highlighter saw tags as text; in a fence it left unhighlighted (`shell`, or a language it
# did not know) every tag-like `<word ...>` went through as HTML (so `git add <file>`
# read `git add `); a fence without a language showed everything literally.
_CODE_ANY_TAG = re.compile(r"</?[A-Za-z][\w@.:-]*(?:\s[^<>]*)?/?>")
_NO_MARKUP = re.compile(r"(?!)")
_MARKUP_LANGUAGES = frozenset({"xml", "html", "svg", "markup", "erb", "jsx", "vue", "xhtml"})
_UNHIGHLIGHTED_2020 = frozenset({"shell"})
_PLACEHOLDER_BASE = 0xF0000  # a private-use plane: never in real text, untouched by lexers
# An indented code block holding one whole `shell` fence: GitHub's engine showed the
# fence's HTML (it turned shell fences into HTML before reading the Markdown).
_NESTED_FENCE = re.compile(r"(```|~~~)(shell)\n(.*)\n\1\n?", re.S)

# Pygments' lexers are superlinear on very long lines (100 kB of '% ' in YAML: ~70 s), so
# blocks past these sizes are shown as plain text. The 2020 corpus stays far below them.
MAX_HIGHLIGHT_CHARS = 50_000
MAX_HIGHLIGHT_LINE = 2_000


# Highlighted code kept per Markdown renderer: the 2020 corpus has ~1,500 distinct blocks
# (330,000 characters); the bound keeps a tree that is edited for hours from growing.
HIGHLIGHT_CACHE_ENTRIES = 8192
HIGHLIGHT_CACHE_CHARS = 8_000_000


class Highlighter:
    """Pygments HTML for code blocks: each distinct (language, code) is highlighted once."""

    def __init__(self) -> None:
        self.formatter = HtmlFormatter(nowrap=True, classprefix="hl-")
        self.lexers: LRUCache[str, Lexer | None] = LRUCache(256)  # looked up once per name (lookups are slow)
        self.cache: LRUCache[tuple[str, str], str] = LRUCache(
            HIGHLIGHT_CACHE_ENTRIES, HIGHLIGHT_CACHE_CHARS, lambda key, html: len(key[0]) + len(html))
        # whole decorated blocks, by the backend's HTML of the block (and the leniency)
        self.blocks: LRUCache[tuple[str, bool], str] = LRUCache(
            HIGHLIGHT_CACHE_ENTRIES, HIGHLIGHT_CACHE_CHARS, lambda key, html: len(key[0]) + len(html))

    def lexer(self, lang: str) -> Lexer | None:
        """A Pygments lexer by language name, None when Pygments does not know it."""
        if lang not in self.lexers:
            try:
                self.lexers.put(lang, get_lexer_by_name(lang, stripnl=False, ensurenl=False))
            except ClassNotFound:
                self.lexers.put(lang, None)
        return self.lexers.peek(lang)

    def highlight(self, code: str, lang: str) -> str:
        """Pygments HTML for a code block; escaped plain text when the language is unknown."""
        key = (code, lang)
        found = self.cache.get(key)
        if found is None:
            found = self.highlight_uncached(code, lang)
            self.cache.put(key, found)
        return found

    def highlight_uncached(self, code: str, lang: str) -> str:
        if len(code) > MAX_HIGHLIGHT_CHARS or max(map(len, code.split("\n"))) > MAX_HIGHLIGHT_LINE:
            return html.escape(code, quote=False)
        lexer = self.lexer(lang)
        if lexer is None:
            return html.escape(code, quote=False)
        return pygments_highlight(code, lexer, self.formatter)


def code_block_html(source: str, lang: str, highlighter: Highlighter, markup: re.Pattern = _CODE_MARKUP) -> str:
    """A code block's HTML: inline markup kept, entities decoded, the rest highlighted."""
    tags: list[str] = []

    def hold(m: re.Match) -> str:
        tags.append(m.group(0))
        return chr(_PLACEHOLDER_BASE + len(tags) - 1)

    if markup is _NO_MARKUP:
        return html.escape(source, quote=False)
    text = html.unescape(markup.sub(hold, source)) if ("<" in source or "&" in source) else source
    code = highlighter.highlight(text, lang.lower()) if lang else html.escape(text, quote=False)
    for index, tag in enumerate(tags):
        code = code.replace(chr(_PLACEHOLDER_BASE + index), tag)
    return code


COPY_MARK = "{:copy}"


def _code_markup(lang: str, lenient: bool, highlighter: Highlighter) -> re.Pattern:
    if not lenient:
        return _CODE_MARKUP
    if not lang:
        return _NO_MARKUP
    lang = lang.lower()
    if lang in _MARKUP_LANGUAGES:
        return _CODE_MARKUP
    return _CODE_ANY_TAG if lang in _UNHIGHLIGHTED_2020 or highlighter.lexer(lang) is None else _CODE_MARKUP


def nested_fence_html(source: str) -> str | None:
    """`<pre><code class="hljs language-x">...` as text, for an indented block that is one fence."""
    m = _NESTED_FENCE.fullmatch(source)
    if not m:
        return None
    code = "\n".join(_expand_leading_tabs(line) for line in m.group(3).split("\n"))
    inner = f'<pre><code class="hljs language-{m.group(2)}">{code}</code></pre>'
    return html.escape(inner, quote=False) + "\n"


def _expand_leading_tabs(line: str) -> str:
    """remark re-indented code lines with spaces: a leading tab reads as 4 columns."""
    stripped = line.lstrip(" \t")
    return line[: len(line) - len(stripped)].expandtabs(4) + stripped


def highlight_fences(body: str, highlighter: Highlighter, lenient: bool = False) -> str:
    """Every code block of rendered HTML highlighted (each distinct block decorated once)."""
    if "<pre><code" not in body:
        return body
    blocks = highlighter.blocks

    def decorate(m: re.Match) -> str:
        key = (m.group(0), lenient)
        found = blocks.get(key)
        if found is None:
            found = decorate_block(m.group(1) or "", m.group(2), highlighter, lenient)
            blocks.put(key, found)
        return found

    return _FENCE.sub(decorate, body)


def decorate_block(lang: str, escaped: str, highlighter: Highlighter, lenient: bool) -> str:
    """One `<pre><code>` block: highlighted, with a header and copy button for `{:copy}`."""
    source = html.unescape(escaped)
    nested = nested_fence_html(source) if lenient and not lang else None
    if nested is not None:
        return f"<pre><code>{nested}</code></pre>"
    copy = lang.endswith(COPY_MARK)
    lang = lang[: -len(COPY_MARK)] if copy else lang
    code = code_block_html(source, lang, highlighter, _code_markup(lang, lenient, highlighter))
    block = f'<pre><code class="hljs language-{lang}">{code}</code></pre>' if lang else f"<pre><code>{code}</code></pre>"
    if not copy:
        return block
    # ```yaml{:copy}: a header with the language and a copy-to-clipboard button
    return (
        '<div class="code-extra"><header class="code-header"><span>'
        f"{html.escape(lang.upper())}</span>"
        f'<button class="js-btn-copy" data-clipboard-text="{html.escape(source)}" aria-label="Copy to clipboard"></button>'
        f"</header>{block}</div>"
    )
