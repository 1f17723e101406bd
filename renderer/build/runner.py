"""Running the workers' tasks: in this process, in a pool of forked processes, or on Dask.

One task is a few pages -- every version of a page in the same task, so identical texts
share the Markdown cache. Results are handed on as each task finishes.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from renderer.build.workers import (
    SearchJob,
    Task,
    WorkerConfig,
    WorkerState,
    init_worker,
    run_search,
    run_stubs,
    run_task,
    unpacked,
)
from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.site.layout import SiteLayout
from renderer.site.search import pagefind_threads

CHUNKS_PER_WORKER = 12  # tasks per worker: small enough to balance, big enough to share caches
PAGES_PER_TASK = 16  # at most: a task's results are in the build process at once (~10 KB per render)
SERIAL_BELOW = 250  # renders: fewer than this run in-process (forking workers costs more than it saves)
STUBS_PER_TASK = 2000  # redirect stubs per worker task (a stub costs ~0.1 ms)
STUB_TASKS_AHEAD = 2  # tasks of stubs on their way per worker


class NoProgress:
    """The progress bar's interface, showing nothing (no terminal, or --no-progress)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, *args, **kwargs) -> int:
        return 0

    def update(self, *args, **kwargs) -> None:
        return None


def progress_bar(console, enabled: bool):
    if not enabled or console is None or not console.is_terminal:
        return NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items (the last one shorter), taken from `items` as they are needed."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class TaskRunner:
    """Runs a build's tasks; used as a context manager, so that its workers stay for the
    search bundles after the renders."""

    def __init__(self, config: WorkerConfig, tree: DocsTree, layout: SiteLayout, *, jobs: int | None,
                 executor: str | None, progress=None):
        self.config = config
        self.tree = tree
        self.layout = layout
        self.jobs = jobs or os.cpu_count() or 1
        self.executor_url = executor
        self.progress = progress if progress is not None else NoProgress()
        self.pool = None  # the executor of the workers; None: this process does the work
        self.workers = 1
        self.local: WorkerState | None = None
        self._close: Callable[[], None] | None = None

    def __enter__(self) -> TaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._close is not None:
            self._close()
            self._close = None
        if self.local is not None:  # (this process's worker state: its spool files)
            self.local.spool.close()

    def run(self, tasks: Task, meanwhile: Callable[[], Iterator[tuple[str, str]]],
            on_results: Callable[[list[dict]], None]) -> None:
        """Run the tasks; `meanwhile` runs in this process while workers render and returns
        the redirect stubs for the workers to write, made as they are taken; `on_results`
        takes each finished task's results (in completion order)."""
        work = sum(len(items) for _, items in tasks)
        self.pool, self.workers, self._close = self._executor(tasks)
        with self.progress as bar:
            if self.pool is None:
                state = self.local = WorkerState(self.config, self.tree, self.layout)
                for batch in batched(meanwhile(), STUBS_PER_TASK):
                    on_results(state.write_stubs(batch))
                bar_id = bar.add_task("Rendering", total=work)
                for relpath, items in tasks:
                    on_results(state.run([(relpath, items)]))
                    bar.update(bar_id, advance=len(items))
                return
            size = max(1, min(PAGES_PER_TASK, math.ceil(len(tasks) / (self.workers * CHUNKS_PER_WORKER))))
            pending = {self.pool.submit(run_task, self.config, tasks[i: i + size]): tasks[i: i + size]
                       for i in range(0, len(tasks), size)}
            stubs = batched(meanwhile(), STUBS_PER_TASK)
            bar_id = bar.add_task("Rendering", total=work)
            while True:
                self._send_stubs(self.pool, pending, stubs)
                if not pending:
                    return
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    finished = pending.pop(future)  # a finished future holds its results (on Dask, in its worker too)
                    on_results(unpacked(future.result()))
                    bar.update(bar_id, advance=sum(len(items) for _, items in finished))

    def _send_stubs(self, pool: cf.Executor, pending: dict, stubs: Iterator[list[tuple[str, str]]]) -> None:
        """Keep a few tasks of redirect stubs on their way: the stubs are made as they are
        sent, not all at once (a few hundred thousand on a big site)."""
        on_their_way = sum(1 for finished in pending.values() if not finished)  # (a stub task renders nothing)
        for batch in islice(stubs, max(0, STUB_TASKS_AHEAD * self.workers - on_their_way)):
            pending[pool.submit(run_stubs, self.config, batch)] = []

    def index_search(self, jobs: Iterable[SearchJob], count: int, on_results: Callable[[list[dict]], None]) -> None:
        """Make the search bundles of `jobs`, `count` versions (after `run`): in this process,
        or a version per worker task, with no more versions' records on their way than there
        are workers. Either way no more Pagefind threads run than --jobs or the workers allow."""
        if self.pool is None:
            state = self.local or WorkerState(self.config, self.tree, self.layout)
            on_results(state.write_search(jobs, self.jobs))
            return
        threads = pagefind_threads(count, self.workers)
        pending: set[cf.Future] = set()
        for job in jobs:
            if len(pending) >= self.workers:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    on_results(unpacked(future.result()))
            pending.add(self.pool.submit(run_search, self.config, [job], threads))
        for future in cf.as_completed(pending):
            on_results(unpacked(future.result()))

    def in_process(self, tasks: Task) -> bool:
        """Will `run` render the tasks in this process (no workers)?"""
        return not self.executor_url and (self.jobs <= 1 or sum(len(items) for _, items in tasks) < SERIAL_BELOW)

    def _executor(self, tasks: Task):
        """(executor, number of workers, closer); (None, 1, None) to run in this process."""
        if self.executor_url:
            return self._dask()
        if self.in_process(tasks):
            return None, 1, None
        methods = multiprocessing.get_all_start_methods()
        fork = "fork" in methods
        # forked workers start with this process's tree and layout (not pickled: fork copies them)
        seed = (self.tree, self.layout) if fork else None
        pool = cf.ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("fork" if fork else None),
                                      initializer=init_worker, initargs=(self.config, seed))
        return pool, self.jobs, lambda: pool.shutdown(wait=True, cancel_futures=True)

    def _dask(self):
        url = self.executor_url
        if not url.startswith("dask://"):
            raise RenderError(f"unknown executor {url!r} (expected dask://HOST:PORT)")
        try:
            import dask
            from distributed import Client
        except ImportError:
            raise RenderError("--executor dask:// needs the 'distributed' package (pip install docs-renderer[dask])") from None
        # (by default a client keeps its last 1,000 messages for debugging: the tasks, stubs and all)
        with dask.config.set({"distributed.admin.low-level-log-length": 0}):
            client = Client(url[len("dask://"):], timeout=30)
        workers = sum(client.nthreads().values()) or self.jobs
        # (pure=False: the tasks write files, and Dask need not hash their arguments for a key)
        return client.get_executor(pure=False), workers, client.close
