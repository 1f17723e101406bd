"""Version lifecycle: `render migrate`, `render deprecate`, `render diff` (renderer/lifecycle/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docs_fixture import CORPUS

from renderer.commands import main as cli
from renderer.commands.export import iter_renders
from renderer.errors import RenderError
from renderer.lifecycle.migrate import migrate_tree
from renderer.model.tree import DocsTree
from renderer.model.versions import DEFAULT_VERSIONS_YAML
from renderer.site.model import SiteModel

needs_corpus = pytest.mark.skipif(not (CORPUS / "content").is_dir(), reason=f"shared corpus not available at {CORPUS}")

VERSIONS = """\
default: free-pro-team@latest
plans:
  - name: free-pro-team
    short: fpt
    title: Free, Pro, and Team
    releases: [latest]
  - name: enterprise-server
    short: ghes
    title: Enterprise Server
    context_name: enterpriseServer
    releases: ['2.22', '2.21', '2.20', '2.19']
    deprecated: ['2.18']
"""
FPT = '"free-pro-team@latest"'


def write_tree(root: Path, files: dict[str, str], versions: str = VERSIONS) -> Path:
    files = {"data/versions.yml": versions, "content/index.md": "---\ntitle: Home\nversions: '*'\n---\nHome.\n", **files}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def page(body: str, versions: str = "'*'", extra: str = "") -> str:
    return f"---\ntitle: T\n{extra}versions: {versions}\n---\n{body}"


def renders(root: Path, lenient: bool = False) -> dict[tuple[str, str], dict[str, str]]:
    errors: list[RenderError] = []
    found = {(r["version"], r["path"]): r for r in iter_renders(DocsTree(root, lenient=lenient), errors)}
    assert not errors, errors
    return found


def migrated(root: Path, target: str) -> tuple[DocsTree, object]:
    changes, report = migrate_tree(DocsTree(root), target)
    changes.write()
    return DocsTree(root), report


# --- migrate ------------------------------------------------------------------------

MIGRATIONS = [
    (f"{{% if currentVersion == {FPT} %}}A{{% endif %}}", "{% ifversion fpt %}A{% endif %}"),
    (f"{{% if currentVersion != {FPT} %}}A{{% endif %}}", "{% ifversion not fpt %}A{% endif %}"),
    ('{% if currentVersion == "enterprise-server@2.22" %}A{% endif %}', "{% ifversion ghes = 2.22 %}A{% endif %}"),
    (f'{{% if currentVersion == {FPT} or currentVersion ver_gt "enterprise-server@2.20" %}}A{{% else %}}B{{% endif %}}',
     "{% ifversion fpt or ghes > 2.20 %}A{% else %}B{% endif %}"),
    (f'{{% if currentVersion != {FPT} and currentVersion ver_lt "enterprise-server@2.21" %}}A{{% endif %}}',
     "{% ifversion not fpt and ghes < 2.21 %}A{% endif %}"),
    ("{% if currentVersion ver_gt '2.20' %}A{% endif %}", "{% ifversion ghes > 2.20 %}A{% endif %}"),
    ("{% if enterpriseServerVersions contains currentVersion %}A{% endif %}", "{% ifversion ghes %}A{% endif %}"),
    (f'{{% if currentVersion == {FPT} %}}A{{% elsif currentVersion == "enterprise-server@2.22" %}}B{{% else %}}C{{% endif %}}',
     "{% ifversion fpt %}A{% elsif ghes = 2.22 %}B{% else %}C{% endif %}"),
    (f"{{% unless currentVersion == {FPT} %}}A{{% else %}}B{{% endunless %}}", "{% ifversion not fpt %}A{% else %}B{% endif %}"),
    (f'{{% unless currentVersion == {FPT} or currentVersion == "enterprise-server@2.19" %}}A{{% endunless %}}',
     "{% ifversion not fpt and not ghes = 2.19 %}A{% endif %}"),
    (f"{{%- if currentVersion == {FPT}   -%}}\n  A\n{{%- endif %}}", "{%- ifversion fpt   -%}\n  A\n{%- endif %}"),
    (f"{{% if currentVersion == {FPT}%}}A{{%endif%}}", "{% ifversion fpt%}A{%endif%}"),
    (f"{{% if currentVersion == {FPT} %}}{{% if currentVersion == {FPT} %}}A{{% endif %}}{{% endif %}}",
     "{% ifversion fpt %}{% ifversion fpt %}A{% endif %}{% endif %}"),
]


@pytest.mark.parametrize(("before", "after"), MIGRATIONS, ids=[b for b, _ in MIGRATIONS])
def test_migrate_to_ifversion_rewrites_only_the_tags(tmp_path, before, after):
    body = f"Text before.\n\n{before}\n\nText after.\n"
    root = write_tree(tmp_path, {"content/p.md": page(body)})
    old = renders(root)
    _, report = migrated(root, "ifversion")
    assert (root / "content/p.md").read_text() == page(body.replace(before, after))
    assert renders(root) == old
    assert report.blocks >= 1 and not report.skipped
    _, back = migrated(root, "currentVersion")  # and back: same renders again
    assert renders(root) == old and not back.skipped


LEFT_AS_IS = [
    (f"{{% if currentVersion == {FPT} and page.title %}}A{{% endif %}}", "not only a test of the version"),
    (f'{{% if currentVersion == {FPT} %}}A{{% elsif page.title == "x" %}}B{{% endif %}}', "not only a test of the version"),
    ('{% if currentVersion == "private-instances@latest" %}A{% endif %}', "unknown plan"),
    ('{% if currentVersion >= "enterprise-server@2.21" %}A{% endif %}', "not only a test of the version"),
]


@pytest.mark.parametrize(("block", "reason"), LEFT_AS_IS, ids=[b for b, _ in LEFT_AS_IS])
def test_migrate_leaves_other_blocks_and_says_where(tmp_path, block, reason):
    text = page(f"Line.\n{block}\n")
    root = write_tree(tmp_path, {"content/p.md": text})
    _, report = migrated(root, "ifversion")
    assert (root / "content/p.md").read_text() == text
    [skipped] = report.skipped
    assert (skipped.file, skipped.line, skipped.column) == ("content/p.md", 6, 4)
    assert reason in skipped.reason


def test_migrate_edits_yaml_values_exactly_or_not_at_all(tmp_path):
    single = f"intro: 'It''s {{% if currentVersion == {FPT} %}}on GitHub{{% endif %}}.'\n"
    double = 'intro: "x {% if currentVersion == \\"free-pro-team@latest\\" %}y{% endif %}"\n'
    variable = f"name: '{{% if currentVersion == {FPT} %}}GitHub{{% else %}}GHES{{% endif %}}'\n"
    root = write_tree(tmp_path, {"content/a.md": page("{% data variables.product.name %}\n", extra=single),
                                 "content/b.md": page("x\n", extra=double),
                                 "data/variables/product.yml": variable})
    old = renders(root)
    _, report = migrated(root, "ifversion")
    assert "intro: 'It''s {% ifversion fpt %}on GitHub{% endif %}.'\n" in (root / "content/a.md").read_text()
    assert (root / "data/variables/product.yml").read_text() == "name: '{% ifversion fpt %}GitHub{% else %}GHES{% endif %}'\n"
    assert (root / "content/b.md").read_text() == page("x\n", extra=double)
    assert [s.file for s in report.skipped] == ["content/b.md"]
    assert renders(root) == old


def test_migrate_back_expands_features_and_ranges(tmp_path):
    root = write_tree(tmp_path, {
        "data/features/new-ui.yml": "versions:\n  fpt: '*'\n  ghes: '>=2.21'\n",
        "content/p.md": page("{% ifversion new-ui %}A{% endif %}{% ifversion ghes >= 2.21 %}B{% endif %}"
                             "{% ifversion ghes != 2.20 %}C{% endif %}{% ifversion not ghes > 2.20 %}D{% endif %}\n"),
    })
    old = renders(root)
    _, report = migrated(root, "currentVersion")
    text = (root / "content/p.md").read_text()
    assert "ifversion" not in text and not report.skipped
    assert '{% if currentVersion == "free-pro-team@latest" or currentVersion == "enterprise-server@2.22" or ' in text
    assert renders(root) == old


def test_migrate_command_dry_run_prints_a_diff_and_writes_nothing(tmp_path, capsys):
    text = page(f"{{% if currentVersion == {FPT} %}}A{{% endif %}}\n")
    root = write_tree(tmp_path, {"content/p.md": text})
    assert cli(["migrate", "--root", str(root), "--to", "ifversion", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "--- a/content/p.md\n+++ b/content/p.md\n" in out
    assert f"-{{% if currentVersion == {FPT} %}}A{{% endif %}}\n+{{% ifversion fpt %}}A{{% endif %}}\n" in out
    assert "1 blocks (1 conditions) rewritten in 1 files" in err and "dry run" in err
    assert (root / "content/p.md").read_text() == text
    assert cli(["migrate", "--root", str(root), "--to", "ifversion"]) == 0
    assert "{% ifversion fpt %}" in (root / "content/p.md").read_text()


def corpus_copy(tmp_path: Path) -> Path:
    """The shared 2020 corpus in a temporary folder, with short plan names in its versions file."""
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS / "content", root / "content")
    shutil.copytree(CORPUS / "data", root / "data")
    versions = DEFAULT_VERSIONS_YAML.lstrip().replace("  - name: free-pro-team\n", "  - name: free-pro-team\n    short: fpt\n")
    (root / "data/versions.yml").write_text(versions.replace("  - name: enterprise-server\n",
                                                             "  - name: enterprise-server\n    short: ghes\n"))
    return root


def lenient_renders(root: Path) -> tuple[dict, list[str]]:
    errors: list[RenderError] = []
    found = {(r["version"], r["path"]): r for r in iter_renders(DocsTree(root, lenient=True), errors)}
    return found, sorted(e.headline() for e in errors)


@needs_corpus
def test_corpus_renders_are_byte_identical_after_migrating_both_ways(tmp_path):
    root = corpus_copy(tmp_path)
    before, before_errors = lenient_renders(root)
    assert len(before) + len(before_errors) == 4805
    changes, report = migrate_tree(DocsTree(root, lenient=True), "ifversion")
    changes.write()
    assert report.blocks > 1200 and len(changes.changed()) > 450
    after, after_errors = lenient_renders(root)
    assert after == before and after_errors == before_errors
    changes, report = migrate_tree(DocsTree(root, lenient=True), "currentVersion")
    changes.write()
    assert report.blocks > 1200 and not report.skipped
    again, again_errors = lenient_renders(root)
    assert again == before and again_errors == before_errors


# --- deprecate ----------------------------------------------------------------------

GHES19, GHES20 = '"enterprise-server@2.19"', '"enterprise-server@2.20"'

DEPRECATIONS = [  # (body, versions, body after retiring 2.19)
    (f"{{% if currentVersion == {FPT} or currentVersion ver_gt {GHES19} %}}A{{% endif %}}", "'*'", "A"),
    (f"{{% if currentVersion == {GHES19} %}}A{{% endif %}}", "'*'", ""),
    (f"{{% if currentVersion ver_lt {GHES20} %}}A{{% else %}}B{{% endif %}}", "'*'", "B"),
    (f"{{% unless currentVersion == {GHES19} %}}A{{% endunless %}}", "'*'", "A"),
    (f"{{% if currentVersion == {FPT} %}}A{{% elsif currentVersion == {GHES19} %}}B{{% else %}}C{{% endif %}}", "'*'",
     f"{{% if currentVersion == {FPT} %}}A{{% else %}}C{{% endif %}}"),
    (f"{{% if currentVersion == {GHES19} %}}A{{% elsif currentVersion == {FPT} %}}B{{% else %}}C{{% endif %}}", "'*'",
     f"{{% if currentVersion == {FPT} %}}B{{% else %}}C{{% endif %}}"),
    (f"{{% unless currentVersion != {GHES19} %}}A{{% elsif currentVersion == {FPT} %}}B{{% endunless %}}", "'*'",
     f"{{% if currentVersion == {FPT} %}}B{{% endif %}}"),
    (f"{{% if currentVersion == {FPT} %}}A{{% elsif currentVersion ver_gt {GHES19} %}}B{{% endif %}}", "'*'",
     f"{{% if currentVersion == {FPT} %}}A{{% elsif enterpriseServerVersions contains currentVersion %}}B{{% endif %}}"),
    (f"{{% if currentVersion ver_gt {GHES19} %}}A{{% endif %}}", "{enterprise-server: '*'}", "A"),  # the page's versions count
    (f"{{% if currentVersion != {FPT} and currentVersion ver_gt {GHES19} %}}A{{% endif %}}", "'*'",
     f"{{% if currentVersion != {FPT} %}}A{{% endif %}}"),
    (f"{{% if currentVersion == {FPT} or currentVersion == {GHES19} or currentVersion == {GHES20} %}}A{{% endif %}}",
     "'*'", f"{{% if currentVersion == {FPT} or currentVersion == {GHES20} %}}A{{% endif %}}"),
    ("{% ifversion fpt or ghes = 2.19 %}A{% endif %} {% ifversion ghes > 2.19 %}B{% endif %} "
     "{% ifversion ghes >= 2.19 %}C{% endif %}",
     "'*'", "{% ifversion fpt %}A{% endif %} {% ifversion ghes %}B{% endif %} {% ifversion ghes %}C{% endif %}"),
    ("{% ifversion not ghes = 2.19 and ghes %}A{% endif %}{% ifversion ghes < 2.20 %}B{% elsif ghes %}C{% endif %}", "'*'",
     "{% ifversion ghes %}A{% endif %}{% ifversion ghes %}C{% endif %}"),
    (f"{{% if currentVersion == {FPT} %}}{{% if currentVersion == {GHES19} %}}A{{% endif %}}F{{% else %}}"
     f"{{% if currentVersion ver_gt {GHES19} %}}B{{% endif %}}{{% endif %}}", "'*'",
     f"{{% if currentVersion == {FPT} %}}{{% if currentVersion == {GHES19} %}}A{{% endif %}}F{{% else %}}B{{% endif %}}"),
    (f"{{% if currentVersion == {FPT} %}}A{{% elsif page.title == 'T' and currentVersion == {GHES19} %}}B{{% endif %}}",
     "'*'", f"{{% if currentVersion == {FPT} %}}A{{% endif %}}"),
    (f"{{% if currentVersion == {FPT} %}}A{{% elsif page.title %}}B{{% endif %}}", "'*'",
     f"{{% if currentVersion == {FPT} %}}A{{% elsif page.title %}}B{{% endif %}}"),  # nothing to do with 2.19
    (f"x {{% if currentVersion == {FPT} %}}A{{% endif %}} {{% if currentVersion ver_lt '2.19' %}}old{{% endif %}}", "'*'",
     f"x {{% if currentVersion == {FPT} %}}A{{% endif %}} {{% if currentVersion ver_lt '2.19' %}}old{{% endif %}}"),
]


def retire(root: Path, version: str = "enterprise-server@2.19"):
    from renderer.lifecycle.deprecate import deprecate_release

    changes, report = deprecate_release(DocsTree(root), version)
    changes.write()
    return report


def remaining(found: dict, gone: str = "enterprise-server@2.19") -> dict:
    return {key: value for key, value in found.items() if key[0] != gone}


@pytest.mark.parametrize(("body", "versions", "after"), DEPRECATIONS, ids=[b for b, _, _ in DEPRECATIONS])
def test_deprecate_rewrites_what_stops_varying(tmp_path, body, versions, after):
    text = page(f"Before.\n\n{body}\n\nAfter.\n", versions)
    root = write_tree(tmp_path, {"content/p.md": text})
    old = renders(root)
    retire(root)
    assert (root / "content/p.md").read_text() == text.replace(body, after)
    new = renders(root)
    assert new == remaining(old) and not any(v == "enterprise-server@2.19" for v, _ in new)


def test_deprecate_moves_the_release_in_the_versions_file(tmp_path):
    flow = VERSIONS
    block = VERSIONS.replace("    releases: ['2.22', '2.21', '2.20', '2.19']\n    deprecated: ['2.18']\n",
                             "    releases:\n      - '2.22'\n      - '2.21'\n      - '2.20'\n      - '2.19'\n")
    expected = {
        flow: VERSIONS.replace("['2.22', '2.21', '2.20', '2.19']", "['2.22', '2.21', '2.20']")
                      .replace("['2.18']", "['2.19', '2.18']"),
        block: block.replace("      - '2.19'\n", "    deprecated: ['2.19']\n"),
    }
    for index, (versions, after) in enumerate(expected.items()):
        root = write_tree(tmp_path / str(index), {}, versions=versions)
        retire(root)
        assert (root / "data/versions.yml").read_text() == after
        assert DocsTree(root).model.ids == ["free-pro-team@latest", *(f"enterprise-server@{r}" for r in ("2.22", "2.21", "2.20"))]


@pytest.mark.parametrize(("versions", "after"), [
    ("\n  free-pro-team: '*'\n  enterprise-server: '>=2.19'\n", "\n  free-pro-team: '*'\n  enterprise-server: '*'\n"),
    ("\n  free-pro-team: '*'\n  enterprise-server: '>2.19'\n", "\n  free-pro-team: '*'\n  enterprise-server: '*'\n"),
    ("\n  enterprise-server: \">=2.20\"\n", "\n  enterprise-server: \"*\"\n"),
    ("\n  fpt: '*'\n  ghes: '<2.20'\n", "\n  fpt: '*'\n"),
    ("{free-pro-team: '*', enterprise-server: '2.19'}", "{free-pro-team: '*'}"),
    ("{enterprise-server: '<2.21'}", "{enterprise-server: '<2.21'}"),  # still the range it was
    ("{enterprise-server: '>=2.21'}", "{enterprise-server: '>=2.21'}"),
])
def test_deprecate_simplifies_frontmatter_ranges(tmp_path, versions, after):
    root = write_tree(tmp_path, {"content/p.md": page("Text.\n", versions)})
    old = renders(root)
    retire(root)
    assert (root / "content/p.md").read_text() == page("Text.\n", after)
    assert renders(root) == remaining(old)


def test_deprecate_removes_pages_only_that_release_had_with_redirects(tmp_path):
    root = write_tree(tmp_path, {
        "content/cat/index.md": "---\ntitle: Cat\nversions: '*'\n---\n{% link_in_list /cat/old %}\n{% link_in_list /cat/a %}\n",
        "content/cat/old.md": page("Old.\n", "{enterprise-server: '<2.20'}", extra="redirect_from:\n  - /older\n"),
        "content/cat/a.md": page("See {% link /cat/old %}.\n"),
        "data/features/new-ui.yml": "versions:\n  fpt: '*'\n  ghes: '>=2.20'\n",
    })
    old = renders(root)
    report = retire(root)
    assert not (root / "content/cat/old.md").exists()
    assert report.pages_removed == ["content/cat/old.md"] and report.links_removed == 2
    index = (root / "content/cat/index.md").read_text()
    assert index == "---\ntitle: Cat\nversions: '*'\nredirect_from:\n  - /cat/old\n  - /older\n---\n\n{% link_in_list /cat/a %}\n"
    assert (root / "content/cat/a.md").read_text() == page("See .\n")
    assert (root / "data/features/new-ui.yml").read_text() == "versions:\n  fpt: '*'\n  ghes: '*'\n"
    tree = DocsTree(root)
    assert SiteModel(tree).resolve_page("/older")[0].relpath == "cat/index.md"  # the site's one redirect table
    assert renders(root) == {k: v for k, v in remaining(old).items() if k[1] != "cat/old.md"}


def test_deprecate_leaves_blocks_with_whitespace_control_and_says_where(tmp_path):
    text = page(f"Line\n  {{%- if currentVersion == {GHES19} %}}A{{% endif %}}\n")
    root = write_tree(tmp_path, {"content/p.md": text})
    report = retire(root)
    assert (root / "content/p.md").read_text() == text
    [skipped] = report.skipped
    assert (skipped.file, skipped.line, skipped.column) == ("content/p.md", 6, 3)
    assert "whitespace control" in skipped.reason


@pytest.mark.parametrize(("version", "message"), [
    ("enterprise-server@2.18", "is already deprecated"),
    ("enterprise-server@2.99", "is not a release of it"),
    ("free-pro-team@latest", "is the default version"),
    ("nope@1.0", "expected <plan>@<release>"),
])
def test_deprecate_refuses_what_it_cannot_retire(tmp_path, capsys, version, message):
    root = write_tree(tmp_path, {})
    assert cli(["deprecate", version, "--root", str(root)]) == 1
    assert message in capsys.readouterr().err
    assert (root / "data/versions.yml").read_text() == VERSIONS


def test_deprecate_refuses_a_plans_only_release(tmp_path, capsys):
    versions = VERSIONS + "  - name: github-ae\n    short: ghae\n    title: GitHub AE\n    releases: ['1.0']\n"
    root = write_tree(tmp_path, {}, versions=versions)
    assert cli(["deprecate", "ghae@1.0", "--root", str(root)]) == 1
    assert "is the only release of `github-ae`: remove the plan instead" in capsys.readouterr().err


def test_deprecate_needs_a_versions_file(tmp_path, capsys):
    root = write_tree(tmp_path, {})
    (root / "data/versions.yml").unlink()
    assert cli(["deprecate", "enterprise-server@2.19", "--root", str(root)]) == 1
    assert "has none: write data/versions.yml" in capsys.readouterr().err


def test_deprecate_dry_run_prints_the_diff_and_a_summary(tmp_path, capsys):
    text = page(f"{{% if currentVersion == {GHES19} %}}A{{% endif %}}B\n")
    root = write_tree(tmp_path, {"content/p.md": text})
    assert cli(["deprecate", "ghes@2.19", "--root", str(root), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert f"-{{% if currentVersion == {GHES19} %}}A{{% endif %}}B\n+B\n" in out
    assert "+    deprecated: ['2.19', '2.18']\n" in out
    assert "render deprecate enterprise-server@2.19: data/versions.yml: moved to deprecated" in err
    assert "0 unwrapped, 1 removed" in err and "files changed: 2" in err
    assert (root / "content/p.md").read_text() == text and (root / "data/versions.yml").read_text() == VERSIONS


@needs_corpus
def test_corpus_renders_of_remaining_versions_are_byte_identical_after_deprecating(tmp_path):
    from renderer.lifecycle.deprecate import deprecate_release

    root = corpus_copy(tmp_path)
    original_versions = (root / "data/versions.yml").read_text()
    before, before_errors = lenient_renders(root)
    changes, report = deprecate_release(DocsTree(root, lenient=True), "enterprise-server@2.19")
    changes.write()
    assert report.stats.unwrapped + report.stats.dropped > 70 and not report.skipped
    after, after_errors = lenient_renders(root)
    assert after == remaining(before)
    assert after_errors == [e for e in before_errors if "enterprise-server@2.19" not in e]
    # Nothing that varied only because of 2.19 is left: retiring it again from the old
    # versions file finds nothing more to edit than the versions file itself.
    (root / "data/versions.yml").write_text(original_versions)
    again, _ = deprecate_release(DocsTree(root, lenient=True), "enterprise-server@2.19")
    assert [c.file for c in again.changed()] == ["data/versions.yml"]


# --- diff ---------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def test_diff_between_versions_lists_pages_and_section_changes(tmp_path, capsys):
    root = write_tree(tmp_path, {
        "content/a.md": page("Intro text.\n\n## Setup\n\nStep one.\n\n{% if currentVersion ver_gt \"enterprise-server@2.21\" %}"
                             "Step two.\n{% endif %}\n## Usage\n\nSame everywhere.\n"
                             "{% if currentVersion == \"enterprise-server@2.22\" %}\n## New in 2.22\n\nShiny.\n{% endif %}\n"),
        "content/new.md": page("New.\n", "{enterprise-server: '>=2.22'}"),
        "content/old.md": page("Old.\n", "{enterprise-server: '<2.22'}"),
        "content/same.md": page("See [a](/a).\n"),
    })
    from renderer.lifecycle.diff import diff_versions

    result = diff_versions(DocsTree(root), "enterprise-server@2.21", "enterprise-server@2.22")
    assert [(c.path, c.status) for c in result.changes] == [("a.md", "changed"), ("new.md", "added"), ("old.md", "removed")]
    sections = [(s.heading, s.status) for s in result.changes[0].sections]
    assert sections == [("Setup", "changed"), ("New in 2.22", "added")]
    assert result.changes[0].sections[0].lines == ["@@ -2 +2,2 @@", " Step one.", "+Step two."]
    assert cli(["diff", "--root", str(root), "--from", "enterprise-server@2.21", "--to", "enterprise-server@2.22"]) == 0
    out = capsys.readouterr().out
    assert "added (1):\n+ new.md T\nremoved (1):\n- old.md T\nchanged (1):\n~ a.md T\n    ## Setup (changed)\n" in out
    assert "    ## New in 2.22 (added)\n      +## New in 2.22\n      +Shiny.\n" in out
    assert "1 added, 1 removed, 1 changed, 0 error pages" in out


def git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=T", *args],
                   check=True, capture_output=True)


def changed_renders(before: dict, after: dict) -> set[tuple[str, str]]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def diff_json(root: Path, *args: str) -> dict:
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(["diff", "--root", str(root), "--format", "json", *args]) == 0
    return json.loads(out.getvalue())


EDITS = {  # what changes since the commit -> files it writes
    "reusable in one branch": {
        "reusables/steps/open.md": "Open it{% if currentVersion == \"free-pro-team@latest\" %} on GitHub.com{% endif %}."},
    "variable": {"data/variables/product.yml": "name: Octocat\nother: same\n"},
    "linked page's title": {"content/target.md": page("Target.\n", extra="").replace("title: T", "title: Target page")},
    "new page a link was waiting for": {"content/later.md": page("Later.\n").replace("title: T", "title: Later")},
    "category index of a map topic": {"content/topic/index.md": "---\ntitle: Topic\nversions: '*'\n---\n"
                                      "{% topic_link_in_list /topic/map %}\n  {% link_in_list /topic/one %}\n"},
    "versions file": {
        "data/versions.yml": VERSIONS.replace("'2.19'", "'2.19', '2.18'").replace("deprecated: ['2.18']", "deprecated: []")},
    "removed page": {"content/alone.md": None},
}


@needs_git
@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_diff_base_lists_exactly_the_renders_that_change(tmp_path, edit):
    root = write_tree(tmp_path / "repo" / "docs", {
        "reusables/steps/open.md": "Open it.",
        "data/variables/product.yml": "name: Octo\nother: same\n",
        "content/a.md": page("{% data reusables.steps.open %} {% data variables.product.name %}\n"),
        "content/b.md": page("{% if currentVersion == \"enterprise-server@2.22\" %}{% data reusables.steps.open %}{% endif %}\n"),
        "content/c.md": page("{% link /target %} {% link /later %}\n"),
        "content/target.md": page("Target.\n"),
        "content/alone.md": page("Alone.\n"),
        "content/topic/index.md": "---\ntitle: Topic\nversions: '*'\n---\n{% topic_link_in_list /topic/map %}\n",
        "content/topic/map.md": page("Map.\n", extra="mapTopic: true\n"),
        "content/topic/one.md": page("One.\n", extra="intro: 'The first'\n"),
        "content/other.md": page("{% data variables.product.other %}\n"),
    })
    git(tmp_path / "repo", "init", "-q")
    git(tmp_path / "repo", "add", "-A")
    git(tmp_path / "repo", "commit", "-qm", "base")
    before = renders(root)
    for rel, text in EDITS[edit].items():
        if text is None:
            (root / rel).unlink()
        else:
            (root / rel).write_text(text)
    after = renders(root)
    expected = changed_renders(before, after)
    assert expected, "the edit must change something"
    report = diff_json(root, "--base", "HEAD")
    assert {(c["version"], c["path"]) for c in report["changes"]} == expected
    assert report["summary"]["renders"] < 2 * len(before) or edit == "versions file"
    if edit == "versions file":
        assert "data/versions.yml changed: every render of both trees was compared" in report["notes"]


@needs_git
def test_diff_base_reports_in_text_and_html_and_fails_on_change_when_asked(tmp_path, capsys):
    root = write_tree(tmp_path, {"content/a.md": page("## Part\n\nOld words.\n"), "content/b.md": page("Same.\n")})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    assert cli(["diff", "--root", str(root), "--base", "HEAD", "--fail-on-change"]) == 0  # nothing changed yet
    (root / "content/a.md").write_text(page("## Part\n\nNew <words> & more.\n"))
    report = tmp_path / "report.html"
    assert cli(["diff", "--root", str(root), "--base", "HEAD", "--html", str(report), "--fail-on-change"]) == 1
    out = capsys.readouterr().out
    assert "changed (5):\n~ a.md [free-pro-team@latest, enterprise-server@2.22, enterprise-server@2.21, " in out
    assert "    ## Part (changed)\n      @@ -1,2 +1,2 @@\n       ## Part\n      -Old words.\n      +New & more.\n" in out
    page_html = report.read_text()
    assert page_html.startswith("<!DOCTYPE html>") and "<script" not in page_html and "<link" not in page_html
    assert '<span class="plus">+New &amp; more.</span>' in page_html and "<code>a.md</code>" in page_html
    assert cli(["diff", "--root", str(root), "--base", "no-such-ref"]) == 1
    assert "git rev-parse" in capsys.readouterr().err


def test_diff_needs_a_mode(tmp_path, capsys):
    root = write_tree(tmp_path, {})
    with pytest.raises(SystemExit) as caught:
        cli(["diff", "--root", str(root), "--from", "free-pro-team@latest"])
    assert caught.value.code == 2
    assert cli(["diff", "--root", str(root), "--from", "free-pro-team@latest", "--to", "nope@1"]) == 1
    assert "unknown version 'nope@1'" in capsys.readouterr().err


@needs_git
@needs_corpus
def test_corpus_diff_base_after_editing_a_widely_used_reusable(tmp_path):
    root = corpus_copy(tmp_path)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "corpus")
    before, _ = lenient_renders(root)
    reusable = root / "data/reusables/repositories/navigate-to-repo.md"
    reusable.write_text(reusable.read_text().rstrip("\n").rstrip(".") +
                        '{% if currentVersion == "free-pro-team@latest" %} on GitHub.com{% endif %}.\n')
    after, _ = lenient_renders(root)
    expected = changed_renders(before, after)
    assert len(expected) > 100
    report = diff_json(root, "--lenient", "--base", "HEAD")
    assert {(c["version"], c["path"]) for c in report["changes"]} == expected
    assert report["summary"]["renders"] < len(before) / 2  # far from rendering both trees fully
