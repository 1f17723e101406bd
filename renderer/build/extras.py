"""Every file of the site besides pages: redirect stubs, root index, 404, static files and
assets (while the workers render), then search indexes, the sitemap and error pages."""

from __future__ import annotations

import hashlib
import html as html_lib
import os
import stat
from pathlib import Path

from renderer.build.cache import Cache, FileStat
from renderer.build.digests import sha1
from renderer.build.output import FileWriter
from renderer.build.plan import out_path_for
from renderer.build.redirects import home_url, redirect_stubs
from renderer.errors import RenderError, line_and_column
from renderer.model.pages import Page
from renderer.model.tree import DocsTree, normalize_url_path
from renderer.site.layout import SiteLayout
from renderer.site.search import search_index


class Emitter:
    """Puts files into the staging folder, unless the live site has them already."""

    def __init__(self, writer: FileWriter, manifest: dict[str, str], written: dict[str, FileStat],
                 trusted: dict[str, str] | None):
        self.writer = writer
        self.manifest = manifest
        self.written = written
        self.trusted = trusted  # live file -> digest; None: write everything

    def emit(self, files: dict[str, bytes]) -> None:
        for path in sorted(files):
            data = files[path]
            digest = sha1(data)
            self.manifest[path] = digest
            if self.trusted is None or self.trusted.get(path) != digest:
                self.written[path] = self.writer.write(path, data)

    def keep(self, path: str) -> bool:
        """Keep a live file as it is, if it is as the last build left it."""
        digest = self.trusted.get(path) if self.trusted is not None else None
        if digest is not None:
            self.manifest[path] = digest
        return digest is not None


class Extras:
    def __init__(self, tree: DocsTree, layout: SiteLayout, pages: list[Page], code_key: str, emitter: Emitter,
                 site_dir: Path, base_url: str):
        self.tree = tree
        self.layout = layout
        self.pages = pages
        self.code_key = code_key
        self.emitter = emitter
        self.site_dir = site_dir
        self.base_url = base_url
        self.stubs: dict[str, str] = {}
        self.stubs_key = ""
        self.search_keys: dict[str, str] = {}
        self.warnings: list[RenderError] = []
        self.errors: list[RenderError] = []

    # -- while the workers render --

    def write_static(self, cache: Cache | None) -> None:
        """Files that do not depend on rendered bodies: redirect stubs, 404, static assets."""
        layout = self.layout
        home = home_url(self.tree, self.pages)
        digest = hashlib.sha1(f"{self.code_key}\0{home}\0".encode())
        for page in self.pages:
            digest.update(f"{page.relpath}\0{','.join(page.versions)}\0{page.redirect_from}\n".encode())
        self.stubs_key = digest.hexdigest()
        files: dict[str, bytes] = {}
        if cache is not None and cache.stubs_key == self.stubs_key:
            self.stubs = cache.stubs  # the same redirects as last time: keep the files still in place
        else:
            self.stubs = self._writable(redirect_stubs(self.tree, self.pages))
            self.stubs.setdefault("en", home)
        for path, target in self.stubs.items():
            if not self.emitter.keep(f"{path}/index.html"):
                files[f"{path}/index.html"] = layout.render_redirect(target).encode("utf-8")
        files["index.html"] = layout.render_redirect(home).encode("utf-8")
        files["404.html"] = layout.render_404(None).encode("utf-8")
        files.update(self._published("static", self.site_dir / "static", self.site_dir))
        files.update(self._published("assets", self.tree.root / "assets", self.tree.root))
        self.emitter.emit(files)

    def _writable(self, stubs: dict[str, str]) -> dict[str, str]:
        """Stubs whose file can exist: not `x/index.html/index.html` beside the file
        `x/index.html` (a page's, or another stub's). The others are errors."""
        files = {out_path_for(p, v) for p in self.pages for v in p.versions} | {f"{s}/index.html" for s in stubs}
        kept = {}
        for path, target in stubs.items():
            parts = path.split("/")
            clash = next(("/".join(parts[: i + 1]) for i, part in enumerate(parts)
                          if part == "index.html" and "/".join(parts[: i + 1]) in files), None)
            if clash is None:
                kept[path] = target
            else:
                self.errors.append(self._clash_error(path, clash))
        return kept

    def _clash_error(self, path: str, clash: str) -> RenderError:
        message = f"redirect /{path} cannot be published: {clash} is a file of the site; remove this redirect_from"
        for page in self.pages:
            for old in page.redirect_from:
                clean = normalize_url_path(old)
                if clean and (path == clean or path.endswith("/" + clean)):
                    line, column = line_and_column(page.text, page.value_offset("redirect_from"))
                    return RenderError(message, file=page.file, line=line, column=column)
        return RenderError(message)

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
                    self.warnings.append(RenderError(f"{problem}; not published", file=self.tree.display(Path(path)),
                                                     severity="warning"))
        return files

    # -- after rendering --

    def write_error_pages(self, failed: dict[tuple[str, str], RenderError], by_relpath: dict[str, Page]) -> None:
        """--keep-going: a page that failed to render shows its error instead of a 404."""
        self.emitter.emit({out_path_for(by_relpath[relpath], version): self.layout.render_error_page(err).encode("utf-8")
                           for (relpath, version), err in sorted(failed.items())})

    def write_search_and_sitemap(self, records: dict[tuple[str, str], dict], cache: Cache | None) -> None:
        """Files made from the renders: search indexes and the sitemap."""
        files: dict[str, bytes] = {}
        for version in self.tree.model.ids:
            keys = [(p.relpath, version) for p in self.pages if (p.relpath, version) in records]
            digest = hashlib.sha1(self.code_key.encode())
            for key in keys:
                digest.update(f"{key}\0{records[key]['search_digest']}\n".encode())
            path = f"search/{version}.json"
            self.search_keys[version] = digest.hexdigest()
            same = cache is not None and cache.search_keys.get(version) == self.search_keys[version]
            if not (same and self.emitter.keep(path)):
                files[path] = search_index(version, [records[key]["search"] for key in keys])
        files["sitemap.xml"] = self._sitemap(records)
        self.emitter.emit(files)

    def _sitemap(self, records: dict[tuple[str, str], dict]) -> bytes:
        base = self.base_url.rstrip("/")
        urls = sorted(base + SiteLayout.url_for(p, v) for p in self.pages for v in p.versions if (p.relpath, v) in records)
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        lines += [f"<url><loc>{html_lib.escape(u)}</loc></url>" for u in urls]
        lines.append("</urlset>")
        return ("\n".join(lines) + "\n").encode("utf-8")


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
