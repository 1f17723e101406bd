"""What every `render` command shares: its parser, the common options, and how a mistake
becomes a message."""

from __future__ import annotations

import argparse
import sys
import time

from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.problems import printable

LENIENT_HELP = ("tolerate what GitHub's 2020 engine tolerated: `{%% else if %%}`, a second else, junk after a "
                "condition, missing includes, stray `%%`")


def new_parser(prog: str, description: str, epilog: str | None = None, usage: str | None = None) -> argparse.ArgumentParser:
    """A parser that takes only whole option names (`--version` is never `--versions`)."""
    return argparse.ArgumentParser(prog=prog, description=description, epilog=epilog, usage=usage, allow_abbrev=False)


def add_common_options(parser: argparse.ArgumentParser, *, root_default: str | None = ".",
                       lenient_help: str = LENIENT_HELP) -> None:
    """--root, --versions and --lenient, the same in every command (help text: mind argparse's `%%`)."""
    shown = "current folder" if root_default == "." else "the docs root the page is in, else the current folder"
    parser.add_argument("--root", default=root_default, help=f"docs root holding content/ and data/ (default: {shown})")
    parser.add_argument("--versions", default=None,
                        help="versions file (default: <root>/data/versions.yml, else the 2020 defaults)")
    parser.add_argument("--lenient", action="store_true", help=lenient_help)


def open_tree(args: argparse.Namespace) -> DocsTree:
    return DocsTree(args.root or ".", args.versions, lenient=args.lenient)


def error_lines(err: RenderError | OSError) -> list[str]:
    """A mistake as one message line (then, for a located error, where it was included
    from and the source line with a caret), control characters escaped."""
    if isinstance(err, RenderError):
        version = f"[{err.version}] " if err.version else ""
        headline = err.headline() if err.file else version + err.message
        lines = [headline, *(f"    included from {outer}" for outer in reversed(err.chain)), *err.snippet.splitlines()]
    elif err.filename is not None:
        lines = [f"{err.filename}: {err.strerror or err}"]
    else:
        lines = [str(err.strerror or err)]
    return [printable(line) for line in lines]


def print_error(err: RenderError | OSError, prefix: str = "error: ") -> None:
    lines = error_lines(err)
    print(prefix + lines[0], file=sys.stderr)
    for line in lines[1:]:
        print(line, file=sys.stderr)


def finish_source_edit(changes, report, *, dry_run: bool, quiet: bool, started: float) -> int:
    """The end of a command that rewrites sources (migrate, deprecate): report what was
    left alone, write the changes or print their diff, and a summary line."""
    for err in report.errors:
        print(printable(f"error: {err}"), file=sys.stderr)
    if not quiet:
        for skipped in report.skipped:
            print(printable(str(skipped)), file=sys.stderr)
    changed = changes.changed()
    if dry_run:
        sys.stdout.write(changes.diff())
    else:
        changes.write()
    dry = " (dry run: nothing written)" if dry_run else ""
    print(f"{report.summary(len(changed))}{dry}, {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 1 if report.errors else 0
