"""The worker side: render and lay out the items of a few pages and write their files into
the staging folder. Runs in the build process (small builds), in a pool of forked
processes, or on Dask workers (threads of other machines)."""

from __future__ import annotations

import ctypes
import dataclasses
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from renderer.build.digests import DepStats, sha1
from renderer.build.links import WorkerLinkCheck
from renderer.build.output import FileWriter
from renderer.build.records import extract_body, make_record
from renderer.build.search_store import SpoolWriter, decode_record, parse_lines
from renderer.errors import RenderError
from renderer.gc_policy import batch_rendering
from renderer.model.pages import Page
from renderer.model.tree import DocsTree
from renderer.site.layout import SiteLayout
from renderer.site.search import BundleMaker
from renderer.site.urls import out_path as out_path_of
from renderer.site.urls import page_url

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerConfig:
    token: str  # one per build: a worker's state belongs to one build
    root: str
    versions: str | None
    lenient: bool
    site_dir: str
    base_url: str
    staging: str
    live: str
    write_all: bool
    racy_after_ns: int
    parent_pid: int
    scratch: str  # the build's scratch folder: the workers' search spools, the search jobs


# (version, action, digest of the live file or None, what a relayout reuses); the worker knows the
# file it writes from the page and version (the plan does not hold a path per render)
Item = tuple[str, str, "str | None", "dict | None"]
Task = list[tuple[str, list[Item]]]  # (relpath, its items) of a few pages
# (version, the file of its search records (search_store lines), path -> digest of the live site's files of its bundle)
SearchJob = tuple[str, str, dict[str, str]]


class WorkerState:
    """What a worker keeps between the tasks of one build."""

    def __init__(self, config: WorkerConfig, tree: DocsTree, layout: SiteLayout):
        self.config = config
        self.tree = tree
        self.layout = layout
        self.writer = FileWriter(config.staging)
        self.dep_stats = DepStats(tree, config.racy_after_ns)
        self.links = WorkerLinkCheck(layout.site, Path(config.site_dir))
        self.spool = SpoolWriter(Path(config.scratch))  # this worker's fresh search records
        self.seconds: dict[str, float] = {}  # stage -> time spent in it since the last task's results

    @classmethod
    def load(cls, config: WorkerConfig) -> WorkerState:
        """A worker's own tree (Dask, or a pool without fork): its pages and site model are
        loaded here, timed as the worker's "load tree" stage. (Sending a Dask worker the build
        process's parsed pages instead was tried: slower, and more memory in the build process.)"""
        started = time.perf_counter()
        tree = DocsTree(config.root, config.versions, lenient=config.lenient)
        state = cls(config, tree, SiteLayout(tree, config.site_dir, base_url=config.base_url))
        state.layout.site.render_count()  # every page parsed, every URL known
        state.seconds["load tree"] = time.perf_counter() - started
        return state

    def run(self, task: Task) -> list[dict]:
        results = []
        with batch_rendering():
            for relpath, items in task:
                page = self.tree.page(relpath)
                if page is None:
                    raise ValueError(f"no page {relpath} (the tree changed during the build)")
                for item in items:
                    results.append(self.do_item(page, relpath, item))
        shells = self.layout.take_new_shells()
        if shells:  # page shells for the build cache
            results.append({"shells": shells})
        spooled = self.spool.flush()
        if spooled:  # (named after every task: the build process reads them once every render is in)
            results.append({"spooled": spooled})
        return self._with_timings(results)

    def write_stubs(self, stubs: list[tuple[str, str]]) -> list[dict]:
        """Redirect stubs: (file, target URL) -> their results (the file, its digest and stat)."""
        started = time.perf_counter()
        results: list[dict] = []
        for path, target in stubs:
            data = self.layout.render_redirect(target).encode("utf-8")
            results.append({"file": path, "digest": sha1(data), "stat": self.writer.write(path, data)})
        self._timed("redirect stubs", started)
        return self._with_timings(results)

    def write_search(self, jobs: Iterable[SearchJob], width: int = 1, threads: int | None = None) -> list[dict]:
        """The search bundles of some versions, `width` Pagefind processes side by side (of
        `threads` threads; default: they share `width` cores): each file with its digest, and
        its stat when written (a file the live site has as it is, stays)."""
        started = time.perf_counter()
        results: list[dict] = []
        with BundleMaker() as maker:
            live: dict[str, dict[str, str]] = {}
            for version, records, trusted in jobs:
                try:
                    with open(records, encoding="utf-8") as file:
                        found = [decode_record(text) for text in parse_lines(file).values()]
                except ValueError:  # (a record of the build cache's search store that is not one)
                    return [{"search_error": f"the search records of {version} have an unexpected shape; "
                                             "build with --no-cache"}]
                maker.add(version, found)  # (written to a scratch folder at once)
                live[version] = trusted
            try:
                maker.run(width, threads)
            except RenderError as err:  # Pagefind failed: the build stops with its message
                return [{"search_error": err.message}]
            for version, trusted in live.items():
                for path, data in maker.bundle(version).items():
                    digest = sha1(data)
                    stat = None if trusted.get(path) == digest else self.writer.write(path, data)
                    results.append({"file": path, "digest": digest, "stat": stat})
        self._timed("search index", started)
        return self._with_timings(results)

    def _with_timings(self, results: list[dict]) -> list[dict]:
        """A task's results, and the seconds its stages took (counted afresh for the next task)."""
        results.append({"timings": self.seconds})
        self.seconds = {}
        return results

    def _timed(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - started
        return now

    def do_item(self, page: Page, relpath: str, item: Item) -> dict:
        version, action, old_digest, reuse = item
        layout = self.layout
        out_path = out_path_of(page, version)
        result: dict = {"relpath": relpath, "version": version, "out": out_path, "record": None, "error": None,
                        "kept": False}
        started = time.perf_counter()
        chrome = layout.chrome(page, version)
        result["chrome_key"] = chrome_key = layout.chrome_digest(chrome)
        started = self._timed("chrome", started)
        body = None
        if action == "relayout" and reuse is not None:  # the render is cached; its chrome may have changed
            if sha1(chrome_key + reuse["render_digest"]) == reuse["layout_key"] and old_digest == reuse["digest"]:
                result.update(kept=True, digest=old_digest, written=False)
                return result
            body = extract_body(Path(self.config.live) / out_path, reuse["body_digest"])
            if body is not None:
                title, intro = reuse["title"], reuse["intro"]
        if body is None:
            rendered = self._render(page, version, result)
            if rendered is None:
                return result
            title, intro, body = rendered.title, rendered.intro, rendered.html
        started = time.perf_counter()
        data = layout.compose(chrome, title, intro, body).encode("utf-8")
        result["digest"] = digest = sha1(data)
        started = self._timed("layout", started)
        result["written"] = self.config.write_all or digest != old_digest
        if result["written"]:
            result["stat"] = self.writer.write(out_path, data)
            self._timed("write", started)
        return result

    def _render(self, page: Page, version: str, result: dict):
        from renderer.pipeline import render_page

        started = time.perf_counter()
        try:
            rendered = render_page(self.tree, page, version)
        except RenderError as err:
            result["error"] = dataclasses.asdict(err)
            return None
        finally:
            started = self._timed("render", started)
        result["record"] = record = make_record(rendered, page_url(page, version), page)
        self.spool.add((page.relpath, version), record.pop("search"))  # (not sent: the largest fact of a render)
        record["dep_stats"] = self.dep_stats.of(record["deps"])
        started = self._timed("facts and search record", started)
        record.update(self.links.results(page, version, record))
        self._timed("links", started)
        return rendered


class _WorkerSlot(threading.local):
    """THE one per-process holder of worker state: a pool process keeps its WorkerState
    here between tasks (tasks are plain functions of pickled arguments; there is no other
    place). Thread-local, as Dask runs tasks on threads; keyed by the build token, so a
    long-lived worker never uses the state of an earlier build."""

    state: WorkerState | None = None


_SLOT = _WorkerSlot()


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this process when the build process dies (even by kill -9)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (AttributeError, OSError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def init_worker(config: WorkerConfig, seed: tuple[DocsTree, SiteLayout] | None) -> None:
    """Process pool initializer: the tree and layout, once per worker. A forked worker gets
    the build process's own (pages parsed, navigation computed) as `seed`."""
    die_with_parent(config.parent_pid)
    _SLOT.state = WorkerState(config, *seed) if seed is not None else WorkerState.load(config)


def run_task(config: WorkerConfig, task: Task) -> bytes:
    """Render and lay out the items of a few pages (in a pool process or on Dask)."""
    return packed(_state(config).run(task))


def run_stubs(config: WorkerConfig, stubs: list[tuple[str, str]]) -> bytes:
    """Write a few hundred redirect stubs (in a pool process or on Dask)."""
    return packed(_state(config).write_stubs(stubs))


def run_search(config: WorkerConfig, jobs: list[SearchJob], threads: int) -> bytes:
    """Make and write the search bundles of a few versions, one at a time with `threads`
    Pagefind threads (in a pool process or on Dask)."""
    return packed(_state(config).write_search(jobs, 1, threads))


def packed(results: list[dict]) -> bytes:
    """A task's results as one pickle, for the executor to send as they are: Dask would
    otherwise serialize the list an item at a time, on the worker's event loop."""
    return pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)


def unpacked(results: bytes) -> list[dict]:
    """The results `packed` made (by this build's own workers)."""
    return pickle.loads(results)


def _state(config: WorkerConfig) -> WorkerState:
    state = _SLOT.state
    if state is None or state.config.token != config.token:
        if state is not None:  # (an earlier build's, on a Dask worker: its spool files are gone)
            state.spool.close()
        state = _SLOT.state = WorkerState.load(config)  # Dask workers: one tree per thread and build
    return state
