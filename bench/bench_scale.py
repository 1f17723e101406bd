"""Benchmark: does `render build` scale with the tree? (issue 14, "Scale past one machine")

    .venv/bin/python bench/bench_scale.py [--corpus DIR] [--factors 1,2,4] [--tmp /dev/shm] [--dask | --no-dask] [--keep]

1. Multiplies the 2020 corpus under --tmp: tree xN is the corpus plus N-1 copies of each real
   product (content/<product> -> content/<product>-copy<k>, k = 2..N). In a copy, absolute
   links (Markdown, HTML href, landing-page link lists) and `redirect_from` get their leading
   segment renamed (`/articles/x` -> `/articles-copy2/x`, `/enterprise/2.22/user/github/x` ->
   `/enterprise/2.22/user/github-copy2/x`): a copy's links lead into the copy and no redirect
   collides. Link tags, resolved beside the page first, change only when they name a product
   from the root. data/products.yml and data/link-rules.yml list the copies too, and every
   page of a copy ends with a sentence naming its copy, so no cache or dedup can share work.
2. Builds each tree in a child process (as `render build --no-cache --lenient --keep-going`,
   output under --tmp): in-process (`--jobs 1`), a process pool (`--jobs 2`) and, when
   `distributed` imports (or with --dask), a fresh Dask LocalCluster on 127.0.0.1 of 1 and of
   2 worker processes (one thread each).
3. Prints per build: renders, the build's own seconds and the command's, CPU seconds (build
   process, its children, Dask workers and scheduler), peak RSS of the build process (the
   coordinator) and of the largest worker, the stages, ms and coordinator KB per render, broken
   links (in content/ + elsewhere: a reusable's is one problem however many copies use it);
   then the table, speed-ups, RSS growth, serial and parallel time per render, a projection
   for 1,000,000 renders on 16 Dask workers. Printed, not asserted; the load average shows
   what else ran.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_tree import multiply_tree  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "github-docs-2020-10"
RENDER_STAGE = "render and lay out"  # the workers render and lay out; the build process takes in results
SEARCH_STAGE = "redirects, search, sitemap"  # ... and the workers make the search bundles:
SEARCH_WORK = "search index"  # their seconds of it (a stage of report.work_seconds)
TARGET_RENDERS = 1_000_000
TARGET_WORKERS = 16

# --- the build process (a child of this script) ------------------------------------------


def read(file: Path) -> str:
    """A /proc file's text; '' when its process ended meanwhile."""
    try:
        return file.read_text()
    except OSError:
        return ""


class ChildPeaks(threading.Thread):
    """Polls the peak RSS (VmHWM) of this process's children, by command name."""

    def __init__(self, interval: float = 0.1):
        super().__init__(daemon=True)
        self.interval = interval
        self.peaks: dict[str, int] = {}  # name -> KB
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        pids = [pid for children in Path("/proc/self/task").glob("*/children") for pid in read(children).split()]
        for pid in pids:
            status = dict(line.split(":", 1) for line in read(Path(f"/proc/{pid}/status")).splitlines() if ":" in line)
            name, peak = status.get("Name", "?").strip(), int(status.get("VmHWM", "0 kB").split()[0])
            self.peaks[name] = max(self.peaks.get(name, 0), peak)

    def stop(self) -> dict[str, int]:
        self.done.set()
        self.join()
        self.sample()
        return self.peaks


def child_build(argv: list[str]) -> int:
    """`bench_scale.py --child ROOT OUT JOBS [EXECUTOR]`: the build, as `render build
    --no-cache --lenient --keep-going --no-progress` runs it, then one JSON line of figures."""
    from renderer.build import BuildFailed, BuildOptions, build
    from renderer.commands.build import summary

    root, out, jobs, executor = argv[0], argv[1], int(argv[2]), (argv[3] if len(argv) > 3 else None)
    peaks = ChildPeaks()
    peaks.start()
    failed = None
    try:
        report = build(BuildOptions(root=Path(root), out=Path(out), jobs=jobs, executor=executor, use_cache=False,
                                    lenient=True, keep_going=True, progress=False))
    except BuildFailed as failure:
        report, failed = failure.report, str(failure)
    children = peaks.stop()
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(summary(report, failed), file=sys.stderr)
    in_content = sum(1 for p in report.broken_links if p.file.startswith("content/"))
    print(json.dumps({  # fields of Run, and the children's peaks
        "renders": report.renders, "versions": report.versions, "seconds": report.seconds, "timings": report.timings,
        "failed": failed,
        "work": report.work_seconds,
        "errors": len(report.errors), "broken": [in_content, len(report.broken_links) - in_content],
        "coordinator_cpu": own.ru_utime + own.ru_stime, "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
        "coordinator_kb": own.ru_maxrss, "children_kb": children,
    }))
    return 0 if failed is None else 1


# --- running the builds ------------------------------------------------------------------


@dataclass
class Run:
    factor: int
    executor: str  # "in-process", "pool" or "dask"
    workers: int
    renders: int = 0
    versions: int = 0
    seconds: float = 0.0  # the build's own
    command_seconds: float = 0.0  # with interpreter start-up and imports
    cpu: float = 0.0  # everything: build process, its children, Dask workers and scheduler
    coordinator_cpu: float = 0.0
    coordinator_kb: int = 0
    worker_kb: int = 0
    other_kb: dict[str, int] = field(default_factory=dict)  # other children (pagefind)
    timings: dict[str, float] = field(default_factory=dict)
    work: dict[str, float] = field(default_factory=dict)  # the workers' seconds per stage (all workers)
    errors: int = 0
    broken: list[int] = field(default_factory=lambda: [0, 0])  # (in content/, elsewhere)
    load: float = 0.0  # 1-minute load average before the build, and after it
    load_after: float = 0.0
    failed: str | None = None

    @property
    def search_wait(self) -> float:
        """Seconds of the search stage the build process spent waiting on the workers' indexing."""
        return min(self.timings.get(SEARCH_STAGE, 0.0), self.work.get(SEARCH_WORK, 0.0) / self.workers)

    @property
    def serial(self) -> float:
        """Seconds of the build process's own work: all but rendering and the search index."""
        return self.seconds - self.timings.get(RENDER_STAGE, 0.0) - self.search_wait

    @property
    def parallel(self) -> float:
        """Seconds of the workers' work, as the wall time of this run's workers."""
        return self.timings.get(RENDER_STAGE, 0.0) + self.search_wait


def run_build(run: Run, root: Path, work: Path, executor: str | None = None) -> Run:
    """One build into a fresh folder, in a child process; fills in `run`."""
    out = work / f"site-{run.factor}-{run.executor}-{run.workers}"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(root), str(out / "_site"),
               str(run.workers)] + ([executor] if executor else [])
    run.load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600)
    run.command_seconds = time.perf_counter() - started
    run.load_after = os.getloadavg()[0]
    shutil.rmtree(out, ignore_errors=True)  # tmpfs is memory
    lines = done.stdout.strip().splitlines()
    if not lines:
        run.failed = f"exit {done.returncode}: {done.stderr[-800:]}"
        return run
    figures = json.loads(lines[-1])
    children = figures.pop("children_kb")
    python = {k: v for k, v in children.items() if k.startswith("python")}  # pool workers (pagefind is another)
    return replace(run, **figures, worker_kb=max(python.values(), default=0),
                   other_kb={k: v for k, v in children.items() if k not in python})


def worker_usage() -> tuple[float, int]:
    """On a Dask worker: (CPU seconds of its process and its finished children -- pagefind --,
    peak RSS in KB of its process)."""
    usage, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime, usage.ru_maxrss


def run_dask(run: Run, root: Path, work: Path) -> Run:
    """One build on a fresh LocalCluster of `run.workers` processes (one thread each)."""
    import logging

    from distributed import Client, LocalCluster

    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with LocalCluster(n_workers=run.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit=0, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        where = set(client.run(lambda: __import__("renderer").__file__).values())
        if where != {str(REPO_ROOT / "renderer" / "__init__.py")}:
            raise SystemExit(f"Dask workers import renderer from {where}, not from {REPO_ROOT}")
        before = client.run(worker_usage)
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        run = run_build(run, root, work, f"dask://{cluster.scheduler_address.removeprefix('tcp://')}")
        after = client.run(worker_usage)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
    scheduler_cpu = (own_after.ru_utime + own_after.ru_stime) - (own_before.ru_utime + own_before.ru_stime)
    run.cpu += scheduler_cpu + sum(after[w][0] - before[w][0] for w in after if w in before)
    run.worker_kb = max(kb for _cpu, kb in after.values())
    return run


def dask_available(wanted: bool | None) -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        if wanted:
            raise SystemExit("--dask needs the 'distributed' package (pip install docs-renderer[dask])") from None
        return False
    return wanted is not False


# --- the report --------------------------------------------------------------------------

COLUMNS = ("tree", "executor", "renders", "build s", "cmd s", "CPU s", "coord MB", "worker MB",
           "ms/render", "coord KB/r", "broken c+o", "errors", "load")  # load: before>after


def table_row(run: Run) -> list[str]:
    cells = [f"x{run.factor}", f"{run.executor} {run.workers}"]
    if not run.renders:
        return [*cells, f"FAILED: {(run.failed or '?')[:100]}"]
    return [*cells, f"{run.renders}", f"{run.seconds:.2f}", f"{run.command_seconds:.2f}", f"{run.cpu:.1f}",
            f"{run.coordinator_kb / 1024:.0f}", f"{run.worker_kb / 1024:.0f}" if run.worker_kb else "-",
            f"{run.seconds * 1000 / run.renders:.2f}", f"{run.coordinator_kb / run.renders:.1f}",
            f"{run.broken[0]}+{run.broken[1]}", f"{run.errors}", f"{run.load:.1f}>{run.load_after:.1f}"]


def print_run(run: Run) -> None:
    stages = ", ".join(f"{name} {sec:.2f}" for name, sec in run.timings.items())
    others = ", ".join(f"{name} {kb / 1024:.0f} MB" for name, kb in run.other_kb.items())
    print("  ".join(table_row(run)) + f"\n    stages (s): {stages}" + (f"; other children: {others}" if others else ""),
          flush=True)


def print_table(runs: list[Run]) -> None:
    rows = [list(COLUMNS), *(table_row(run) for run in runs)]
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(COLUMNS))]
    for row in rows:
        print("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))


def find(runs: list[Run], factor: int, executor: str, workers: int) -> Run | None:
    found = [r for r in runs if (r.factor, r.executor, r.workers) == (factor, executor, workers) and r.renders]
    return found[0] if found else None


def print_speedups(runs: list[Run], factors: list[int]) -> None:
    """Per tree: 2 workers over 1 (the pool's 1 is the in-process build), Dask against the
    pool, and the broken links against the smallest tree's (a valid copy adds as many)."""
    base = find(runs, min(factors), "pool", 2)
    for factor in factors:
        parts = []
        for name, one, two in (("pool", find(runs, factor, "in-process", 1), find(runs, factor, "pool", 2)),
                               ("Dask", find(runs, factor, "dask", 1), find(runs, factor, "dask", 2))):
            if one and two:
                parts.append(f"{name} 2 workers {one.seconds / two.seconds:.2f}x as fast as 1")
        pool, dask = find(runs, factor, "pool", 2), find(runs, factor, "dask", 2)
        if pool and dask:
            parts.append(f"Dask 2 workers take {dask.seconds / pool.seconds:.2f}x the pool's time")
        if pool and base:
            parts.append(f"broken links {sum(pool.broken)} = {sum(pool.broken) / sum(base.broken):.2f}x "
                         f"x{base.factor}'s")
        print(f"x{factor}: " + "; ".join(parts))


def print_growth(runs: list[Run], factors: list[int]) -> None:
    """Peak RSS from the smallest to the largest tree: the coordinator, and pagefind (a child
    of the build process, so on the coordinator's machine)."""
    low, high = min(factors), max(factors)
    for executor, workers in (("in-process", 1), ("pool", 2), ("dask", 2)):
        a, b = find(runs, low, executor, workers), find(runs, high, executor, workers)
        if a is None or b is None or b.renders <= a.renders:
            continue
        sizes = [("coordinator", a.coordinator_kb, b.coordinator_kb)]
        sizes += [(name, kb, b.other_kb[name]) for name, kb in a.other_kb.items() if name in b.other_kb]
        for name, small, big in sizes:
            print(f"{name} peak RSS, {executor} {workers}: x{low} {small / 1024:.0f} MB -> x{high} {big / 1024:.0f} MB, "
                  f"{(big - small) / 1024:+.0f} MB, {(big - small) / (b.renders - a.renders):.1f} KB per added render"
                  + (" (goal from x1 to x4: <= +50 MB)" if name == "coordinator" else ""))


def print_projection(runs: list[Run], factors: list[int]) -> None:
    """T = serial_per_render * 1M + parallel_per_render * 1M / 16, from the largest tree."""
    low, high = min(factors), max(factors)
    big, small = find(runs, high, "dask", 2) or find(runs, high, "pool", 2), find(runs, low, "dask", 2)
    one = find(runs, high, "dask", 1) or find(runs, high, "in-process", 1)
    if big is None or one is None:
        return
    serial = big.serial / big.renders
    parallel = one.parallel / one.renders
    total = (serial + parallel / TARGET_WORKERS) * TARGET_RENDERS
    print(f"serial per render ({big.executor} 2, x{high}: all but '{RENDER_STAGE}' and the wait for the workers' "
          f"search index, {big.serial:.1f} s): {serial * 1000:.2f} ms; parallel per render ({one.executor} "
          f"{one.workers}, x{high}: '{RENDER_STAGE}' and '{SEARCH_WORK}' of one worker): {parallel * 1000:.2f} ms "
          f"({big.parallel * 2 / big.renders * 1000:.2f} ms as 2 workers on 2 shared cores)")
    stages = {**big.timings, SEARCH_STAGE: big.timings.get(SEARCH_STAGE, 0.0) - big.search_wait}
    shown = ", ".join(f"{name} {sec / big.renders * 1000:.2f}" for name, sec in stages.items() if name != RENDER_STAGE)
    print(f"    serial stages (ms/render): {shown} (without the workers' indexing); the coordinator's CPU, all "
          f"stages: {big.coordinator_cpu / big.renders * 1000:.2f} ms/render (the build does not say how much of it "
          f"is taking in results during '{RENDER_STAGE}', the floor of that stage with many workers)")
    print(f"    model: T(1M renders, {TARGET_WORKERS} Dask workers) = serial x 1M + parallel x 1M / {TARGET_WORKERS} "
          f"= {serial * TARGET_RENDERS:.0f} s + {parallel * TARGET_RENDERS / TARGET_WORKERS:.0f} s = {total:.0f} s "
          f"= {total / 60:.1f} min (goal <= 5 min)")
    index = one.work.get(SEARCH_WORK, 0.0) / one.renders
    if index and big.versions:
        print(f"    the model's limit: the search index splits by version only (one Pagefind per version, "
              f"{index * 1000:.2f} ms per render on one worker): with {big.versions} versions of "
              f"{TARGET_RENDERS // big.versions:,} renders each, the longest takes "
              f"{index * TARGET_RENDERS / big.versions:.0f} s however many workers there are; "
              f"the model counts it as split {TARGET_WORKERS} ways ({index * TARGET_RENDERS / TARGET_WORKERS:.0f} s)")
    if small is not None and big.renders > small.renders and big.executor == "dask":
        per = (big.coordinator_kb - small.coordinator_kb) / (big.renders - small.renders)
        print(f"    coordinator memory at 1M renders, linear from x{low} to x{high} (dask 2): "
              f"{(small.coordinator_kb + per * (TARGET_RENDERS - small.renders)) / 1024 / 1024:.1f} GB "
              f"({per:.1f} KB per render); serial time per added render: "
              f"{(big.serial - small.serial) / (big.renders - small.renders) * 1000:.2f} ms")


# --- main --------------------------------------------------------------------------------


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        return child_build(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--factors", default="1,2,4", help="tree sizes, as multiples of the corpus (default 1,2,4)")
    parser.add_argument("--tmp", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None,
                        help="where the trees and sites go (default /dev/shm: tmpfs)")
    parser.add_argument("--dask", action=argparse.BooleanOptionalAction, default=None,
                        help="also build on Dask (default: when `distributed` imports)")
    parser.add_argument("--keep", action="store_true", help="keep the trees")
    args = parser.parse_args()
    if not (args.corpus / "content").is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    factors = sorted({int(f) for f in args.factors.split(",")})
    setups = [("in-process", 1), ("pool", 2)] + ([("dask", 1), ("dask", 2)] if dask_available(args.dask) else [])
    work = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.tmp))
    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)} ({os.cpu_count()} cores)", flush=True)
    runs: list[Run] = []
    try:
        for factor in factors:
            started = time.perf_counter()
            root = multiply_tree(args.corpus, work / f"docs-x{factor}", factor)
            print(f"x{factor}: tree made in {time.perf_counter() - started:.1f} s at {root}", flush=True)
            for executor, workers in setups:
                run = (run_dask if executor == "dask" else run_build)(Run(factor, executor, workers), root, work)
                print_run(run)
                runs.append(run)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print_table(runs)
    print()
    print_speedups(runs, factors)
    print_growth(runs, factors)
    print_projection(runs, factors)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine slows every figure)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
