"""What the layout reads out of rendered HTML: text, headings, platforms; and folder digests."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from pathlib import Path

from renderer.model.pages import Page

PLATFORMS = (("mac", "Mac"), ("windows", "Windows"), ("linux", "Linux"))
_HEADING = re.compile(r'<h([2-4]) id="([^"]*)"><a href="#\2">(.*?)</a></h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")
# platform blocks ({% mac %} ... {% endmac %}) and inline spans (<span class="platform-mac">)
_PLATFORM_MARK = re.compile(r'<div class="extended-markdown (mac|windows|linux)[ "]|class="platform-(mac|windows|linux)"')
_SPACE = re.compile(r"\s+")
_LINK_TAG = re.compile(r"</?a\b[^>]*>")


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return _SPACE.sub(" ", html_lib.unescape(_TAGS.sub(" ", fragment))).strip()


def headings(body: str, max_level: int = 3) -> list[dict[str, object]]:
    """h2..h<max_level> of rendered html: [{level, id, html}] (html without links)."""
    found = []
    for m in _HEADING.finditer(body):
        level = int(m.group(1))
        if level <= max_level:
            found.append({"level": level, "id": m.group(2), "html": strip_links(m.group(3))})
    return found


def strip_links(fragment: str) -> str:
    """Heading html for the TOC: no nested links (the TOC entry is itself a link)."""
    return _LINK_TAG.sub("", fragment) if "<a" in fragment else fragment


def platforms_in(body: str) -> list[str]:
    """Platforms (mac/windows/linux) with blocks or inline spans in rendered html, in switcher order."""
    if "extended-markdown" not in body and "platform-" not in body:
        return []
    present = {block or span for block, span in _PLATFORM_MARK.findall(body)}
    return [p for p, _ in PLATFORMS if p in present]


def toc_max_level(page: Page) -> int:
    """The deepest heading level in the page's mini TOC; 0 when it shows none."""
    fm = page.frontmatter
    default_show = not (page.is_map_topic or page.relpath == "index.md" or page.relpath.endswith("/index.md"))
    if not fm.get("showMiniToc", default_show):
        return 0
    level = fm.get("miniTocMaxHeadingLevel", 3)
    return min(max(int(level), 2), 4) if isinstance(level, int) else 3


def directory_digest(folder: Path) -> str:
    """Digest of every file under a folder (names and bytes), for cache busting and keys."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()
