"""A 2020-format docs tree the engine has never seen renders with only data files.

The tree below has fields the schema does not know, a third plan (`github-ae`) whose
links behave unlike enterprise-server's, link rules and a frontmatter schema in data,
and upcoming releases. Every page renders in every version it exists in, with the links
the rules give.
"""

from __future__ import annotations

import re

import pytest
from docs_fixture import make_tree, page

from renderer.check import run_check
from renderer.errors import RenderError
from renderer.markdown.links import localize_href
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page

FPT, GHES, GHES21, AE = "free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21", "github-ae@latest"

VERSIONS = """\
default: free-pro-team@latest
plans:
  - name: free-pro-team
    title: Free, Pro, and Team
    releases: [latest]
  - name: enterprise-server
    title: Enterprise Server
    context_name: enterpriseServer
    releases: ['2.22', '2.21']
    deprecated: ['2.20']
    upcoming: ['2.23', '3.0']
  - name: github-ae
    title: GitHub AE
    releases: [latest]
"""

LINK_RULES = """\
products:
  admin: [enterprise-server, github-ae]
  desktop: [free-pro-team]
  private-cloud: [github-ae]
legacy:
  prefix: enterprise
  plan: enterprise-server
  targets:
    github-ae: current
unversioned: [/assets/, /public/, /contact]
"""

FRONTMATTER = """\
fields:
  topics: list
  audience: {type: string, values: [admins, developers]}
"""

ALL = "{free-pro-team: '*', enterprise-server: '*', github-ae: '*'}"
LINKS_BODY = """\
- [admin](/admin/guides/a)
- [legacy](/enterprise/admin/guides/a)
- [legacy release](/enterprise/2.21/user/articles/b)
- [desktop](/desktop/getting-started)
- [cloud](/private-cloud/setup)
- [contact](/contact)
- [plain](/articles/b)

{% if currentVersion ver_gt "enterprise-server@2.23" %}after 2.23{% endif %}
{% if currentVersion ver_lt "3.0" %}before 3.0{% endif %}
{% if currentVersion == "github-ae@latest" %}AE only{% endif %}
"""


def tree_2020(root) -> DocsTree:
    return make_tree(root, {
        "data/versions.yml": VERSIONS,
        "data/link-rules.yml": LINK_RULES,
        "data/frontmatter.yml": FRONTMATTER,
        "content/index.md": page("Home", "{% link_in_list /articles/b %}", versions=ALL),
        "content/articles/b.md": page("Article `B`", LINKS_BODY, versions=ALL, shortTittle="B", learningTrack="x",
                                      topics="[one]", audience="admins", defaultPlatform="windows"),
        "content/admin/guides/a.md": page("Admin A", "admin", versions="{enterprise-server: '*', github-ae: '*'}"),
        "content/private-cloud/setup.md": page("Setup", "cloud", versions="{github-ae: '*'}"),
        "content/desktop/getting-started.md": page("Desktop", "desktop", versions="{free-pro-team: '*'}"),
    })


def hrefs(html: str) -> dict[str, str]:
    return {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)}


EXPECTED_LINKS = {
    FPT: {"admin": "/en/enterprise-server@2.22/admin/guides/a", "legacy": "/en/enterprise-server@2.22/admin/guides/a",
          "cloud": "/en/github-ae@latest/private-cloud/setup", "desktop": "/en/free-pro-team@latest/desktop/getting-started",
          "plain": "/en/free-pro-team@latest/articles/b"},
    GHES21: {"admin": "/en/enterprise-server@2.21/admin/guides/a", "legacy": "/en/enterprise-server@2.21/admin/guides/a",
             "cloud": "/en/github-ae@latest/private-cloud/setup", "desktop": "/en/free-pro-team@latest/desktop/getting-started",
             "plain": "/en/enterprise-server@2.21/articles/b"},
    # the third plan keeps its own version for admin and legacy links: not enterprise-server's
    AE: {"admin": "/en/github-ae@latest/admin/guides/a", "legacy": "/en/github-ae@latest/admin/guides/a",
         "cloud": "/en/github-ae@latest/private-cloud/setup", "desktop": "/en/free-pro-team@latest/desktop/getting-started",
         "plain": "/en/github-ae@latest/articles/b"},
}


def test_every_page_renders_in_every_version_with_the_rules_links(tmp_path):
    tree = tree_2020(tmp_path)
    pages = tree.all_pages()
    assert len(pages) == 5
    renders = {(p.relpath, v): render_page(tree, p, v) for p in pages for v in p.versions}
    assert {v for (rel, v) in renders if rel == "articles/b.md"} == {FPT, GHES, GHES21, AE}
    for version, expected in EXPECTED_LINKS.items():
        links = hrefs(renders[("articles/b.md", version)].html)
        for text, href in expected.items():
            assert links[text] == href, (version, text)
        assert links["legacy release"] == "/en/enterprise-server@2.21/articles/b"
        assert links["contact"] == "/contact"  # a path GitHub redirected to another site
    assert "AE only" in renders[("articles/b.md", AE)].html and "AE only" not in renders[("articles/b.md", FPT)].html
    assert renders[("articles/b.md", FPT)].title == "Article B"  # Markdown in a title reads as text


def test_unknown_fields_are_warnings_with_suggestions_and_the_page_renders(tmp_path):
    tree = tree_2020(tmp_path)
    article = tree.page("articles/b.md")
    warnings = {w.message.split("`")[1]: w for w in article.warnings}
    assert set(warnings) == {"shortTittle", "learningTrack"}  # topics and audience are declared in data
    assert "did you mean `shortTitle`?" in warnings["shortTittle"].message
    assert all(w.severity == "warning" and w.file == "content/articles/b.md" and w.line and w.column == 1
               for w in warnings.values())
    rendered = render_page(tree, article, FPT)
    assert {w.message for w in rendered.warnings} >= {w.message for w in article.warnings}


def test_check_reports_unknown_fields_as_warnings_and_fails_only_under_strict(tmp_path):
    tree = tree_2020(tmp_path)
    result = run_check(tree)
    frontmatter = [p for p in result.problems if p.kind == "frontmatter"]
    assert {p.severity for p in frontmatter} == {"warning"} and len(frontmatter) == 2
    assert not [p for p in result.problems if p.severity == "error"], [str(p) for p in result.problems]
    # ver_gt "enterprise-server@2.23" names an upcoming release: no version-reference problem
    assert not [p for p in result.problems if p.kind == "version-reference"]


def test_a_release_neither_supported_deprecated_nor_upcoming_stays_an_error(tmp_path):
    tree_2020(tmp_path)
    body = '{% if currentVersion ver_gt "enterprise-server@2.99" %}x{% endif %}'
    (tmp_path / "content/articles/c.md").write_text(page("C", body, versions=ALL))
    problems = [p for p in run_check(DocsTree(tmp_path)).problems if p.kind == "version-reference"]
    assert [(p.file, p.severity) for p in problems] == [("content/articles/c.md", "error")]
    assert "2.99" in problems[0].message


def test_declared_fields_keep_their_types(tmp_path):
    tree = tree_2020(tmp_path)
    (tmp_path / "content/articles/d.md").write_text(page("D", "x", versions=ALL, audience="everyone"))
    with pytest.raises(RenderError, match="`audience` must be one of 'admins', 'developers'") as info:
        tree.page("articles/d.md")
    assert (info.value.file, info.value.line) == ("content/articles/d.md", 4)


def test_default_platform_reaches_the_layout(tmp_path):
    from renderer.site.layout import SiteLayout

    tree = tree_2020(tmp_path)
    (tmp_path / "content/articles/p.md").write_text(
        page("P", "{% mac %}\nM\n{% endmac %}\n{% windows %}\nW\n{% endwindows %}", versions=ALL, defaultPlatform="windows"))
    layout = SiteLayout(tree)
    article = tree.page("articles/p.md")
    rendered = render_page(tree, article, FPT)
    html = layout.compose(layout.chrome(article, FPT), rendered.title, rendered.intro, rendered.html)
    assert 'class="platform-switcher" aria-label="Operating system" data-default-platform="windows"' in html
    (tmp_path / "content/articles/q.md").write_text(page("Q", "x", versions=ALL, defaultPlatform="beos"))
    with pytest.raises(RenderError, match="`defaultPlatform` must be one of 'mac', 'windows', 'linux'"):
        tree.page("articles/q.md")


def test_link_rules_name_no_plan_in_code():
    # the 2020 defaults, and the same function under a third plan's rules
    assert localize_href("/admin/x", FPT, "enterprise-server@2.22") == "/en/enterprise-server@2.22/admin/x"
    assert localize_href("/desktop/x", GHES) == "/en/free-pro-team@latest/desktop/x"
    assert localize_href("/insights/x", FPT) == "/en/free-pro-team@latest/insights/x"  # 2020: no insights rule
    assert localize_href("/enterprise/2.13/admin/c", FPT) == "/en/enterprise/2.13/admin/c"  # deprecated: only the language


@pytest.mark.parametrize("rules, message", [
    ("products:\n  admin: [nope]\n", "unknown plan `nope`"),
    ("legacy:\n  targets: {github-ae: somewhere}\n", "is not `current`, a plan or a version id"),
    ("products: [a]\n", "`products` must be a mapping"),
    ("products: {a: [\n", "invalid YAML"),
])
def test_bad_link_rules_are_located(tmp_path, rules, message):
    with pytest.raises(RenderError, match=re.escape(message)) as info:
        make_tree(tmp_path, {"data/versions.yml": VERSIONS, "data/link-rules.yml": rules})
    assert info.value.file == "data/link-rules.yml"


@pytest.mark.parametrize("schema, message", [
    ("fields:\n  x: colour\n", "unknown type 'colour'"),
    ("fields: [x]\n", "needs a `fields` mapping"),
])
def test_bad_frontmatter_schema_is_located(tmp_path, schema, message):
    with pytest.raises(RenderError, match=re.escape(message)) as info:
        make_tree(tmp_path, {"data/frontmatter.yml": schema})
    assert info.value.file == "data/frontmatter.yml"
