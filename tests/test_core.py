"""Rendering core: versions, pages, Liquid tags and operators, Markdown, links, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from docs_fixture import REPO_ROOT, make_tree, page

from renderer.errors import RenderError
from renderer.markdown.links import localize_href
from renderer.markdown.renderer import MarkdownRenderer, slugify
from renderer.model.tree import DocsTree
from renderer.model.versions import compare_versions, load_version_model, range_matches
from renderer.pipeline import render_page

FPT, GHES22, GHES21, GHES19 = "free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21", "enterprise-server@2.19"


def render_body(tmp_path, body: str, version: str = FPT, files: dict | None = None, **kw) -> str:
    tree = make_tree(tmp_path, {"content/a/p.md": page("P", body), **(files or {})}, **kw)
    return render_page(tree, tree.page("a/p.md"), version).html


# --- versions -----------------------------------------------------------------------

@pytest.mark.parametrize("spec, release, expected", [
    ("*", "2.19", True), (">=2.22", "2.22", True), (">=2.22", "2.21", False), ("<2.21", "2.20", True),
    ("<2.21", "2.21", False), (">2.19 <2.22", "2.20", True), (">2.19 <2.22", "2.22", False),
    ("2.20 || 2.22", "2.22", True), ("=2.21", "2.21", True), ("~2.21", "2.21", True), ("*", "latest", True),
    (">=2.22", "latest", True), ("=>2.23", "2.22", False),
])
def test_range_matches(spec, release, expected):
    assert range_matches(spec, release) is expected


@pytest.mark.parametrize("left, right, expected", [
    (GHES22, GHES21, 1), (GHES21, GHES22, -1), (GHES22, GHES22, 0), ("enterprise-server@2.10", "enterprise-server@2.9", 1),
    (FPT, GHES21, None), (GHES22, "2.9", 1), (None, GHES22, None),
])
def test_compare_versions(left, right, expected):
    assert compare_versions(left, right) == expected


def test_default_versions_are_the_2020_releases():
    model = load_version_model(None)
    assert model.ids == [FPT, GHES22, GHES21, "enterprise-server@2.20", GHES19]
    assert model.applicable({"free-pro-team": "*", "enterprise-server": ">=2.22"}) == [FPT, GHES22]


def test_new_plan_is_data_only(tmp_path):
    versions = tmp_path / "versions.yml"
    versions.write_text("plans:\n  - {name: free-pro-team, title: FPT, releases: [latest]}\n"
                        "  - {name: github-ae, title: GitHub AE, releases: [latest]}\n")
    tree = make_tree(tmp_path, {
        "data/versions.yml": versions.read_text(),
        "content/a/p.md": page("P", '{% if currentVersion == "github-ae@latest" %}AE only{% endif %}',
                               versions="{github-ae: '*'}"),
    })
    p = tree.page("a/p.md")
    assert p.versions == ["github-ae@latest"]
    assert "AE only" in render_page(tree, p, "github-ae@latest").html


@pytest.mark.parametrize("text, message", [
    ("plans: []\n", "non-empty `plans`"),
    ("plans:\n  - {title: x}\n", "`name` and `releases`"),
    ("plans: [\n", "invalid YAML"),
    ("default: nope@1\nplans:\n  - {name: a, releases: [latest]}\n", "default version"),
])
def test_bad_versions_file(tmp_path, text, message):
    f = tmp_path / "v.yml"
    f.write_text(text)
    with pytest.raises(RenderError, match=message.replace("`", ".")) as info:
        load_version_model(f)
    assert info.value.file == str(f)


# --- Liquid operators ----------------------------------------------------------------

OPERATOR_CASES = [
    ('{% if currentVersion == "free-pro-team@latest" %}Y{% endif %}', {FPT: True, GHES22: False}),
    ('{% if currentVersion != "free-pro-team@latest" %}Y{% endif %}', {FPT: False, GHES22: True}),
    ('{% if currentVersion ver_gt "enterprise-server@2.21" %}Y{% endif %}', {FPT: False, GHES22: True, GHES21: False}),
    ('{% if currentVersion ver_lt "enterprise-server@2.21" %}Y{% endif %}', {FPT: False, GHES21: False, GHES19: True}),
    ('{% if currentVersion == "free-pro-team@latest" or currentVersion ver_gt "enterprise-server@2.21" %}Y{% endif %}',
     {FPT: True, GHES22: True, GHES21: False}),
    ('{% if currentVersion != "free-pro-team@latest" and currentVersion ver_lt "enterprise-server@2.22" %}Y{% endif %}',
     {FPT: False, GHES22: False, GHES21: True}),
    ('{% if enterpriseServerVersions contains currentVersion %}Y{% endif %}', {FPT: False, GHES19: True}),
    ('{% unless currentVersion == "free-pro-team@latest" %}Y{% endunless %}', {FPT: False, GHES21: True}),
    ('{% if currentVersion ver_gt "enterprise-server@2.22" %}N'
     '{% elsif currentVersion ver_gt "enterprise-server@2.20" %}Y{% else %}N{% endif %}',
     {GHES22: True, GHES21: True, GHES19: False}),
    ('{% if currentVersion == "free-pro-team@latest" %}N{% else %}Y{% endif %}', {FPT: False, GHES19: True}),
]


@pytest.mark.parametrize("body, expected", OPERATOR_CASES)
def test_operators(tmp_path, body, expected):
    tree = make_tree(tmp_path, {"content/a/p.md": page("P", body)})
    for version, shown in expected.items():
        html = render_page(tree, tree.page("a/p.md"), version).html
        assert ("Y" in html) is shown, (version, html)


# --- tags ----------------------------------------------------------------------------

TAG_CASES = [
    ("{% data variables.product.prodname_actions %}", FPT, "GitHub Actions"),
    ("{% data variables.product.product_name %}", GHES22, "GitHub Enterprise Server"),
    ("{% data reusables.outer %}", FPT, "Outer Inner GitHub"),
    ("{% raw %}${{ secrets.GITHUB_TOKEN }}{% endraw %}", FPT, "${{ secrets.GITHUB_TOKEN }}"),
    ("{% note %}\n\n**Note:** x\n\n{% endnote %}", FPT,
     '<div class="extended-markdown note border rounded-1 mb-4 p-3 border-blue bg-blue-light f5">'),
    ("{% tip %}\n\nt\n\n{% endtip %}", FPT, '<div class="extended-markdown tip '),
    ("{% warning %}\n\nw\n\n{% endwarning %}", FPT, "border-red bg-red-light"),
    ("{% danger %}\n\nd\n\n{% enddanger %}", FPT, '<div class="extended-markdown danger '),
    ("{% mac %}\n\nm\n\n{% endmac %}", FPT, '<div class="extended-markdown mac">'),
    ("{% windows %}\n\nw\n\n{% endwindows %}", FPT, '<div class="extended-markdown windows">'),
    ("{% linux %}\n\nl\n\n{% endlinux %}", FPT, '<div class="extended-markdown linux">'),
    ("{% all %}\n\na\n\n{% endall %}", FPT, '<div class="extended-markdown all">'),
    ('{% octicon "gear" aria-label="The gear icon" %}', FPT, 'class="octicon octicon-gear" aria-label="The gear icon"'),
    ("{% link /a/target %}", GHES22,
     '<a class="link-title Bump-link--hover no-underline" href="/en/enterprise-server@2.22/a/target">'
     'Target for GitHub Enterprise Server</a>'),
    ("{% link_in_list /a/target %}", FPT,
     '<li><a class="article-link link Bump-link--hover no-underline" href="/en/free-pro-team@latest/a/target">'
     'Target for GitHub</a></li>'),
    ("{% topic_link_in_list /a/target %}", FPT, '<a class="topic-link link'),
    ("{% link_with_intro /a/target %}", FPT, '<p class="link-with-intro-intro">Intro of <em>target</em></p>'),
    ("{% homepage_link_with_intro /a/target %}", FPT, 'class="link-with-intro-intro f5">Intro of <em>target</em>'),
    ("{% link_with_short_title /a/target %}", FPT, ">Short</a>"),
    ("{% link /a/target#usage %}", FPT, 'href="/en/free-pro-team@latest/a/target#usage"'),
    ("before {% link /a/fpt-only %} after", GHES22, "<p>before  after</p>"),
    ("1. Step\n\n{% indented_data_reference reusables.multi spaces=3 %}", FPT, "<li>\n<p>Step</p>\n<p>line one\nline two</p>"),
    ("{% include snippet %}", FPT, "included GitHub"),
    ("{% for t in site.data.glossary.terms %}{{ t.term }};{% endfor %}", FPT, "alpha;beta;"),
]

TAG_FILES = {
    "reusables/outer.md": "Outer {% data reusables.nested.inner %}",
    "reusables/nested/inner.md": "Inner {% data variables.product.product_name %}\n",
    "reusables/multi.md": "line one\nline two",
    "content/a/target.md": page("Target for {% data variables.product.product_name %}", "## Usage\n",
                                intro="'Intro of *target*'", shortTitle="Short"),
    "content/a/fpt-only.md": page("FPT only", "x", versions="{free-pro-team: '*'}"),
    "includes/snippet.html": "included {% data variables.product.product_name %}",
    "data/glossary.yml": "terms:\n  - {term: alpha}\n  - {term: beta}\n",
}


@pytest.mark.parametrize("body, version, expected", TAG_CASES)
def test_tags(tmp_path, body, version, expected):
    html = render_body(tmp_path, body, version, TAG_FILES)
    assert expected in html, html


def test_map_topic_lists_its_articles(tmp_path):
    tree = make_tree(tmp_path, {
        "content/cat/index.md": page(
            "Cat", "{% topic_link_in_list /topic %}\n    {% link_in_list /one %}\n    {% link_in_list /two %}\n"),
        "content/cat/topic.md": page("Topic", "", mapTopic="true"),
        "content/cat/one.md": page("One", "", intro="First article"),
        "content/cat/two.md": page("Two", "", versions="{free-pro-team: '*'}"),
    })
    topic = tree.page("cat/topic.md")
    fpt = render_page(tree, topic, FPT).html
    assert fpt.index("One") < fpt.index("Two") and "First article" in fpt
    assert "Two" not in render_page(tree, topic, GHES22).html
    index = render_page(tree, tree.page("cat/index.md"), FPT).html
    assert ('<li><a class="topic-link link Bump-link--hover no-underline" href="/en/free-pro-team@latest/cat/topic">'
            'Topic</a>\n<ul>') in index


def test_page_versions_decide_existence(tmp_path):
    tree = make_tree(tmp_path, {"content/a/p.md": page("P", "x", versions="{free-pro-team: '*', enterprise-server: '>=2.21'}")})
    p = tree.page("a/p.md")
    assert p.versions == [FPT, GHES22, GHES21]
    with pytest.raises(RenderError, match="not available in enterprise-server@2.19"):
        render_page(tree, p, GHES19)


# --- errors --------------------------------------------------------------------------

ERROR_CASES = [
    # (file contents, message fragment, file, line, column)
    ({"content/a/p.md": "---\ntitle: [unclosed\nversions: '*'\n---\nx"}, "invalid YAML frontmatter", "content/a/p.md", 3, 9),
    ({"content/a/p.md": "---\nversions: '*'\n---\nx"}, "missing required field `title`", "content/a/p.md", 1, 1),
    ({"content/a/p.md": "---\ntitle: T\nversions:\n  free-pro-team: 5\n---\nx"},
     "range for plan `free-pro-team` must be a string", "content/a/p.md", 4, 3),
    ({"content/a/p.md": "---\ntitle: T\nversions: {enterprise-server: '>=two'}\n---\nx"},
     "invalid version range", "content/a/p.md", 3, 1),
    ({"content/a/p.md": "---\ntitle: T\nversions: {enterprise-cloud: '*'}\n---\nx"},
     "unknown plan `enterprise-cloud`", "content/a/p.md", 3, 1),
    ({"content/a/p.md": page("P", "line\n\nsee {% data variables.product.nope %}\n")},
     "unknown data reference 'variables.product.nope'", "content/a/p.md", 7, 13),
    ({"content/a/p.md": "---\ntitle: 'Hi {% data variables.product.nope %}'\nversions: '*'\n---\nx"},
     "unknown data reference", "content/a/p.md", 2, 20),
    ({"content/a/p.md": page("P", "{% data ../../etc/passwd %}")}, "invalid data path", "content/a/p.md", 5, 9),
    ({"content/a/p.md": page("P", "x\n{% if currentVersion == %}y{% endif %}")}, "expected", "content/a/p.md", 6, 7),
    ({"content/a/p.md": page("P", "x\n{% frobnicate %}")}, "frobnicate", "content/a/p.md", 6, 4),
    ({"content/a/p.md": page("P", "x\n{% if currentVersion ver_gt 'a' %}never closed")}, "endif", "content/a/p.md", 6, 4),
    ({"content/a/p.md": page("P", "{% note %}\nunclosed")}, "endnote", "content/a/p.md", 5, 4),
    ({"content/a/p.md": page("P", "{% data reusables.a %}"),
      "reusables/a.md": "A {% data reusables.b %}", "reusables/b.md": "B {% data reusables.a %}"},
     "reusable includes itself: reusables.a -> reusables.b -> reusables.a", "reusables/b.md", 1, 11),
    ({"content/a/p.md": page("P", "ok\n{% data reusables.bad %}"), "reusables/bad.md": "fine\n{% if x %}\nno end"},
     "endif", "reusables/bad.md", 2, 4),
    ({"content/a/p.md": page("P", "{% if currentVersion == 'x' %}a{% else if y %}b{% endif %}")},
     "did you mean 'elsif'", "content/a/p.md", 5, 40),
]


@pytest.mark.parametrize("files, message, file, line, column", ERROR_CASES)
def test_errors_are_located(tmp_path, files, message, file, line, column):
    with pytest.raises(RenderError) as info:
        tree = make_tree(tmp_path, files)
        render_page(tree, tree.page("a/p.md"), FPT)
    err = info.value
    assert message in err.message
    assert (err.file, err.line, err.column) == (file, line, column), str(err)
    assert "^" in err.snippet or err.line == 1


def test_error_in_reusable_names_the_including_page(tmp_path):
    tree = make_tree(tmp_path, {"content/a/p.md": page("P", "one\n{% data reusables.bad %}"), "reusables/bad.md": "{% endif %}"})
    with pytest.raises(RenderError) as info:
        render_page(tree, tree.page("a/p.md"), GHES22)
    assert info.value.chain == ("content/a/p.md:6",)
    assert info.value.version == GHES22
    assert "included from content/a/p.md:6" in str(info.value)


def test_yaml_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    with pytest.raises(RenderError, match="aliases are not allowed"):
        make_tree(tmp_path, {"content/a/p.md": f"---\ntitle: T\nversions: '*'\n{bomb}---\n"}).page("a/p.md")


def test_output_limit_holds(tmp_path):
    files = {f"reusables/r{i}.md": ("{% data reusables.r" + str(i + 1) + " %}") * 10 for i in range(8)}
    files["reusables/r8.md"] = "x" * 1000
    with pytest.raises(RenderError, match="limit"):
        render_body(tmp_path, "{% data reusables.r0 %}", FPT, files)


def test_symlinked_reusable_outside_root_is_refused(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("secret")
    tree = make_tree(tmp_path / "docs", {"content/a/p.md": page("P", "{% data reusables.leak %}")})
    (tmp_path / "docs" / "reusables").mkdir(exist_ok=True)
    (tmp_path / "docs" / "reusables" / "leak.md").symlink_to(outside)
    with pytest.raises(RenderError, match="unknown data reference"):
        render_page(tree, tree.page("a/p.md"), FPT)


def test_lenient_mode_tolerates_2020_typos(tmp_path):
    body = ('{% if currentVersion == "free-pro-team@latest" % %}A{% endif %}'
            '{% if currentVersion == "x" %}B{% else if currentVersion == "y" %}C{% endif %}')
    html = render_body(tmp_path, body, FPT, lenient=True)
    assert "A" in html and "C" in html and "B" not in html


# --- Markdown and links ---------------------------------------------------------------

@pytest.mark.parametrize("text, slug", [
    ("About GitHub Actions", "about-github-actions"), ("Using `GITHUB_TOKEN`", "using-github_token"),
    ("What's new?", "whats-new"), ("1.6.3 Disclaimer.", "163-disclaimer"), ("A\u00a0B", "a-b"), ("Ünïcode", "ünïcode"),
])
def test_slugify(text, slug):
    assert slugify(text) == slug


MARKDOWN_CASES = [
    ("## Hello world\n\n## Hello world",
     '<h2 id="hello-world"><a href="#hello-world">Hello world</a></h2>\n<h2 id="hello-world-1">'),
    ("| a | b |\n|---|---|\n| 1 | 2 |",
     "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>"),
    ("~~gone~~", "<s>gone</s>"),
    ("see https://github.com today", '<a href="https://github.com">https://github.com</a>'),
    ("```yaml\non: push\n```", '<pre><code class="hljs language-yaml"><span class="hl-'),
    ("```shell\n$ ssh admin@<em>HOST</em>\n```", "admin@<em>HOST</em>"),
    ("<div>raw</div>", "<div>raw</div>"),
]


@pytest.mark.parametrize("text, expected", MARKDOWN_CASES)
@pytest.mark.parametrize("backend", ["pyrs", "py"])
def test_markdown(text, expected, backend):
    assert expected in MarkdownRenderer(backend).render(text)


@pytest.mark.parametrize("href, expected", [
    ("/actions/x", "/en/free-pro-team@latest/actions/x"), ("/actions/x/", "/en/free-pro-team@latest/actions/x"),
    ("/actions/x#y", "/en/free-pro-team@latest/actions/x#y"), ("/en/enterprise-server@2.22/x", "/en/enterprise-server@2.22/x"),
    ("/enterprise/admin/x", "/en/enterprise-server@2.22/admin/x"),
    ("/enterprise/2.20/user/articles/x", "/en/enterprise-server@2.20/articles/x"),
    ("/apps//marketplace/x", "/en/free-pro-team@latest/apps/marketplace/x"),
    ("//cdn.example.com/x", "//cdn.example.com/x"), ("//apps/x", "/en/free-pro-team@latest/apps/x"),
])
def test_localize_href(href, expected):
    assert localize_href(href, FPT, GHES22) == expected


def test_comment_markers_do_not_end_a_list():
    html = MarkdownRenderer().render("- a\n    - b\n<!-- if x -->\n    - c\n<!-- endif -->\n")
    assert "<code>" not in html and "<li>c</li>" in html


# --- the project's own docs and the CLI -----------------------------------------------

SEED = "content/packages/using-github-packages-with-your-projects-ecosystem/using-github-packages-with-github-actions.md"


def test_seed_page_renders_per_version():
    tree = DocsTree(REPO_ROOT)
    seed = tree.page(SEED.removeprefix("content/"))
    assert seed.versions == [FPT, GHES22]
    fpt = render_page(tree, seed, FPT)
    ghes = render_page(tree, seed, GHES22)
    assert fpt.title == ghes.title == "Using GitHub Packages with GitHub Actions"
    assert "Authenticating to GitHub Container Registry" in fpt.html
    assert "Container Registry" not in ghes.html
    assert "authenticating-to-package-registries-on-github" in fpt.html
    assert "{{secrets.GITHUB_TOKEN}}" in fpt.html and "{{secrets.GITHUB_TOKEN}}" in ghes.html
    assert "To authenticate to package registries on GitHub Enterprise Server," in ghes.html
    assert 'href="/en/enterprise-server@2.22/' in ghes.html and "free-pro-team@latest" not in ghes.html
    assert not fpt.warnings and not ghes.warnings


def test_every_project_page_renders_in_every_version():
    tree = DocsTree(REPO_ROOT)
    errors: list[RenderError] = []
    renders = [render_page(tree, p, v) for p in tree.all_pages(errors) for v in p.versions]
    assert not errors
    assert len(renders) > 100
    assert not [w for r in renders for w in r.warnings]


def run_cli(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "renderer", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_renders_one_page():
    result = run_cli("--version", GHES22, SEED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('<div class="extended-markdown')


def test_cli_error_is_located_without_traceback(tmp_path):
    make_tree(tmp_path, {"content/a/p.md": page("P", "x\n{% data variables.nope.x %}")})
    result = run_cli("--version", GHES22, str(tmp_path / "content/a/p.md"))
    assert result.returncode == 1
    assert "content/a/p.md:6:9: [enterprise-server@2.22] unknown data reference" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_version(tmp_path):
    result = run_cli("--version", "enterprise-server@9.9", SEED)
    assert result.returncode == 1 and "unknown version" in result.stderr and "Traceback" not in result.stderr


def test_export_writes_one_record_per_render(tmp_path):
    make_tree(tmp_path, {"content/a/p.md": page("P {% data variables.product.product_name %}", "Hi",
                                                versions="{free-pro-team: '*', enterprise-server: '>=2.21'}")})
    out = tmp_path / "out.jsonl"
    result = run_cli("export", "--root", str(tmp_path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    pairs = {(r["version"], r["path"]) for r in records}
    assert (GHES21, "a/p.md") in pairs and (GHES19, "a/p.md") not in pairs
    assert {"version", "path", "title", "intro", "html"} == set(records[0])
    assert any(r["title"] == "P GitHub Enterprise Server" for r in records)


@pytest.mark.parametrize("text", ["<h2>" * 20000, "<pre><code>" * 20000, "<a " * 20000, "<h2></h3>" * 20000])
def test_markdown_decoration_stays_linear_on_unclosed_tags(text):
    # quadratic scans took minutes here; linear ones take milliseconds
    import time

    started = time.monotonic()
    MarkdownRenderer().render(text)
    assert time.monotonic() - started < 3
