"""Offline search: a compact JSON index per version, read by site/static/search.js.

`/search/<version>.json` is `{"version": ..., "fields": [...], "pages": [[title, url,
intro, headings, text], ...]}`: plain text only, sorted by URL, so identical input gives
identical bytes. The browser loads the index of the version being read, and only that.
"""

from __future__ import annotations

import html as html_lib
import json
import re

from renderer.model.pages import Page

BODY_TEXT_CHARS = 2000
FIELDS = ["title", "url", "intro", "headings", "text"]

_DROP_BLOCKS = re.compile(r"<(pre|script|style)\b.*?</\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_HEADING = re.compile(r'<h[23] id="[^"]*">(.*?)</h[23]>', re.S)


def plain_text(fragment: str, limit: int | None = None) -> str:
    """Visible text of an HTML fragment, code blocks left out, whitespace collapsed.

    With `limit`, only about that many characters are kept (cheaper on long pages).
    """
    if "<" in fragment:
        fragment = _TAGS.sub(" ", _DROP_BLOCKS.sub(" ", fragment) if "<pre" in fragment or "<script" in fragment
                             or "<style" in fragment else fragment)
    text = " ".join(fragment.split())
    if limit is not None and len(text) > limit + 200:
        text = text[: limit + 200]  # room for entities that unescape to one character
    if "&" in text:
        text = " ".join(html_lib.unescape(text).split())
    return text


def searchable(page: Page) -> bool:
    """Is a page in the search index? Hidden pages are not (they are not in the navigation either)."""
    return not page.frontmatter.get("hidden")


def search_record(title: str, url: str, intro_html: str, body_html: str) -> list[str]:
    """One page's entry: [title, url, intro, headings, trimmed body text]."""
    heads = " \u00b7 ".join(plain_text(h) for h in _HEADING.findall(body_html))
    text = plain_text(body_html, BODY_TEXT_CHARS)
    if len(text) > BODY_TEXT_CHARS:
        cut = text.rfind(" ", 0, BODY_TEXT_CHARS)
        text = text[: cut if cut > BODY_TEXT_CHARS // 2 else BODY_TEXT_CHARS]
    return [title, url, plain_text(intro_html), heads, text]


def search_index(version: str, records: list[list[str]]) -> bytes:
    """The JSON index of one version (deterministic bytes)."""
    pages = sorted(records, key=lambda r: r[1])
    data = {"version": version, "fields": FIELDS, "pages": pages}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
