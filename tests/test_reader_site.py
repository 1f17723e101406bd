"""The reader's site without a browser: octicons, product landing pages, the search index
(its documents, determinism, serve = build), site settings, git dates, pager, notices."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess

import pytest
from docs_fixture import make_tree, page, versions_yaml
from test_build_support import FPT, V21, V22, make_docs, read, run_build

from renderer.errors import RenderError
from renderer.liquid.octicons import octicon_svg
from renderer.markdown.dialect import join_html_blocks
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page
from renderer.serve import PreviewApp
from renderer.site.fragments import platforms_in
from renderer.site.layout import SiteLayout
from renderer.site.search import (
    bundle_pages,
    index_files,
    read_bundle,
    search_document,
    search_record,
    split_code_words,
)
from renderer.site.siteconfig import load_site_config

GIT = shutil.which("git")


def render(tree: DocsTree, relpath: str, version: str = FPT):
    return render_page(tree, tree.page(relpath), version)


# --- octicons ------------------------------------------------------------------------------

def test_octicon_is_the_real_icon_from_primer():
    svg = octicon_svg("gear", {"aria-label": "Settings"})
    assert svg.startswith('<svg version="1.1" width="16" height="16" viewBox="0 0 16 16" class="octicon octicon-gear"')
    assert 'aria-label="Settings" role="img"' in svg and "<path d=\"M8 0a8.2 8.2" in svg
    assert "<circle" not in svg  # the old placeholder
    # names GitHub's 2020 docs used keep working under their 2020 class names
    assert 'class="octicon octicon-clippy"' in octicon_svg("clippy", {}) and "<path" in octicon_svg("trashcan", {})
    big = octicon_svg("workflow", {"height": "24", "class": "flex-shrink-0"})
    assert 'width="24" height="24" viewBox="0 0 24 24" class="octicon octicon-workflow flex-shrink-0" aria-hidden="true"' in big


def test_an_unknown_octicon_is_a_located_error(tmp_path):
    tree = make_tree(tmp_path, {"content/a.md": page("A", "Text\n\nSee {% octicon \"no-such-icon\" %} here.\n")})
    with pytest.raises(RenderError) as caught:
        render(tree, "a.md")
    assert caught.value.location == "content/a.md:7:16" and "unknown octicon 'no-such-icon'" in caught.value.message


def test_every_octicon_of_the_corpus_exists():
    from docs_fixture import CORPUS
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    names = set()
    for folder in (CORPUS / "content", CORPUS / "data"):
        for file in folder.rglob("*.md"):
            names.update(re.findall(r'\{%-?\s*octicon "([^"]+)"', file.read_text(encoding="utf-8")))
    assert len(names) > 40
    for name in sorted(names):
        assert "<path" in octicon_svg(name, {}), name


# --- product landing pages --------------------------------------------------------------------

LANDING = """\
---
title: Gamma documentation
shortTitle: Gamma
layout: product-landing
introLinks:
  quickstart: /gamma/quick
guideLinks:
  - /gamma/guide
  - /gamma/latest-only
popularLinks:
  - /gamma/quick
versions: '*'
---

<div class="d-lg-flex gutter">
  <div class="col-12 col-lg-4">
    <ul class="list-style-none">
      {% for link in guideLinks %}
        <li>{% include featured-link %}</li>
      {% endfor %}
    </ul>
  </div>

  <div class="col-12 col-lg-4">
    <ul class="list-style-none">
      {% for link in popularLinks %}
        <li>{% include featured-link %}</li>
      {% endfor %}
    </ul>
  </div>
</div>
"""
GAMMA = {
    "data/versions.yml": versions_yaml("2.22", "2.21", deprecated=("2.18",)),
    "content/gamma/index.md": LANDING,
    "content/gamma/quick.md": page("Quickstart for {% data variables.product.prodname_actions %}", "Go.\n", "'*'",
                                   shortTitle="Quickstart"),
    "content/gamma/guide.md": page("The guide", "Text.\n", "'*'", intro="'Learn {% data variables.product.prodname_actions %}.'"),
    "content/gamma/latest-only.md": page("Only latest", "Text.\n", "{free-pro-team: '*'}", intro="New."),
}


def test_landing_page_featured_links_show_target_titles_and_intros(tmp_path):
    tree = make_tree(tmp_path, GAMMA)
    html = render(tree, "gamma/index.md").html
    assert "<pre" not in html and "&lt;/ul&gt;" not in html
    cards = re.findall(r'<a class="link-with-intro[^"]*" href="([^"]+)">\s*<h4[^>]*>(.*?)<span', html)
    assert cards == [(f"/en/{FPT}/gamma/guide", "The guide"), (f"/en/{FPT}/gamma/latest-only", "Only latest"),
                     (f"/en/{FPT}/gamma/quick", "Quickstart")]
    assert '<p class="link-with-intro-intro color-gray-5">Learn GitHub Actions.</p>' in html
    older = render(tree, "gamma/index.md", V21).html  # a target missing in the version is left out
    assert "Only latest" not in older and f"/en/{V21}/gamma/guide" in older


def test_a_line_of_spaces_keeps_an_html_block_only_when_html_follows():
    lines = '<div class="a">\n  <ul>\n      \n    <li>x</li>\n  </ul>\n</div>'
    assert join_html_blocks(lines) == '<div class="a">\n  <ul>\n    <li>x</li>\n  </ul>\n</div>'
    callout = '<div class="note">\n   \n   **Note:** text\n'
    assert join_html_blocks(callout) == callout  # Markdown after the line: the block ends there, as before
    fenced = "```\n<div>\n   \n    <p>\n```"
    assert join_html_blocks(fenced) == fenced


def test_landing_page_layout_has_intro_buttons_and_no_mini_toc(tmp_path):
    make_tree(tmp_path, GAMMA)
    out = tmp_path / "_site"
    assert run_build(tmp_path, out).ok
    html = read(out, f"/en/{FPT}/gamma/")
    assert 'class="layout-product-landing"' in html and 'class="mini-toc"' not in html
    assert re.search(rf'<a class="btn btn-primary" href="/en/{re.escape(FPT)}/gamma/quick/">Quickstart</a>', html)


# --- search -------------------------------------------------------------------------------

LONG_PAGE = "<p>" + "words " * 600 + "</p>" + (
    '<h2 id="cache-key"><a href="#cache-key">Cache <code>key</code></a></h2>'
    '<div class="code-extra"><header class="code-header"><span>YAML</span><button class="js-btn-copy" '
    'data-clipboard-text="x"></button></header><pre><code class="hljs language-yaml"><span class="hl-nt">path</span>: '
    "${{ runner.tool_cache }}/x &lt;file&gt; ${{ hashFiles('a') }}</code></pre></div>"
    "<script>alert('no')</script><!-- hidden -->"
)


def test_the_search_document_keeps_headings_and_all_the_code():
    document = search_document(LONG_PAGE)
    assert document.index("<pre>") > 3000  # the whole body, not its first 2,000 characters
    assert '<h2 id="cache-key">Cache key</h2>' in document
    assert "${{ runner.\u200atool_cache }}/x &lt;file&gt; ${{ hashFiles('a') }}</pre>" in document
    assert "alert" not in document and "hidden" not in document and "js-btn-copy" not in document
    assert split_code_words("x=runner.tool_cache") == "x=\u200arunner.\u200atool_cache"
    assert split_code_words("key: value a-b c.d") == "key: value a-b c.d"


def test_index_files_are_the_same_bytes_for_the_same_records():
    records = [search_record(f"Page {i}", f"/en/{FPT}/p{i}/", "<p>Intro</p>", LONG_PAGE if i == 3 else f"<p>text {i}</p>")
               for i in range(8)]
    first = index_files(FPT, records)
    shuffled = records[:]
    random.Random(4).shuffle(shuffled)
    assert index_files(FPT, shuffled) == first
    assert {path.split("/pagefind/")[1] for path in first} >= {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json",
                                                                "wasm.en.pagefind"}
    assert not any("pagefind-ui" in path for path in first)  # Pagefind's own UI is not shipped
    pages = bundle_pages(first)
    assert [p["url"] for p in pages] == sorted(f"/en/{FPT}/p{i}/" for i in range(8))
    long = next(p for p in pages if p["url"].endswith("/p3/"))
    assert "hashFiles('a')" in long["content"] and {"id": "cache-key", "text": "Cache key"}.items() <= long["anchors"][0].items()


def test_serve_gives_the_bundle_the_build_writes(tmp_path):
    root = make_docs(tmp_path / "docs", {"content/alpha/hidden.md": page("Hidden", "Secret zeppelin.\n", "'*'",
                                                                          hidden="true")})
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    app = PreviewApp(root)
    for version in (FPT, V22):
        built = read_bundle(out, version)
        assert built and app.search_files(version) == built
        for path, data in built.items():
            response = app.respond("/" + path)
            assert response.status == 200 and response.body == data, path
        assert not any("zeppelin" in p["content"] for p in bundle_pages(built))  # hidden pages are not searchable
        results = app.respond(f"/search/{version}/")
        assert results.status == 200 and b'id="search-page-input"' in results.body
        served_page = re.sub(r"<script data-render-serve>.*?</script>", "", results.body.decode())  # live reload
        assert served_page == (out / "search" / version / "index.html").read_text(encoding="utf-8")


# --- site settings, git dates, pager, notices ---------------------------------------------------

def test_site_config_gives_edit_links_and_located_errors(tmp_path):
    (tmp_path / "data").mkdir()
    assert load_site_config(tmp_path).edit_url("a/b.md") == ""
    (tmp_path / "data/site.yml").write_text("repository: https://github.com/org/docs\nedit_branch: draft\npath: site\n")
    assert load_site_config(tmp_path).edit_url("a/b.md") == "https://github.com/org/docs/edit/draft/site/content/a/b.md"
    (tmp_path / "data/site.yml").write_text("edit_branch: main\nrepository: 'javascript:alert(1)'\n")
    with pytest.raises(RenderError) as caught:
        load_site_config(tmp_path)
    assert caught.value.location == "data/site.yml:2:1" and "http(s) URL" in caught.value.message
    (tmp_path / "data/site.yml").write_text("repository: [\n")
    with pytest.raises(RenderError) as caught:
        load_site_config(tmp_path)
    assert caught.value.file == "data/site.yml" and caught.value.line == 2


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_edit_link_and_last_updated_from_git(tmp_path):
    repo = tmp_path / "repo"
    root = make_docs(repo / "docs", {"data/site.yml": "repository: https://github.com/org/docs\n"})
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_COMMITTER_DATE": "2020-10-05T12:00:00Z",
           "GIT_AUTHOR_DATE": "2020-10-05T12:00:00Z"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "docs")
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text() + "\nMore.\n")
    git("commit", "-q", "-a", "-m", "more", "--date", "2021-03-02T12:00:00Z")
    env["GIT_COMMITTER_DATE"] = "2021-03-02T12:00:00Z"
    git("commit", "-q", "--amend", "--no-edit")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    html = read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")
    assert 'Last updated <time datetime="2020-10-05">October 5, 2020</time>' in html
    assert ('href="https://github.com/org/docs/edit/main/docs/content/alpha/getting-started/first-steps.md"' in html)
    assert '<time datetime="2021-03-02">March 2, 2021</time>' in read(out, f"/en/{FPT}/alpha/advanced/deep/")


def test_no_edit_link_or_date_without_settings_or_git(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    html = read(out, f"/en/{FPT}/alpha/getting-started/first-steps/")
    assert "Last updated" not in html and "Edit this page" not in html


def test_pager_inside_a_map_topic(tmp_path):
    root = make_docs(tmp_path / "docs")
    layout = SiteLayout(DocsTree(root))
    nav = layout.nav(FPT)
    first = nav.pager("alpha/getting-started/first-steps.md")
    assert [(p["rel"], p["title"]) for p in first] == [("prev", "Basics"), ("next", "Platforms")]
    assert nav.pager("alpha/getting-started/basics.md") == [
        {"rel": "next", "label": "Next", "title": "First steps", "url": f"/en/{FPT}/alpha/getting-started/first-steps/"}]
    assert nav.pager("alpha/advanced/deep.md") == []  # not in a map topic


def test_picker_marks_versions_without_the_page_and_404_knows_deprecated_releases(tmp_path):
    root = make_docs(tmp_path / "docs", {"data/versions.yml": versions_yaml("2.22", "2.21", deprecated=("2.18",))})
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    html = read(out, f"/en/{FPT}/alpha/advanced/deep/")
    missing = re.search(r'<a href="([^"]+)" data-version="enterprise-server@2.21" data-missing="true" class="is-missing"', html)
    assert missing and missing.group(1) == f"/en/{V21}/alpha/"
    assert re.search(r'<a href="[^"]+" data-version="enterprise-server@2.22">', html)
    assert 'id="page-notice"' in html
    data = re.search(r'<script type="application/json" id="release-data">(.*?)</script>', (out / "404.html").read_text())
    plans = json.loads(data.group(1))["plans"]
    assert plans["enterprise-server"] == {"title": "Enterprise Server", "latest": V22, "latest_title": "Enterprise Server 2.22",
                                          "deprecated": ["2.18"]}


def test_platform_spans_count_for_the_switcher(tmp_path):
    assert platforms_in('<p><span class="platform-mac">A</span><span class="platform-linux">B</span></p>') == ["mac", "linux"]
    assert platforms_in('<div class="extended-markdown windows">x</div>') == ["windows"]
    tree = make_tree(tmp_path, {"content/a.md": page("A", "Hi\n", defaultPlatform="plan9")})
    with pytest.raises(RenderError) as caught:
        tree.page("a.md")
    assert caught.value.location.startswith("content/a.md:4:") and "'mac', 'windows', 'linux'" in caught.value.message
