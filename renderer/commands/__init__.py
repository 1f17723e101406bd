"""The `render` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from renderer.errors import RenderError

SUBCOMMANDS = ("export", "build", "serve", "check", "parity")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _subcommand(argv[0], argv[1:])
        return _render_one(argv)
    except RenderError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def _render_one(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="render",
        description="Render one docs page for one version (prints the article body HTML). "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (see `render <subcommand> --help`).",
    )
    parser.add_argument("page", help="path of a page under content/, e.g. content/actions/index.md")
    parser.add_argument("--version", dest="doc_version", default=None, help="version id, e.g. enterprise-server@2.22 (default: the default version)")
    _common_options(parser)
    parser.add_argument("--field", choices=("html", "title", "intro", "json"), default="html", help="what to print")
    args = parser.parse_args(argv)
    from renderer.pipeline import render_page
    from renderer.model.tree import DocsTree

    page_file = Path(args.page).resolve()
    root = Path(args.root).resolve() if args.root else _root_of(page_file)
    tree = DocsTree(root, args.versions, lenient=args.lenient)
    try:
        relpath = page_file.relative_to(tree.content_dir).as_posix()
    except ValueError:
        raise RenderError(f"{args.page} is not under {tree.content_dir}") from None
    page = tree.page(relpath)
    if page is None:
        raise RenderError(f"no such page: {args.page}")
    version = args.doc_version or tree.model.default
    tree.model.get(version)
    rendered = render_page(tree, page, version)
    for warning in rendered.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.field == "json":
        import json

        print(json.dumps(rendered.export_record(), ensure_ascii=False, indent=2))
    else:
        print(getattr(rendered, args.field))
    return 0


def _root_of(page_file: Path) -> Path:
    for parent in page_file.parents:
        if parent.name == "content":
            return parent.parent
    return Path.cwd()


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=None, help="docs root holding content/ and data/ (default: current folder)")
    parser.add_argument("--versions", default=None, help="versions file (default: <root>/data/versions.yml, else the 2020 defaults)")
    parser.add_argument("--lenient", action="store_true", help="tolerate what GitHub's 2020 engine tolerated: `{% else if %}`, a second else, "
                        "junk after a condition, missing includes")


def _subcommand(name: str, argv: list[str]) -> int:
    if name == "parity":
        from renderer.parity import main as parity_main

        return parity_main(argv)
    handler = {"export": _export, "build": _build, "serve": _serve, "check": _check}[name]
    return handler(argv)


def _export(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="render export", description="Write one JSON line per (version, page) render.")
    _common_options(parser)
    parser.add_argument("--out", required=True, help="output file (.jsonl, or .jsonl.gz)")
    args = parser.parse_args(argv)
    from renderer.commands.export import write_export
    from renderer.model.tree import DocsTree

    tree = DocsTree(args.root or ".", args.versions, lenient=args.lenient)
    count, errors = write_export(tree, Path(args.out))
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    print(f"wrote {count} renders to {args.out}; {len(errors)} errors", file=sys.stderr)
    return 1 if errors else 0


def _build(argv: list[str]) -> int:
    from renderer.commands.build import main as build_main

    return build_main(argv)


def _serve(argv: list[str]) -> int:
    from renderer.serve import main as serve_main

    return serve_main(argv)


def _check(argv: list[str]) -> int:
    from renderer.check import main as check_main

    return check_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
