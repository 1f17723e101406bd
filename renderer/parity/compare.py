"""Comparing renders with the reference: one verdict per aspect of every common render.

Renders are matched by ``(version, path)``. The body is compared on its headings
(``(level, id, text)`` of every ``<h1>``..``<h6>``), its link hrefs (document order,
without heading self-links) and its visible text; the title after unescaping and
whitespace collapsing; the intro on its visible text and its links. Renders whose HTML
is byte-identical skip extraction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from renderer.parity.causes import headings_cause, links_cause, text_cause, title_cause
from renderer.parity.extract import Heading, extract, normalize_title
from renderer.parity.report import ASPECTS, Difference, Key, ParityReport


def _short(value: object, width: int = 80) -> str:
    """``repr`` of ``value`` cut to about ``width`` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _first_mismatch(ours: Sequence, ref: Sequence) -> int:
    """Index of the first differing item (``min(len)`` if one is a prefix)."""
    for index, (mine, theirs) in enumerate(zip(ours, ref, strict=False)):  # one may be a prefix
        if mine != theirs:
            return index
    return min(len(ours), len(ref))


def _item(items: Sequence, index: int) -> str:
    """Short display of ``items[index]``, or ``(none)`` past the end."""
    return _short(items[index]) if index < len(items) else "(none)"


# Each ``_diff_*`` returns ``(kind, detail, cause)`` or None when the aspect matches.
Verdict = tuple[str, str, str] | None


def _diff_title(ours: str, ref: str) -> Verdict:
    """Compare normalized titles."""
    mine, theirs = normalize_title(ours), normalize_title(ref)
    if mine == theirs:
        return None
    kind = "empty in ours" if not mine else "title differs"
    return kind, f"ours {_short(mine)} vs reference {_short(theirs)}", title_cause(mine, theirs)


def _diff_headings(ours: list[Heading], ref: list[Heading]) -> Verdict:
    """Compare heading sequences; classify by count, level, id or text."""
    if ours == ref:
        return None
    index = _first_mismatch(ours, ref)
    detail = f"#{index}: ours {_item(ours, index)} vs reference {_item(ref, index)}"
    cause = headings_cause(ours, ref)
    if len(ours) != len(ref):
        return "count differs", f"ours {len(ours)} vs reference {len(ref)} headings; {detail}", cause
    fields = [
        name
        for name, mine, theirs in zip(("level", "id", "text"), ours[index], ref[index], strict=True)
        if mine != theirs
    ]
    return "+".join(fields) + " differs", detail, cause


def _diff_hrefs(ours: list[str], ref: list[str]) -> Verdict:
    """Compare href sequences; classify as only-in-ours/reference or reordered."""
    if ours == ref:
        return None
    extra = list((Counter(ours) - Counter(ref)).elements())
    missing = list((Counter(ref) - Counter(ours)).elements())
    if extra and missing:
        kind = "only in ours and only in reference"
    elif extra:
        kind = "only in ours"
    elif missing:
        kind = "only in reference"
    else:
        kind = "reordered"
    index = _first_mismatch(ours, ref)
    parts = [f"#{index}: ours {_item(ours, index)} vs reference {_item(ref, index)}"]
    if extra:
        parts.append(f"only in ours ({len(extra)}): {_short(extra[0])}")
    if missing:
        parts.append(f"only in reference ({len(missing)}): {_short(missing[0])}")
    return kind, "; ".join(parts), links_cause(ours, ref)


def _text_window(text: str, index: int, radius: int = 40) -> str:
    """About ``2 * radius`` characters of ``text`` around ``index``, with the
    divergence point marked by ``|``."""
    start = max(0, index - radius)
    before = ("..." if start else "") + text[start:index]
    after = text[index : index + radius] + ("..." if index + radius < len(text) else "")
    return repr(before + "|" + after)


def _diff_text(ours: str, ref: str) -> Verdict:
    """Compare visible text; show a context window at the first divergence."""
    if ours == ref:
        return None
    if ours.replace(" ", "") == ref.replace(" ", ""):
        kind = "whitespace only"
    elif ref.startswith(ours):
        kind = "ours is truncated"
    elif ours.startswith(ref):
        kind = "ours has extra tail"
    else:
        kind = "content differs"
    index = _first_mismatch(ours, ref)
    detail = (
        f"char {index}: ours {_text_window(ours, index)} "
        f"vs reference {_text_window(ref, index)}"
    )
    return kind, detail, text_cause(ours, ref, index)


def _compare_bodies(ours_html: str, ref_html: str) -> dict[str, Verdict]:
    """Verdicts for the three html-derived aspects of one render."""
    if ours_html == ref_html:
        return {"headings": None, "hrefs": None, "text": None}
    mine, theirs = extract(ours_html), extract(ref_html)
    return {
        "headings": _diff_headings(mine.headings, theirs.headings),
        "hrefs": _diff_hrefs(mine.hrefs, theirs.hrefs),
        "text": _diff_text(mine.text, theirs.text),
    }


def _compare_intros(ours_html: str, ref_html: str) -> dict[str, Verdict]:
    """Verdicts for the intro: its visible text and its links."""
    if ours_html == ref_html:
        return {"intro-text": None, "intro-links": None}
    mine, theirs = extract(ours_html), extract(ref_html)
    return {"intro-text": _diff_text(mine.text, theirs.text), "intro-links": _diff_hrefs(mine.hrefs, theirs.hrefs)}


GENERATED_CAUSE = "page built from data the corpus lacks"


def compare(ours: dict[Key, dict], reference: dict[Key, dict], generated: frozenset[str] = frozenset()) -> ParityReport:
    """Compare two render sets (as returned by :func:`load_renders`).

    Differences of the pages in `generated` (paths built from data the reference's tree
    does not hold) get that as their cause.
    """
    report = ParityReport(
        pairs_missing=sorted(reference.keys() - ours.keys()),
        pairs_extra=sorted(ours.keys() - reference.keys()),
    )
    for key in sorted(ours.keys() & reference.keys()):
        mine, theirs = ours[key], reference[key]
        verdicts = {"title": _diff_title(mine.get("title", ""), theirs.get("title", ""))}
        verdicts.update(_compare_bodies(mine.get("html", ""), theirs.get("html", "")))
        verdicts.update(_compare_intros(_text_field(mine, "intro"), _text_field(theirs, "intro")))
        for aspect in ASPECTS:
            report.compared[aspect] += 1
            verdict = verdicts[aspect]
            if verdict is None:
                report.equal[aspect] += 1
            else:
                kind, detail, cause = verdict
                cause = GENERATED_CAUSE if key[1] in generated else cause
                report.differences.append(Difference(key[0], key[1], aspect, kind, detail, cause))
    return report


def _text_field(record: dict, name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) else ""
