"""The parity report: per-aspect ratios, unmatched pairs, differences by cause and kind."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

Key = tuple[str, str]
# Aspects compared per render: the title, the article body (headings, link hrefs, visible
# text) and the intro (its visible text and links).
ASPECTS: tuple[str, ...] = ("title", "headings", "hrefs", "text", "intro-text", "intro-links")


@dataclass(frozen=True)
class Difference:
    """One aspect of one render that differs from the reference."""

    version: str
    path: str
    aspect: str
    kind: str
    detail: str
    cause: str = "other"


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
        lines = self.summary_lines()
        lines += _pair_lines("Missing in ours", self.pairs_missing, max_examples)
        lines += _pair_lines("Extra in ours", self.pairs_extra, max_examples)
        lines += self.cause_lines(max_examples)
        for aspect in ASPECTS:
            lines += self._aspect_lines(aspect, max_examples)
        return "\n".join(lines)

    def summary_lines(self) -> list[str]:
        """Pair counts and one ``equal/compared percent`` line per aspect."""
        common = self.compared["title"]
        lines = [
            f"Pairs: {common} compared, {len(self.pairs_missing)} missing in ours, "
            f"{len(self.pairs_extra)} extra in ours"
        ]
        for aspect in ASPECTS:
            lines.append(
                f"  {aspect:<11} {self.equal[aspect]:>6}/{self.compared[aspect]:<6} "
                f"{self.ratio(aspect):8.2%}"
            )
        return lines

    def cause_lines(self, max_examples: int) -> list[str]:
        """Differences grouped by likely cause, biggest group first, with the aspects hit."""
        by_cause: dict[str, list[Difference]] = defaultdict(list)
        for diff in self.differences:
            by_cause[diff.cause].append(diff)
        if not by_cause:
            return []
        lines = ["", "Differences by cause (renders; aspects):"]
        for cause, diffs in sorted(by_cause.items(), key=lambda item: (-len(item[1]), item[0])):
            renders = {(d.version, d.path) for d in diffs}
            aspects = ", ".join(f"{a} {n}" for a, n in Counter(d.aspect for d in diffs).most_common())
            lines.append(f"  {cause}: {len(renders)} ({aspects})")
            for version, path in sorted(renders)[:max_examples]:
                lines.append(f"    {version} {path}")
            if len(renders) > max_examples:
                lines.append(f"    ... and {len(renders) - max_examples} more")
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
                lines.append(f"    {diff.version} {diff.path} [{diff.cause}]")
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
