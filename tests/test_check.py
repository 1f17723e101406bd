"""Tests for `render check`, the CI docs build (renderer/check, renderer/commands/check.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docs_fixture import time_limit, versions_yaml

from renderer.check import Problem, format_github, run_check
from renderer.commands.check import main
from renderer.model.tree import DocsTree

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared/corpora/github-docs-2020-10"
needs_corpus = pytest.mark.skipif(not (CORPUS / "content").is_dir(), reason=f"shared corpus not available at {CORPUS}")

VERSIONS_YML = versions_yaml("2.22", "2.21", deprecated=("2.20", "2.19"))

ALL = "versions:\n  free-pro-team: '*'\n  enterprise-server: '*'\n"
FPT = "versions:\n  free-pro-team: '*'\n"


def page(body: str = "Hello.\n", title: str = "A page", versions: str = ALL, extra: str = "") -> str:
    return f"---\ntitle: {title}\n{extra}{versions}---\n\n{body}"


def make_tree(root: Path, pages: dict[str, str], reusables: dict[str, str] | None = None,
              variables: dict[str, str] | None = None) -> Path:
    """A small docs tree: content/<path> pages, reusables/<path>.md, data/variables/<name>.yml."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "versions.yml").write_text(VERSIONS_YML)
    pages = {"index.md": page("Welcome.\n", title="Home"), **pages}
    for rel, text in pages.items():
        file = root / "content" / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    for rel, text in (reusables or {}).items():
        file = root / "reusables" / f"{rel}.md"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    (root / "reusables").mkdir(exist_ok=True)
    for name, text in (variables or {"product": "name: 'Octo'\n"}).items():
        file = root / "data" / "variables" / f"{name}.yml"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    return root


def loc(root: Path, rel: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of `needle` in a file under root."""
    text = (root / rel).read_text()
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def check(root: Path, **kwargs) -> list[Problem]:
    return run_check(DocsTree(root), **kwargs).problems


def only(problems: list[Problem], kind: str) -> list[Problem]:
    return [p for p in problems if p.kind == kind]


# --- clean trees --------------------------------------------------------------------


def test_clean_tree_has_no_problems(tmp_path):
    root = make_tree(tmp_path, {
        "a.md": page("Use {% data variables.product.name %}. {% data reusables.x.note %}\n\n## Setup\n\n"
                     "See [B](/b#details) and [here](#setup).\n"),
        "b.md": page("## Details\n\nText.\n"),
    }, reusables={"x/note": "A note for {% data variables.product.name %}."})
    assert check(root) == []
    assert main(["--root", str(root)]) == 0


def test_repository_content_is_clean_of_errors():
    """The project's own docs pass the CI build (warnings allowed)."""
    report = run_check(DocsTree(REPO_ROOT))
    errors = [p for p in report.problems if p.severity == "error"]
    assert errors == [], "\n".join(map(str, errors))
    assert report.pages > 0 and report.renders >= report.pages


# --- frontmatter --------------------------------------------------------------------


def test_frontmatter_schema_errors_are_located(tmp_path):
    root = make_tree(tmp_path, {
        "no-title.md": "---\nversions: '*'\n---\nBody\n",
        "bad-field.md": page(extra="colour: blue\n"),
        "bad-yaml.md": "---\ntitle: [unclosed\nversions: '*'\n---\nBody\n",
    })
    problems = only(check(root), "frontmatter")
    by_file = {p.file: p for p in problems}
    assert set(by_file) == {"content/no-title.md", "content/bad-field.md", "content/bad-yaml.md"}
    assert "title" in by_file["content/no-title.md"].message
    assert (by_file["content/bad-field.md"].line, by_file["content/bad-field.md"].column) == (3, 1)
    assert "colour" in by_file["content/bad-field.md"].message
    assert by_file["content/bad-yaml.md"].line is not None
    # a field the schema does not know is a warning (the page still renders); the rest are errors
    assert by_file["content/bad-field.md"].severity == "warning"
    assert all(p.severity == "error" for p in problems if p.file != "content/bad-field.md")


def test_range_matching_no_supported_release_is_flagged(tmp_path):
    root = make_tree(tmp_path, {
        "future.md": page(versions="versions:\n  free-pro-team: '*'\n  enterprise-server: '>=2.23'\n"),
        "nowhere.md": page(versions="versions:\n  enterprise-server: '<2.20'\n"),
    })
    problems = only(check(root), "version-range")
    future = [p for p in problems if p.file == "content/future.md"]
    assert len(future) == 1 and future[0].severity == "warning"
    assert (future[0].line, future[0].column) == (5, 3) and "'>=2.23'" in future[0].message
    nowhere = {p.message for p in problems if p.file == "content/nowhere.md"}
    assert any("no supported release" in m for m in nowhere)
    assert "page exists in no version" in nowhere


# --- Liquid syntax ------------------------------------------------------------------


def test_liquid_typo_is_located_once_across_versions(tmp_path):
    body = "Line one.\n\n{% if currentVersion == 'free-pro-team@latest' % %}x{% endif %}\n"
    root = make_tree(tmp_path, {"typo.md": page(body)})
    problems = [p for p in check(root) if p.file == "content/typo.md"]
    assert len(problems) == 1, problems
    [problem] = problems
    assert problem.kind == "liquid" and problem.severity == "error"
    assert (problem.line, problem.column) == loc(root, "content/typo.md", "% %}")
    assert problem.versions == ("free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21")


def test_unused_reusable_and_variable_liquid_are_parsed(tmp_path):
    root = make_tree(tmp_path, {}, reusables={"unused/broken": "Fine line.\n{% if x %}never closed\n"},
                     variables={"product": "name: Octo\nbroken: 'A {% data variables.product.name  '\n"})
    problems = only(check(root), "liquid")
    files = {p.file: p for p in problems}
    assert files["reusables/unused/broken.md"].line == 2
    assert files["data/variables/product.yml"].line == 2
    assert all(p.versions == () for p in problems)  # not tied to one page's versions


def test_a_variables_file_with_20k_keys_is_checked_in_one_pass(tmp_path):
    # Locating each value by searching the whole file per key took 33 s for 20,000 keys (128 s for 40,000).
    keys = 20_000
    lines = [f"key_{i}: 'v{i} {{% if currentVersion == \"free-pro-team@latest\" %}}x{{% endif %}}'\n" for i in range(keys)]
    lines[-1] = "last:\n  nested: \"broken {% if %}\"\n"
    root = make_tree(tmp_path, {}, variables={"big": "".join(lines)})
    with time_limit(10):
        problems = check(root, links=False)
    [problem] = only(problems, "liquid")
    assert (problem.file, problem.line) == ("data/variables/big.yml", keys + 1)
    assert problem.column == len('  nested: "broken {% ') + 1  # at the `if` with no condition


def test_variable_values_are_located_in_their_line(tmp_path):
    text = ("plain: a {% data variables.product.nope1 %}\n"
            "quoted: \"b {% data variables.product.nope2 %}\"\n"
            "block: |\n  first line\n  c {% data variables.product.nope3 %}\n"
            "alias: &x\n  inner: 'd {% data variables.product.nope4 %}'\n"
            "again: *x\n")
    root = make_tree(tmp_path, {}, variables={"product": "name: Octo\n", "v": text})
    found = [(p.line, p.column) for p in only(check(root), "data")]
    assert found == [loc(root, "data/variables/v.yml", f"variables.product.nope{n}") for n in (1, 2, 3, 4)]


def test_liquid_in_frontmatter_fields_is_checked(tmp_path):
    root = make_tree(tmp_path, {"t.md": page(title="'Title {% data variables.product.nope %}'")})
    [problem] = only(check(root), "data")
    assert (problem.file, problem.line) == ("content/t.md", 2)


# --- data references ----------------------------------------------------------------


def test_data_references_are_resolved_statically(tmp_path):
    # The page only exists in free-pro-team, so the enterprise branch never renders:
    # its broken reference is still reported.
    body = ("{% if currentVersion ver_gt 'enterprise-server@2.21' %}\n{% data reusables.missing.thing %}\n{% endif %}\n"
            "{% data variables.product.name %}\n{% data variables.product.nope %}\n")
    root = make_tree(tmp_path, {"a.md": page(body, versions=FPT)})
    problems = only(check(root), "data")
    assert [((p.line, p.column), p.message) for p in problems] == [
        (loc(root, "content/a.md", "reusables.missing"), "unknown data reference 'reusables.missing.thing'"),
        (loc(root, "content/a.md", "variables.product.nope"), "unknown data reference 'variables.product.nope'"),
    ]


def test_data_path_escaping_the_tree_is_rejected(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("{% data ../../etc/passwd %}\n")})
    problems = [p for p in check(root) if p.file == "content/a.md"]
    assert problems and all(p.severity == "error" and p.line == loc(root, "content/a.md", "{% data")[0] for p in problems)


# --- version references and constant conditions --------------------------------------


def test_references_to_releases_that_do_not_exist(tmp_path):
    body = (
        "{% if currentVersion == \"enterprise-server@2.99\" %}a{% endif %}\n"
        "{% if currentVersion ver_gt \"enterprise-server@2.5\" %}b{% endif %}\n"
        "{% if currentVersion ver_lt \"enterprise-server@2.20\" %}deprecated is fine{% endif %}\n"
        "{% if currentVersion == \"enterprise-sever@2.22\" %}typo in plan{% endif %}\n"
        "{% unless currentVersion != \"2.22\" %}not a version id{% endunless %}\n"
        "{% if currentVersion == \"free-pro-team@latest\" %}fine"
        "{% elsif currentVersion ver_gt \"enterprise-server@3.0\" %}x{% endif %}\n"
    )
    root = make_tree(tmp_path, {"a.md": page(body)})
    problems = only(check(root), "version-reference")
    found = {(p.line, p.column): p.message for p in problems}
    at = {name: loc(root, "content/a.md", f'"{name}"') for name in (
        "enterprise-server@2.99", "enterprise-server@2.5", "enterprise-sever@2.22", "2.22", "enterprise-server@3.0")}
    assert set(found) == set(at.values()), found
    assert "release '2.99' of `enterprise-server` does not exist" in found[at["enterprise-server@2.99"]]
    assert "'2.5'" in found[at["enterprise-server@2.5"]]
    assert "unknown plan 'enterprise-sever'" in found[at["enterprise-sever@2.22"]]
    assert "not a version id" in found[at["2.22"]]
    assert all(p.severity == "error" for p in problems)


def test_constant_conditions_warn(tmp_path):
    body = (
        "{% if currentVersion == \"free-pro-team@latest\" %}always{% endif %}\n"
        "{% if currentVersion ver_gt \"enterprise-server@2.21\" %}never{% endif %}\n"
        "{% if page.title == 'x' %}not about versions{% endif %}\n"
    )
    shared = "{% if currentVersion == \"free-pro-team@latest\" %}varies{% endif %}\n"
    root = make_tree(tmp_path, {"fpt.md": page(body, versions=FPT), "all.md": page(body + shared)})
    problems = only(check(root), "constant-condition")
    fpt = sorted((p.line, p.message) for p in problems if p.file == "content/fpt.md")
    first = loc(root, "content/fpt.md", "currentVersion")[0]
    assert [line for line, _ in fpt] == [first, first + 1]
    assert "is always true" in fpt[0][1] and "is always false" in fpt[1][1]
    # In every version, ver_gt 2.21 is false for free-pro-team@latest and 2.21, true for 2.22:
    # not constant; the fpt comparison varies too.
    assert [p for p in problems if p.file == "content/all.md"] == []
    assert all(p.severity == "warning" for p in problems)


def test_constant_condition_in_reusable_uses_all_versions(tmp_path):
    root = make_tree(tmp_path, {}, reusables={
        "r/dead": "{% if currentVersion == \"enterprise-server@2.20\" %}deprecated release only{% endif %}",
        "r/live": "{% if enterpriseServerVersions contains currentVersion %}ghes{% endif %}",
    })
    problems = only(check(root), "constant-condition")
    assert [p.file for p in problems] == ["reusables/r/dead.md"]
    assert "every supported version" in problems[0].message


# --- renders ------------------------------------------------------------------------


def test_render_errors_are_reported_with_versions(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("{% include nothing_here %}\n")})
    [problem] = only(check(root), "render")
    assert (problem.line, problem.column) == loc(root, "content/a.md", "nothing_here")
    assert "nothing_here" in problem.message
    assert len(problem.versions) == 3


def test_reusable_cycle_is_reported_with_chain(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("{% data reusables.loop.a %}\n", versions=FPT)},
                     reusables={"loop/a": "A {% data reusables.loop.b %}", "loop/b": "B {% data reusables.loop.a %}"})
    problems = [p for p in check(root) if "includes itself" in p.message]
    assert problems
    assert "reusables.loop.a -> reusables.loop.b -> reusables.loop.a" in problems[0].message
    assert problems[0].line is not None


# --- links --------------------------------------------------------------------------


def test_internal_links_and_anchors(tmp_path):
    body = (
        "## Top\n\n"
        "[ok](/b) [ok anchor](/b#details) [same page](#top)\n\n"
        "[missing page](/nope)\n\n"
        "[missing anchor](/b#nowhere)\n\n"
        "[bad same-page anchor](#bottom)\n\n"
        "[fpt only](/fpt-only)\n\n"
        "[old url](/old/place)\n\n"
        "[external](https://example.com/x) [legacy](/enterprise/2.21/b)\n"
    )
    root = make_tree(tmp_path, {
        "a.md": page(body),
        "b.md": page("## Details\n", extra="redirect_from:\n  - /old/place\n"),
        "fpt-only.md": page("Only here.\n", versions=FPT),
    })
    problems = [p for p in check(root) if p.kind in ("link", "anchor")]
    summary = sorted((p.kind, p.line, p.message.split(":")[0], tuple(p.versions)) for p in problems)
    names = ("[missing page]", "[missing anchor]", "[bad same", "[fpt only]")
    line = {name: loc(root, "content/a.md", name)[0] for name in names}
    every = ("free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21")
    # one problem per broken link, listing the versions it is broken in
    assert summary == sorted([
        ("anchor", line['[missing anchor]'], "link '/en/<version>/b#nowhere'", every),
        ("anchor", line['[bad same'], "anchor '#bottom' is not an element id on this page", every),
        ("link", line['[missing page]'], "link '/en/<version>/nope'", every),
        ("link", line['[fpt only]'], "link '/en/<version>/fpt-only'", every[1:]),
    ]), summary
    assert all(p.file == "content/a.md" and p.severity == "error" for p in problems)
    assert check(root, links=False) == []


def test_percent_encoded_link_resolves_as_in_the_build(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("[x](/with%20space) [y](/with%20space#part) [z](/no%20such)\n"),
                                "with space.md": page("## Part\n")})
    problems = [(p.kind, p.message) for p in check(root) if p.kind in ("link", "anchor")]
    assert problems == [("link", "link '/en/<version>/no%20such': no page or redirect at /en/<version>/no such")]


def test_broken_link_in_reusable_is_located_in_the_reusable(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("Intro.\n\n{% data reusables.r.links %}\n", versions=FPT)},
                     reusables={"r/links": "First line.\nSee [gone](/gone-page).\n"})
    [problem] = only(check(root), "link")
    where = loc(root, "reusables/r/links.md", "/gone-page")
    assert (problem.file, problem.line, problem.column) == ("reusables/r/links.md", *where)


# --- output and exit status ---------------------------------------------------------


def test_exit_status_and_strict(tmp_path, capsys):
    warn_only = make_tree(tmp_path / "w", {"a.md": page("{% if currentVersion == 'free-pro-team@latest' %}x{% endif %}\n",
                                                        versions=FPT)})
    assert main(["--root", str(warn_only)]) == 0
    out = capsys.readouterr().out
    assert "content/a.md:7:7: warning:" in out and "(constant-condition)" in out
    assert out.rstrip().splitlines()[-1].startswith("render check: 0 error(s), 1 warning(s)")
    assert main(["--root", str(warn_only), "--strict"]) == 1
    assert "content/a.md:7:7: error:" in capsys.readouterr().out
    broken = make_tree(tmp_path / "e", {"a.md": page("{% data nope.nope %}\n")})
    assert main(["--root", str(broken)]) == 1


def test_github_annotations(tmp_path, capsys):
    root = make_tree(tmp_path, {"a b,c.md": page("{% data variables.product.missing %}\n"),
                                "w.md": page("{% if currentVersion == 'free-pro-team@latest' %}x{% endif %}\n", versions=FPT)})
    assert main(["--root", str(root), "--format", "github"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].startswith("::error file=content/a b%2Cc.md,line=8,col=9,title=render check%3A data::[")
    assert "unknown data reference 'variables.product.missing'" in lines[0]
    assert lines[1].startswith("::warning file=content/w.md,line=7,col=7,title=render check%3A constant-condition::")
    assert "render check: 1 error(s), 1 warning(s)" in captured.err


def test_github_annotation_escapes_newlines_and_percent():
    problem = Problem("liquid", "error", "50% broken\nsecond line", "x.md", 3, 4, ("v@1",))
    assert format_github(problem) == ("::error file=x.md,line=3,col=4,title=render check%3A liquid::"
                                      "[v@1] 50%25 broken%0Asecond line")


def test_json_output(tmp_path, capsys):
    root = make_tree(tmp_path, {"a.md": page("{% data variables.product.missing %}\n")})
    assert main(["--root", str(root), "--format", "json"]) == 1
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert records == [{
        "file": "content/a.md", "line": 8, "column": 9, "severity": "error", "kind": "data",
        "message": "unknown data reference 'variables.product.missing'",
        "versions": ["free-pro-team@latest", "enterprise-server@2.22", "enterprise-server@2.21"], "chain": [],
    }]
    assert "render check: 1 error(s)" in captured.err


def test_versions_option_and_missing_root(tmp_path, capsys):
    root = make_tree(tmp_path, {"a.md": page("{% if currentVersion == 'enterprise-server@2.21' %}x{% endif %}\n")})
    other = tmp_path / "v.yml"
    other.write_text(VERSIONS_YML.replace("releases: ['2.22', '2.21']", "releases: ['2.22']")
                     .replace("deprecated: ['2.20', '2.19']", "deprecated: []"))
    assert main(["--root", str(root)]) == 0
    assert main(["--root", str(root), "--versions", str(other)]) == 1
    assert "release '2.21' of `enterprise-server` does not exist" in capsys.readouterr().out


def test_cli_entry_point(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("{% data variables.product.missing %}\n")})
    result = subprocess.run([sys.executable, "-m", "renderer", "check", "--root", str(root)],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 1
    assert "content/a.md:8:9: error:" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "renderer", "check", "--root", str(tmp_path / "none")],
                             capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert missing.returncode == 1 and "no content/ folder" in missing.stdout
    assert "Traceback" not in missing.stderr


def test_broken_versions_file_is_one_located_problem(tmp_path, capsys):
    root = make_tree(tmp_path, {})
    (root / "data" / "versions.yml").write_text("plans:\n  - name: x\n    releases: [a, b\n")
    assert main(["--root", str(root), "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=data/versions.yml,line=")
    assert "title=render check%3A config::" in out


# --- the 2020 corpus ----------------------------------------------------------------

TYPO_PAGES = {
    "content/github/managing-security-vulnerabilities/about-alerts-for-vulnerable-dependencies.md",
    "content/github/managing-subscriptions-and-notifications-on-github/configuring-notifications.md",
    "content/github/receiving-notifications-about-activity-on-github/about-email-notifications.md",
    "content/github/finding-security-vulnerabilities-and-errors-in-your-code/configuring-code-scanning.md",
}


@needs_corpus
def test_corpus_check_finishes_fast_and_locates_liquid_typos():
    started = time.perf_counter()
    report = run_check(DocsTree(CORPUS))
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"render check took {elapsed:.1f}s on the corpus"
    assert report.pages > 1000 and report.renders > 4000
    liquid = only(report.problems, "liquid")
    assert TYPO_PAGES <= {p.file for p in liquid}
    assert all(p.line and p.column for p in report.problems if p.kind != "yaml")
    stray = [p for p in liquid if p.file in TYPO_PAGES and "unexpected '%'" in p.message]
    assert {(p.file.rsplit("/", 1)[1], p.line) for p in stray} >= {
        ("about-alerts-for-vulnerable-dependencies.md", 36), ("configuring-notifications.md", 113),
        ("about-email-notifications.md", 27)}
    kinds = report.by_kind()
    assert kinds["version-reference"] > 0 and kinds["link"] > 0 and kinds["constant-condition"] > 0


def test_link_tag_to_a_missing_page_is_an_error(tmp_path):
    root = make_tree(tmp_path, {"a.md": page("Intro.\n\n{% link_in_list /does-not-exist %}\n", versions=FPT)})
    [problem] = only(check(root), "link")
    assert problem.severity == "error" and "does-not-exist" in problem.message
    assert (problem.line, problem.column) == loc(root, "content/a.md", "/does-not-exist")


def test_help_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "--format" in capsys.readouterr().out
