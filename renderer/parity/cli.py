"""`render parity`: the command line of the parity tool."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from renderer.parity.compare import compare
from renderer.parity.load import Key, ParityInputError, load_renders
from renderer.parity.report import ParityReport

DEFAULT_REFERENCE: Path = (
    Path(__file__).resolve().parents[3]
    / "shared/corpora/github-docs-2020-10/reference-renders.jsonl.gz"
)



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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the parity CLI; return 0 (pass), 1 (parity below target) or 2 (bad input)."""
    args = _build_parser().parse_args(argv)
    try:
        ours = load_renders(args.ours)
        reference = load_renders(args.reference)
        content_dir = Path(args.reference).parent / "content"
        generated = pages_needing_generated_data(content_dir) if content_dir.is_dir() else set()
        report = compare(ours, reference, frozenset(generated))
        if args.json is not None:
            _write_json(report, args.json)
    except ParityInputError as exc:
        print(f"render parity: error: {exc}", file=sys.stderr)
        return 2
    print(f"Ours: {args.ours} ({len(ours)} renders)")
    print(f"Reference: {args.reference} ({len(reference)} renders)")
    print(report.format(max_examples=args.max_examples))
    if generated:
        subset = compare(_without(ours, generated), _without(reference, generated))
        print(f"\nWithout the {len(generated)} pages built from REST/GraphQL data the corpus lacks "
              f"({len(_without(reference, generated))} renders):")
        print("\n".join(subset.summary_lines() + subset.cause_lines(args.max_examples)))
    failures = report.failures(args.min_ratio)
    print()
    if failures:
        print(f"FAIL (min ratio {args.min_ratio:.2%}): " + "; ".join(failures))
        return 1
    print(f"PASS (min ratio {args.min_ratio:.2%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
