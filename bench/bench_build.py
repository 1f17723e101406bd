"""Benchmark `render build` on the shared 2020 corpus: full build, then an incremental rebuild.

    .venv/bin/python bench/bench_build.py [--corpus DIR] [--jobs N] [--tmp DIR] [--keep]

The corpus is copied to a temporary folder first (the shared one is read-only). Prints:

- the full build (every page in every version, layouts, search, redirects, link check):
  seconds, renders per second, peak RSS of the build process plus its largest worker
  (resource.getrusage of self + children);
- the cache: its size, and what loading and saving it costs (JSON, verified);
- the rebuild after editing one reusable that about 20 pages use (picked by counting the
  build cache's dependency records): as the `render build` command (with interpreter
  start-up) and as a warm in-process call.

Targets: full build <= 8 s on 2 cores and <= 400 MB peak RSS; rebuild <= 1 s. The figures
are printed, not asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from renderer.build import BuildOptions, Cache, build  # noqa: E402
from renderer.build.build_db import FILE_NAME as TABLE_FILE  # noqa: E402
from renderer.build.build_db import BuildDatabase  # noqa: E402
from renderer.build.cache import FILE_NAME  # noqa: E402
from renderer.build.record_table import RecordTable  # noqa: E402
from renderer.commands.build import timings_line  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "github-docs-2020-10"


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (self_kb + children_kb) / 1024


def pick_reusable(cache_folder: Path, target: int = 20) -> tuple[str, int]:
    """The reusable whose users (pages) number closest to `target`."""
    users: Counter[str] = Counter()
    with BuildDatabase(cache_folder, BuildDatabase.token_of(cache_folder)) as db:
        table = RecordTable(db)
        records = ((key[0], table.get(key)) for key in table.keys())
        for dep in {(relpath, dep) for relpath, record in records if record for dep in record["deps"]
                    if dep.startswith("reusables.")}:
            users[dep[1]] += 1
    name, count = min(users.items(), key=lambda item: (abs(item[1] - target), item[0]))
    return name, count


def print_cache_costs(folder: Path) -> None:
    """Size of the cache file and the best of three loads (read, verify, check, decode) and saves."""
    size = (folder / FILE_NAME).stat().st_size
    loads, saves = [], []
    for _ in range(3):
        started = time.perf_counter()
        cache = Cache.read(folder)
        loads.append(time.perf_counter() - started)
        assert cache is not None, "the full build left no cache"
        started = time.perf_counter()
        cache.save(folder)
        saves.append(time.perf_counter() - started)
    store = sum(f.stat().st_size for f in (folder / "search").iterdir())
    table = (folder / TABLE_FILE).stat().st_size
    print(f"cache:       {size / 1e6:.1f} MB of JSON, load {min(loads):.2f} s, save {min(saves):.2f} s (best of 3); "
          f"records of renders and files beside it {table / 1e6:.1f} MB (SQLite, read a row at a time), "
          f"search records {store / 1e6:.1f} MB (read only for versions whose index is made again)")


def reusable_file(root: Path, dotted: str) -> Path:
    parts = dotted.split(".")[1:]
    for base in (root / "reusables", root / "data" / "reusables"):
        candidate = base.joinpath(*parts[:-1], parts[-1] + ".md")
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(dotted)


def rebuild_commands(root: Path, out: Path, jobs: int | None, file: Path, dotted: str, users: int) -> None:
    """Two rebuilds as `render build` commands (interpreter start-up and imports included)."""
    command = [sys.executable, "-m", "renderer", "build", "--root", str(root), "--out", str(out),
               "--lenient", "--keep-going", "--no-progress"]
    if jobs:
        command += ["--jobs", str(jobs)]
    for attempt in (1, 2):
        file.write_text(file.read_text(encoding="utf-8").rstrip("\n") + f" Edited for the benchmark ({attempt}).\n",
                        encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                              env={**os.environ, "RENDER_BUILD_TIMINGS": "1"})
        seconds = time.perf_counter() - started
        summary = [line for line in done.stderr.splitlines() if line.startswith(("done", "FAILED"))]
        timings = [line for line in done.stderr.splitlines() if line.startswith("timings: ")]
        print(f"rebuild {attempt}:   {seconds:.2f} s as `render build` after editing {dotted} "
              f"({users} pages use it): {summary[-1] if summary else done.stderr[-500:]}")
        if timings:
            print("             " + timings[-1][len("timings: "):])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to copy the corpus and build (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not (args.corpus / "content").is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-build-", dir=args.tmp))
    try:
        root = work / "docs"
        started = time.perf_counter()
        shutil.copytree(args.corpus, root, ignore=shutil.ignore_patterns("*.jsonl.gz"))
        print(f"copied the corpus to {root} in {time.perf_counter() - started:.1f} s")
        out = work / "_site"
        options = dict(root=root, out=out, jobs=args.jobs, lenient=True, keep_going=True, progress=False)

        load_before = os.getloadavg()[0]
        cpu = cpu_seconds()
        report = build(BuildOptions(**options))
        cpu = cpu_seconds() - cpu
        rss = peak_rss_mb()
        print(f"full build:  {report.seconds:.2f} s, {report.renders} renders of {report.pages} pages in "
              f"{report.versions} versions, {report.renders / report.seconds:.0f} renders/s, "
              f"{report.pages / report.seconds:.0f} pages/s, {cpu:.1f} CPU-s on {os.cpu_count()} cores, "
              f"peak RSS {rss:.0f} MB (self + largest worker), "
              f"{report.files} files, {len(report.errors)} errors, {len(report.broken_links)} broken links (one per mistake)")
        print("             " + timings_line(report))
        load = os.getloadavg()[0]
        print(f"             load average before the build: {load_before:.2f}, after: {load:.2f} "
              "(other work on the machine slows every figure)")

        print_cache_costs(Cache.folder_for(out.resolve()))
        dotted, users = pick_reusable(Cache.folder_for(out.resolve()))
        file = reusable_file(root, dotted)
        rebuild_commands(root, out, args.jobs, file, dotted, users)
        file.write_text(file.read_text(encoding="utf-8").rstrip("\n") + " Edited in-process.\n", encoding="utf-8")
        again = build(BuildOptions(**options))
        print(f"rebuild:     {again.seconds:.2f} s in-process (warm imports): {again.rendered} renders, "
              f"{again.laid_out} pages laid out, {again.files_written} files written")
        print("             " + timings_line(again))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
