"""The static site build: pages, navigation, pickers, redirects, sitemap, search, links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_build_support import FPT, V21, V22, VERSIONS, make_docs, read, run_build

from renderer.commands.build import main as build_main
from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.site.layout import SiteLayout
from renderer.site.search import bundle_pages, read_bundle

PICKER = re.compile(r'<details class="picker version-picker">(.*?)</details>', re.S)
SIDEBAR = re.compile(r'<aside class="sidebar" id="sidebar">(.*?)</aside>', re.S)
CRUMBS = re.compile(r'<nav class="breadcrumbs".*?</nav>', re.S)
TOC = re.compile(r'<nav class="mini-toc".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_docs(tmp_path_factory.mktemp("docs"))
    out = tmp_path_factory.mktemp("build") / "_site"
    report = run_build(root, out)
    return root, out, report


def page_urls(out: Path) -> list[str]:
    """URLs of every real page (not redirect stubs) in the built site."""
    urls = []
    for file in sorted((out / "en").rglob("index.html")):
        text = file.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' not in text:
            urls.append("/" + file.parent.relative_to(out).as_posix() + "/")
    return urls


def test_every_page_in_every_version_it_exists_in(site):
    _root, out, report = site
    assert report.ok and report.errors == []
    assert report.pages == 10
    assert report.versions == 3
    urls = page_urls(out)
    for version in VERSIONS:
        assert f"/en/{version}/" in urls
        assert f"/en/{version}/alpha/getting-started/first-steps/" in urls
    assert f"/en/{FPT}/alpha/getting-started/only-latest/" in urls
    assert f"/en/{V22}/alpha/getting-started/only-latest/" not in urls
    assert f"/en/{V22}/alpha/advanced/deep/" in urls
    assert f"/en/{V21}/alpha/advanced/deep/" not in urls
    assert f"/en/{V21}/beta/" not in urls
    assert len(urls) == report.renders == 10 + 8 + 6  # 2.22: no beta, only-latest; 2.21: no advanced either


def test_page_document(site):
    _root, out, _report = site
    text = read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")
    assert text.startswith("<!DOCTYPE html>")
    assert "<h1>First steps</h1>" in text
    assert '<div class="intro"><p>Start using Alpha Tool.</p></div>' in text
    assert "Shared note about Alpha Tool." in text
    assert '<link rel="stylesheet" href="/static/site.css?v=' in text
    assert "https://" not in text.split("<body")[0]  # no CDN
    assert (out / "static" / "site.css").is_file() and (out / "static" / "search.js").is_file()


def test_sidebar_lists_only_what_exists_in_the_version(site):
    _root, out, _report = site
    latest = SIDEBAR.search(read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")).group(1)
    old = SIDEBAR.search(read(out, f"/en/{V21}/alpha/getting-started/first-steps/")).group(1)
    # product -> category -> map topic -> article, in index order
    order = [HREF.findall(latest).index(f"/en/{FPT}/alpha/{p}/") for p in
             ("getting-started", "getting-started/basics", "getting-started/first-steps",
              "getting-started/platforms", "getting-started/only-latest", "advanced")]
    assert order == sorted(order)
    assert ">Alpha Tool</a>" in latest  # the product's short title, rendered
    assert "only-latest" not in old and "/advanced/" not in old
    assert f'<a href="/en/{V21}/alpha/getting-started/first-steps/" class="is-current" aria-current="page">' in old
    # the map topic holds its articles
    topic = latest.index(f'/en/{FPT}/alpha/getting-started/basics/')
    assert latest.index("first-steps", topic) < latest.index("only-latest", topic)
    assert '<li class="nav-topic">' in latest


def test_breadcrumbs_and_mini_toc(site):
    _root, out, _report = site
    text = read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")
    crumbs = CRUMBS.search(text).group(0)
    assert re.findall(r">([^<]+)</a>", crumbs) == ["Alpha Tool", "Getting started", "Basics", "First steps"]
    toc = TOC.search(text).group(0)
    assert HREF.findall(toc) == ["#install-it", "#configure-it", "#next-steps"]
    assert 'class="toc-h3"' in toc
    # map topics and index pages show no mini TOC by default
    assert not TOC.search(read(out, f"/en/{FPT}/alpha/getting-started/"))


def test_platform_switcher_only_where_platform_blocks_are(site):
    _root, out, _report = site
    text = read(out, f"/en/{FPT}/alpha/getting-started/platforms/")
    assert '<nav class="platform-switcher"' in text
    assert [m for m in re.findall(r'data-platform="(\w+)"', text)] == ["mac", "windows", "linux"]
    assert '<div class="extended-markdown mac">' in text
    assert "platform-switcher" not in read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")


def test_version_picker_never_points_at_a_404(site):
    _root, out, _report = site
    existing = set(page_urls(out))
    checked = 0
    for url in existing:
        picker = PICKER.search(read(out, url)).group(1)
        targets = HREF.findall(picker)
        for target in targets:
            assert target in existing, f"{url} picker -> {target}"
            checked += 1
        assert len(targets) == 3  # every version has at least the home page
    assert checked == 3 * len(existing)
    picker = PICKER.search(read(out, f"/en/{FPT}/alpha/getting-started/only-latest/")).group(1)
    assert f'href="/en/{V22}/alpha/getting-started/"' in picker  # nearest parent
    picker = PICKER.search(read(out, f"/en/{FPT}/alpha/advanced/deep/")).group(1)
    assert f'href="/en/{V22}/alpha/advanced/deep/"' in picker
    assert f'href="/en/{V21}/alpha/"' in picker


def _redirect_target(out: Path, url: str) -> str:
    text = read(out, url)
    m = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', text)
    assert m, f"{url} is not a redirect stub"
    assert f'<link rel="canonical" href="{m.group(1)}">' in text
    return m.group(1)


def test_redirect_stubs(site):
    _root, out, _report = site
    first = "alpha/getting-started/first-steps/"
    for version in VERSIONS:
        assert _redirect_target(out, f"/en/{version}/old/first-steps/") == f"/en/{version}/{first}"
        assert _redirect_target(out, f"/en/{version}/articles/first-steps/") == f"/en/{version}/{first}"
    assert _redirect_target(out, "/en/old/first-steps/") == f"/en/{FPT}/{first}"
    assert _redirect_target(out, "/old/first-steps/") == f"/en/{FPT}/{first}"
    assert _redirect_target(out, "/old-alpha/") == f"/en/{FPT}/alpha/"
    # version-less URLs go to the default version
    assert _redirect_target(out, f"/en/{first}") == f"/en/{FPT}/{first}"
    assert _redirect_target(out, f"/{first}") == f"/en/{FPT}/{first}"
    assert _redirect_target(out, "/en/") == f"/en/{FPT}/"
    assert _redirect_target(out, "/") == f"/en/{FPT}/"
    # a page missing from the default version: its first version
    assert not (out / "en" / V22 / "old-beta").exists()
    assert "Page not found" in (out / "404.html").read_text(encoding="utf-8")


def test_sitemap_lists_every_page_once(site):
    _root, out, _report = site
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs == sorted(page_urls(out))
    assert sitemap.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_search_index_per_version(site):
    _root, out, _report = site
    indexes = {v: bundle_pages(read_bundle(out, v)) for v in VERSIONS}
    for version, pages in indexes.items():
        assert (out / "search" / version / "index.html").is_file()  # the results page
        urls = [p["url"] for p in pages]
        assert urls and all(u.startswith(f"/en/{version}/") for u in urls)
    latest = {p["url"]: p for p in indexes[FPT]}
    record = latest[f"/en/{FPT}/alpha/getting-started/first-steps/"]
    assert record["title"] == "First steps" and "Start using Alpha Tool." in record["content"]
    assert "Install it" in [a["text"] for a in record["anchors"]] and "zanzibar" in record["content"]
    assert any("quasar" in p["content"] for p in indexes[FPT])
    assert not any("quasar" in p["content"] for p in indexes[V22])


def test_links_resolve_in_a_clean_tree(site):
    _root, _out, report = site
    assert report.broken_links == []


def test_broken_links_are_reported_with_file_line_and_version(tmp_path, capsys):
    root = make_docs(tmp_path / "docs", {
        "content/alpha/advanced/deep.md": """\
---
title: Deep dive
versions:
  free-pro-team: '*'
  enterprise-server: '>=2.22'
---

## The section

See [nowhere](/alpha/nowhere) and [a bad anchor](/alpha/getting-started/first-steps#no-such-heading).

Fine: [first](/alpha/getting-started/first-steps#install-it), [old](/old/first-steps), [self](#the-section).
""",
        "content/alpha/getting-started/only-latest.md": """\
---
title: Only in the latest
versions:
  free-pro-team: '*'
---

Only on the cloud, and [deep](/alpha/advanced/deep).
""",
    })
    out = tmp_path / "_site"
    report = run_build(root, out)
    assert report.ok
    # one Problem per mistake, with the versions it is made in
    found = {(b.file, b.line, b.kind, b.severity, b.message.split(":")[0], b.versions) for b in report.broken_links}
    deep = "content/alpha/advanced/deep.md"
    assert found == {
        (deep, 10, "link", "warning", "link '/en/<version>/alpha/nowhere'", (FPT, V22)),
        (deep, 10, "anchor", "warning", "link '/en/<version>/alpha/getting-started/first-steps#no-such-heading'", (FPT, V22)),
    }
    # the CLI prints them (one line each) and exits 0; --strict fails and leaves the site as it was
    before = (out / "en" / FPT / "alpha" / "advanced" / "deep" / "index.html").stat().st_ino
    assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert (f"{deep}:10:15: warning: [{FPT}, {V22}] link '/en/<version>/alpha/nowhere': no page or redirect at "
            "/en/<version>/alpha/nowhere (link)" in err.splitlines())
    assert err.count("/alpha/nowhere") == 2 and "2 warnings, 0 errors, 2 broken links" in err
    (root / "content/alpha/advanced/deep.md").write_text(
        (root / "content/alpha/advanced/deep.md").read_text().replace("Fine:", "Also fine:"))
    assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress", "--strict"]) == 1
    assert "FAILED" in capsys.readouterr().err
    assert (out / "en" / FPT / "alpha" / "advanced" / "deep" / "index.html").stat().st_ino == before
    assert "Also fine" not in read(out, f"/en/{FPT}/alpha/advanced/deep/")
    assert not list(tmp_path.glob("._site.build-*"))


def test_render_errors_fail_the_build_and_keep_going_publishes(tmp_path, capsys):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    capsys.readouterr()
    broken = root / "content/alpha/advanced/deep.md"
    broken.write_text(broken.read_text() + "\n{% if currentVersion %}unclosed\n")
    before = read(out, f"/en/{FPT}/alpha/advanced/deep/")
    assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "content/alpha/advanced/deep.md:12:4: error: " in err and f"[{FPT}, {V22}]" in err
    assert read(out, f"/en/{FPT}/alpha/advanced/deep/") == before
    assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress", "--keep-going"]) == 1
    page = read(out, f"/en/{FPT}/alpha/advanced/deep/")
    assert "could not be rendered" in page and "content/alpha/advanced/deep.md" in page
    assert "first-steps" in read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")


def test_layout_api(tmp_path):
    from renderer.pipeline import render_page

    root = make_docs(tmp_path / "docs")
    tree = DocsTree(root)
    layout = SiteLayout(tree)
    page = tree.page("alpha/getting-started/first-steps.md")
    assert layout.url_for(page, V22) == f"/en/{V22}/alpha/getting-started/first-steps/"
    assert layout.url_for(tree.page("index.md"), FPT) == f"/en/{FPT}/"
    document = layout.render_page(page, V22, render_page(tree, page, V22))
    assert "<h1>First steps</h1>" in document and 'class="is-current"' in document
    assert "Page not found" in layout.render_404() and "Page not found" in layout.render_404(V21)
    stub = layout.render_redirect('/en/x/"y"/')
    assert 'content="0; url=/en/x/&quot;y&quot;/"' in stub
    err = RenderError("unknown tag <b>", file="content/x.md", line=3, column=7, version=V21,
                      snippet="    3 | {% bad <b> %}\n      |    ^")
    shown = layout.render_error_page(err)
    assert "content/x.md:3:7" in shown and V21 in shown
    assert "unknown tag &lt;b&gt;" in shown and "{% bad &lt;b&gt; %}" in shown
    assert "<b>" not in shown


def test_page_shells_render_like_the_template(tmp_path):
    """The layout fills cached per-shape shells; every page must equal a full render."""
    from renderer.pipeline import render_page

    root = make_docs(tmp_path / "docs", {"content/alpha/advanced/deep.md": """\
---
title: 'Deep <dive> & "quotes"'
intro: "An intro with <code>code</code> & an ampersand."
versions:
  free-pro-team: '*'
  enterprise-server: '>=2.22'
---

## The section

## A <code>coded</code> heading &amp; more

### Sub
"""})
    tree = DocsTree(root)
    shells, full = SiteLayout(tree, base_url="https://docs.example.com"), SiteLayout(tree, base_url="https://docs.example.com")
    full.use_shells = False
    count = 0
    for page in tree.all_pages():
        for version in page.versions:
            rendered = render_page(tree, page, version)
            chrome = shells.chrome(page, version)
            assert shells.compose(chrome, rendered.title, rendered.intro, rendered.html) == \
                full.compose(chrome, rendered.title, rendered.intro, rendered.html)
            count += 1
    assert count == 24 and shells._shells_ok is True
    # a template that transforms page values turns shells off, and still renders right
    site = tmp_path / "site"
    import shutil

    from renderer.site.layout import SITE_DIR
    shutil.copytree(SITE_DIR, site)
    template = site / "templates" / "page.html"
    template.write_text(template.read_text().replace("<h1>{{ page.title | escape }}</h1>", "<h1>{{ page.title | upcase }}</h1>"))
    custom = SiteLayout(tree, site)
    page = tree.page("alpha/advanced/deep.md")
    rendered = render_page(tree, page, FPT)
    assert "<h1>DEEP <DIVE> & \"QUOTES\"</h1>" in custom.compose(custom.chrome(page, FPT), rendered.title, rendered.intro,
                                                                   rendered.html)
    assert custom._shells_ok is False


def test_mini_toc_follows_frontmatter(tmp_path):
    body = "\n## Two\n\n### Three\n\n#### Four\n"
    root = make_docs(tmp_path / "docs", {
        "content/alpha/advanced/deep.md": f"---\ntitle: Deep dive\nminiTocMaxHeadingLevel: 2\nversions: '*'\n---\n{body}",
        "content/alpha/getting-started/only-latest.md":
            f"---\ntitle: Only\nshowMiniToc: false\nversions: '*'\n---\n{body}",
        "content/alpha/getting-started/platforms.md":
            f"---\ntitle: Platforms\nminiTocMaxHeadingLevel: 4\nversions: '*'\n---\n{body}",
        "content/alpha/getting-started/basics.md":
            f"---\ntitle: Basics\nmapTopic: true\nshowMiniToc: true\nversions: '*'\n---\n{body}",
    })
    out = tmp_path / "_site"
    assert run_build(root, out).ok

    def toc(path: str) -> list[str]:
        found = TOC.search(read(out, f"/en/{FPT}/alpha/{path}/"))
        return HREF.findall(found.group(0)) if found else []

    assert toc("advanced/deep") == ["#two"]
    assert toc("getting-started/only-latest") == []
    assert toc("getting-started/platforms") == ["#two", "#three", "#four"]
    assert toc("getting-started/basics") == ["#two", "#three"]


def test_two_files_for_one_url_are_an_error(tmp_path, capsys):
    root = make_docs(tmp_path / "docs", {"content/alpha/advanced/deep/index.md": "---\ntitle: Twin\nversions: '*'\n---\n"})
    out = tmp_path / "_site"
    assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "content/alpha/advanced/deep/index.md:1:1: error: this page has the same URL (/alpha/advanced/deep/)" in err
    assert not out.exists()


def test_out_must_be_a_site_or_empty(tmp_path, capsys):
    root = make_docs(tmp_path / "docs")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    for out in (precious, root, root / "content" / "_site", tmp_path):
        assert build_main(["--root", str(root), "--out", str(out), "--jobs", "1", "--no-progress"]) == 1
        assert "error: --out" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"
    assert (root / "content" / "index.md").is_file()
    (tmp_path / "empty").mkdir()
    assert build_main(["--root", str(root), "--out", str(tmp_path / "empty"), "--jobs", "1", "--no-progress"]) == 0
    assert build_main(["--root", str(root), "--out", str(tmp_path / "empty"), "--jobs", "1", "--no-progress",
                       "--no-cache"]) == 0


def test_keep_going_with_a_broken_category_index(tmp_path):
    root = make_docs(tmp_path / "docs", {"content/alpha/advanced/index.md": "---\ntitle: [unclosed\n---\n"})
    out = tmp_path / "_site"
    report = run_build(root, out, keep_going=True)
    assert report.committed and report.errors
    assert {e.file for e in report.errors} == {"content/alpha/advanced/index.md"}  # also where others link to it
    # its article is still published, and its picker points at pages that exist
    text = read(out, f"/en/{FPT}/alpha/advanced/deep/")
    for href in HREF.findall(PICKER.search(text).group(1)):
        assert (out / href.strip("/") / "index.html").is_file()


def test_a_redirect_whose_stub_would_sit_under_another_file_is_an_error_naming_its_page(tmp_path):
    moved = ("---\ntitle: Moved\nversions:\n  free-pro-team: '*'\nredirect_from:\n"
             "  - /alpha/advanced/deep/index.html/old\n  - /alpha/index.html\n---\nBody\n")
    root = make_docs(tmp_path / "docs", {"content/beta/moved.md": moved})
    report = run_build(root, tmp_path / "_site", keep_going=True)
    clashes = {(p.file, p.line, p.severity, p.message.split(": ", 1)[1]) for p in report.problems if p.kind == "redirect"}
    assert clashes == {("content/beta/moved.md", 5, "error", f"{clash} is a file of the site") for clash in (
        f"en/{FPT}/alpha/advanced/deep/index.html",  # a page's file
        "en/alpha/advanced/deep/index.html", "alpha/advanced/deep/index.html",  # stubs of its version-less URLs
        f"en/{FPT}/alpha/index.html", "en/alpha/index.html", "alpha/index.html")}
    assert not (tmp_path / "_site" / "alpha/index.html/index.html").exists()
