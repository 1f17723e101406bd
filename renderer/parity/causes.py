"""Why a render differs: a best-effort cause for each difference, so a report groups them.

Each aspect's kind says *what* differs (`count differs`, `content differs`); the cause
names the likely reason in terms of the source format (`emphasis markers`, `code fence
markers`, `link version`, ...), from the values compared. The rules are heuristics over
the first divergence; `other` is left when none applies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

OTHER = "other"
_VERSION_PREFIX = re.compile(r"^/(?:en/[^/]+|enterprise/[^/]+)(?=/|$)")
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_NUMBERED = re.compile(r"(?:^|\s)\d{1,3}\. ")
_TEXT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("merge-conflict markers", re.compile(r"<<<<<<<|=======|>>>>>>>")),
    ("code fence markers", re.compile(r"```|~~~")),
    ("heading markers", re.compile(r"(?:^|\s)#{2,6} ")),
    ("emoji shortcode", _SHORTCODE),
    ("emphasis markers", re.compile(r"\*")),
    ("list numbering", _NUMBERED),
    ("HTML shown as text or dropped", re.compile(r"</?[a-zA-Z][\w-]*[\s>]")),
)


def title_cause(ours: str, ref: str) -> str:
    if re.sub(r"[`*_]", "", ours) == ref:
        return "Markdown in the title"
    return "title text" if ours else "title missing"


def headings_cause(ours: Sequence[tuple[int, str, str]], ref: Sequence[tuple[int, str, str]]) -> str:
    if any(not heading_id for _, heading_id, _ in ref) and len(ours) == len(ref):
        if [(lvl, text) for lvl, _, text in ours] == [(lvl, text) for lvl, _, text in ref]:
            return "raw-HTML heading given an id"
    if len(ours) < len(ref):
        return "headings lost (read as code or text)"
    if len(ours) > len(ref):
        return "extra headings"
    return "heading ids or text"


def links_cause(ours: Sequence[str], ref: Sequence[str]) -> str:
    """Why two href lists differ."""
    if _unversioned(ours) == _unversioned(ref):
        if any(h.startswith("/en/") for h in ours) and not any(h.startswith("/en/") for h in ref):
            return "links GitHub left unversioned"
        return "link version"
    extra, missing = set(ours) - set(ref), set(ref) - set(ours)
    if all(h.startswith(("http://", "https://", "mailto:")) for h in extra | missing):
        return "external links and autolinks"
    if {h.split("#", 1)[0] for h in extra} == {h.split("#", 1)[0] for h in missing}:
        return "link anchors"
    return "links"


def _unversioned(hrefs: Sequence[str]) -> list[str]:
    return [_VERSION_PREFIX.sub("", h).rstrip("/") for h in hrefs]


def text_cause(ours: str, ref: str, index: int) -> str:
    """Why two visible texts differ, from about 40 characters on each side of `index`."""
    if ours.replace(" ", "") == ref.replace(" ", ""):
        return "whitespace"
    if ref.startswith(ours):
        return "content missing in ours"
    mine, theirs = ours[max(0, index - 40) : index + 40], ref[max(0, index - 40) : index + 40]
    for cause, pattern in _TEXT_RULES:
        if bool(pattern.search(mine)) != bool(pattern.search(theirs)) or _counts_differ(pattern, mine, theirs):
            return cause
    return OTHER


def _counts_differ(pattern: re.Pattern, mine: str, theirs: str) -> bool:
    return len(pattern.findall(mine)) != len(pattern.findall(theirs)) and pattern.pattern == r"\*"
