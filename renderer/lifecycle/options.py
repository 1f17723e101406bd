"""Command-line options the lifecycle commands share."""

from __future__ import annotations

import argparse

from renderer.model.tree import DocsTree


def add_tree_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="docs root holding content/ and data/ (default: current folder)")
    parser.add_argument("--versions", default=None,
                        help="versions file (default: <root>/data/versions.yml, else the 2020 defaults)")
    parser.add_argument("--lenient", action="store_true", help="parse what GitHub's 2020 engine tolerated (`{% else if %}`, "
                        "a second else, junk after a condition)")


def open_tree(args: argparse.Namespace) -> DocsTree:
    return DocsTree(args.root, args.versions, lenient=args.lenient)
