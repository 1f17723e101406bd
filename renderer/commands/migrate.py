"""`render migrate --to ifversion|currentVersion`: move a tree's version conditions to the other grammar."""

from __future__ import annotations

import time

from renderer.commands.common import add_common_options, finish_source_edit, new_parser, open_tree
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
    return finish_source_edit(changes, report, dry_run=args.dry_run, quiet=args.quiet, started=started)
