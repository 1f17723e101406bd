"""Version lifecycle: `render migrate`, `render deprecate`, `render diff` (renderer/lifecycle/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from renderer.commands import main as cli
from renderer.commands.export import iter_renders
from renderer.errors import RenderError
from renderer.lifecycle.migrate import migrate_tree
from renderer.model.tree import DocsTree
from renderer.model.versions import DEFAULT_VERSIONS_YAML

from docs_fixture import CORPUS

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
    double = f'intro: "x {{% if currentVersion == \\"free-pro-team@latest\\" %}}y{{% endif %}}"\n'
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
