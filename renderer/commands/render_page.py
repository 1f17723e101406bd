"""`render [--version V] PAGE`: print one page's article HTML (or a field) for one version."""

from __future__ import annotations

import json
from pathlib import Path

from renderer.commands.common import add_common_options, new_parser, open_tree, print_error
from renderer.errors import RenderError
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page


def main(argv: list[str], commands: list[str] | None = None) -> int:
    names = ", ".join(commands or [])
    parser = new_parser(
        "render",
        usage="render [--version V] [--field F] [--root DIR] PAGE\n       render COMMAND [options]",
        description="Render one docs page for one version (prints the article body HTML)."
        + (f" Commands: {names} (see `render COMMAND --help`)." if names else ""),
    )
    parser.add_argument("page", help="a page under content/, e.g. content/actions/index.md (a folder: its index.md)")
    parser.add_argument("--version", dest="doc_version", default=None,
                        help="version id, e.g. enterprise-server@2.22 (default: the default version)")
    add_common_options(parser, root_default=None)
    parser.add_argument("--field", choices=("html", "title", "intro", "json"), default="html", help="what to print")
    args = parser.parse_args(argv)

    page_file = page_path(args.page, args.root)
    if args.root is None:
        args.root = str(root_of(page_file))
    tree = open_tree(args)
    page = find_page(tree, page_file, args.page)
    version = args.doc_version or tree.model.default
    tree.model.get(version)  # an unknown version id is a mistake with the known ones listed
    rendered = render_page(tree, page, version)
    for warning in rendered.warnings:
        print_error(warning, prefix="warning: ")
    if args.field == "json":
        print(json.dumps(rendered.export_record(), ensure_ascii=False, indent=2))
    else:
        print(getattr(rendered, args.field))
    return 0


def page_path(given: str, root: str | None) -> Path:
    """The page file as given, from the current folder, or from --root when it is there and
    not from here (`--root docs content/x.md`); a folder means its index.md."""
    path = Path(given)
    if not path.is_absolute() and root is not None and (Path(root) / path).exists():
        here = path.resolve()
        if not path.exists() or not here.is_relative_to(Path(root).resolve()):
            path = Path(root) / path
    if path.is_dir():
        path = path / "index.md"
        if not path.is_file():
            raise RenderError(f"no such page: {given} is a folder without an index.md")
    return path.resolve()


def root_of(page_file: Path) -> Path:
    """The docs root a page file is in: the parent of its `content` folder."""
    for parent in page_file.parents:
        if parent.name == "content":
            return parent.parent
    return Path.cwd()


def find_page(tree: DocsTree, page_file: Path, given: str) -> Page:
    try:
        relpath = page_file.relative_to(tree.content_dir).as_posix()
    except ValueError:
        raise RenderError(f"{given} is not under {tree.content_dir}") from None
    page = tree.page(relpath)
    if page is None:
        raise RenderError(f"no such page: {given}")
    return page
