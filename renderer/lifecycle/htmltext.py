"""A rendered article as readable text lines, cut into sections at its headings.

The text keeps what a reader sees: paragraphs and list items one per line (`- ` before
items), headings as `## Heading`, table rows with ` | ` between cells, code blocks line
by line, images as `[image: alt (src)]`. Comments and markup go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "pre", "table", "thead", "tbody", "tr", "blockquote", "br", "hr",
                    "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "details", "summary", "section"})
HEADINGS = {f"h{level}": level for level in range(1, 7)}
SPACES = re.compile(r"\s+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.headings: set[int] = set()  # indexes of heading lines
        self.heading = False
        self.current: list[str] = []
        self.prefix = ""
        self.in_pre = 0

    def flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        if self.in_pre:
            self.lines.extend(text.split("\n"))
            return
        text = SPACES.sub(" ", text).strip()
        if text:
            if self.heading:
                self.headings.add(len(self.lines))
            self.lines.append(self.prefix + text)
            self.prefix, self.heading = "", False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.flush()
        if tag in HEADINGS:
            self.prefix, self.heading = "#" * HEADINGS[tag] + " ", True
        elif tag == "li":
            self.prefix = "- "
        elif tag == "pre":
            self.in_pre += 1
        elif tag in ("td", "th") and self.current:
            self.current.append(" | ")
        elif tag == "img":
            values = dict(attrs)
            self.current.append(f"[image: {values.get('alt') or ''} ({values.get('src') or ''})]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.flush()
            self.in_pre = max(0, self.in_pre - 1)
        elif tag in BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def text_lines(html: str) -> tuple[list[str], set[int]]:
    """The readable text lines of rendered HTML, and which of them are headings."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    parser.flush()
    return [line.rstrip() for line in parser.lines], parser.headings


def html_text(html: str) -> list[str]:
    return text_lines(html)[0]


@dataclass(frozen=True)
class Section:
    heading: str  # "(title)", "(intro)", "(top)" before the first heading, else the heading text
    lines: tuple[str, ...]


def article_sections(title: str, intro_html: str, body_html: str) -> list[Section]:
    """Title, intro and the body cut at every heading (the heading line starts its section)."""
    sections = [Section("(title)", (title,)), Section("(intro)", tuple(html_text(intro_html)))]
    heading = "(top)"
    lines: list[str] = []
    body, headings = text_lines(body_html)
    for index, line in enumerate(body):
        if index in headings:
            if lines or heading != "(top)":
                sections.append(Section(heading, tuple(lines)))
            heading, lines = line.lstrip("#").strip(), [line]
        else:
            lines.append(line)
    if lines or heading != "(top)":
        sections.append(Section(heading, tuple(lines)))
    return [s for s in sections if s.lines and s.lines != ("",)]
