"""The site model: URLs, the redirect table, the router, the picker, the link checker, problems."""

from __future__ import annotations

import pytest
from docs_fixture import make_tree, page, versions_yaml

from renderer.pipeline import render_page
from renderer.problems import Problem, format_github, format_text, merge
from renderer.site.linkcheck import LinkChecker, link_facts
from renderer.site.model import SiteModel
from renderer.site.redirects import Redirect

FPT, V22, V21 = "free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21"


@pytest.fixture
def site(tmp_path):
    tree = make_tree(tmp_path, {
        "data/versions.yml": versions_yaml("2.22", "2.21", deprecated=("2.18",)),
        "data/reusables/links/broken.md": "See [the missing page](/actions/nowhere).\n",
        "content/actions/index.md": page("Actions", "Intro.\n", redirect_from="[/old-actions, /enterprise/admin/old-actions]"),
        "content/actions/guide.md": page("Guide", """
            ## Set up

            [home](/actions) [self](#set-up) [bad anchor](#nope) [far anchor](/actions#missing)
            [spaced](/actions/with%20space) [old](/old-actions) [deprecated](/en/enterprise-server@2.18/admin)
            [unknown](/en/enterprise-server@2.99/admin) [relative](guide) [up](../with%20space) [asset](/assets/images/a.png)
            {% data reusables.links.broken %}
            """),
        "content/actions/with space.md": page("Spaced", "Text.\n"),
        "content/actions/dotcom.md": page("Dotcom", "Text.\n", versions="{free-pro-team: '*'}"),
        "assets/images/a.png": "png",
    })
    return SiteModel(tree)


def test_urls_and_renders(site):
    guide = site.page("actions/guide.md")
    assert site.url(guide, V22) == "/en/enterprise-server@2.22/actions/guide/"
    assert site.out_path(guide, V22) == "en/enterprise-server@2.22/actions/guide/index.html"
    pairs = [(p.relpath, v) for p, v in site.renders()]
    assert ("actions/dotcom.md", FPT) in pairs and ("actions/dotcom.md", V22) not in pairs
    assert pairs == sorted(pairs, key=lambda pair: (pair[0], [FPT, V22, V21].index(pair[1])))
    assert site.home_url() == "/en/free-pro-team@latest/"
    assert site.home_url(V21) == "/en/enterprise-server@2.21/"


def test_redirect_table(site):
    table = site.redirects
    assert table[f"en/{V22}/old-actions"] == Redirect(f"/en/{V22}/actions/", True)
    assert table["old-actions"] == Redirect(f"/en/{FPT}/actions/", True)
    assert table["en/actions/guide"] == Redirect(f"/en/{FPT}/actions/guide/", False)
    assert table["actions/guide"].status == 302
    # an old /enterprise/ URL also under the versioned URL links are rewritten to
    assert table[f"en/{V22}/admin/old-actions"] == Redirect(f"/en/{V22}/actions/", True)
    assert table[""] == table["en"] == Redirect("/en/free-pro-team@latest/", False)
    assert f"en/{FPT}/actions/guide" not in table  # a page never redirects
    # the redirects to one page share their value (the table holds about ten per render)
    assert table[f"en/{V22}/old-actions"] is table[f"en/{V22}/admin/old-actions"]
    assert table["old-actions"] is table["en/old-actions"]


def test_resolve(site):
    found = site.resolve(f"/en/{V21}/actions/guide/")
    assert found.kind == "page" and found.page.relpath == "actions/guide.md" and found.version == V21
    assert site.resolve(f"en/{V21}/actions/guide/index.html").page.relpath == "actions/guide.md"
    assert site.resolve("/old-actions").redirect.target == f"/en/{FPT}/actions/"
    assert site.resolve(f"/en/{V22}/actions/dotcom") is None
    assert site.resolve("/nothing/here") is None
    assert site.release_status("enterprise-server@2.18") == "deprecated"
    assert site.release_status("enterprise-server@2.99") == "unknown"


def test_picker_marks_where_the_page_is_missing(site):
    dotcom = site.page("actions/dotcom.md")
    entries = {e["id"]: e for e in site.picker(dotcom, FPT)}
    assert entries[FPT]["exists"] and entries[FPT]["current"]
    assert entries[V22]["url"] == f"/en/{V22}/actions/" and not entries[V22]["exists"]


def checked(site, relpath, version):
    rendered = {}

    def facts_of(rel, ver):
        key = (rel, ver)
        if key not in rendered:
            r = render_page(site.tree, site.page(rel), ver)
            rendered[key] = (link_facts(r.intro, r.html), r.deps)
        return rendered[key][0]

    facts = facts_of(relpath, version)
    checker = LinkChecker(site, facts_of)
    return checker.check(site.page(relpath), version, facts, rendered[(relpath, version)][1])


def test_link_checker(site):
    problems = {(p.kind, p.severity, p.message.split(":")[0]): p for p in checked(site, "actions/guide.md", V22)}
    summary = sorted(problems)
    assert summary == sorted([
        ("anchor", "error", "anchor '#nope' is not an element id on this page"),
        ("anchor", "error", "link '/en/<version>/actions#missing'"),
        ("link", "warning",
         "link '/en/enterprise-server@2.18/admin' goes to enterprise-server@2.18, a deprecated release this site does not build"),
        ("link", "error", "link '/en/enterprise-server@2.99/admin' names unknown version 'enterprise-server@2.99'"),
        ("link", "error", "link '/en/<version>/actions/nowhere'"),
        ("link", "error", "link 'guide'"),  # relative to /actions/guide/, as a browser reads it
    ])
    nope = problems[("anchor", "error", "anchor '#nope' is not an element id on this page")]
    assert (nope.file, nope.line) == ("content/actions/guide.md", 8)
    assert nope.column == nope_column(site)
    missing = problems[("link", "error", "link '/en/<version>/actions/nowhere'")]
    assert missing.location == "data/reusables/links/broken.md:1:24"


def nope_column(site):
    line = site.page("actions/guide.md").text.splitlines()[7]
    return line.index("#nope") + 1


def test_problems_merge_and_escape():
    a = Problem("link", "error", "broken", "content/a.md", 3, 4, (V21,))
    b = Problem("link", "error", "broken", "content/a.md", 3, 4, (FPT,))
    [one] = merge([a, b], [FPT, V22, V21])
    assert one.versions == (FPT, V21)
    forged = Problem("link", "error", "x", "content/a\n::error file=b::owned.md", 1, 1)
    assert "\n" not in format_text(forged) and "\n" not in format_github(forged)
    assert format_github(forged).count("::") == 2
