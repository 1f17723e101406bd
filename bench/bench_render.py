"""Benchmark: render every page of a docs tree in every version, in one process.

    .venv/bin/python bench/bench_render.py [--root DIR] [--lenient] [--repeat N]

Prints renders, seconds, renders/s, the Liquid / Markdown split, distinct Markdown texts
and peak RSS. Default root: the shared 2020 corpus next to the repository.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from renderer.errors import RenderError  # noqa: E402
from renderer.model.tree import DocsTree  # noqa: E402
from renderer.pipeline import render_page  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "github-docs-2020-10"


def run_once(root: Path, lenient: bool) -> dict[str, float]:
    start = time.perf_counter()
    tree = DocsTree(root, lenient=lenient)
    markdown_seconds = 0.0
    texts: set[str] = set()
    inner = tree.markdown.render

    def timed_markdown(text: str) -> str:
        nonlocal markdown_seconds
        texts.add(text)
        t = time.perf_counter()
        try:
            return inner(text)
        finally:
            markdown_seconds += time.perf_counter() - t

    tree.markdown.render = timed_markdown  # type: ignore[method-assign]
    errors: list[RenderError] = []
    renders = 0
    for page in tree.all_pages(errors):
        for version in page.versions:
            try:
                render_page(tree, page, version)
                renders += 1
            except RenderError as err:
                errors.append(err)
    seconds = time.perf_counter() - start
    return {"renders": renders, "errors": len(errors), "seconds": seconds, "markdown": markdown_seconds, "texts": len(texts)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=CORPUS)
    parser.add_argument("--lenient", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.root / "content").is_dir():
        print(f"no docs tree at {args.root} (the shared corpus is expected at {CORPUS})", file=sys.stderr)
        return 2
    runs = [run_once(args.root, args.lenient) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"root: {args.root}")
    print(f"renders: {best['renders']} ({best['errors']} located errors), distinct Markdown texts: {best['texts']}")
    all_runs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    print(f"seconds (best of {args.repeat}): {best['seconds']:.2f}  [all: {all_runs}]")
    print(f"renders/s: {best['renders'] / best['seconds']:.0f}")
    print(f"Markdown: {best['markdown']:.2f} s, Liquid + pages + links: {best['seconds'] - best['markdown']:.2f} s")
    print(f"peak RSS: {peak_mb:.0f} MB")
    print("targets: <= 10 s, <= 400 MB (GitHub's 2020 engine: ~100 s, ~980 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
