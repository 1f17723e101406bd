"""`{% ifversion %}`, short plan names and feature flags (renderer/liquid/ifversion.py, model/features.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderer.errors import RenderError
from renderer.liquid.ifversion import IfversionNode, name_problems, versions_where
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page

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
    releases: ['3.10', '3.9', '2.22', '2.21']
    deprecated: ['2.20']
  - name: github-ae
    short: ghae
    title: GitHub AE
    releases: [latest]
"""
FPT, GHAE = "free-pro-team@latest", "github-ae@latest"
GHES = {r: f"enterprise-server@{r}" for r in ("3.10", "3.9", "2.22", "2.21")}
EVERY = [FPT, *GHES.values(), GHAE]
FEATURES = {"cool": "versions:\n  fpt: '*'\n  ghes: '>=3.9'\n", "ae-only": "versions:\n  github-ae: '*'\n"}


def make_tree(root: Path, pages: dict[str, str], features: dict[str, str] | None = None,
              reusables: dict[str, str] | None = None) -> DocsTree:
    files = {"data/versions.yml": VERSIONS, "content/index.md": "---\ntitle: Home\nversions: '*'\n---\n"}
    files.update({f"content/{rel}": text for rel, text in pages.items()})
    files.update({f"data/features/{name}.yml": text for name, text in (FEATURES if features is None else features).items()})
    files.update({f"data/reusables/{rel}.md": text for rel, text in (reusables or {}).items()})
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return DocsTree(root)


def page(body: str, versions: str = "'*'") -> str:
    return f"---\ntitle: T\nversions: {versions}\n---\n{body}"


def shown_in(tree: DocsTree, relpath: str = "p.md") -> list[str]:
    """The versions whose render of the page says 'YES'."""
    found = []
    target = tree.page(relpath)
    for version in target.versions:
        if "YES" in render_page(tree, target, version).html:
            found.append(version)
    return found


CONDITIONS = [
    ("fpt", [FPT]),
    ("free-pro-team", [FPT]),
    ("ghes", list(GHES.values())),
    ("ghae", [GHAE]),
    ("fpt or ghae", [FPT, GHAE]),
    ("ghes > 2.22", [GHES["3.10"], GHES["3.9"]]),
    ("ghes > 3.9", [GHES["3.10"]]),  # compared as numbers: 3.10 > 3.9
    ("ghes < 3.10", [GHES["3.9"], GHES["2.22"], GHES["2.21"]]),
    ("ghes >= 3.9", [GHES["3.10"], GHES["3.9"]]),
    ("ghes <= 2.22", [GHES["2.22"], GHES["2.21"]]),
    ("ghes = 2.22", [GHES["2.22"]]),
    ("ghes != 2.22", [GHES["3.10"], GHES["3.9"], GHES["2.21"]]),  # comparisons are false in other plans
    ("ghes>2.22", [GHES["3.10"], GHES["3.9"]]),
    ("fpt or ghes > 2.21", [FPT, GHES["3.10"], GHES["3.9"], GHES["2.22"]]),
    ("ghes > 2.21 and ghes < 3.10", [GHES["3.9"], GHES["2.22"]]),
    ("not fpt", [*GHES.values(), GHAE]),
    ("not ghes = 2.22", [FPT, GHES["3.10"], GHES["3.9"], GHES["2.21"], GHAE]),
    ("not fpt and not ghae", list(GHES.values())),
    ("ghae or fpt and ghes", [GHAE]),  # grouped to the right, as Liquid: ghae or (fpt and ghes)
    ("fpt and ghes or ghae", []),  # fpt and (ghes or ghae)
    ("cool", [FPT, GHES["3.10"], GHES["3.9"]]),
    ("cool and not fpt", [GHES["3.10"], GHES["3.9"]]),
    ("ae-only or fpt", [FPT, GHAE]),
    ("ghes = 2.23", []),
]


@pytest.mark.parametrize(("condition", "expected"), CONDITIONS, ids=[c for c, _ in CONDITIONS])
def test_condition_selects_versions(tmp_path, condition, expected):
    tree = make_tree(tmp_path, {"p.md": page(f"{{% ifversion {condition} %}}YES{{% else %}}no{{% endif %}}\n")})
    assert shown_in(tree) == expected
    template = tree.parse_template(tree.page("p.md").body)
    node = next(n for n in template.nodes if isinstance(n, IfversionNode))
    assert sorted(versions_where(node.condition, tree.model)) == sorted(expected)


def test_elsif_takes_the_ifversion_grammar_and_else_is_the_rest(tmp_path):
    body = "{% ifversion fpt %}A{% elsif ghes > 3.9 %}B{% elsif ghae %}C{% else %}D{% endif %}\n"
    tree = make_tree(tmp_path, {"p.md": page(body)})
    target = tree.page("p.md")
    got = {v: render_page(tree, target, v).html.strip() for v in EVERY}
    assert got == {FPT: "<p>A</p>", GHES["3.10"]: "<p>B</p>", GHES["3.9"]: "<p>D</p>", GHES["2.22"]: "<p>D</p>",
                   GHES["2.21"]: "<p>D</p>", GHAE: "<p>C</p>"}


def test_ifversion_and_the_2020_syntax_mix_in_one_tree(tmp_path):
    body = ('{% if currentVersion == "free-pro-team@latest" %}{% ifversion fpt %}YES{% elsif ghes %}no{% endif %}'
            '{% elsif currentVersion ver_gt "enterprise-server@3.9" %}YES{% endif %}\n')
    tree = make_tree(tmp_path, {"p.md": page(body)}, reusables={"r": "{% ifversion ghae %}YES{% endif %}"})
    assert shown_in(tree) == [FPT, GHES["3.10"]]
    tree2 = make_tree(tmp_path / "two", {"p.md": page("{% data reusables.r %}\n")},
                      reusables={"r": "{% ifversion ghae %}YES{% endif %}"})
    assert shown_in(tree2) == [GHAE]


FRONTMATTER = [
    ("{fpt: '*'}", [FPT]),
    ("{ghes: '>=3.9'}", [GHES["3.10"], GHES["3.9"]]),
    ("{fpt: '*', ghae: '*'}", [FPT, GHAE]),
    ("{free-pro-team: '*', ghes: '<2.22'}", [FPT, GHES["2.21"]]),
    ("{feature: cool}", [FPT, GHES["3.10"], GHES["3.9"]]),
    ("{feature: [cool, ae-only]}", [FPT, GHES["3.10"], GHES["3.9"], GHAE]),
    ("{feature: ae-only, ghes: '2.21'}", [GHES["2.21"], GHAE]),
]


@pytest.mark.parametrize(("versions", "expected"), FRONTMATTER, ids=[v for v, _ in FRONTMATTER])
def test_frontmatter_versions_take_short_names_and_features(tmp_path, versions, expected):
    tree = make_tree(tmp_path, {"p.md": page("x\n", versions)})
    assert tree.page("p.md").versions == expected


ERRORS = [
    ("{% ifversion fpx %}x{% endif %}", "unknown plan or feature `fpx`", "fpx"),
    ("{% ifversion fpt %}x{% elsif nope %}y{% endif %}", "unknown plan or feature `nope`", "nope"),
    ("{% ifversion ghes > x %}x{% endif %}", "expected a release number after ghes >", "x %}"),
    ("{% ifversion ghes == 3.9 %}x{% endif %}", "with '=', not '=='", "=="),
    ("{% ifversion fpt > 2.0 %}x{% endif %}", "plan `fpt` has no numbered releases", "fpt >"),
    ("{% ifversion cool > 2.0 %}x{% endif %}", "feature `cool` cannot be compared", "cool >"),
    ("{% ifversion fpt ghes %}x{% endif %}", "expected 'and', 'or' or the end", "ghes %}"),
    ("{% ifversion (fpt or ghes) %}x{% endif %}", "no parentheses", "(fpt"),
    ("{% ifversion fpt or %}x{% endif %}", "ends too early", " %}x"),
    ("{% ifversion %}x{% endif %}", "needs a condition", "ifversion"),
    ("{% ifversion fpt %}x", "missing '{% endif %}'", "ifversion"),
    ("{% ifversion fpt %}x{% endunless %}", "unexpected tag 'endunless'", "endunless"),
]


@pytest.mark.parametrize(("body", "message", "at"), ERRORS, ids=[m for _, m, _ in ERRORS])
def test_errors_are_located(tmp_path, body, message, at):
    text = page(f"First line.\n{body}\n")
    tree = make_tree(tmp_path, {"p.md": text})
    with pytest.raises(RenderError) as caught:
        render_page(tree, tree.page("p.md"), FPT)
    err = caught.value
    index = text.index(at, text.index("First line."))
    assert message in err.message
    assert (err.file, err.line) == ("content/p.md", text.count("\n", 0, index) + 1)
    assert err.column == index - text.rfind("\n", 0, index), err


def test_frontmatter_errors_name_features_and_plans(tmp_path):
    tree_root = tmp_path
    make_tree(tree_root, {})
    (tree_root / "content/p.md").write_text(page("x\n", "{feature: nope}"))
    with pytest.raises(RenderError, match="unknown feature `nope`"):
        DocsTree(tree_root).page("p.md")
    (tree_root / "content/p.md").write_text(page("x\n", "{ghex: '*'}"))
    with pytest.raises(RenderError, match="unknown plan `ghex`"):
        DocsTree(tree_root).page("p.md")


@pytest.mark.parametrize(("name", "text", "message", "line"), [
    ("bad", "versions:\n  fpt: '*'\n  ghex: '*'\n", "unknown plan `ghex`", 3),
    ("bad", "versions:\n  ghes: '>=a'\n", "invalid version range", 2),
    ("bad", "versions:\n  feature: cool\n", "cannot name another feature", 2),
    ("bad", "title: no versions\n", "needs a `versions` mapping", 1),
    ("bad", "versions: [\n", "invalid YAML", 2),
    ("ghes", "versions: '*'\n", "has the name of a plan", 1),
    ("Bad", "versions: '*'\n", "must be lowercase", 1),
])
def test_broken_feature_files_are_located_errors(tmp_path, name, text, message, line):
    with pytest.raises(RenderError) as caught:
        make_tree(tmp_path, {}, features={"cool": FEATURES["cool"], name: text})
    assert message in caught.value.message
    assert (caught.value.file, caught.value.line) == (f"data/features/{name}.yml", line)


def test_short_names_must_be_unique(tmp_path):
    clash = VERSIONS.replace("short: ghae", "short: ghes")
    make_tree(tmp_path, {})
    (tmp_path / "data/versions.yml").write_text(clash)
    with pytest.raises(RenderError, match="short name 'ghes'"):
        DocsTree(tmp_path)


def test_name_problems_for_check(tmp_path):
    condition = "fpt or nope or ghes > 2.5 or ghes < 2.20 or fpt > 1.0"
    tree = make_tree(tmp_path, {"p.md": page(f"{{% ifversion {condition} %}}x{{% endif %}}\n")})
    node = next(n for n in tree.parse_template(tree.page("p.md").body).nodes if isinstance(n, IfversionNode))
    problems = [(token.value, message) for token, message in name_problems(node.condition, tree.model)]
    assert problems == [
        ("nope", problems[0][1]),
        ("2.5", "release 2.5 of `enterprise-server` does not exist (supported: 3.10, 3.9, 2.22, 2.21)"),
        ("fpt", "plan `fpt` has no numbered releases to compare with (its releases: latest)"),
    ]
    assert "unknown plan or feature `nope`" in problems[0][1]


def test_render_check_renders_ifversion_blocks_without_problems(tmp_path):
    from renderer.check import run_check

    body = "{% ifversion fpt or ghes > 2.22 %}A{% elsif ghae %}B{% endif %} {% ifversion cool %}C{% endif %}\n"
    tree = make_tree(tmp_path, {"p.md": page(body)})
    report = run_check(tree)
    assert report.problems == [] and report.renders == 2 * len(EVERY)


def test_check_reports_ifversion_mistakes_and_constant_conditions(tmp_path):
    from renderer.check import run_check

    files = {
        "data/versions.yml": (
            "default: free-pro-team@latest\nplans:\n"
            "  - name: free-pro-team\n    short: fpt\n    releases: [latest]\n"
            "  - name: enterprise-server\n    short: ghes\n    releases: ['2.22', '2.21']\n"
        ),
        "content/index.md": "---\ntitle: Home\nversions: '*'\n---\n",
        "content/a.md": (
            "---\ntitle: A\nversions: {fpt: '*', ghes: '*'}\n---\n"
            "{% ifversion ghez %}typo{% endif %}\n"
            "{% ifversion ghes > 2.99 %}no such release{% endif %}\n"
            "{% ifversion fpt or ghes %}always{% endif %}\n"
            "{% ifversion ghes > 2.21 %}fine{% endif %}\n"
        ),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    from renderer.model.tree import DocsTree

    found = {(p.kind, p.line, p.column) for p in run_check(DocsTree(tmp_path)).problems}
    assert ("version-reference", 5, 14) in found  # ghez
    assert any(kind == "version-reference" and line == 6 for kind, line, _ in found)  # 2.99
    assert ("constant-condition", 7, 14) in found  # fpt or ghes: every version the page has
    assert not any(line == 8 for _, line, _ in found)
