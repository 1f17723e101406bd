"""The site build on part of the shared 2020 corpus (GitHub Actions and GitHub Packages).

The corpus is read-only and stays out of the repository: the two products' pages are
copied to a temporary folder and data/ is linked. Skipped when the corpus is absent.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_build_support import read, run_build

from renderer.site.search import bundle_pages, read_bundle

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "github-docs-2020-10"
FPT = "free-pro-team@latest"
GHES = ["enterprise-server@2.22", "enterprise-server@2.21", "enterprise-server@2.20", "enterprise-server@2.19"]

pytestmark = pytest.mark.skipif(not (CORPUS / "content").is_dir(), reason=f"shared corpus not found at {CORPUS}")


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "content").mkdir()
    shutil.copy(CORPUS / "content" / "index.md", root / "content" / "index.md")
    for product in ("actions", "packages"):
        shutil.copytree(CORPUS / "content" / product, root / "content" / product)
    (root / "data").symlink_to(CORPUS / "data", target_is_directory=True)
    out = tmp_path_factory.mktemp("site") / "_site"
    report = run_build(root, out, jobs=2, lenient=True, keep_going=True)
    return root, out, report


def test_corpus_products_build(corpus_site):
    _root, out, report = corpus_site
    assert report.committed
    assert report.errors == [], [str(e) for e in report.errors]
    assert report.versions == 5 and report.pages > 90
    assert "GitHub Actions" in read(out, f"/en/{FPT}/actions/")
    assert (out / "en" / "enterprise-server@2.22" / "actions" / "index.html").is_file()
    assert not (out / "en" / "enterprise-server@2.21" / "actions" / "index.html").exists()  # actions: >= 2.22
    for version in GHES:  # both products arrived in 2.22: older releases have the home page only
        assert (out / "en" / version / "index.html").is_file()
        assert (out / "en" / version / "packages" / "index.html").is_file() == (version == GHES[0])
    sitemap = re.findall(r"<loc>([^<]+)</loc>", (out / "sitemap.xml").read_text())
    assert len(sitemap) == report.renders


def test_corpus_picker_targets_exist(corpus_site):
    _root, out, _report = corpus_site
    checked = 0
    for file in (out / "en").rglob("index.html"):
        text = file.read_text(encoding="utf-8")
        picker = re.search(r'<details class="picker version-picker">(.*?)</details>', text, re.S)
        if picker is None:
            continue  # a redirect stub
        for href in re.findall(r'href="([^"]+)"', picker.group(1)):
            target = out / href.strip("/") / "index.html"
            assert target.is_file() and "version-picker" in target.read_text(encoding="utf-8"), f"{file}: {href}"
            checked += 1
    assert checked > 500


def test_corpus_redirects_and_search(corpus_site):
    _root, out, _report = corpus_site
    stub = read(out, "/en/free-pro-team@latest/articles/automating-your-workflow-with-github-actions/")
    assert 'url=/en/free-pro-team@latest/actions/"' in stub
    assert 'url=/en/free-pro-team@latest/actions/"' in read(out, "/actions/")
    assert 'url=/en/free-pro-team@latest/actions/"' in read(out, "/en/actions/")
    old = bundle_pages(read_bundle(out, "enterprise-server@2.19"))
    assert [p["url"] for p in old] == ["/en/enterprise-server@2.19/"]
    latest = bundle_pages(read_bundle(out, "enterprise-server@2.22"))
    urls = [p["url"] for p in latest]
    assert len(urls) > 50 and all(u.startswith("/en/enterprise-server@2.22/") for u in urls)
    assert any("container" in p["content"].lower() for p in latest)


def test_corpus_broken_links_are_located(corpus_site):
    _root, _out, report = corpus_site
    # links into products this test leaves out are broken; each names its file, line, version
    assert report.broken_links
    for link in report.broken_links:
        assert link.file.startswith(("content/", "data/")) and set(link.versions) <= {FPT, *GHES} and link.versions
    located = [b for b in report.broken_links if (b.line, b.column) != (1, 1)]
    assert len(located) > 0.9 * len(report.broken_links)
