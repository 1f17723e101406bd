"""`render deprecate <plan>@<release>`: retire a release from the versions file and the sources."""

from __future__ import annotations

import time

from renderer.commands.common import add_common_options, finish_source_edit, new_parser, open_tree
from renderer.lifecycle.deprecate import deprecate_release


def main(argv: list[str]) -> int:
    parser = new_parser(
        prog="render deprecate",
        description="Retire a release: move it to `deprecated` in the versions file, unwrap or drop the conditions "
        "that no longer vary, simplify frontmatter ranges, and remove pages only that release had (with redirects). "
        "Only the spans that must change are edited; renders of the remaining versions stay byte-identical.",
    )
    parser.add_argument("version", help="the release to retire, e.g. enterprise-server@2.19 (or ghes@2.19)")
    add_common_options(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the diff of the sources instead of writing them")
    parser.add_argument("--quiet", action="store_true", help="do not list what was left for a person to edit")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tree = open_tree(args)
    changes, report = deprecate_release(tree, args.version)
    return finish_source_edit(changes, report, dry_run=args.dry_run, quiet=args.quiet, started=started)
