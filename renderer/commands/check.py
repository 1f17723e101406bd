"""`render check`: the command line of the CI docs build (renderer/check)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from renderer.check import Report, run_check, write_report
from renderer.commands.common import add_common_options, new_parser, open_tree
from renderer.errors import RenderError
from renderer.problems import Problem

LENIENT_HELP = ("tolerate what GitHub's 2020 engine tolerated (missing includes, `{%% else if %%}`, stray `%%`): "
                "those are then not reported")


def main(argv: list[str] | None = None) -> int:
    parser = new_parser(
        "render check",
        description="Check a docs tree as CI would: frontmatter, Liquid, data references, version references, "
        "constant conditions, renders of every page in every version, internal links and anchors.",
        epilog="Exit status: 0 when there are no errors (warnings too with --strict), 1 otherwise, 2 for bad "
        "arguments. --format json prints one JSON array of {file, line, column, severity, kind, message, versions, chain}.",
    )
    add_common_options(parser, lenient_help=LENIENT_HELP)
    parser.add_argument("--format", choices=("text", "github", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--no-links", action="store_true", help="skip the link and anchor checks")
    args = parser.parse_args(argv)

    try:
        tree = open_tree(args)
    except RenderError as err:  # no content/ folder, a broken versions file: still one located problem
        report = Report([config_problem(err, args.root)])
    else:
        report = run_check(tree, links=not args.no_links)
    if args.strict:
        report.problems = [replace(problem, severity="error") for problem in report.problems]
    write_report(report, args.format, sys.stdout, sys.stderr)
    return 1 if report.errors else 0


def config_problem(err: RenderError, root: str) -> Problem:
    """A docs tree that cannot be opened, as a problem in the versions file (or the root itself)."""
    file = err.file or root
    if err.file and Path(file).is_absolute():  # a versions file: shown relative to the root when inside it
        try:
            file = str(Path(file).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            pass
    return replace(Problem.from_error(err, "config"), file=file)
