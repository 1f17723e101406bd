"""Benchmark: render every page of a docs tree in every version, in one process.

    .venv/bin/python bench/bench_render.py [--root DIR] [--lenient] [--repeat N]

Prints renders, seconds, renders/s, distinct Markdown texts, peak RSS and, for the best
run, the seconds spent in each stage, so a regression shows where it is:

- load: the tree, pages and frontmatter, data files as they are first used;
- Liquid: templates rendered (`renderer.pipeline.render_liquid`), and parsed, each distinct
  source once (`Environment.from_string`, printed apart);
- Markdown: the 2020 dialect, the backend and remark's inline rules (`markdown_html`);
- highlight: Pygments, once per distinct code block (`highlight_uncached`);
- HTML passes: heading ids, code blocks, tables and link slots (`decorate`), and links
  localized per version (`LinkLocalizer.localize`);
- other: the rest of the page pipeline (cache lookups, assembling the render).

The pages render under the engine's batch garbage-collection policy (renderer/gc_policy.py),
as in `render build`'s workers; the collector's pauses are printed apart.

Each stage's time excludes the stages it calls (a link tag rendering a title's Markdown
counts as Markdown). The bench wraps those functions; the engine has no timers of its own.
Default root: the shared 2020 corpus next to the repository.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import renderer.pipeline as pipeline  # noqa: E402
from renderer.errors import RenderError  # noqa: E402
from renderer.gc_policy import batch_rendering  # noqa: E402
from renderer.model.tree import DocsTree  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "github-docs-2020-10"
STAGES = ("load", "Liquid", "Liquid parsing", "Markdown", "highlight", "HTML passes")


class StageClock:
    """Seconds per stage, each excluding the wrapped stages it calls; and the garbage
    collector's pauses, which fall inside whichever stage allocated at the time."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self.nested: list[float] = []  # per open stage: seconds spent in stages it called
        self.gc_seconds = 0.0
        self.gc_full = 0
        self.gc_started = 0.0

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.gc_started = time.perf_counter()
            return
        self.gc_seconds += time.perf_counter() - self.gc_started
        self.gc_full += info["generation"] == 2

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self.nested.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.seconds[stage] += elapsed - self.nested.pop()
                if self.nested:
                    self.nested[-1] += elapsed

        return timed


def instrument(tree: DocsTree, clock: StageClock, texts: set[int]) -> None:
    """Wrap the tree's stage functions (instance attributes shadow the methods)."""
    markdown = tree.markdown
    inner = markdown.markdown_html

    def counted(text: str) -> str:
        texts.add(hash(text))  # hashes, not texts: the bench must not keep what the cache drops
        return inner(text)

    markdown.markdown_html = clock.wrap("Markdown", counted)  # type: ignore[method-assign]
    markdown.decorate = clock.wrap("HTML passes", markdown.decorate)  # type: ignore[method-assign]
    markdown.highlighter.highlight_uncached = clock.wrap(  # type: ignore[method-assign]
        "highlight", markdown.highlighter.highlight_uncached)
    tree.links.localize = clock.wrap("HTML passes", tree.links.localize)  # type: ignore[method-assign]
    tree.data.load_item = clock.wrap("load", tree.data.load_item)  # type: ignore[method-assign]
    tree.env.from_string = clock.wrap("Liquid parsing", tree.env.from_string)  # type: ignore[method-assign]


def run_once(root: Path, lenient: bool) -> dict[str, Any]:
    clock = StageClock()
    texts: set[int] = set()
    render_liquid = pipeline.render_liquid
    pipeline.render_liquid = clock.wrap("Liquid", render_liquid)
    gc.callbacks.append(clock.on_gc)
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        tree = DocsTree(root, lenient=lenient)
        instrument(tree, clock, texts)
        errors: list[RenderError] = []
        pages = tree.all_pages(errors)
        clock.seconds["load"] += time.perf_counter() - start
        renders = 0
        with batch_rendering():  # as the build's workers, `render check` and `render export` render
            for page in pages:
                for version in page.versions:
                    try:
                        pipeline.render_page(tree, page, version)
                        renders += 1
                    except RenderError as err:
                        errors.append(err)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        pipeline.render_liquid = render_liquid
        gc.callbacks.remove(clock.on_gc)
    return {"renders": renders, "errors": len(errors), "seconds": seconds, "cpu": cpu, "stages": clock.seconds,
            "texts": len(texts), "gc": (clock.gc_seconds, clock.gc_full)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=CORPUS)
    parser.add_argument("--lenient", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.root / "content").is_dir():
        print(f"no docs tree at {args.root} (the shared corpus is expected at {CORPUS})", file=sys.stderr)
        return 2
    runs = []
    for _ in range(args.repeat):
        runs.append(run_once(args.root, args.lenient))
        gc.collect()  # the tree of a run is garbage (cycles): the next run must not stack on it
    best = min(runs, key=lambda r: r["seconds"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"root: {args.root}")
    print(f"renders: {best['renders']} ({best['errors']} located errors), distinct Markdown texts: {best['texts']}")
    all_runs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    print(f"seconds (best of {args.repeat}): {best['seconds']:.2f}  [all: {all_runs}]")
    print(f"renders/s: {best['renders'] / best['seconds']:.0f}, CPU seconds of that run: {best['cpu']:.2f} "
          f"(a loaded machine stretches the wall time more)")
    stages = dict(best["stages"])
    other = best["seconds"] - sum(stages.values())
    parsing = stages.pop("Liquid parsing")
    stages["Liquid"] += parsing
    print("stages (best run): " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items())
          + f", other {other:.2f} s (Liquid includes {parsing:.2f} s of parsing)")
    print(f"garbage collection (best run, inside the stages): {best['gc'][0]:.2f} s, {best['gc'][1]} full collections")
    print(f"peak RSS: {peak_mb:.0f} MB")
    print("targets: <= 10 s, <= 400 MB (GitHub's 2020 engine: ~100 s, ~980 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
