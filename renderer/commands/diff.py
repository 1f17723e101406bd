"""`render diff`: pages and renders that differ between two versions, or since a git ref."""

from __future__ import annotations

import sys
from pathlib import Path

from renderer.commands.common import add_common_options, new_parser, open_tree
from renderer.errors import RenderError
from renderer.lifecycle.diff import diff_base, diff_versions
from renderer.lifecycle.report import format_html, format_json, format_text


def main(argv: list[str]) -> int:
    parser = new_parser(
        prog="render diff",
        description="Compare two versions of a docs tree (--from/--to: pages added and removed, article text changes "
        "by section), or the tree with a git ref (--base: every page render that changes, rendering only the renders "
        "a changed file can affect).",
        epilog="Exit status: 0 (with --fail-on-change: 1 when anything changed), 2 for bad arguments.",
    )
    add_common_options(parser)
    parser.add_argument("--from", dest="old", help="version to compare from, e.g. enterprise-server@2.21")
    parser.add_argument("--to", dest="new", help="version to compare to, e.g. enterprise-server@2.22")
    parser.add_argument("--base", help="a git ref of the docs tree (a commit, branch or tag) to compare the working tree with")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output on stdout (default: text)")
    parser.add_argument("--brief", action="store_true", help="text output: list the changes without their differences")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    parser.add_argument("--fail-on-change", action="store_true", help="exit 1 when anything changed (for CI)")
    args = parser.parse_args(argv)
    if bool(args.base) == bool(args.old or args.new) or (not args.base and not (args.old and args.new)):
        parser.error("give either --base REF, or both --from VERSION and --to VERSION")
    if args.base:
        result = diff_base(Path(args.root), args.base, versions_file=args.versions, lenient=args.lenient)
    else:
        result = diff_versions(open_tree(args), args.old, args.new)
    if args.html:
        try:
            Path(args.html).write_text(format_html(result), encoding="utf-8")
        except OSError as exc:
            raise RenderError(f"cannot write {args.html}: {exc.strerror}") from None
    sys.stdout.write(format_json(result) if args.format == "json" else format_text(result, context=not args.brief))
    if args.format == "json":
        print(result.summary(), file=sys.stderr)
    return 1 if args.fail_on_change and result.changes else 0
