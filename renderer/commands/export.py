"""`render export`: one JSON object per (version, page) render, for indexers and parity checks."""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from renderer.commands.common import add_common_options, new_parser, open_tree, print_error
from renderer.errors import RenderError
from renderer.gc_policy import batch_rendering
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page
from renderer.site.model import SiteModel


def main(argv: list[str]) -> int:
    parser = new_parser("render export", "Write one JSON line {version, path, title, intro, html} per (version, page) render.")
    add_common_options(parser)
    parser.add_argument("--out", required=True, help="output file (.jsonl, or .jsonl.gz for gzip)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.is_dir():
        raise RenderError(f"--out {args.out} is a folder; give a file name, e.g. {out / 'renders.jsonl'}")
    tree = open_tree(args)
    count, errors = write_export(tree, out)
    for err in errors:
        print_error(err)
    print(f"wrote {count} renders to {args.out}; {len(errors)} errors", file=sys.stderr)
    return 1 if errors else 0


def iter_renders(tree: DocsTree, errors: list[RenderError]) -> Iterator[dict[str, str]]:
    """Export records for every render of the site (SiteModel.renders); mistakes go to `errors`."""
    site = SiteModel(tree)
    errors.extend(site.errors)
    with batch_rendering():
        for page, version in site.renders():
            try:
                yield render_page(tree, page, version).export_record()
            except RenderError as err:
                errors.append(err)


def write_export(tree: DocsTree, out: Path) -> tuple[int, list[RenderError]]:
    """Write the JSONL file atomically (gzip when the name ends in .gz)."""
    errors: list[RenderError] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(fd, "wb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if out.suffix == ".gz" else raw
            for record in iter_renders(tree, errors):
                stream.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
                count += 1
            if stream is not raw:
                stream.close()
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
    return count, errors
