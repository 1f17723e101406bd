"""build, serve and check describe one site: the same broken links, redirects, search
records, page URLs and picker targets, from the one site model (renderer/site/).

The fixture has every kind of link the checker judges; the 2020 corpus runs the same
comparison where it is available.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_fixture import CORPUS, REPO_ROOT, make_tree, page, versions_yaml

from renderer.model.tree import DocsTree
from renderer.problems import Problem, merge
from renderer.serve import PreviewApp
from renderer.site.model import SiteModel
from renderer.site.search import bundle_pages, read_bundle

FPT, V22, V21 = "free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21"
PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning):"
                          r"(?: \[(?P<versions>[^\]]*)\])? (?P<message>.*) \((?P<kind>link|anchor)\)$")
REFRESH = re.compile(r'http-equiv="refresh" content="0; url=([^"]+)"')
PICKER = re.compile(r'<details class="picker version-picker">(.*?)</details>', re.S)

FILES = {
    "data/versions.yml": versions_yaml("2.22", "2.21", deprecated=("2.18",)),
    "data/reusables/links/shared.md": "Read [the guide](/actions/guide#set-up) or [nothing](/actions/gone#x).\n",
    "content/actions/index.md": page("Actions", "Start at [the guide](/actions/guide).\n",
                                     redirect_from="[/old-actions, /enterprise/admin/old-actions]"),
    "content/actions/guide.md": page("Guide", """
        ## Set up

        [self](#set-up) [bad anchor](#nope) [far anchor](/actions#missing) [spaced](/actions/with%20space)
        [old](/old-actions) [deprecated](/en/enterprise-server@2.18/admin) [unknown](/en/enterprise-server@2.99/x)
        [dotcom only](/en/enterprise-server@2.22/actions/dotcom) [relative](../with%20space)
        {% data reusables.links.shared %}
        """),
    "content/actions/with space.md": page("Spaced", "Words about automatically deleting SSH keys.\n"),
    "content/actions/dotcom.md": page("Dotcom", "Only here.\n", versions="{free-pro-team: '*'}"),
    "content/actions/secret.md": page("Secret", "A hidden page.\n", hidden="true"),
}


def problem_from_line(line: str) -> Problem | None:
    m = PROBLEM_LINE.match(line)
    if m is None:
        return None
    versions = tuple(v.strip() for v in (m["versions"] or "").split(",") if v.strip())
    return Problem(m["kind"], m["severity"], m["message"], m["file"], int(m["line"]), int(m["col"]), versions)


def render_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renderer", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=600)


def link_problems_of_build(root: Path, out: Path, *extra: str) -> set[Problem]:
    result = render_cli("build", "--root", str(root), "--out", str(out), "--no-progress", *extra)
    assert result.returncode in (0, 1), result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    return {p for p in map(problem_from_line, lines) if p is not None}


def link_problems_of_check(root: Path, *extra: str) -> set[Problem]:
    result = render_cli("check", "--root", str(root), "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    found = set()
    for d in json.loads(result.stdout):
        if d["kind"] in ("link", "anchor"):
            found.add(Problem(d["kind"], d["severity"], d["message"], d["file"], d["line"], d["column"],
                              tuple(d["versions"])))
    return found


def same_mistakes(problems: set[Problem]) -> set[tuple]:
    """What a report says, its severity aside: `render build` makes broken links warnings
    unless --strict, `render check` makes them errors (their policy, not their findings)."""
    return {(p.kind, p.message, p.file, p.line, p.column, p.versions) for p in problems}


def link_problems_of_serve(app: PreviewApp, site: SiteModel) -> set[Problem]:
    reports = [p for page_, version in site.renders() for p in app.problems(page_.relpath, version)]
    return set(merge(reports, site.versions.ids))


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    make_tree(root, FILES)
    out = tmp_path_factory.mktemp("out") / "_site"
    build_problems = link_problems_of_build(root, out)
    return root, out, build_problems


def test_same_broken_links_everywhere(fixture_site):
    root, out, from_build = fixture_site
    site = SiteModel(DocsTree(root))
    from_check = link_problems_of_check(root)
    from_serve = link_problems_of_serve(PreviewApp(root), site)
    assert same_mistakes(from_build) == same_mistakes(from_check) == same_mistakes(from_serve)
    assert from_check == from_serve
    by_message = {p.message.split(":")[0]: p for p in from_build}
    # what the fixture breaks, each once with its versions
    assert by_message["anchor '#nope' is not an element id on this page"].versions == (FPT, V22, V21)
    assert "link '/en/enterprise-server@2.22/actions/dotcom'" in by_message  # from every version
    assert "link '/en/<version>/actions/gone#x'" in by_message  # one mistake, three versions
    assert by_message["link '/en/<version>/actions/gone#x'"].location == "data/reusables/links/shared.md:1:54"
    assert not any("with%20space" in p.message for p in from_build)  # resolves in every command


def test_a_link_to_a_deprecated_release_is_the_same_warning_in_build_and_check(fixture_site):
    root, _out, from_build = fixture_site
    deprecated = [p for p in link_problems_of_check(root) if "enterprise-server@2.18" in p.message]
    assert len(deprecated) == 1 and deprecated[0].severity == "warning"
    assert deprecated[0] in from_build  # the same warning, not an error in one and nothing in the other


def test_same_redirects_everywhere(fixture_site):
    root, out, _ = fixture_site
    site = SiteModel(DocsTree(root))
    app = PreviewApp(root)
    assert f"en/{V22}/admin/old-actions" in site.redirects
    for key, redirect in site.redirects.items():
        stub = out / key / "index.html" if key else out / "index.html"
        assert REFRESH.search(stub.read_text(encoding="utf-8")).group(1) == redirect.target, key
        response = app.respond("/" + key)
        assert (response.status, response.headers.get("Location")) == (redirect.status, redirect.target), key


def test_same_pages_search_and_picker_everywhere(fixture_site):
    root, out, _ = fixture_site
    site = SiteModel(DocsTree(root))
    app = PreviewApp(root)
    built_pages = {"/" + f.parent.relative_to(out).as_posix() + "/" for f in (out / "en").rglob("index.html")
                   if "http-equiv" not in f.read_text(encoding="utf-8")}
    assert built_pages == {site.url(p, v) for p, v in site.renders()}
    for page_, version in site.renders():
        served = app.respond(site.url(page_, version))
        assert served.status == 200
        built = (out / site.out_path(page_, version)).read_text(encoding="utf-8")
        assert PICKER.search(served.body.decode()).group(1) == PICKER.search(built).group(1)
    for version in site.versions.ids:  # the same Pagefind bundle, byte for byte
        built = read_bundle(out, version)
        assert built and all(app.respond("/" + path).body == data for path, data in built.items())
    fpt_index = bundle_pages(read_bundle(out, FPT))
    titles = [entry["title"] for entry in fpt_index]
    assert "Secret" not in titles  # hidden pages are not searchable, in either
    assert any("automatically deleting SSH keys" in entry["content"] for entry in fpt_index)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the 2020 corpus is not at {CORPUS}")
def test_corpus_build_and_check_report_the_same_links(tmp_path):
    from_build = link_problems_of_build(CORPUS, tmp_path / "_site", "--lenient", "--keep-going")
    from_check = link_problems_of_check(CORPUS, "--lenient")
    assert from_build and same_mistakes(from_build) == same_mistakes(from_check)
