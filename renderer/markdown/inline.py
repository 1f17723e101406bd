"""Inline text as GitHub's 2020 engine (remark) showed it, applied to rendered HTML.

Three things CommonMark (with GFM autolinks) leaves as typed and remark did not:

- emphasis markers next to spaces: remark opened `**` or `*` wherever it found one and
  closed it at the next one, so `** Note:**` is bold and `a* <br> *b` has an emphasised
  middle. CommonMark leaves such asterisks literal; the asterisks it left are paired
  here the way remark paired them, within one run of inline text.
- emoji shortcodes: `:+1:` and the other gemoji aliases became the emoji.
- bare URLs that GFM's autolink rule refuses (`https://[hostname]/actions`): remark linked
  everything from `http(s)://` up to a space, leaving out trailing punctuation.

Text inside `<code>` and `<pre>` is never touched, nor are tags and attributes.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import quote

import emoji

# One linear pass over tags; `code`/`pre` open and close code zones.
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^<>]*>|<[^<>]*>")
_VOID = frozenset({"br", "img", "wbr"})  # inline tags that do not end a run of text
_CODE = frozenset({"code", "pre"})
_CODE_TAG = re.compile(r"<(/?)(?:code|pre)[\s>]", re.I)
_LINK_TAG = re.compile(r"<(/?)a[\s>]", re.I)
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_BARE_URL = re.compile(r"https?://[^\s<]+")
_URL_START = re.compile(r"https?://")
_ATTRIBUTE_VALUE_START = "=\"'"
_URL_TRAILING = ".,:;\"')]"
_URL_SAFE = "/?:@&=+$,-_.!~*'()#%;"
VOID_MARK = "\x00"  # stands for a void tag while pairing asterisks
ESCAPED_STAR = "\ue000"  # a `\*` of the source, held out of the pairing (see protect_escaped_stars)


def protect_escaped_stars(text: str) -> str:
    """`\\*` in Markdown source -> a placeholder, so an escaped asterisk is never paired."""
    if "\\*" not in text:
        return text
    out, in_fence = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        out.append(line if in_fence else line.replace("\\*", ESCAPED_STAR))
    return "\n".join(out)


def remark_inline(html: str) -> str:
    """Pair stray asterisks and turn shortcodes into emoji in the text of `html`."""
    if not _has_work(html):
        return html
    out: list[str] = []
    run: list[tuple[str, str]] = []
    in_link = 0
    for kind, text in _pieces(html):
        if kind in ("text", "void"):
            run.append((kind, text))
            continue
        out.append(_render_run(run, in_link > 0))
        run = []
        if kind == "tag" and text[:3].lower() in ("<a ", "<a>", "</a"):
            in_link = max(0, in_link + (-1 if text[1] == "/" else 1))
        out.append(text.replace(ESCAPED_STAR, "\\*") if kind == "code" else text.replace(ESCAPED_STAR, "*"))
    out.append(_render_run(run, in_link > 0))
    return "".join(out)


def _has_work(html: str) -> bool:
    """Is there an asterisk or a shortcode outside code, or a bare URL outside links? (quick)"""
    if ESCAPED_STAR in html:
        return True  # the placeholders go back to `\*` (in code) or `*`
    if "*" not in html and ":" not in html:
        return False
    text = _outside(html, _CODE_TAG)
    if "*" in text:
        return True
    if any(emoji.emojize(code, language="alias") != code for code in set(_SHORTCODE.findall(text))):
        return True
    return "://" in text and _has_bare_url(_outside(text, _LINK_TAG))


def _has_bare_url(text: str) -> bool:
    """Does `text` hold `http(s)://` that does not start an attribute value?

    (`(?<![="'])https?://` says the same, but a pattern opening with a lookbehind is
    tried at every character; this one is searched for as a literal.)
    """
    return any(m.start() == 0 or text[m.start() - 1] not in _ATTRIBUTE_VALUE_START for m in _URL_START.finditer(text))


def _outside(html: str, zone_tag: re.Pattern) -> str:
    """`html` without the content of the zones `zone_tag` opens and closes.

    `zone_tag` has one group, "/" in a closing tag: split() gives text, group, text, ...
    """
    parts = zone_tag.split(html)
    if len(parts) == 1:
        return html
    outside, depth = [], 0
    for i in range(0, len(parts) - 1, 2):
        if not depth:
            outside.append(parts[i])
        depth = max(0, depth - 1) if parts[i + 1] else depth + 1
    if not depth:
        outside.append(parts[-1])
    return "".join(outside)


def _pieces(html: str) -> list[tuple[str, str]]:
    """Split HTML into ("text" | "void" | "tag" | "code", source) pieces, in order."""
    pieces: list[tuple[str, str]] = []
    pos = depth = 0
    for m in _TAG.finditer(html):
        if m.start() > pos:
            pieces.append(("code" if depth else "text", html[pos:m.start()]))
        name = (m.group(2) or "").lower()
        if name in _CODE:
            depth = max(0, depth - 1) if m.group(1) else depth + 1
            pieces.append(("code", m.group(0)))
        else:
            pieces.append(("code" if depth else "void" if name in _VOID else "tag", m.group(0)))
        pos = m.end()
    if pos < len(html):
        pieces.append(("code" if depth else "text", html[pos:]))
    return pieces


def _render_run(run: list[tuple[str, str]], in_link: bool) -> str:
    """One run of text and void tags: emoji, bare URLs, then remark's pairing of stray asterisks."""
    joined = "".join(text for _, text in run)
    if "*" not in joined and ":" not in joined and ESCAPED_STAR not in joined:
        return joined
    texts = [_emojize(text) if kind == "text" else text for kind, text in run]
    if not in_link:
        texts = [link_bare_urls(text) if kind == "text" and "://" in text else text
                 for (kind, _), text in zip(run, texts, strict=True)]
    flat = "".join(VOID_MARK if kind == "void" else text for (kind, _), text in zip(run, texts, strict=True))
    if "*" in flat:
        flat = pair_asterisks(flat)
    voids = iter(text for (kind, _), text in zip(run, texts, strict=True) if kind == "void")
    return re.sub(VOID_MARK, lambda _m: next(voids), flat).replace(ESCAPED_STAR, "*")


def _emojize(text: str) -> str:
    if ":" not in text:
        return text
    return _SHORTCODE.sub(lambda m: emoji.emojize(m.group(0), language="alias"), text)


def link_bare_urls(text: str) -> str:
    """`https://[hostname]/x` in text -> a link, as remark's URL rule made one."""

    def link(m: re.Match) -> str:
        url = m.group(0)
        while url and url[-1] in _URL_TRAILING:
            url = url[:-1]
        tail = m.group(0)[len(url):]
        raw = html_lib.unescape(url)
        return f'<a href="{html_lib.escape(quote(raw, safe=_URL_SAFE))}">{url}</a>{tail}'

    return _BARE_URL.sub(link, text)


def pair_asterisks(text: str) -> str:
    """Pair `**` and `*` as remark did: open at any run, close at the next one of the same size.

    `**` closes at the next `**` not followed by a third `*`; a single `*` at the next single
    `*`. What lies between must not be blank (tags count as content).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != "*":
            j = text.find("*", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
            continue
        size = _run_length(text, i)
        close = _closing(text, i + size, size) if size in (1, 2) else -1
        if close < 0 or not text[i + size : close].strip():
            out.append(text[i : i + size])
            i += size
            continue
        tag = "strong" if size == 2 else "em"
        out.append(f"<{tag}>{text[i + size : close]}</{tag}>")
        i = close + size
    return "".join(out)


def _run_length(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == "*":
        end += 1
    return end - start


def _closing(text: str, start: int, size: int) -> int:
    """Index of the next run of exactly `size` asterisks after `start`, or -1."""
    i = text.find("*", start)
    while i >= 0:
        length = _run_length(text, i)
        if length == size:
            return i
        i = text.find("*", i + length)
    return -1
