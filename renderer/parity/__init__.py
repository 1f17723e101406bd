"""Render parity tool: compare our exported renders with GitHub's 2020 renders.

Both inputs are JSON Lines files (plain or gzip-compressed) with one object per
render: ``{"version", "path", "title", "intro", "html"}``.  Renders are matched
by ``(version, path)`` and compared on four aspects:

``title``
    title text after HTML-unescaping and whitespace collapsing;
``headings``
    the sequence of ``(level, id, text)`` for every ``<h1>``..``<h6>``;
``hrefs``
    the sequence of ``<a href>`` values in document order, without the
    heading self-links (``href="#<id of the enclosing heading>"``);
``text``
    all text nodes (entity-decoded, ``<script>``/``<style>``/comments
    dropped) joined as they stand -- ``<td>a</td><td>b</td>`` gives ``ab`` --
    with every run of whitespace collapsed to one space.

HTML is scanned with a few linear-time regular expressions rather than
``html.parser``: about five times faster (roughly 2 s for the 69 MB reference
corpus) and, on the whole reference corpus, identical to an ``html.parser``
implementation.  Renders whose html is byte-identical skip extraction.

Usage::

    python -m renderer.parity OURS.jsonl [--reference PATH] [--json OUT]
                              [--min-ratio 0.99]

Exit status: 0 when every aspect reaches ``--min-ratio`` and both files hold
the same ``(version, path)`` pairs, 1 otherwise, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import gzip
import html as html_lib
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Iterator, Optional, Sequence

ASPECTS: tuple[str, ...] = ("title", "headings", "hrefs", "text")

DEFAULT_REFERENCE: Path = (
    Path(__file__).resolve().parents[3]
    / "shared/corpora/github-docs-2020-10/reference-renders.jsonl.gz"
)

Key = tuple[str, str]
Heading = tuple[int, str, str]

# --------------------------------------------------------------------------
# HTML extraction
# --------------------------------------------------------------------------

# Attribute list of a start tag; quoted values may contain "<" and ">".  An
# unquoted "<" ends the attempt, so unterminated tags cannot make scans
# quadratic.  (Unrolled loop with possessive quantifiers: no backtracking.)
_ATTR_CHARS = r"""[^<>"']*+(?:(?:"[^"]*+"|'[^']*+')[^<>"']*+)*+"""
_ATTRS = "(" + _ATTR_CHARS + ")"
# Markup whose content is never visible text.  As in browsers, an unclosed
# comment or script/style element runs to the end of the input.
_INVISIBLE_RE = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style)(?=[\s/>])[^>]*>.*?(?:</\1\s*>|\Z)",
    re.S | re.I,
)
# Any tag (start, end, declaration, processing instruction).
_TAG_RE = re.compile(r"<(?:/?[a-zA-Z]" + _ATTR_CHARS + r"|![^>]*|\?[^>]*)>")
# A heading element or a link start tag.  Any heading end tag closes a heading
# (as in HTML5); a heading that reaches another heading's start tag instead is
# unclosed and skipped, which keeps the scan linear.  The shared "<" prefix
# lets the regex engine skip ahead quickly.
_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|li|ul|ol|pre|table|thead|tbody|tr|td|th|h[1-6]|blockquote|br|hr|dl|dt|dd)(?=[\s/>])[^>]*>",
    re.I,
)
_HEADING_OR_LINK_RE = re.compile(
    r"<(?:h([1-6])(?=[\s/>])" + _ATTRS + r">((?:[^<]++|<(?!/?h[1-6][\s/>]))*+)</h[1-6]\s*>"
    r"|a(?=[\s/>])" + _ATTRS + ">)",
    re.I,
)
_LINK_RE = re.compile(r"<a(?=[\s/>])" + _ATTRS + ">", re.I)
_ATTR_RE = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?"""
)


@dataclass(frozen=True)
class Extract:
    """The comparable aspects of one HTML article body."""

    headings: list[Heading]
    hrefs: list[str]
    text: str


def collapse_space(text: str) -> str:
    """Collapse every run of whitespace to a single space and strip the ends.

    "Whitespace" is Python's definition (``str.split``), so it includes
    no-break and other Unicode spaces.
    """
    return " ".join(text.split())


def normalize_title(title: str) -> str:
    """Return ``title`` HTML-unescaped and whitespace-collapsed."""
    return collapse_space(unescape(title))


def attribute(attrs: str, name: str) -> Optional[str]:
    """Value of attribute ``name`` (lower-case) in a start tag's attribute string.

    The value is entity-decoded; a valueless attribute gives ``""`` and an
    absent one ``None``.  As in HTML, the first of repeated attributes wins.
    """
    if name not in attrs.lower():
        return None
    for key, double, single, bare in _ATTR_RE.findall(attrs):
        if key.lower() == name:
            return unescape(double or single or bare)
    return None


# Entities common enough to be worth decoding with str.replace.
_COMMON_ENTITIES = (("&quot;", '"'), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&#39;", "'"))


def unescape(text: str) -> str:
    """Same result as :func:`html.unescape`, several times faster on typical text.

    Text is split on ``&amp;`` so that decoded ampersands cannot start new
    references; the frequent entities are replaced directly and
    :func:`html.unescape` only sees pieces that still contain an ``&``.
    """
    if "&" not in text:
        return text
    pieces = text.split("&amp;")
    for index, piece in enumerate(pieces):
        if "&" in piece:
            for entity, char in _COMMON_ENTITIES:
                piece = piece.replace(entity, char)
            pieces[index] = html_lib.unescape(piece) if "&" in piece else piece
    return "&".join(pieces)


def _visible_text(markup: str) -> str:
    """Entity-decoded, whitespace-collapsed text of ``markup`` (already cleaned).

    Block-level boundaries (paragraphs, list items, table cells, ...) count as
    whitespace, as a browser displays them: `<td>a</td><td>b</td>` reads "a b" and
    `<li>x<pre>` equals `<li>x\n<pre>`, so markup formatting is not a difference.
    """
    return collapse_space(unescape(_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", markup))))


def _heading_links(inner: str, heading_id: str) -> Iterator[str]:
    """Yield link hrefs inside a heading, skipping its self-link."""
    self_link = "#" + heading_id if heading_id else None
    for match in _LINK_RE.finditer(inner):
        href = attribute(match.group(1), "href")
        if href is not None and href != self_link:
            yield href


def extract(html: str) -> Extract:
    """Extract headings, link hrefs and visible text from an HTML fragment."""
    cleaned = _INVISIBLE_RE.sub("", html)
    headings: list[Heading] = []
    hrefs: list[str] = []
    for match in _HEADING_OR_LINK_RE.finditer(cleaned):
        level, heading_attrs, inner, link_attrs = match.groups()
        if level is None:
            href = attribute(link_attrs, "href")
            if href is not None:
                hrefs.append(href)
            continue
        heading_id = attribute(heading_attrs, "id") or ""
        headings.append((int(level), heading_id, _visible_text(inner)))
        hrefs.extend(_heading_links(inner, heading_id))
    return Extract(headings=headings, hrefs=hrefs, text=_visible_text(cleaned))


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


class ParityInputError(Exception):
    """An input file is missing or malformed (message names file and line)."""


_REQUIRED_FIELDS = ("version", "path", "title", "html")


def _open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, transparently gunzipping gzip data."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def _parse_record(raw: bytes, where: str) -> dict:
    """Decode one UTF-8 JSON line and check it has the render fields."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParityInputError(f"{where}: not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ParityInputError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ParityInputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for name in _REQUIRED_FIELDS:
        if not isinstance(record.get(name), str):
            raise ParityInputError(f"{where}: field {name!r} missing or not a string")
    return record


def load_renders(path: str | Path) -> dict[Key, dict]:
    """Read a ``.jsonl`` or ``.jsonl.gz`` render file keyed by ``(version, path)``.

    Blank lines are ignored.  Raises :class:`ParityInputError` when the file is
    missing or unreadable, a line is not a JSON object with string ``version``,
    ``path``, ``title`` and ``html`` fields, or a ``(version, path)`` repeats.
    """
    path = Path(path)
    renders: dict[Key, dict] = {}
    first_line: dict[Key, int] = {}
    lineno = 0
    try:
        with _open_binary(path) as stream:
            for lineno, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                record = _parse_record(raw, f"{path}:{lineno}")
                key = (record["version"], record["path"])
                if key in renders:
                    raise ParityInputError(
                        f"{path}:{lineno}: duplicate render {key[0]} {key[1]} "
                        f"(first at line {first_line[key]})"
                    )
                renders[key] = record
                first_line[key] = lineno
    except FileNotFoundError:
        raise ParityInputError(f"{path}: no such file") from None
    except (OSError, EOFError) as exc:
        raise ParityInputError(f"{path}: cannot read after line {lineno}: {exc}") from None
    return renders


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One aspect of one render that differs from the reference."""

    version: str
    path: str
    aspect: str
    kind: str
    detail: str


@dataclass
class ParityReport:
    """Result of :func:`compare`."""

    pairs_missing: list[Key] = field(default_factory=list)
    pairs_extra: list[Key] = field(default_factory=list)
    equal: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASPECTS, 0))
    compared: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASPECTS, 0))
    differences: list[Difference] = field(default_factory=list)

    def ratio(self, aspect: str) -> float:
        """Share of compared renders equal on ``aspect`` (1.0 if none compared)."""
        total = self.compared[aspect]
        return self.equal[aspect] / total if total else 1.0

    @property
    def pairs_match(self) -> bool:
        """True when both sides hold the same ``(version, path)`` pairs."""
        return not self.pairs_missing and not self.pairs_extra

    def failures(self, min_ratio: float) -> list[str]:
        """Human-readable reasons why the report misses ``min_ratio``."""
        reasons = [
            f"{aspect} {self.ratio(aspect):.2%} < {min_ratio:.2%}"
            for aspect in ASPECTS
            if self.ratio(aspect) < min_ratio
        ]
        if self.pairs_missing:
            reasons.append(f"{len(self.pairs_missing)} renders missing in ours")
        if self.pairs_extra:
            reasons.append(f"{len(self.pairs_extra)} extra renders in ours")
        return reasons

    def format(self, max_examples: int = 5) -> str:
        """Render the report as text: summary, pair differences, diffs by kind."""
        lines = self._summary_lines()
        lines += _pair_lines("Missing in ours", self.pairs_missing, max_examples)
        lines += _pair_lines("Extra in ours", self.pairs_extra, max_examples)
        for aspect in ASPECTS:
            lines += self._aspect_lines(aspect, max_examples)
        return "\n".join(lines)

    def _summary_lines(self) -> list[str]:
        """Pair counts and one ``equal/compared percent`` line per aspect."""
        common = self.compared["title"]
        lines = [
            f"Pairs: {common} compared, {len(self.pairs_missing)} missing in ours, "
            f"{len(self.pairs_extra)} extra in ours"
        ]
        for aspect in ASPECTS:
            lines.append(
                f"  {aspect:<9} {self.equal[aspect]:>6}/{self.compared[aspect]:<6} "
                f"{self.ratio(aspect):8.2%}"
            )
        return lines

    def _aspect_lines(self, aspect: str, max_examples: int) -> list[str]:
        """Differences of one aspect, grouped by kind, biggest group first."""
        by_kind: dict[str, list[Difference]] = defaultdict(list)
        for diff in self.differences:
            if diff.aspect == aspect:
                by_kind[diff.kind].append(diff)
        if not by_kind:
            return []
        total = sum(len(diffs) for diffs in by_kind.values())
        lines = ["", f"{aspect} differences: {total} renders"]
        for kind, diffs in sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0])):
            lines.append(f"  {kind}: {len(diffs)}")
            for diff in diffs[:max_examples]:
                lines.append(f"    {diff.version} {diff.path}")
                lines.append(f"      {diff.detail}")
            if len(diffs) > max_examples:
                lines.append(f"    ... and {len(diffs) - max_examples} more")
        return lines

    def to_dict(self) -> dict:
        """A JSON-serialisable view of the whole report."""
        return {
            "summary": {
                aspect: {
                    "equal": self.equal[aspect],
                    "compared": self.compared[aspect],
                    "ratio": self.ratio(aspect),
                }
                for aspect in ASPECTS
            },
            "pairs_missing": [list(key) for key in self.pairs_missing],
            "pairs_extra": [list(key) for key in self.pairs_extra],
            "differences": [asdict(diff) for diff in self.differences],
        }


def _pair_lines(label: str, pairs: list[Key], max_examples: int) -> list[str]:
    """List (some of) the unmatched pairs under a heading."""
    if not pairs:
        return []
    lines = ["", f"{label}: {len(pairs)}"]
    lines += [f"  {version} {path}" for version, path in pairs[:max_examples]]
    if len(pairs) > max_examples:
        lines.append(f"  ... and {len(pairs) - max_examples} more")
    return lines


def _short(value: object, width: int = 80) -> str:
    """``repr`` of ``value`` cut to about ``width`` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _first_mismatch(ours: Sequence, ref: Sequence) -> int:
    """Index of the first differing item (``min(len)`` if one is a prefix)."""
    for index, (mine, theirs) in enumerate(zip(ours, ref)):
        if mine != theirs:
            return index
    return min(len(ours), len(ref))


def _item(items: Sequence, index: int) -> str:
    """Short display of ``items[index]``, or ``(none)`` past the end."""
    return _short(items[index]) if index < len(items) else "(none)"


# Each ``_diff_*`` returns ``(kind, detail)`` or None when the aspect matches.
Verdict = Optional[tuple[str, str]]


def _diff_title(ours: str, ref: str) -> Verdict:
    """Compare normalized titles."""
    mine, theirs = normalize_title(ours), normalize_title(ref)
    if mine == theirs:
        return None
    kind = "empty in ours" if not mine else "title differs"
    return kind, f"ours {_short(mine)} vs reference {_short(theirs)}"


def _diff_headings(ours: list[Heading], ref: list[Heading]) -> Verdict:
    """Compare heading sequences; classify by count, level, id or text."""
    if ours == ref:
        return None
    index = _first_mismatch(ours, ref)
    detail = f"#{index}: ours {_item(ours, index)} vs reference {_item(ref, index)}"
    if len(ours) != len(ref):
        return "count differs", f"ours {len(ours)} vs reference {len(ref)} headings; {detail}"
    fields = [
        name
        for name, mine, theirs in zip(("level", "id", "text"), ours[index], ref[index])
        if mine != theirs
    ]
    return "+".join(fields) + " differs", detail


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
    return kind, "; ".join(parts)


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
    return kind, detail


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


def compare(ours: dict[Key, dict], reference: dict[Key, dict]) -> ParityReport:
    """Compare two render sets (as returned by :func:`load_renders`)."""
    report = ParityReport(
        pairs_missing=sorted(reference.keys() - ours.keys()),
        pairs_extra=sorted(ours.keys() - reference.keys()),
    )
    for key in sorted(ours.keys() & reference.keys()):
        mine, theirs = ours[key], reference[key]
        verdicts = {"title": _diff_title(mine.get("title", ""), theirs.get("title", ""))}
        verdicts.update(_compare_bodies(mine.get("html", ""), theirs.get("html", "")))
        for aspect in ASPECTS:
            report.compared[aspect] += 1
            verdict = verdicts[aspect]
            if verdict is None:
                report.equal[aspect] += 1
            else:
                report.differences.append(Difference(key[0], key[1], aspect, *verdict))
    return report


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    """The ``render parity`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="render parity",
        description="Compare exported renders with GitHub's 2020 reference renders.",
    )
    parser.add_argument("ours", type=Path, help="our export (.jsonl or .jsonl.gz)")
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help=f"reference renders (default: {DEFAULT_REFERENCE})",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the full report as JSON")
    parser.add_argument(
        "--min-ratio",
        type=float,
        default=0.99,
        help="minimum share of equal renders per aspect (default: 0.99)",
    )
    parser.add_argument(
        "--max-examples", type=int, default=5, help="examples shown per difference kind (default: 5)"
    )
    return parser


def _write_json(report: ParityReport, out: Path) -> None:
    """Write the report as JSON, turning I/O failures into ParityInputError."""
    try:
        out.write_text(json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ParityInputError(f"{out}: cannot write JSON report: {exc.strerror or exc}") from None


# Pages whose 2020 output came from data the corpus does not hold (REST operations from
# OpenAPI, the GraphQL schema and changelogs, webhook payloads): no engine can render them
# from the corpus alone, so the report also gives the figures without them.
_GENERATED_DATA = re.compile(
    r"\{%-? *include |graphql\.|currentRestOperations|rest\.operations|upcomingChange|webhookPayloads"
)


def pages_needing_generated_data(content_dir: Path) -> set[str]:
    """Paths (relative to content/) of pages built from data missing from the corpus."""
    found = set()
    for page in sorted(Path(content_dir).rglob("*.md")):
        if _GENERATED_DATA.search(page.read_text(encoding="utf-8", errors="replace")):
            found.add(page.relative_to(content_dir).as_posix())
    return found


def _without(renders: dict[Key, dict], paths: set[str]) -> dict[Key, dict]:
    return {key: value for key, value in renders.items() if key[1] not in paths}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the parity CLI; return 0 (pass), 1 (parity below target) or 2 (bad input)."""
    args = _build_parser().parse_args(argv)
    try:
        ours = load_renders(args.ours)
        reference = load_renders(args.reference)
        report = compare(ours, reference)
        if args.json is not None:
            _write_json(report, args.json)
    except ParityInputError as exc:
        print(f"render parity: error: {exc}", file=sys.stderr)
        return 2
    print(f"Ours: {args.ours} ({len(ours)} renders)")
    print(f"Reference: {args.reference} ({len(reference)} renders)")
    print(report.format(max_examples=args.max_examples))
    content_dir = Path(args.reference).parent / "content"
    if content_dir.is_dir():
        generated = pages_needing_generated_data(content_dir)
        subset = compare(_without(ours, generated), _without(reference, generated))
        print(f"\nWithout the {len(generated)} pages built from REST/GraphQL data the corpus lacks "
              f"({len(_without(reference, generated))} renders):")
        print("\n".join(subset._summary_lines()))
    failures = report.failures(args.min_ratio)
    print()
    if failures:
        print(f"FAIL (min ratio {args.min_ratio:.2%}): " + "; ".join(failures))
        return 1
    print(f"PASS (min ratio {args.min_ratio:.2%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
