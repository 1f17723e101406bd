"""Offline full-text search: one Pagefind bundle per version, read by site/static/search.js.

Each searchable render becomes a record `[title, url, intro, document]`: plain title and
intro, and a compact HTML document of the body (headings with their ids, paragraphs as
text, code blocks whole). `index_files(version, records)` gives those documents to
Pagefind (the binary of the `pagefind-bin` package) and returns
the bundle it makes, `search/<version>/pagefind/...`: word index, per-page fragments
and the wasm search engine, all static and same-origin (no CDN). Pagefind ranks with
BM25 over full text, weighting headings over body text; the title weighs most. `render
build` and `render serve` call the same function with the same records, so they serve
the same bundle: records are sorted by URL first, and Pagefind writes the same bytes
for the same input.

Pagefind runs as its command-line binary over a scratch folder. (Its Python API answers
one message per 0.1 s poll, about 140 s for the 1,400 pages of one version, and reads
the bundle back through a 2 MiB pipe buffer; the binary indexes a version in seconds.)
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from renderer.errors import RenderError
from renderer.model.pages import Page

BUNDLE_DIR = "pagefind"
PAGEFIND_TIMEOUT_SECONDS = 600
PAGEFIND_MAGIC = b"pagefind_dcd"  # the start of every decompressed Pagefind file
TITLE_WEIGHT = "10"  # Pagefind weights h1..h6 from 7 down to 2 by default; the title is above them all
# the bundle files search.js uses: Pagefind's own UI scripts and styles are left out, and so is
# the engine for unknown languages (every page is indexed as English)
_BUNDLE_FILE = re.compile(r"(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.en\.pagefind"
                          r"|pagefind\.[\w-]+\.pf_meta|(index|fragment|filter)/[\w.-]+)")

_DROP_BLOCKS = re.compile(r"<(script|style|template)\b.*?</\1>|<!--.*?-->|<span class=\"Bump-link-symbol\">[^<]*</span>", re.S)
_DROP_MARKERS = ("<script", "<style", "<template", "<!--", "Bump-link-symbol")
_SEGMENT = re.compile(r'<h([1-6])\b(?:[^>]*?\bid="([^"]*)")?[^>]*>(.*?)</h\1>|<pre\b[^>]*>(.*?)</pre>', re.S)
_INLINE_CODE = re.compile(r"<code\b[^>]*>(.*?)</code>", re.S)
_GLUED_NAME = re.compile(r"(?<=[^\w\s])(?=[^\W_]*_\w)|(?<=[=(\[{,:|])(?=[A-Za-z])")
HAIR_SPACE = "\u200a"
_BLOCK_END = re.compile(r"</(?:p|li|tr|td|th|dd|dt|div|blockquote|table|ul|ol)>|<br\s*/?>", re.I)
_TAGS = re.compile(r"<[^>]+>")


def plain_text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    if "<" in fragment:
        fragment = _TAGS.sub(" ", fragment)
    text = " ".join(fragment.split())
    return " ".join(html_lib.unescape(text).split()) if "&" in text else text


def searchable(page: Page) -> bool:
    """Is a page in the search index? Hidden pages are not (they are not in the navigation either)."""
    return not page.frontmatter.get("hidden")


def search_document(body_html: str) -> str:
    """The body as Pagefind reads it: headings (with ids) and code blocks kept, the rest plain paragraphs."""
    body = _DROP_BLOCKS.sub(" ", body_html) if any(m in body_html for m in _DROP_MARKERS) else body_html
    out: list[str] = []
    last = 0
    for m in _SEGMENT.finditer(body):
        _paragraphs(body[last:m.start()], out)
        if m.group(1):
            level, anchor, text = m.group(1), m.group(2), plain_text(m.group(3))
            id_attr = f' id="{html_lib.escape(html_lib.unescape(anchor))}"' if anchor else ""
            out.append(f"<h{level}{id_attr}>{html_lib.escape(text, quote=False)}</h{level}>")
        else:
            code = split_code_words(html_lib.unescape(_TAGS.sub("", m.group(4))))
            out.append(f"<pre>{html_lib.escape(code, quote=False)}</pre>")
        last = m.end()
    _paragraphs(body[last:], out)
    return "\n".join(out)


def split_code_words(code: str) -> str:
    """Code with a hair space before a name glued to punctuation: a snake_case name after
    any mark, any name after `=`, `(`, `[`, `{`, `,`, `:` or `|`.

    Pagefind indexes a token like `runner.tool_cache` whole and in parts split at
    punctuation, underscores too (`runner`, `tool`, `cache`), while a query keeps
    `tool_cache` whole; and it leaves `x=hashFiles(y)` whole. The space makes the name
    start a token of its own; excerpts show the code all but unchanged.
    """
    return _GLUED_NAME.sub(HAIR_SPACE, code)


def _paragraphs(fragment: str, out: list[str]) -> None:
    """The text between headings and code blocks, one <p> per block element of it."""
    if "<code" in fragment:
        fragment = _INLINE_CODE.sub(lambda m: split_code_words(m.group(1)), fragment)
    text = _TAGS.sub(" ", _BLOCK_END.sub("\x00", fragment)) if "<" in fragment else fragment
    if "&" in text:
        text = html_lib.unescape(text)
    for part in text.split("\x00"):
        part = " ".join(part.split())
        if part:
            out.append(f"<p>{html_lib.escape(part, quote=False)}</p>")


def search_record(title: str, url: str, intro_html: str, body_html: str) -> list[str]:
    """One page's entry: [title, url, intro text, search document]."""
    return [title, url, plain_text(intro_html), search_document(body_html)]


def record_html(record: list[str]) -> str:
    """The HTML page Pagefind indexes for a record."""
    title, _url, intro, document = record
    title_html = html_lib.escape(title, quote=False)
    intro_html = f"<p>{html_lib.escape(intro, quote=False)}</p>" if intro else ""
    return (f'<!DOCTYPE html><html lang="en"><head><title>{title_html}</title></head><body><main data-pagefind-body>'
            f'<h1 data-pagefind-weight="{TITLE_WEIGHT}" data-pagefind-meta="title">{title_html}</h1>'
            f"{intro_html}\n{document}</main></body></html>")


def index_files(version: str, records: list[list[str]]) -> dict[str, bytes]:
    """The search bundle of one version: site path (`search/<version>/pagefind/...`) -> bytes."""
    with BundleMaker() as maker:
        maker.add(version, records)
        maker.run()
        return maker.bundle(version)


class BundleMaker:
    """The bundles of several versions, one Pagefind process per version, as many at once
    as there are CPUs. `add` writes a version's records as HTML files to a scratch folder
    at once (one per URL, in URL order: the records need not stay in memory); `run` indexes
    them all; `bundle` reads one version's bundle back, so a build holds one at a time; the
    scratch folder is removed on leaving."""

    def __init__(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="render-search-", dir=scratch_dir()))
        self.jobs: dict[str, tuple[Path, Path]] = {}  # version -> (scratch site, bundle folder)

    def __enter__(self) -> BundleMaker:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def add(self, version: str, records: list[list[str]]) -> None:
        number = len(self.jobs)
        site, bundle = self.scratch / f"{number}/site", self.scratch / f"{number}/bundle"
        _write_records(site, records)
        self.jobs[version] = (site, bundle)

    def run(self, width: int | None = None, threads: int | None = None) -> None:
        """Index the versions added, in the order added, `width` Pagefind processes at a time
        (default: one per CPU), each of `threads` threads (default: `pagefind_threads`)."""
        width = width or os.cpu_count() or 1
        threads = threads or pagefind_threads(len(self.jobs), width)
        with ThreadPoolExecutor(max_workers=max(1, min(len(self.jobs), width))) as pool:  # (a thread waits on each process)
            list(pool.map(lambda job: run_pagefind(job[0], job[1], threads), self.jobs.values()))

    def bundle(self, version: str) -> dict[str, bytes]:
        """The bundle `run` made for a version: site path (`search/<version>/pagefind/...`) -> bytes."""
        files: dict[str, bytes] = {}
        bundle = self.jobs[version][1]
        for file in sorted(p for p in bundle.rglob("*") if p.is_file()):
            rel = file.relative_to(bundle).as_posix()
            if _BUNDLE_FILE.fullmatch(rel):
                files[f"search/{version}/{BUNDLE_DIR}/{rel}"] = file.read_bytes()
        return files


def _write_records(site: Path, records: list[list[str]]) -> None:
    site.mkdir(parents=True)
    for record in sorted(records, key=lambda r: r[1]):
        file = site / record_file(record[1])
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(record_html(record), encoding="utf-8")


def scratch_dir() -> str | None:
    """Where the scratch folders go: TMPDIR if set, else /dev/shm (memory) where there is one."""
    if os.environ.get("TMPDIR"):
        return None
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def record_file(url: str) -> str:
    """The scratch file of a record, so that Pagefind gives it back its URL: '/en/v/a/' -> 'en/v/a/index.html'."""
    parts = [p for p in url.split("/") if p and p not in (".", "..")]
    return "/".join([*parts, "index.html"])


def pagefind_threads(versions: int, width: int) -> int:
    """Threads for each Pagefind process when `versions` are indexed on `width` cores: the
    versions share the cores, and one indexed alone has them all. (Left to itself, each
    Pagefind takes a thread per core: a build with --jobs 1 would use every core.)"""
    return max(1, width // max(1, versions))


def run_pagefind(site: Path, bundle: Path, threads: int | None = None) -> None:
    """Index the HTML files under `site` into a Pagefind bundle at `bundle` (with `threads`
    threads; default: one per CPU). The bundle is the same whatever the number of threads."""
    command = [str(pagefind_executable()), "--site", str(site), "--output-path", str(bundle),
               "--force-language", "en", "--silent"]
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads)} if threads else None  # (Pagefind's thread pool is rayon's)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PAGEFIND_TIMEOUT_SECONDS, check=False,
                              env=env)
    except (OSError, subprocess.SubprocessError) as err:
        raise RenderError(f"search index: could not run pagefind ({err})") from None
    if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
        output = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RenderError(f"search index: pagefind failed (exit {done.returncode}): {' / '.join(output)}")


def pagefind_executable() -> Path:
    """The Pagefind binary of the `pagefind-bin` package (PAGEFIND_BINARY_PATH overrides it)."""
    override = os.environ.get("PAGEFIND_BINARY_PATH")
    if override:
        return Path(override)
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise RenderError("search index: the pagefind-bin package is not installed (pip install pagefind-bin)") from None
    return Path(get_executable())


def bundle_pages(files: dict[str, bytes]) -> list[dict[str, object]]:
    """What a bundle holds, page by page: [{url, title, content, anchors}] sorted by URL.

    Pagefind keeps each page's text in a gzipped JSON fragment; this reads them back, for
    tests and for looking into a built site.
    """
    pages = []
    for path, data in files.items():
        if "/fragment/" in path:
            raw = gzip.decompress(data)
            fragment = json.loads(raw[len(PAGEFIND_MAGIC):] if raw.startswith(PAGEFIND_MAGIC) else raw)
            pages.append({"url": fragment["url"], "title": fragment.get("meta", {}).get("title", ""),
                          "content": fragment.get("content", ""), "anchors": fragment.get("anchors", [])})
    return sorted(pages, key=lambda p: str(p["url"]))


def read_bundle(site: Path, version: str) -> dict[str, bytes]:
    """The search bundle of a version in a built site folder."""
    folder = Path(site) / "search" / version / BUNDLE_DIR
    return {f"search/{version}/{BUNDLE_DIR}/{p.relative_to(folder).as_posix()}": p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}
