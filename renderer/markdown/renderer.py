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
# Possessive runs that stop at the next heading / code tag keep these scans linear even
# on raw HTML full of unclosed tags.
_HEADING = re.compile(r"<h([1-6])>((?:[^<]|<(?!h[1-6][\s>]|/h\1>))*+)</h\1>")
_FENCE = re.compile(r'<pre><code(?: class="language-([^"]+)")?>((?:[^<]|<(?!/code></pre>|pre><code))*+)</code></pre>')
_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")
_TABLE_GAP = re.compile(r">\n+(?=</?(?:thead|tbody|tr|th|td)[\s>]|</table>)")
# Writers emphasise placeholders inside code blocks (`admin@<em>HOSTNAME</em>`);
# GitHub's engine kept those tags, so they survive highlighting as placeholders.
# Writers mark placeholders inside code blocks (`admin@<em>HOSTNAME</em>`) and write
# entities (`&lt;token&gt;`); GitHub's 2020 engine showed both as HTML would.
_CODE_MARKUP = re.compile(r"</?(?:em|strong|b|i|span|code)(?:\s[^<>]*)?>")
# --lenient mimics GitHub's 2020 engine exactly: in a fence with a (non-markup) language,
# every tag-like `<word ...>` went through as HTML (so `git add <file>` read `git add `);
# a fence without a language showed everything literally.
_CODE_ANY_TAG = re.compile(r"</?[A-Za-z][\w@.:-]*(?:\s[^<>]*)?/?>")
_NO_MARKUP = re.compile(r"(?!)")
_MARKUP_LANGUAGES = frozenset({"xml", "html", "svg", "markup", "erb", "jsx", "vue", "xhtml"})
_PLACEHOLDER_BASE = 0xF0000  # a private-use plane: never in real text, untouched by lexers


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


_LINK_EDGE = re.compile(r"<a\s[^<>]*?\bhref=|</a>")  # a link's start (not a bare <a id=...> anchor) or end


def add_heading_ids(body: str) -> str:
    """`<h2>Text</h2>` -> `<h2 id="text"><a href="#text">Text</a></h2>`.

    A heading inside a link (raw HTML cards: `<a class="Box"><h4>Title</h4>...</a>`) is
    left as written: a self-link there would nest one link in another, which browsers
    answer by closing the card's link early. GitHub's engine left such headings alone too.
    """
    slugger = Slugger()
    edges = _LINK_EDGE.finditer(body) if "<a" in body else iter(())
    edge = next(edges, None)
    inside_link = False

    def decorate(m: re.Match) -> str:
        nonlocal edge, inside_link
        while edge is not None and edge.start() < m.start():  # one pass over the link tags, in step
            inside_link = edge.group(0) != "</a>"
            edge = next(edges, None)
        if inside_link:
            return m.group(0)
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
    lexer = _lexer(lang)
    if lexer is None:
        return html.escape(code, quote=False)
    return pygments_highlight(code, lexer, _FORMATTER)


@lru_cache(maxsize=256)
def _lexer(lang: str):
    """A Pygments lexer by language name, looked up once (lookups are slow)."""
    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def code_block_html(source: str, lang: str, markup: re.Pattern = _CODE_MARKUP) -> str:
    """A code block's HTML: inline markup kept, entities decoded, the rest highlighted."""
    tags: list[str] = []

    def hold(m: re.Match) -> str:
        tags.append(m.group(0))
        return chr(_PLACEHOLDER_BASE + len(tags) - 1)

    if markup is _NO_MARKUP:
        return html.escape(source, quote=False)
    text = html.unescape(markup.sub(hold, source)) if ("<" in source or "&" in source) else source
    code = highlight_code(text, lang.lower()) if lang else html.escape(text, quote=False)
    for index, tag in enumerate(tags):
        code = code.replace(chr(_PLACEHOLDER_BASE + index), tag)
    return code


COPY_MARK = "{:copy}"


def _code_markup(lang: str, lenient: bool) -> re.Pattern:
    if not lenient:
        return _CODE_MARKUP
    if not lang:
        return _NO_MARKUP
    return _CODE_MARKUP if lang.lower() in _MARKUP_LANGUAGES else _CODE_ANY_TAG


def highlight_fences(body: str, lenient: bool = False) -> str:
    def decorate(m: re.Match) -> str:
        lang, source = m.group(1) or "", html.unescape(m.group(2))
        copy = lang.endswith(COPY_MARK)
        lang = lang[: -len(COPY_MARK)] if copy else lang
        code = code_block_html(source, lang, _code_markup(lang, lenient))
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

    return _FENCE.sub(decorate, body)


def tighten_tables(body: str) -> str:
    """Drop newlines between table tags, as GitHub's engine emitted tables."""
    return _TABLE_GAP.sub(">", body) if "<table" in body else body


_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")


def align_comment_lines(text: str) -> str:
    """Indent a line holding only an HTML comment like the next line of content.

    Writers put `<!-- if ... -->` markers between list items; GitHub's 2020 engine kept
    the list going, while CommonMark would end the list at an unindented comment.
    """
    if "<!--" not in text:
        return text
    lines = text.split("\n")
    indent = ""
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if _COMMENT_LINE.match(line):
            lines[i] = indent + line.strip()
        elif line.strip():
            indent = line[: len(line) - len(line.lstrip())]
    return "\n".join(lines)


_FENCE_LINE = re.compile(r"^ {0,3}(```|~~~)")
_ORDERED_ITEM = re.compile(r"^ {0,3}\d{1,9}[.)] +\S")
_ANY_ITEM = re.compile(r"^\s*(?:\d{1,9}[.)]|[-*+])(?:\s|$)")


def separate_numbered_steps(text: str) -> str:
    """Let a numbered step follow a paragraph line directly, as the 2020 engine did.

    CommonMark only lets an ordered list interrupt a paragraph when it starts at 1, so
    "...see the image.\n6. Next step" would be one paragraph. A blank line is inserted
    before such a step (outside code fences); the list then reads the same.
    """
    if ". " not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
        elif (not in_fence and out and out[-1].strip() and _ORDERED_ITEM.match(line)
              and not line.lstrip().startswith("1.") and not _ANY_ITEM.match(out[-1])):
            out.append("")
        out.append(line)
    return "\n".join(out)


_ORPHAN_LINK_ITEM = re.compile(r'^ {4,}- <a class="(?:article|topic)-link ')


def dedent_orphaned_link_items(text: str) -> str:
    """Un-indent `link_in_list` items whose parent topic link rendered nothing.

    Category indexes nest article links under `{% topic_link_in_list %}`; when the topic
    does not exist in a version, the indented items would become a code block.
    """
    if "-link link Bump-link" not in text:
        return text
    lines = text.split("\n")
    previous = ""
    for i, line in enumerate(lines):
        if _ORPHAN_LINK_ITEM.match(line) and not _ANY_ITEM.match(previous):
            lines[i] = line.lstrip()
        if line.strip() and not _COMMENT_LINE.match(line):
            previous = lines[i]
    return "\n".join(lines)


_TOP_ORDERED_ITEM = re.compile(r"^\d{1,9}[.)] ")


def indent_two_space_continuations(text: str) -> str:
    """Treat 2-space indented lines under a `1. ` step as part of the step.

    GitHub's writers indented notes, images and code fences under numbered steps by two
    spaces; remark accepted that, CommonMark wants three (the width of `1. `). A fence
    opened inside a step stays in it up to its closing line, wherever that line starts.
    """
    if "\n  " not in text:
        return text
    lines = text.split("\n")
    in_step = in_fence = False
    for i, line in enumerate(lines):
        if in_fence:
            if _FENCE_LINE.match(line.lstrip()):
                in_fence = False
            if line.strip():
                indent = len(line) - len(line.lstrip())
                lines[i] = " " + line if indent >= 2 else "   " + line.lstrip()
        elif _TOP_ORDERED_ITEM.match(line):
            in_step = True
        elif line and not line[0].isspace():
            in_step = False
        elif in_step and line.startswith("  ") and not line.startswith("   "):
            lines[i] = " " + line
            in_fence = bool(_FENCE_LINE.match(line.lstrip()))
    return "\n".join(lines)


_INDENTED_RULE = re.compile(r"^ {1,3}-{3,}\s*$")


def rule_not_heading(text: str) -> str:
    """An indented `---` under a line was a horizontal rule to the 2020 engine, not a heading underline."""
    if "\n " not in text or "---" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if _INDENTED_RULE.match(line) and out and out[-1].strip():
            out.append("")
        out.append(line)
    return "\n".join(out)


_HTML_BLOCK_START = re.compile(
    r"^ {0,3}</?(?:address|article|aside|blockquote|details|dialog|dd|div|dl|dt|fieldset|figcaption|figure|footer"
    r"|form|h[1-6]|header|hr|li|main|nav|ol|p|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)(?:[\s/>]|$)",
    re.I,
)


def join_html_blocks(text: str) -> str:
    """Keep an HTML block going over a line of spaces when HTML follows it.

    Liquid tags on lines of their own (`{% for link in guideLinks %}` in indented HTML)
    leave lines of spaces inside the block; CommonMark would end the block there and show
    the indented HTML after it as a code block, where GitHub's 2020 engine kept it HTML.
    Such lines are dropped (HTML renders the same). A line of spaces followed by Markdown
    (a callout's text) still ends the block.
    """
    if "<" not in text or "\n " not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    in_html = in_fence = False
    for i, line in enumerate(lines):
        if _FENCE_LINE.match(line) and not in_html:
            in_fence = not in_fence
        elif not in_fence:
            if not line.strip():
                if in_html and line and _next_is_html(lines, i + 1):
                    continue
                in_html = False
            elif not in_html and _HTML_BLOCK_START.match(line):
                in_html = True
        out.append(line)
    return "\n".join(out)


def _next_is_html(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return line.lstrip().startswith("<")
        if not line:
            return False
    return False


def prepare_2020_markdown(text: str) -> str:
    """Source fix-ups so CommonMark reads the text as GitHub's 2020 engine (remark) did."""
    text = join_html_blocks(rule_not_heading(indent_two_space_continuations(text)))
    return separate_numbered_steps(align_comment_lines(dedent_orphaned_link_items(text)))


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


class MarkdownRenderer:
    """Renders Markdown to decorated HTML, caching by text (identical texts render once)."""

    def __init__(self, backend: str | None = None, cache_size: int = 20000, *, lenient: bool = False):
        self._to_html = make_backend(backend)
        self.lenient = lenient
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def clear(self) -> None:
        self._cache.clear()

    def render(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            cached = tighten_tables(highlight_fences(add_heading_ids(self._to_html(prepare_2020_markdown(text))), self.lenient))
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
