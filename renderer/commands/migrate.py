"""`render migrate --to ifversion|currentVersion`: move a tree's version conditions to the other grammar."""

from __future__ import annotations

import sys
import time

from renderer.commands.common import add_common_options, new_parser, open_tree
from renderer.lifecycle.migrate import TARGETS, migrate_tree


def main(argv: list[str]) -> int:
    parser = new_parser(
        prog="render migrate",
        description="Rewrite `{%% if currentVersion ... %%}` blocks as `{%% ifversion ... %%}` (or back), leaving "
        "everything else byte-for-byte. Each rewritten condition is checked to hold in the same versions.",
    )
    add_common_options(parser)
    parser.add_argument("--to", required=True, choices=TARGETS, help="the grammar to move conditions to")
    parser.add_argument("--dry-run", action="store_true", help="print the diff of the sources instead of writing them")
    parser.add_argument("--quiet", action="store_true", help="do not list the blocks left as they are")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tree = open_tree(args)
    changes, report = migrate_tree(tree, args.to)
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    if not args.quiet:
        for skipped in report.skipped:
            print(skipped, file=sys.stderr)
    changed = changes.changed()
    if args.dry_run:
        sys.stdout.write(changes.diff())
    else:
        changes.write()
    elapsed = time.perf_counter() - started
    dry = " (dry run: nothing written)" if args.dry_run else ""
    print(f"{report.summary(len(changed))}{dry}, {elapsed:.1f}s", file=sys.stderr)
    return 1 if report.errors else 0
