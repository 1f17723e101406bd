"""The build's flow: load, plan, render and lay out, extras, link check, commit."""

from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from liquid.exceptions import LiquidError

from renderer.build.build_db import BuildDatabase
from renderer.build.cache import Cache, CacheRejected, code_key
from renderer.build.collect import Collector
from renderer.build.commit import discard_spare, discard_stale, take_spare
from renderer.build.digests import Digests
from renderer.build.extras import Emitter, Extras
from renderer.build.file_table import FileTable
from renderer.build.links import BuildLinkCheck
from renderer.build.options import LINK_KINDS, BuildFailed, BuildOptions, BuildReport
from renderer.build.output import FileWriter, OutputLock, make_scratch, make_staging
from renderer.build.pages import LoadedPages, PageLoader
from renderer.build.plan import Plan, chrome_state, make_plan
from renderer.build.publish import Publisher, os_error
from renderer.build.record_table import RecordTable
from renderer.build.runner import TaskRunner, progress_bar
from renderer.build.search_store import SearchSpool, SearchStore
from renderer.build.shell_table import ShellTable
from renderer.build.workers import WorkerConfig
from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.problems import Problem, merge
from renderer.site.layout import SITE_DIR, SiteLayout
from renderer.site.model import SiteModel

TEMPLATES = ("page.html", "header.html", "footer.html", "404.html", "redirect.html", "error.html")


class Builder:
    def __init__(self, options: BuildOptions, console=None):
        self.options = options
        self.console = console
        self.out = Path(options.out).resolve()
        own = Path(options.root).resolve() / "site"  # a docs root may bring its own layouts
        self.site_dir = (Path(options.site_dir).resolve() if options.site_dir
                         else own if (own / "templates").is_dir() else SITE_DIR)
        self.cache_folder = Path(options.cache_dir).resolve() if options.cache_dir else Cache.folder_for(self.out)
        self.report = BuildReport(out=self.out)
        self._last = 0.0
        self.from_spare = False  # staging in the spare site the last build kept (commit.py)

    def phase(self, name: str) -> None:
        """Record the time since the previous phase ended under `name`."""
        now = time.perf_counter()
        self.report.timings[name] = self.report.timings.get(name, 0.0) + now - self._last
        self._last = now

    # -- main flow --

    def run(self) -> BuildReport:
        started = self._last = time.perf_counter()
        tree = DocsTree(self.options.root, self.options.versions, lenient=self.options.lenient)
        self._check_site_dir()
        self._check_out(tree)
        self._make_cache_folder()
        with OutputLock(self.out):
            try:
                self._run_locked(tree)
            except OSError as err:  # ENOSPC, EROFS, EPERM, ...: before the commit, so nothing changed
                raise BuildFailed(self.report, f"cannot write the site: {os_error(err)}") from None
            except LiquidError as err:
                raise BuildFailed(self.report, f"error in the site's templates in {self.site_dir}: {err}") from None
            finally:
                self.report.seconds = time.perf_counter() - started
                self.report.problems = merge(self.report.problems, tree.model.ids)
        return self.report

    def _run_locked(self, tree: DocsTree) -> None:
        key = code_key(self.options, tree, self.site_dir)
        cache = self._load_cache(key)
        self.report.mode = "incremental" if cache is not None else "full"
        with BuildDatabase(self.cache_folder, cache.tables_token if cache is not None else None) as db:
            self.phase("setup")
            self._build(tree, key, cache, _Tables(RecordTable(db), FileTable(db), ShellTable(db)))

    def _build(self, tree: DocsTree, key: str, cache: Cache | None, tables: _Tables) -> None:
        records, files = tables.records, tables.files
        racy_after_ns = time.time_ns() - 2_000_000_000
        with cf.ThreadPoolExecutor(1) as thread:  # stat the live site meanwhile (system calls: no GIL)
            # (the thread has the database to itself until its result is taken)
            trusting = thread.submit(files.mark_trusted, self.out) if cache is not None else None
            site, loaded = self._load_pages(tree, cache, racy_after_ns)
            digests = Digests(tree, loaded.digests, loaded.frontmatter_digests, cache.dep_stats if cache else None,
                              racy_after_ns)
            self.phase("load pages")
            layout = self._layout(site)
            self.phase("navigation")
            state = chrome_state(layout, site.pages, key)
            if trusting is not None:
                trusting.result()
        if cache is not None:
            layout.reuse_shells(tables.shells.all())  # page shells of these same templates
        plan = make_plan(site, records, files, digests, cache is not None and cache.chrome_state == state)
        self.report.from_cache = plan.kept
        self.phase("plan")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        discard_stale(self.out)
        spare = take_spare(self.out, cache.spare_id) if cache is not None else None
        if cache is None:
            discard_spare(self.out)
        staging = spare or make_staging(self.out)
        self.from_spare = spare is not None
        scratch: Path | None = None
        try:
            scratch = make_scratch(self.out)
            config = self._worker_config(tree, staging, scratch, cache, racy_after_ns, key)
            _Stages(self, site, layout, loaded, digests, cache, tables, plan, config, key, state).run()
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def _check_site_dir(self) -> None:
        missing = [name for name in TEMPLATES if not (self.site_dir / "templates" / name).is_file()]
        if missing:
            raise RenderError(f"--site-dir {self.site_dir}: no {', '.join(missing)} in its templates/ folder")

    def _check_out(self, tree: DocsTree) -> None:
        """Refuse an --out that a full build would replace but that is not a built site."""
        out = self.out
        content = tree.content_dir
        if out == tree.root or out in tree.root.parents or out == content or content in out.parents:
            raise RenderError(f"--out {out} would replace or sit in the docs tree; choose a folder of its own")
        if not out.exists():
            return
        if not out.is_dir():
            raise RenderError(f"--out {out} is a file, not a folder")
        if any(out.iterdir()) and not ((out / "en").is_dir() and (out / "404.html").is_file()):
            raise RenderError(f"--out {out} holds files that are not a site built by `render build`; "
                              "choose another folder or empty it")

    def _make_cache_folder(self) -> None:
        try:
            self.cache_folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise RenderError(f"cannot make the cache folder {self.cache_folder}: {err.strerror}") from None

    def _load_cache(self, key: str) -> Cache | None:
        if not self.options.use_cache:
            return None
        try:
            return Cache.load(self.cache_folder, key, self.out)
        except CacheRejected as why:
            self.report.notes.append(f"the build cache in {self.cache_folder} was not used ({why}): building everything")
            return None

    def _load_pages(self, tree: DocsTree, cache: Cache | None, racy_after_ns: int) -> tuple[SiteModel, LoadedPages]:
        workers = (self.options.jobs or os.cpu_count() or 1) > 1 or bool(self.options.executor)
        loaded = PageLoader(tree, cache.pages if cache else {}, racy_after_ns, use_helper=workers and not self.options.executor,
                            keep_texts=not workers).load()  # (workers read the texts they render)
        site = SiteModel(tree, loaded.pages)
        loaded.pages = site.pages  # one page per URL
        self.report.problems += [Problem.from_error(err, "frontmatter") for err in loaded.errors]
        self.report.problems += [Problem.from_error(err, "page") for err in site.errors]
        self.report.pages = len(site.pages)
        self.report.versions = len(tree.model.ids)
        self.report.renders = site.render_count()
        return site, loaded

    def _layout(self, site: SiteModel) -> SiteLayout:
        layout = SiteLayout(site.tree, self.site_dir, base_url=self.options.base_url, pages=site.pages, site=site)
        for version in site.versions.ids:
            layout.nav(version)
        return layout

    def _worker_config(self, tree: DocsTree, staging: Path, scratch: Path, cache: Cache | None, racy_after_ns: int,
                       key: str) -> WorkerConfig:
        return WorkerConfig(
            token=f"{key}:{os.getpid()}:{id(self)}:{time.time_ns()}",
            root=str(tree.root), versions=str(tree.versions_file) if tree.versions_file else None,
            lenient=self.options.lenient, site_dir=str(self.site_dir), base_url=self.options.base_url,
            staging=str(staging), live=str(self.out), write_all=cache is None, racy_after_ns=racy_after_ns,
            parent_pid=os.getpid(), scratch=str(scratch),
        )


class _Tables(NamedTuple):
    """The build database's tables (build_db.py)."""

    records: RecordTable
    files: FileTable
    shells: ShellTable


class _Stages:
    """One build's work from the plan on: everything it writes goes into `staging`."""

    def __init__(self, builder: Builder, site: SiteModel, layout: SiteLayout, loaded: LoadedPages, digests: Digests,
                 cache: Cache | None, tables: _Tables, plan: Plan, config: WorkerConfig, key: str, chrome: str):
        self.builder = builder
        self.options = builder.options
        self.report = builder.report
        self.site, self.tree, self.layout, self.loaded, self.digests = site, site.tree, layout, loaded, digests
        self.cache, self.records, self.files, self.shells, self.plan = cache, tables.records, tables.files, tables.shells, plan
        self.config, self.key, self.chrome = config, key, chrome
        self.staging = Path(config.staging)
        self.writer = FileWriter(self.staging)

    def run(self) -> None:
        spool = SearchSpool(Path(self.config.scratch))
        try:
            self._run(spool, SearchStore(self.builder.cache_folder, self.cache.search_files if self.cache else {}))
        finally:
            spool.close()

    def _run(self, spool: SearchSpool, store: SearchStore) -> None:
        report, plan, builder = self.report, self.plan, self.builder
        collector = Collector(report, self.digests, self.records, self.files, self.shells, spool)
        extras = Extras(self.site, self.layout, self.key, Emitter(self.writer, self.files), builder.site_dir,
                        self.options.base_url, self.options.redirects)
        with TaskRunner(self.config, self.tree, self.layout, jobs=self.options.jobs, executor=self.options.executor,
                        progress=progress_bar(builder.console, self.options.progress)) as runner:
            extras.prepare_redirects(self.cache)
            if not runner.in_process(plan.tasks):  # (a forked worker reads the texts it needs)
                self.loaded.defer_texts(self.tree)
            runner.run(plan.tasks, extras.write_static, collector.add)
            if runner.pool is not None:  # (in-process, the workers are this process and use them again)
                self.loaded.forget_texts(self.tree)
            collector.finish()
            report.problems += extras.problems
            builder.phase("render and lay out")
            if report.errors and not self.options.keep_going:
                raise BuildFailed(report, f"{len(merge(report.errors, self.site.versions.ids))} errors")
            extras.write_error_pages(collector.failed)
            extras.write_search_and_sitemap(self.records, self.cache, spool, store,
                                            lambda jobs, count: runner.index_search(jobs, count, collector.add),
                                            Path(self.config.scratch))
        builder.phase("redirects, search, sitemap")
        self.check_links(extras)
        builder.phase("link check")
        report.files = self.files.count()
        report.files_written = self.files.written_count()
        new_cache = Cache(key=self.key, pages=self.loaded.cache_entries(),
                          chrome_state=self.chrome, dep_stats=self.digests.stats, stubs_key=extras.stubs_key,
                          redirects=extras.redirects,
                          unwritable=extras.unwritable, search_keys=extras.search_keys,
                          search_files=store.files)
        builder.phase("prepare commit")
        Publisher(builder.out, builder.cache_folder, self.files, self.writer, report).publish(
            new_cache, self.cache, builder.from_spare)
        spool.close()
        store.remove_unnamed()  # the files the saved cache no longer names
        builder.phase("commit")

    def check_links(self, extras: Extras) -> None:
        """Broken links are warnings, or errors that fail the build with --strict."""
        check = BuildLinkCheck(self.site, self.records, self.files, self.builder.site_dir)
        found = check.run(check.universe_key(extras.stubs_key), None if self.options.strict else "warning")
        self.report.links_checked = True
        self.report.problems += found
        errors = [p for p in found if p.severity == "error" and p.kind in LINK_KINDS]
        if errors:
            raise BuildFailed(self.report, f"{len(errors)} broken links (--strict)")


def build(options: BuildOptions, console=None) -> BuildReport:
    """Build the site; raises BuildFailed (site untouched) or RenderError."""
    return Builder(options, console).run()
