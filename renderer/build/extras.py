"""Every file of the site besides pages: redirect stubs, root index, 404, static files and
assets (while the workers render), then search indexes, the sitemap and error pages."""

from __future__ import annotations

import hashlib
import html as html_lib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from renderer.build.cache import Cache
from renderer.build.digests import sha1
from renderer.build.file_table import FileTable
from renderer.build.output import FileWriter
from renderer.build.record_table import RecordTable
from renderer.build.search_store import RecordLines, SearchSpool, SearchStore
from renderer.build.workers import SearchJob
from renderer.errors import RenderError, line_and_column
from renderer.model.tree import normalize_url_path
from renderer.problems import Problem
from renderer.site.layout import SiteLayout
from renderer.site.model import SiteModel
from renderer.site.redirect_formats import redirect_file
from renderer.site.redirects import Redirect
from renderer.site.search import BUNDLE_DIR, searchable

Indexer = Callable[[Iterable[SearchJob], int], None]  # makes and writes the search bundles of so many versions


class Emitter:
    """Puts files into the staging folder, unless the live site has them already."""

    def __init__(self, writer: FileWriter, files: FileTable):
        self.writer = writer
        self.files = files

    def emit(self, files: dict[str, bytes]) -> None:
        for path in sorted(files):
            data = files[path]
            digest = sha1(data)
            same = self.files.trusted_digest(path) == digest
            self.files.add(path, digest, None if same else self.writer.write(path, data))

    def keep(self, path: str) -> bool:
        """Keep a live file as it is, if it is as the last build left it."""
        digest = self.files.trusted_digest(path)
        if digest is not None:
            self.files.add(path, digest, None)
        return digest is not None


class Extras:
    def __init__(self, site: SiteModel, layout: SiteLayout, code_key: str, emitter: Emitter, site_dir: Path,
                 base_url: str, redirect_format: str = "stubs"):
        self.site = site
        self.layout = layout
        self.code_key = code_key
        self.emitter = emitter
        self.site_dir = site_dir
        self.base_url = base_url
        self.redirect_format = redirect_format
        self.stubs_key = ""
        self.redirects: dict[str, Redirect] = {}  # the site's redirect table
        self.unwritable: dict[str, str] = {}  # table key -> the site file its stub would clash with
        self.search_keys: dict[str, str] = {}
        self.problems: list[Problem] = []

    def prepare_redirects(self, cache: Cache | None) -> None:
        """The redirect table: the last build's when the pages' redirects are the same. Made
        before the workers start, so that forked ones share it (their link check reads it)."""
        home = self.site.home_url()
        digest = hashlib.sha1(f"{self.code_key}\0{home}\0".encode())
        for page in self.site.pages:
            digest.update(f"{page.relpath}\0{','.join(page.versions)}\0{page.redirect_from}\n".encode())
        self.stubs_key = digest.hexdigest()
        if cache is not None and cache.stubs_key == self.stubs_key:
            # the same redirects as last time (their files are still in place, unless changed)
            self.redirects = cache.redirects
            self.site.reuse_redirects(self.redirects)
            self.unwritable = cache.unwritable
        else:
            self.redirects = self.site.redirects
            self.unwritable = self._unwritable(self.redirects)
        self.problems += [self._clash(key, clash) for key, clash in self.unwritable.items()]

    # -- while the workers render --

    def write_static(self) -> Iterator[tuple[str, str]]:
        """Files that do not depend on rendered bodies: 404, static assets, the redirect table
        in a host's format; returns the redirect stubs for the workers to write, (file, target
        URL), made as they are taken (after `prepare_redirects`)."""
        layout = self.layout
        files: dict[str, bytes] = {}
        if self.redirect_format != "stubs":  # one file in the host's format instead of a page per redirect
            name, data = redirect_file(self.redirect_format, self.redirects)
            files[name] = data
        files["index.html"] = layout.render_redirect(self.site.home_url()).encode("utf-8")
        files["404.html"] = layout.render_404(None).encode("utf-8")
        files.update(self._published("static", self.site_dir / "static", self.site_dir))
        files.update(self._published("assets", self.site.tree.root / "assets", self.site.tree.root))
        self.emitter.emit(files)
        return self._stubs_to_write()

    def _stubs_to_write(self) -> Iterator[tuple[str, str]]:
        if self.redirect_format != "stubs":
            return
        for path in sorted(self.redirects):  # (a stub per entry but the root's, and those that cannot be written)
            file = f"{path}/index.html"
            if path and path not in self.unwritable and not self.emitter.keep(file):
                yield file, self.redirects[path].target

    def _unwritable(self, table: dict[str, Redirect]) -> dict[str, str]:
        """Stubs whose file cannot exist: `x/index.html/index.html` beside the file
        `x/index.html` (a page's, or another stub's) -> that file. They are errors."""
        site = self.site
        named = [path for path in table if "index.html" in path]  # (only a path through an index.html can clash)
        pages = {site.out_path(page, version) for page, version in site.renders()} if named else set()

        def is_file(path: str) -> bool:  # a page's file, or another stub's (`<key>/index.html`)
            return path in pages or (path.endswith("/index.html") and path[: -len("/index.html")] in table)

        found = {}
        for path in named:
            parts = path.split("/")
            clash = next(("/".join(parts[: i + 1]) for i, part in enumerate(parts)
                          if part == "index.html" and is_file("/".join(parts[: i + 1]))), None)
            if clash is not None:
                found[path] = clash
        return found

    def _clash(self, path: str, clash: str) -> Problem:
        message = f"redirect_from makes /{path}, which cannot be published: {clash} is a file of the site"
        for page in self.site.pages:
            for old in page.redirect_from:
                clean = normalize_url_path(old)
                if clean and (path == clean or path.endswith("/" + clean)):
                    line, column = line_and_column(page.text, page.value_offset("redirect_from"))
                    return Problem("redirect", "error", message, page.file, line, column)
        return Problem("redirect", "error", message, "(docs tree)")

    def _published(self, prefix: str, folder: Path, inside: Path) -> dict[str, bytes]:
        """The regular files under `folder`. A symlink is followed only to a regular file
        inside `inside`; anything else (a link out of the tree, a FIFO, a device) is left
        out with a warning naming it."""
        files: dict[str, bytes] = {}
        if not folder.is_dir():
            return files
        boundary = os.path.realpath(inside) + os.sep
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                path = os.path.join(dirpath, name)
                relative = os.path.relpath(path, folder).replace(os.sep, "/")
                data, problem = _read_regular(path, boundary)
                if problem is None:
                    files[f"{prefix}/{relative}"] = data
                else:
                    shown = self.site.tree.display(Path(path))
                    self.problems.append(Problem("asset", "warning", f"{problem}; not published", shown))
        return files

    # -- after rendering --

    def write_error_pages(self, failed: dict[tuple[str, str], RenderError]) -> None:
        """--keep-going: a page that failed to render shows its error instead of a 404."""
        site = self.site
        self.emitter.emit({site.out_path(site.by_relpath[relpath], version): self.layout.render_error_page(err).encode()
                           for (relpath, version), err in sorted(failed.items())})

    def write_search_and_sitemap(self, records: RecordTable, cache: Cache | None,
                                 spool: SearchSpool, store: SearchStore, index: Indexer, scratch: Path) -> None:
        """Files made from the renders: search bundles (and results pages) and the sitemap.
        `index` makes and writes the bundles of the jobs it is given (TaskRunner.index_search);
        their records go to files in `scratch`."""
        files: dict[str, bytes] = {}
        stale: list[tuple[str, list[str]]] = []  # versions whose search bundle changed -> their pages
        searched = [page for page in self.site.pages if searchable(page)]
        last_files = by_search_version(self.emitter.files.last_under("search/"))
        for version in self.site.versions.ids:
            digests = records.search_digests(version)
            keys = [(p.relpath, version) for p in searched if p.relpath in digests]
            digest = hashlib.sha1(self.code_key.encode())
            for key in keys:
                digest.update(f"{key}\0{digests[key[0]]}\n".encode())
            folder = f"search/{version}/"  # the results page and the version's Pagefind bundle
            self.search_keys[version] = digest.hexdigest()
            same = cache is not None and cache.search_keys.get(version) == self.search_keys[version]
            previous = last_files.get(version, []) if same else []
            if not (previous and all([self.emitter.keep(path) for path in previous])):
                stale.append((version, [relpath for relpath, _ in keys]))
                files[folder + "index.html"] = self.layout.render_search_page(version).encode("utf-8")
        store.keep_only(self.site.versions.ids)
        files["sitemap.xml"] = self._sitemap(records)
        self.emitter.emit(files)
        if stale:  # the biggest first: the last Pagefind to finish is then a short one
            stale.sort(key=lambda job: len(job[1]), reverse=True)
            index(self._search_jobs(stale, spool, store, scratch), len(stale))

    def _search_jobs(self, stale: list[tuple[str, list[str]]], spool: SearchSpool,
                     store: SearchStore, scratch: Path) -> Iterator[SearchJob]:
        """The versions whose search changed, one at a time: the file of their records (this
        build's, the last build's for renders it reused; the store gets them too) and the
        digests of the live site's files of their bundle."""
        live = self._live_bundle_files({version for version, _ in stale})
        for version, relpaths in stale:
            mine = spool.lines(version)
            old = store.lines(version) if any(relpath not in mine for relpath in relpaths) else RecordLines()
            try:
                missing = [relpath for relpath in relpaths if relpath not in mine and relpath not in old]
                if missing:
                    raise RenderError(f"the build cache has no search record of {missing[0]} in {version}; "
                                      "build with --no-cache")
                job_file = scratch / f"search-{hashlib.sha1(version.encode()).hexdigest()[:16]}.json"
                with open(job_file, "wb") as job:
                    store.write(version, ((mine if relpath in mine else old).line(relpath) for relpath in sorted(relpaths)),
                                copy_to=job)
            finally:
                mine.close()
                old.close()
            yield version, str(job_file), live.get(version, {})

    def _live_bundle_files(self, versions: set[str]) -> dict[str, dict[str, str]]:
        """version -> path -> digest of the live site's files of its search bundle."""
        trusted = self.emitter.files.trusted_under("search/")
        bundle = f"{BUNDLE_DIR}/"
        return {version: {path: trusted[path] for path in paths if path.startswith(bundle, len(f"search/{version}/"))}
                for version, paths in by_search_version(trusted).items() if version in versions}

    def _sitemap(self, records: RecordTable) -> bytes:
        """Every rendered page's URL, sorted; made a version at a time (the URLs of one
        version sort together: `/en/<version>/` ends at a slash no version id holds)."""
        base = self.base_url.rstrip("/")
        pieces = [b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
        for version in sorted(self.site.versions.ids, key=lambda v: f"{v}/"):
            rendered = records.rendered(version)
            urls = sorted(base + self.site.url(p, version) for p in self.site.pages
                          if version in p.versions and p.relpath in rendered)
            pieces.append("".join(f"<url><loc>{html_lib.escape(u)}</loc></url>\n" for u in urls).encode("utf-8"))
        pieces.append(b"</urlset>\n")
        return b"".join(pieces)


def by_search_version(paths) -> dict[str, list[str]]:
    """version -> the site files under `search/<version>/` (its results page and bundle), in
    one pass over `paths` whatever the number of versions."""
    found: dict[str, list[str]] = {}
    for path in paths:
        if path.startswith("search/"):
            version, slash, _ = path[len("search/"):].partition("/")
            if slash:
                found.setdefault(version, []).append(path)
    return found


def _read_regular(path: str, boundary: str) -> tuple[bytes, str | None]:
    """The bytes of a regular file whose real path is under `boundary`, or why not."""
    real = os.path.realpath(path)
    if not real.startswith(boundary):
        return b"", f"{'a link to' if os.path.islink(path) else 'resolves to'} {real}, outside the tree"
    if os.path.isdir(real):
        return b"", "a link to a folder (links are followed to files only)"
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        return b"", f"cannot be read ({err.strerror})"
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b"", "not a regular file"
        return file.read(), None
