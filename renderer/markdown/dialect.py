"""GitHub's 2020 Markdown dialect: source fix-ups so CommonMark reads a text as remark did.

GitHub's 2020 engine parsed Markdown with remark, which was laxer than CommonMark about
indentation under list steps, fences and HTML. Each function here rewrites one such shape
into the CommonMark that means the same; texts without the shape pass through unchanged.
"""

from __future__ import annotations

import re

_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")
# Most functions below first ask searches over the whole text whether the shape they
# rewrite can be there at all (most texts have none), before going through the lines.
# The searches open with a literal (a newline mostly), which the regex engine finds fast.


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
_LATER_STEP = re.compile(r"\n( {0,3}(?!1\.)\d{1,9}[.)] +\S)")  # a step other than `1.`, not on the first line


def _step_under_text(text: str) -> bool:
    """Is there a step other than `1.` right under a line of text that is no list item?"""
    for m in _LATER_STEP.finditer(text):
        previous = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        if previous.strip() and not _ANY_ITEM.match(previous):
            return True
    return False


def separate_numbered_steps(text: str) -> str:
    """Let a numbered step follow a paragraph line directly inside a list, as remark did.

    CommonMark only lets an ordered list interrupt a paragraph when it starts at 1, so
    "...see the image.\n6. Next step" would be one paragraph. Inside a list remark started
    a new item there; a blank line is inserted before such a step (outside code fences).
    Outside lists remark let no numbered line interrupt a paragraph, so nothing changes.
    """
    if ". " not in text or not _step_under_text(text):
        return text
    lines = text.split("\n")
    out: list[str] = []
    in_fence = in_list = False
    for line in lines:
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
        elif (not in_fence and in_list and out and out[-1].strip() and _ORDERED_ITEM.match(line)
              and not line.lstrip().startswith("1.") and not _ANY_ITEM.match(out[-1])):
            out.append("")
        if not in_fence and _ANY_ITEM.match(line):
            in_list = True
        elif not in_fence and line[:1].strip() and not (out and out[-1].strip()):
            in_list = False  # an unindented block after a blank line ends the list
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
_LATER_TOP_ORDERED_ITEM = re.compile(r"\n\d{1,9}[.)] ")
_PRE_OPEN = re.compile(r"^\s*<pre[\s>]", re.I)


def indent_two_space_continuations(text: str) -> str:
    """Treat 2-space indented lines under a numbered step as part of the step.

    GitHub's writers indented notes, images and code fences under numbered steps by two
    spaces; remark accepted that, CommonMark wants the marker's width (three for `1. `,
    four for `10. `): lines indented by two up to that width move by the difference. A
    fence or `<pre>` block opened inside a step stays in it up to its closing line,
    wherever that line starts; blank lines inside a `<pre>` keep the step's indentation,
    so the HTML block does not end there.
    """
    if "\n  " not in text or not (_TOP_ORDERED_ITEM.match(text) or _LATER_TOP_ORDERED_ITEM.search(text)):
        return text  # only lines under a step move
    lines = text.split("\n")
    width = 0  # marker width of the step being read, 0 outside steps
    block = None  # "fence" or "pre": a verbatim block opened by a 2-space line
    for i, line in enumerate(lines):
        if block:
            if block == "fence" and _FENCE_LINE.match(line.lstrip()) or block == "pre" and "</pre>" in line.lower():
                block = None
            if line.strip():
                indent = len(line) - len(line.lstrip())
                lines[i] = " " * (width - 2) + line if indent >= 2 else " " * width + line.lstrip()
            elif block == "pre":
                lines[i] = " " * width
        elif item := _TOP_ORDERED_ITEM.match(line):
            width = len(item.group(0))
        elif line and not line[0].isspace():
            width = 0
        elif width and 2 <= len(line) - len(line.lstrip(" ")) < width and line.strip():
            lines[i] = " " * (width - 2) + line
            if _FENCE_LINE.match(line.lstrip()):
                block = "fence"
            elif _PRE_OPEN.match(line) and "</pre>" not in line.lower():
                block = "pre"
    return "\n".join(lines)


_INDENTED_RULE = re.compile(r"^ {1,3}-{3,}\s*$")
_LATER_INDENTED_RULE = re.compile(r"\n {1,3}-{3,}")  # (a first line has no line above to underline)


def rule_not_heading(text: str) -> str:
    """An indented `---` under a line was a horizontal rule to the 2020 engine, not a heading underline."""
    if "\n " not in text or "---" not in text or not _LATER_INDENTED_RULE.search(text):
        return text
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if _INDENTED_RULE.match(line) and out and out[-1].strip():
            out.append("")
        out.append(line)
    return "\n".join(out)


_FENCE_MARKER = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
# only a fence opened on an indented line changes
_INDENTED_FENCE_MARKER = re.compile(r" +(?:`{3}|~{3})")
_LATER_INDENTED_FENCE_MARKER = re.compile(r"\n +(?:`{3}|~{3})")


def close_list_fences(text: str) -> str:
    """Close a code fence inside a list item where remark closed it.

    Writers closed (and continued) fences under list steps with less indentation than the
    opening line (`   ```shell` ... `  ````); remark still closed the fence there, while
    CommonMark ends the list item and leaves the fence open to the next one. Such lines get
    the opening line's indentation. A closing line with text after the marker
    (` ``` If your ...`) closed the fence too, the text going on in the step.
    """
    if "``" not in text and "~~" not in text:
        return text
    if not (_INDENTED_FENCE_MARKER.match(text) or _LATER_INDENTED_FENCE_MARKER.search(text)):
        return text
    out: list[str] = []
    fence: tuple[int, str] | None = None  # (indentation, marker) of the open fence
    for line in text.split("\n"):
        m = _FENCE_MARKER.match(line)
        if fence is None:
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):  # a backtick fence's info has no backtick
                fence = (len(m.group(1)), m.group(2))
            out.append(line)
            continue
        indent, marker = fence
        own = len(line) - len(line.lstrip(" "))
        if m and m.group(2)[0] == marker[0] and len(m.group(2)) >= len(marker):
            fence = None
            rest = m.group(3).strip()
            if indent and (0 < own < indent or rest):
                line = " " * max(own, indent) + m.group(2)
                if rest:
                    out.append(line)
                    line = " " * max(own, indent) + rest
        elif indent and line.strip() and 0 < own < indent:
            line = " " * indent + line.lstrip(" ")
        out.append(line)
    return "\n".join(out)


_RAW_HEADING = re.compile(r"<(h[1-6])>")
RAW_HEADING_MARK = " data-raw-heading"


def mark_raw_headings(text: str) -> str:
    """Mark raw-HTML `<h2>` tags outside code: GitHub's engine gave them no id or self-link."""
    if "<h" not in text or not _RAW_HEADING.search(text):
        return text
    lines = text.split("\n")
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE_LINE.match(line.lstrip()):
            in_fence = not in_fence
        elif not in_fence and "<h" in line and "`" not in line:
            lines[i] = _RAW_HEADING.sub(lambda m: f"<{m.group(1)}{RAW_HEADING_MARK}>", line)
    return "\n".join(lines)


_HTML_BLOCK_START = re.compile(
    r"^ {0,3}</?(?:address|article|aside|blockquote|details|dialog|dd|div|dl|dt|fieldset|figcaption|figure|footer"
    r"|form|h[1-6]|header|hr|li|main|nav|ol|p|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)(?:[\s/>]|$)",
    re.I,
)
# A line of spaces after the first line: the lines that may go (the first is in no block)
_LATER_SPACES_LINE = re.compile(r"\n[^\S\n]+(?:\n|\Z)")


def join_html_blocks(text: str) -> str:
    """Keep an HTML block going over a line of spaces when HTML follows it.

    Liquid tags on lines of their own (`{% for link in guideLinks %}` in indented HTML)
    leave lines of spaces inside the block; CommonMark would end the block there and show
    the indented HTML after it as a code block, where GitHub's 2020 engine kept it HTML.
    Such lines are dropped (HTML renders the same). A line of spaces followed by Markdown
    (a callout's text) still ends the block.
    """
    if "<" not in text or "\n " not in text or not _LATER_SPACES_LINE.search(text):
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
    text = join_html_blocks(rule_not_heading(indent_two_space_continuations(close_list_fences(text))))
    return mark_raw_headings(separate_numbered_steps(align_comment_lines(dedent_orphaned_link_items(text))))
